"""Notification calls to landlines: the worker places the calls that are due, and each
call's outcome settles its notification.

Placing. `place_due_calls(caller, urls, now=)` claims one due `call` row at a time in
its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, with a transaction lock on
the number so that one line is never rung for two notifications at once). Outside the
hours a call may ring (reservations/call_rules.py) the row only moves to the next such
time. A claimed row is `sending` with a lease; the call is placed
(`TwilioCaller.place`, the app's TwiML and status-callback addresses from `urls`) and
the row becomes `calling` with Twilio's CallSid.

Never twice. The claim commits before Twilio is asked. A worker that dies between
Twilio's accept and its own commit leaves the row `sending`; when the lease ends, the
next worker first asks Twilio for calls placed to that number since the claim
(`placed_since`) that no other notification has recorded, and records the one it finds
instead of ringing again. The TwiML request of an answered call records its CallSid on
the row too (`call_answered`).

Outcomes. Twilio's status callback (or, when none came, the worker asking Twilio after
`OUTCOME_WAIT`) settles a `calling` row (`record_outcome`): `completed` (answered) is
`sent`; busy, no-answer, failed or canceled is rung again after CALL_RETRY_MINUTES,
inside the hours, up to CALL_MAX_ATTEMPTS calls, and then goes to the counter's call
list (medium `counter`), as does a number Twilio refuses for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text

from . import call_rules
from .db import db, write_transaction
from .models import CALLING, COUNTER_CALL, PENDING, SENDING, SENT, VOICE_CALL, Notification
from .notify import LEASE, DeliveryError, mask_phone
from .settings import get_settings

log = logging.getLogger(__name__)

# How long after placing a call the worker asks Twilio how it went, when no status
# callback has told us (a call rings at most CALL_RING_SECONDS, then lasts minutes).
OUTCOME_WAIT = timedelta(minutes=15)
# A number being rung for another notification: try this one again after this.
LINE_BUSY_WAIT = timedelta(minutes=5)

ANSWERED = "completed"
UNANSWERED = ("busy", "no-answer", "failed", "canceled")


@dataclass
class CallReport:
    placed: int = 0
    answered: int = 0
    retrying: int = 0
    to_counter: int = 0
    waiting: int = 0  # outside the hours, or the line already being rung

    @property
    def total(self) -> int:
        return self.placed + self.answered + self.retrying + self.to_counter


@dataclass(frozen=True)
class _Claimed:
    id: int
    to_phone: str
    since: datetime  # when this claim, or the claim it resumes, began
    resumed: bool  # another worker had it and went away: its call may have been placed
    provider_id: str | None  # a call placed whose outcome is overdue: ask Twilio


def _line_in_use(row: Notification) -> bool:
    """Whether another notification is ringing (or about to ring) the same number. On
    PostgreSQL a transaction lock on the number makes workers take turns to look."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"call:{row.to_phone}"}
        )
    other = db.session.scalar(
        select(Notification.id).where(
            Notification.medium == VOICE_CALL,
            Notification.to_phone == row.to_phone,
            Notification.status.in_((SENDING, CALLING)),
            Notification.id != row.id,
        )
    )
    return other is not None


def _claim_next(now: datetime) -> _Claimed | str | None:
    """Claim the next due call row: a pending one (inside the hours, its line free), one
    whose worker went away, or one whose outcome is overdue. 'waiting' when the row
    found was only moved to a later time; None when nothing is due."""
    settings = get_settings()
    with write_transaction():
        row = db.session.scalars(
            select(Notification)
            .where(
                Notification.medium == VOICE_CALL,
                Notification.status.in_((PENDING, SENDING, CALLING)),
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        if row.status == CALLING:
            row.status = CALLING
            row.next_attempt_at = now + OUTCOME_WAIT
            return _Claimed(row.id, row.to_phone, now, False, row.provider_id)
        resumed = row.status == SENDING
        if not resumed:
            ring_at = call_rules.next_call_time(now, settings.calls, settings.timezone)
            if ring_at > now:
                row.next_attempt_at = ring_at
                return "waiting"
            if _line_in_use(row):
                row.next_attempt_at = now + LINE_BUSY_WAIT
                return "waiting"
        since = row.next_attempt_at - LEASE if resumed else now
        row.status = SENDING
        row.next_attempt_at = now + LEASE
        return _Claimed(row.id, row.to_phone, since, resumed, None)


def _already_placed(caller, claimed: _Claimed) -> str | None:
    """A call a worker that went away placed for this row: one to its number since the
    claim that no notification has recorded."""
    for sid in caller.placed_since(claimed.to_phone, claimed.since):
        recorded = db.session.scalar(select(Notification.id).where(Notification.provider_id == sid))
        if recorded is None:
            return sid
    return None


def _to_counter(row: Notification, reason: str) -> None:
    row.medium = COUNTER_CALL
    row.status = PENDING
    row.last_error = reason[:200]


def _record_placed(claimed: _Claimed, now: datetime, sid: str | None) -> str:
    with write_transaction():
        row = db.session.get(Notification, claimed.id, with_for_update=True)
        if row.status != SENDING:
            return row.status  # the answered call's TwiML request recorded it first
        row.attempts += 1
        if sid is None:  # the log backend: nothing to wait for
            row.status = SENT
            row.sent_at = now
        else:
            row.status = CALLING
            row.provider_id = sid
            row.next_attempt_at = now + OUTCOME_WAIT
        return row.status


def _record_refused(claimed: _Claimed, now: datetime, error: DeliveryError) -> str:
    settings = get_settings()
    with write_transaction():
        row = db.session.get(Notification, claimed.id, with_for_update=True)
        row.attempts += 1
        if error.permanent or row.attempts >= settings.calls.max_attempts:
            _to_counter(row, error.code)
            return COUNTER_CALL
        row.status = PENDING
        row.last_error = error.code[:200]
        row.next_attempt_at = call_rules.next_attempt(now, settings.calls, settings.timezone)
        return PENDING


def record_outcome(notification_id: int, call_sid: str, call_status: str, now: datetime) -> str:
    """Settle a placed call by how it ended (Twilio's CallStatus): answered, it is sent;
    unanswered, it is rung again later, or goes to the counter's call list after the
    last attempt; still going, it waits. A repeated or stray report changes nothing.
    Returns the row's status afterwards (COUNTER_CALL when it went to the list)."""
    settings = get_settings()
    with write_transaction():
        row = db.session.get(Notification, notification_id, with_for_update=True)
        if row is None or row.medium != VOICE_CALL or row.provider_id != call_sid:
            return "unknown"
        if row.status != CALLING:
            return row.status
        if call_status == ANSWERED:
            row.status = SENT
            row.sent_at = now
            row.last_error = None
        elif call_status in UNANSWERED:
            if row.attempts >= settings.calls.max_attempts:
                _to_counter(row, f"call:{call_status}")
                return COUNTER_CALL
            row.status = PENDING
            row.last_error = f"call:{call_status}"
            row.next_attempt_at = call_rules.next_attempt(now, settings.calls, settings.timezone)
        else:  # queued, ringing, in-progress: ask again later
            row.next_attempt_at = now + OUTCOME_WAIT
        return row.status


def call_answered(notification_id: int, call_sid: str, now: datetime) -> Notification | None:
    """The TwiML request of an answered call: the notification it reads, with its
    CallSid recorded if the worker had not committed it yet (so that no later worker
    rings again). None for a notification that is not a call."""
    with write_transaction():
        row = db.session.get(Notification, notification_id, with_for_update=True)
        if row is None or row.medium != VOICE_CALL:
            return None
        if row.status == SENDING and row.provider_id != call_sid:
            row.provider_id = call_sid
            row.status = CALLING
            row.attempts += 1
            row.next_attempt_at = now + OUTCOME_WAIT
        return row


def place_due_calls(
    caller,
    urls: Callable[[int], tuple[str, str]],
    *,
    now: datetime,
    limit: int = 100,
) -> CallReport:
    """Place the calls due at `now` (at most `limit` rows looked at) and settle those
    whose outcome is overdue. `urls(notification_id)` gives the TwiML address and the
    status callback of a notification's call."""
    settings = get_settings()
    report = CallReport()
    for _ in range(limit):
        claimed = _claim_next(now)
        if claimed is None:
            break
        if claimed == "waiting":
            report.waiting += 1
            continue
        try:
            if claimed.provider_id is not None:
                status = record_outcome(
                    claimed.id, claimed.provider_id, caller.outcome(claimed.provider_id), now
                )
            else:
                sid = _already_placed(caller, claimed) if claimed.resumed else None
                if sid is not None:
                    log.info("notification %s: its call was already placed: %s", claimed.id, sid)
                else:
                    twiml, status_callback = urls(claimed.id)
                    sid = caller.place(
                        claimed.to_phone,
                        twiml,
                        status_callback=status_callback,
                        ring_seconds=settings.calls.ring_seconds,
                    )
                status = _record_placed(claimed, now, sid)
                if status in (CALLING, SENT):
                    report.placed += 1
                    continue
        except DeliveryError as error:
            if claimed.provider_id is not None:  # Twilio could not tell: ask again later
                report.retrying += 1
                continue
            status = _record_refused(claimed, now, error)
            log.info(
                "call for notification %s to %s: %s",
                claimed.id,
                mask_phone(claimed.to_phone),
                error.code,
            )
        if status == SENT:
            report.answered += 1
        elif status == COUNTER_CALL:
            report.to_counter += 1
        elif status == PENDING:
            report.retrying += 1
    return report
