"""The counter's blueprint, with its own templates and static files."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "counter",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
