"""What the app itself asks of the core: binding the database and the core's
settings to the app, a health check, and ending a request's unfinished work."""

from __future__ import annotations

from sqlalchemy import text

from .. import settings
from ..db import db


def init_app(app) -> None:
    """Bind the database extension and the core's settings to a Flask app."""
    db.init_app(app)
    settings.init_app(app)


def database_check() -> str:
    """A round trip to the database (raises when it is out of reach); its kind."""
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return db.engine.dialect.name


def discard_unfinished_work() -> None:
    """Roll back whatever the request's session holds (the database went away mid-
    request): nothing half-done is kept, and the next request starts clean."""
    db.session.rollback()
