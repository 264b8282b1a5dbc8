"""Sessions: whether a sign-in still holds, and the record of why one ended.

A channel keeps its sign-in in the visitor's signed cookie, which the server cannot
take back. So each account (resident or staff) carries a session generation: a
session remembers the generation it began in and when it began, and holds only while
the account's generation is unchanged and its absolute lifetime (WEB_SESSION_HOURS,
COUNTER_SESSION_HOURS) has not passed, however active it was. Signing out, a new PIN
or password (set by the holder or reset by staff), deactivating a staff account or
changing its role, and staff stopping an account's sign-in raise the generation: every session of that account, on any device, ends at its next
request. An automatic lock after wrong secrets does not: it is not the holder's doing,
and must not be a way to sign someone out.

The audit row of whatever raised the generation says which sessions ended (those of
the generation before) and why; a session found over its lifetime or idle is recorded
when it is found, with its own id.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ..db import db, write_transaction
from ..models import Resident, Staff
from ..settings import get_settings
from . import audit
from .actors import Actor, require_aware


class SessionEnd(StrEnum):
    """Why a session ended."""

    SIGN_OUT = "sign_out"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    PIN_SET = "pin_set"
    DEACTIVATED = "deactivated"
    ROLE_CHANGE = "role_change"
    SIGN_IN_STOPPED = "sign_in_stopped"  # staff stopped the account's sign-in
    # Found at a request:
    ENDED = "ended"  # its generation was raised (for one of the reasons above)
    LIFETIME = "lifetime"
    IDLE = "idle"


@dataclass(frozen=True)
class SessionTicket:
    """What a channel keeps of a sign-in: an id to name it in the audit trail, the
    account's generation when it began, and when it began."""

    id: str
    generation: int
    started_at: datetime


def start_session(account: Resident | Staff, now: datetime) -> SessionTicket:
    """A new session of `account`, beginning `now`."""
    require_aware(now)
    return SessionTicket(secrets.token_hex(8), account.session_generation, now)


def renewed(account: Resident | Staff, ticket: SessionTicket) -> SessionTicket:
    """The session that raised its own account's generation (a new password chosen in
    it) goes on, in the new generation, with its lifetime still counted from its start."""
    return SessionTicket(ticket.id, account.session_generation, ticket.started_at)


def session_lifetime(channel: str) -> timedelta:
    """How long a session lasts at most: a resident's on the web, staff at the counter."""
    settings = get_settings()
    if channel == "counter":
        return settings.counter_session_lifetime
    return settings.web_session_lifetime


def session_end(
    account: Resident | Staff, ticket: SessionTicket, *, channel: str, now: datetime
) -> SessionEnd | None:
    """None while the session holds; else why it no longer does (ENDED or LIFETIME)."""
    require_aware(now)
    if ticket.generation != account.session_generation:
        return SessionEnd.ENDED
    if ticket.started_at.tzinfo is None or now >= ticket.started_at + session_lifetime(channel):
        return SessionEnd.LIFETIME
    return None


def end_all(account: Resident | Staff, reason: SessionEnd) -> dict[str, Any]:
    """Inside the caller's write transaction: end every session of `account`. Returns
    what the caller's audit row says of it."""
    ended = account.session_generation
    account.session_generation = ended + 1
    return {"sessions_ended": {"generation": ended, "reason": str(reason)}}


def _subject(account: Resident | Staff) -> tuple[str, str, int | None]:
    if isinstance(account, Staff):
        return "staff", f"staff:{account.username}", None
    return "resident", f"resident:{account.registration_no}", account.id


def _locked(account: Resident | Staff) -> Resident | Staff:
    db.session.refresh(account, with_for_update=True)
    return account


def end_sessions(
    actor: Actor,
    account: Resident | Staff,
    *,
    reason: SessionEnd,
    now: datetime,
    session_id: str | None = None,
) -> None:
    """End every session of `account` (the one `session_id` names among them) and
    record it: `resident.sign_out` or `staff.sign_out` for SIGN_OUT."""
    require_aware(now)
    with write_transaction():
        account = _locked(account)
        kind, subject, resident_id = _subject(account)
        after = end_all(account, reason)
        if session_id is not None:
            after["session"] = session_id
        action = f"{kind}.sign_out" if reason is SessionEnd.SIGN_OUT else f"{kind}.sessions_end"
        audit.record(actor, now, action, subject, after=after, resident_id=resident_id)


def record_session_expired(
    actor: Actor,
    account: Resident | Staff,
    ticket: SessionTicket | None,
    *,
    reason: SessionEnd,
    now: datetime,
    last_activity: datetime | None = None,
) -> None:
    """A session found over its lifetime or idle too long at its next request."""
    require_aware(now)
    after: dict[str, Any] = {"reason": str(reason)}
    if ticket is not None:
        after["session"] = ticket.id
        after["started_at"] = ticket.started_at.isoformat()
    if last_activity is not None:
        after["last_activity"] = last_activity.isoformat()
    with write_transaction():
        kind, subject, resident_id = _subject(account)
        audit.record(
            actor, now, f"{kind}.session_expired", subject, after=after, resident_id=resident_id
        )
