"""The resident's sign-in, kept in the session under its own key.

``web_resident`` holds the resident's id and when the sign-in ends; it never grants
anything outside the web channel (the counter keeps its staff under another key and
checks it itself). A sign-in ends after ``WEB_SESSION_MINUTES`` without a request;
every request, and the "stay signed in" button, starts the time again. It also ends
``WEB_SESSION_HOURS`` after signing in however active, and as soon as the core says
the resident's sessions ended (signed out elsewhere, a new PIN): services.sessions.session_end.
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


def _start(resident_id: int, now: datetime, ticket: services.sessions.SessionTicket) -> None:
    expires = now + lifetime()
    session[RESIDENT_KEY] = {
        "id": resident_id,
        "expires": expires.isoformat(),
        "session": ticket.id,
        "generation": ticket.generation,
        "started": ticket.started_at.isoformat(),
    }
    g.session_expires = expires
    g.session_ticket = ticket


def _ticket(data: dict) -> services.sessions.SessionTicket:
    started = datetime.fromisoformat(data["started"])
    if started.tzinfo is None:
        raise ValueError("a sign-in's start is always written with its time zone")
    return services.sessions.SessionTicket(str(data["session"]), int(data["generation"]), started)


def _ended_message(reason: services.sessions.SessionEnd) -> str:
    if reason is services.sessions.SessionEnd.LIFETIME:
        return _(
            "You were signed out because a sign-in lasts at most %(hours)d hours. "
            "Sign in again to carry on: your choices are kept.",
            hours=services.sessions.session_lifetime("web") // timedelta(hours=1),
        )
    return _(
        "You were signed out because this sign-in has ended: you signed out on another "
        "device, or your PIN was changed. Sign in again to carry on."
    )


def load_resident() -> None:
    """Before each web request: who is signed in, and the sign-in's time restarted."""
    g.resident = None
    g.session_expires = None
    g.session_ticket = None
    data = session.get(RESIDENT_KEY)
    if not data:
        return
    now = services.clock_now()
    try:
        expires = datetime.fromisoformat(data["expires"])
        if expires.tzinfo is None:
            raise ValueError("a sign-in's end is always written with its time zone")
        ticket = _ticket(data)
        resident = services.get_resident(int(data["id"]))
    except (KeyError, TypeError, ValueError, NotFound):
        session.pop(RESIDENT_KEY, None)
        return
    ended = services.sessions.session_end(resident, ticket, channel="web", now=now)
    if ended is not None:
        session.pop(RESIDENT_KEY, None)
        if ended is services.sessions.SessionEnd.LIFETIME:
            services.sessions.record_session_expired(
                services.Actor.resident(resident.id, "web"), resident, ticket, reason=ended, now=now
            )
        flash(_ended_message(ended), "warning")
        return
    if now >= expires:
        session.pop(RESIDENT_KEY, None)
        services.sessions.record_session_expired(
            services.Actor.resident(resident.id, "web"),
            resident,
            ticket,
            reason=services.sessions.SessionEnd.IDLE,
            now=now,
        )
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
    _start(resident.id, now, ticket)


def sign_in(resident_id: int) -> None:
    """A fresh session for the signed-in resident: only the booking in progress and
    where to go next carry over from before."""
    booking, next_page = session.get(BOOKING_KEY), session.get(NEXT_KEY)
    _clear_session()
    if booking:
        session[BOOKING_KEY] = booking
    if next_page:
        session[NEXT_KEY] = next_page
    now = services.clock_now()
    ticket = services.sessions.start_session(services.get_resident(resident_id), now)
    _start(resident_id, now, ticket)


def _clear_session() -> None:
    """A new session, and with it a new CSRF secret: forget the token Flask-WTF cached
    for this request, which belongs to the old one."""
    session.clear()
    g.pop("csrf_token", None)


def sign_out() -> None:
    """This session and every other of the resident's end (the core records it)."""
    resident, ticket = g.get("resident"), g.get("session_ticket")
    if resident is not None:
        services.sessions.end_sessions(
            services.Actor.resident(resident.id, "web"),
            resident,
            reason=services.sessions.SessionEnd.SIGN_OUT,
            now=services.clock_now(),
            session_id=ticket.id if ticket else None,
        )
    _clear_session()
    g.resident = None
    g.session_expires = None
    g.session_ticket = None


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
