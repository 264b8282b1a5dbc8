"""Staff sign-in for everything under /counter/.

The counter keeps its own session keys: a resident's web session never grants access
here, and signing staff in clears whatever the browser held before, so a staff
session is never a resident's. Each request re-reads the staff member from the
database (a deactivated account is out at once) and ends a session left idle for
COUNTER_IDLE_MINUTES; pages warn before that and offer to stay signed in. A session
also ends COUNTER_SESSION_HOURS after signing in, and as soon as the core says the
account's sessions ended (signed out, a new password, deactivated). Someone
whose password an administrator set sees only the page to choose their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from reservations import services

from .blueprint import bp

STAFF_KEY = "counter_staff_id"
SEEN_KEY = "counter_seen_at"
SESSION_KEY = "counter_session"
WARNING_SECONDS = 120  # WCAG 2.2.1: warned in time to extend with one action
PUBLIC_ENDPOINTS = {"counter.sign_in", "counter.static"}
# All a temporary password opens (the core refuses the rest as well).
TEMPORARY_PASSWORD_ENDPOINTS = {
    "counter.change_password",
    "counter.sign_out",
    "counter.extend_session",
}

# What the narrow roles open besides their own password and signing out: a caretaker
# the day lists of use records, statistics staff the statistics (the core checks the
# role and the facility as well; these spare them pages they cannot use).
ROLE_ENDPOINTS = {
    services.CARETAKER: {"counter.use_day", "counter.use_mark"},
    services.STATISTICS: {"counter.statistics", "counter.statistics_csv"},
}
ROLE_HOMES = {services.CARETAKER: "counter.use_day", services.STATISTICS: "counter.statistics"}


def idle_seconds() -> int:
    return max(1, int(current_app.config.get("COUNTER_IDLE_MINUTES", 20))) * 60


def current_staff() -> services.Staff | None:
    return g.get("counter_staff")


def start_staff_session(staff: services.Staff) -> None:
    now = services.clock_now()
    session.clear()
    session[STAFF_KEY] = staff.id
    session[SEEN_KEY] = now.timestamp()
    _keep_ticket(services.sessions.start_session(staff, now))


def _keep_ticket(ticket: services.sessions.SessionTicket) -> None:
    session[SESSION_KEY] = {
        "session": ticket.id,
        "generation": ticket.generation,
        "started": ticket.started_at.isoformat(),
    }
    g.counter_session = ticket


def current_ticket() -> services.sessions.SessionTicket | None:
    return g.get("counter_session")


def renew_staff_session(staff: services.Staff) -> None:
    """After this session raised its own account's generation (a new password)."""
    ticket = current_ticket()
    if ticket is not None:
        _keep_ticket(services.sessions.renewed(staff, ticket))


def _ticket() -> services.sessions.SessionTicket | None:
    data = session.get(SESSION_KEY)
    if not data:
        return None
    try:
        started = datetime.fromisoformat(data["started"])
    except (KeyError, TypeError, ValueError):
        return None
    if started.tzinfo is None:
        return None
    return services.sessions.SessionTicket(str(data["session"]), int(data["generation"]), started)


def end_staff_session() -> None:
    session.clear()


def _asked_for() -> str | None:
    return request.full_path.rstrip("?") if request.method == "GET" else None


def _sign_in_redirect():
    return redirect(url_for("counter.sign_in", next=_asked_for()))


def _expire(staff: services.Staff, seen, now: datetime, ticket, reason) -> None:
    last_activity = (
        datetime.fromtimestamp(seen, now.tzinfo) if isinstance(seen, (int, float)) else None
    )
    services.expire_staff_session(
        services.Actor.staff(staff.id),
        now=now,
        last_activity=last_activity,
        ticket=ticket,
        reason=reason,
    )
    end_staff_session()


@bp.before_request
def require_staff():
    g.counter_staff = None
    g.counter_session = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    staff_id = session.get(STAFF_KEY)
    staff = services.get_staff(staff_id) if isinstance(staff_id, int) else None
    if staff is None or not staff.active:
        if staff_id is not None:
            end_staff_session()
        return _sign_in_redirect()
    now = services.clock_now()
    ticket = _ticket()
    ended = (
        services.sessions.session_end(staff, ticket, channel="counter", now=now)
        if ticket is not None
        else services.sessions.SessionEnd.ENDED
    )
    if ended is services.sessions.SessionEnd.ENDED:
        # Recorded when it ended (sign-out, new password, deactivation).
        end_staff_session()
        flash(
            _(
                "This session has ended: the account signed out, its password was changed "
                "or an administrator changed the account. Sign in again to go on."
            ),
            "warning",
        )
        return _sign_in_redirect()
    if ended is services.sessions.SessionEnd.LIFETIME:
        _expire(staff, session.get(SEEN_KEY), now, ticket, ended)
        flash(
            _(
                "You were signed out because a session lasts at most %(hours)s hours. "
                "Sign in again to go on.",
                hours=services.sessions.session_lifetime("counter") // timedelta(hours=1),
            ),
            "warning",
        )
        return _sign_in_redirect()
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, (int, float)) or now.timestamp() - seen > idle_seconds():
        _expire(staff, seen, now, ticket, services.sessions.SessionEnd.IDLE)
        flash(
            _(
                "You were signed out after %(minutes)s minutes without activity. Sign in again to go on.",
                minutes=idle_seconds() // 60,
            ),
            "warning",
        )
        return _sign_in_redirect()
    session[SEEN_KEY] = now.timestamp()
    g.counter_staff = staff
    g.counter_session = ticket
    if staff.must_change_password and request.endpoint not in TEMPORARY_PASSWORD_ENDPOINTS:
        return redirect(url_for("counter.change_password", next=_asked_for()))
    return _within_role(staff)


def _within_role(staff: services.Staff):
    allowed = ROLE_ENDPOINTS.get(staff.role)
    if allowed is None or request.endpoint in allowed | TEMPORARY_PASSWORD_ENDPOINTS:
        return None
    home = ROLE_HOMES.get(staff.role)
    if request.endpoint == "counter.home" and home is not None:
        return redirect(url_for(home))
    return render_template("counter/forbidden.html"), 403


@bp.context_processor
def counter_context() -> dict:
    staff = current_staff()
    return {
        "staff": staff,
        # Clerks and admins do the counter's work; caretakers and statistics staff see
        # their own pages only.
        "counter_staff": staff is not None and staff.role in (services.CLERK, services.ADMIN),
        "idle_seconds": idle_seconds(),
        "warning_seconds": WARNING_SECONDS,
    }
