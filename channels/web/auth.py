"""The resident's sign-in, kept in the session under its own key.

``web_resident`` holds the resident's id and when the sign-in ends; it never grants
anything outside the web channel (the counter keeps its staff under another key and
checks it itself). A sign-in ends after ``WEB_SESSION_MINUTES`` without a request;
every request, and the "stay signed in" button, starts the time again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import NotFound

RESIDENT_KEY = "web_resident"
BOOKING_KEY = "web_booking"
NEXT_KEY = "web_next"


def lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["WEB_SESSION_MINUTES"])


def _start(resident_id: int, now: datetime) -> None:
    expires = now + lifetime()
    session[RESIDENT_KEY] = {"id": resident_id, "expires": expires.isoformat()}
    g.session_expires = expires


def load_resident() -> None:
    """Before each web request: who is signed in, and the sign-in's time restarted."""
    g.resident = None
    g.session_expires = None
    data = session.get(RESIDENT_KEY)
    if not data:
        return
    now = services.clock_now()
    try:
        expires = datetime.fromisoformat(data["expires"])
        if expires.tzinfo is None:
            raise ValueError("a sign-in's end is always written with its time zone")
        resident = services.get_resident(int(data["id"]))
    except (KeyError, TypeError, ValueError, NotFound):
        session.pop(RESIDENT_KEY, None)
        return
    if now >= expires:
        session.pop(RESIDENT_KEY, None)
        flash(
            _(
                "You were signed out because nothing was done for %(minutes)d minutes. "
                "Sign in again to carry on: your choices are kept.",
                minutes=current_app.config["WEB_SESSION_MINUTES"],
            ),
            "warning",
        )
        return
    g.resident = resident
    _start(resident.id, now)


def sign_in(resident_id: int) -> None:
    """A fresh session for the signed-in resident: only the booking in progress and
    where to go next carry over from before."""
    booking, next_page = session.get(BOOKING_KEY), session.get(NEXT_KEY)
    _clear_session()
    if booking:
        session[BOOKING_KEY] = booking
    if next_page:
        session[NEXT_KEY] = next_page
    _start(resident_id, services.clock_now())


def _clear_session() -> None:
    """A new session, and with it a new CSRF secret: forget the token Flask-WTF cached
    for this request, which belongs to the old one."""
    session.clear()
    g.pop("csrf_token", None)


def sign_out() -> None:
    _clear_session()
    g.resident = None
    g.session_expires = None


def resident_required(view):
    """Send a resident who is not signed in to the sign-in page, and back here after."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.resident is None:
            if request.method == "GET":
                session[NEXT_KEY] = request.full_path.rstrip("?")
            return redirect(url_for("web.sign_in"))
        return view(*args, **kwargs)

    return wrapper
