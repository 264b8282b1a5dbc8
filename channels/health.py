"""/healthz: for the town's IT person and the load balancer; no personal data."""

from __future__ import annotations

from flask import Blueprint, jsonify

from reservations import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", database=services.database_check())
