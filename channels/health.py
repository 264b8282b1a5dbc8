"""/healthz: for the town's IT person and the load balancer; no personal data."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from reservations.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return jsonify(status="ok", database=db.engine.dialect.name)
