"""Notifications by telephone: the counter's call list, the outbound callers the
channels configure (reservations/notify.py) and the notification calls the worker
places and their outcomes (reservations/calls.py).

The call list (窓口の電話連絡リスト) holds the notifications that reach their resident
by no SMS and no call: the resident has no number, a number no call can ring (free
dial), or the calls to their landline went unanswered until the retries ran out. Staff
phone each one, tell them what the row says, and record it done; the clerk and the
time are kept on the row and in the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..calls import CallReport, call_answered, place_due_calls, record_outcome
from ..db import db, write_transaction
from ..errors import NotFound
from ..models import COUNTER_CALL, PENDING, SENT, Notification, WaitlistEntry
from ..notify import DeliveryError, LogCaller, TwilioCaller
from . import audit
from .actors import Actor, acting_staff, require_aware, require_staff

__all__ = [
    "CallReport",
    "DeliveryError",
    "LogCaller",
    "Notification",
    "TwilioCaller",
    "call_answered",
    "call_list",
    "mark_called",
    "offer_entry_of",
    "place_due_calls",
    "record_outcome",
]


def call_list(actor: Actor, now: datetime) -> list[Notification]:
    """The notifications staff must phone, the oldest first (a waitlist offer's
    deadline and a hold's due day are in its parameters)."""
    require_aware(now)
    require_staff(actor)
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.medium == COUNTER_CALL, Notification.status == PENDING)
            .options(selectinload(Notification.resident))
            .order_by(Notification.created_at, Notification.id)
        )
    )


def mark_called(actor: Actor, *, notification_id: int, now: datetime) -> tuple[Notification, bool]:
    """Staff record that they phoned the resident about the notification: it leaves
    the call list, with the clerk and the time. Recording it again (a second clerk, a
    second click) changes nothing and says so: (the row, whether this call recorded it)."""
    require_aware(now)
    with write_transaction():
        require_staff(actor)
        row = db.session.scalar(
            select(Notification)
            .where(Notification.id == notification_id, Notification.medium == COUNTER_CALL)
            .with_for_update()
        )
        if row is None:
            raise NotFound(what="notification", id=notification_id)
        if row.phoned_at is not None:
            return row, False
        staff = acting_staff(actor)
        row.status = SENT
        row.sent_at = row.phoned_at = now
        row.phoned_by_id = staff.id if staff else None
        audit.record(
            actor,
            now,
            "notification.phoned",
            f"notification:{row.id}",
            after={"kind": row.kind, "medium": row.medium},
            reservation=row.reservation,
            resident_id=row.resident_id,
        )
    return row, True


def offer_entry_of(notification: Notification) -> int:
    """The waitlist entry whose offer a WAITLIST_OFFER notification tells of (to accept
    or decline it from the call)."""
    entry_id = db.session.scalar(
        select(WaitlistEntry.id).where(
            WaitlistEntry.offer_reservation_id == notification.reservation_id
        )
    )
    if entry_id is None:
        raise NotFound(what="waitlist_entry", id=notification.reservation_id)
    return entry_id
