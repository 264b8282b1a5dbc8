"""The resident web channel: find a facility, book it, see and cancel reservations.

Every decision comes from ``reservations.services``; this package parses forms,
keeps the booking in progress and the resident's sign-in in the session, and words
the core's outcomes for residents in Japanese or English.
"""

from __future__ import annotations

from flask import Flask

# change, lottery, open_data, search and waitlist add their pages to the blueprint
from . import change, lottery, open_data, page_cache, search, waitlist  # noqa: F401
from .views import bp


def init_app(app: Flask) -> None:
    page_cache.init_app(app)
    app.register_blueprint(bp)
