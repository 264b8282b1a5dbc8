"""The session as the app writes it, checked as it comes back.

The cookie is signed, so only this app makes one; but a cookie of an older version of
the app, or one made with a leaked key, can hold values of other shapes. Each known
key is checked before any view reads it, and a value of the wrong shape is dropped:
the visitor is then simply not signed in, or has no booking in progress, instead of
meeting an error page."""

from __future__ import annotations

import math

from flask import Flask, session

from .ids import MAX_ID


def _is_id(value) -> bool:
    return type(value) is int and 0 < value <= MAX_ID


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_session(value) -> bool:
    """A session's ticket (services.SessionTicket) as a channel writes it."""
    return (
        isinstance(value, dict)
        and _is_text(value.get("session"))
        and type(value.get("generation")) is int
        and 0 <= value["generation"] <= MAX_ID
        and _is_text(value.get("started"))
    )


SHAPES = {
    "web_resident": lambda v: (
        isinstance(v, dict)
        and _is_id(v.get("id"))
        and _is_text(v.get("expires"))
        and _is_session(v)
    ),
    "web_booking": lambda v: (
        isinstance(v, dict)
        and _is_id(v.get("unit_id"))
        and _is_text(v.get("date"))
        and isinstance(v.get("block_ids"), list)
        and all(_is_id(b) for b in v["block_ids"])
        and _is_text(v.get("key", ""))
    ),
    "web_next": _is_text,
    "counter_staff_id": _is_id,
    "counter_seen_at": lambda v: type(v) in (int, float) and math.isfinite(v),
    "counter_session": _is_session,
    "counter_search": _is_text,
    "counter_member_search": lambda v: (
        isinstance(v, dict) and _is_id(v.get("group")) and _is_text(v.get("q"))
    ),
    "csrf_token": _is_text,
    "_flashes": lambda v: (
        isinstance(v, list)
        and all(isinstance(f, (list, tuple)) and len(f) == 2 and all(map(_is_text, f)) for f in v)
    ),
}


def drop_malformed_values() -> None:
    for key, is_well_formed in SHAPES.items():
        if key in session and not is_well_formed(session[key]):
            session.pop(key)


def init_app(app: Flask) -> None:
    """Before every other before_request function (CSRF protection reads the session)."""
    app.before_request(drop_malformed_values)
