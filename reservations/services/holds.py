"""Holds (仮予約): a booking that needs payment claims its slots as a hold with a
payment due time from the town's rule (payment_rules.payment_due), until it is paid at
the counter (payments.record_payment), an administrator extends its due time with a
reason, or the due time passes and the worker cancels it as unpaid.

Exempt and zero-fee bookings skip the hold: they are confirmed at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from .. import notify, payment_rules
from ..db import db, write_transaction
from ..errors import (
    InputProblem,
    InvalidInput,
    NotAllowed,
    NotAllowedProblem,
    ReasonFor,
    ReasonRequired,
)
from ..models import (
    ADMIN,
    CANCELLED,
    CONFIRMED,
    EXEMPT,
    HELD,
    PAID,
    UNPAID,
    CancelReasonKind,
    Facility,
    LotteryAnswer,
    LotteryChoice,
    Reservation,
    Unit,
    WaitlistEntry,
    WaitlistStatus,
)
from ..settings import get_settings
from ..text import column_text
from . import audit, claims
from .actors import Actor, require_aware, require_staff
from .lookup import load_reservation, reservation_snapshot
from .numbers import new_unique_number
from .permissions import may_override

T = TypeVar("T")


def _tz():
    return get_settings().timezone


PERMIT_NUMBER_LENGTH = 8


def issue_permit(reservation: Reservation) -> None:
    """Give a confirmed booking its permit (使用許可書) number, once."""
    if reservation.permit_number is None:
        reservation.permit_number = new_unique_number(
            Reservation.permit_number, PERMIT_NUMBER_LENGTH
        )


def settle_status(reservation: Reservation, now: datetime) -> None:
    """A booking's status from its fee: nothing to pay (zero fee or exempt) confirms it;
    paid stays confirmed; a fee to pay makes it a hold due by the town's rule (counted
    from when it was booked; a hold keeps an administrator's extension)."""
    if reservation.payment_status == PAID or reservation.fee_yen == 0:
        if reservation.payment_status != PAID:
            reservation.payment_status = EXEMPT
        reservation.status = CONFIRMED
        reservation.payment_due_at = None
        issue_permit(reservation)
        return
    reservation.payment_status = UNPAID
    if reservation.status == HELD and reservation.due_extension_reason:
        reservation.payment_due_at = min(reservation.payment_due_at, reservation.start_at)
        return
    reservation.status = HELD
    reservation.payment_due_at = payment_rules.payment_due(
        reservation.created_at or now,
        reservation.date,
        reservation.start_at,
        get_settings().holds,
        _tz(),
    )


@dataclass(frozen=True)
class HoldTerms:
    """How a hold is to be paid, as the channels word it."""

    due_at: datetime  # exclusive
    last_day: date  # the last day to pay, as a resident reads it
    on_the_day: bool  # due at the start of use (pay on the day, before starting)
    overdue: bool  # the due time has passed and the worker has not cancelled it yet
    fee_yen: int


def hold_terms(reservation: Reservation, now: datetime) -> HoldTerms | None:
    """The hold's payment terms, or None when it is not a hold."""
    require_aware(now)
    if reservation.status != HELD or reservation.payment_due_at is None:
        return None
    due_at = reservation.payment_due_at
    return HoldTerms(
        due_at=due_at,
        last_day=payment_rules.due_day(due_at, _tz()),
        on_the_day=due_at == reservation.start_at,
        overdue=now >= due_at,
        fee_yen=reservation.fee_yen,
    )


def extend_hold(
    actor: Actor, *, reservation_id: int, last_day: date, reason: str, now: datetime
) -> Reservation:
    """An administrator gives a hold until the end of `last_day` to be paid (never past
    the start of its use), with a reason. Also for a hold already overdue that the
    worker has not cancelled yet."""
    require_aware(now)
    reason = column_text(Reservation.due_extension_reason, "reason", reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.HOLD_EXTENSION)
    with write_transaction():
        require_staff(actor, ADMIN)
        reservation = load_reservation(reservation_id, for_update=True)
        if reservation.status != HELD:
            raise NotAllowed(problem=NotAllowedProblem.NOT_HELD)
        today = now.astimezone(_tz()).date()
        if not today <= last_day <= reservation.date:
            raise InvalidInput(
                field="last_day", problem=InputProblem.OUT_OF_RANGE, maximum=reservation.date
            )
        before = reservation_snapshot(reservation)
        reservation.payment_due_at = min(
            payment_rules.end_of_day(last_day, _tz()), reservation.start_at
        )
        reservation.due_extension_reason = reason
        reservation.reminded_at = None
        audit.record(
            actor,
            now,
            "reservation.extend_hold",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id or reservation.booked_by_id,
            group_id=reservation.group_id,
            reason=reason,
        )
    return reservation


def may_extend_hold(actor: Actor, reservation: Reservation) -> bool:
    """Whether the actor may extend this reservation's due time: an administrator, for
    a hold."""
    return reservation.status == HELD and may_override(actor)


def _open_offer():
    """A hold that is a waitlist offer not yet answered: its due time is the offer's
    deadline, which the waitlist's own job ends (reservations/services/waitlist.py)."""
    return exists().where(
        WaitlistEntry.offer_reservation_id == Reservation.id,
        WaitlistEntry.status == WaitlistStatus.OFFERED,
    )


def _due_query(now: datetime):
    return (
        select(Reservation)
        .where(Reservation.status == HELD, Reservation.payment_due_at <= now, ~_open_offer())
        .order_by(Reservation.payment_due_at, Reservation.id)
    )


def expire_one_hold(now: datetime) -> Reservation | None:
    """Cancel one hold whose due time has passed, as unpaid, by the system: its claims
    are released and the resident is told. Rows another worker (or a clerk recording
    the payment) holds are skipped, so two workers never expire the same hold and a
    payment being recorded wins. None when nothing is due."""
    require_aware(now)
    with write_transaction():
        reservation = db.session.scalar(_due_query(now).limit(1).with_for_update(skip_locked=True))
        if reservation is None:
            return None
        before = reservation_snapshot(reservation)
        claims.release(reservation)
        reservation.status = CANCELLED
        reservation.cancelled_at = now
        reservation.cancelled_channel = "cli"
        reservation.cancel_reason_kind = (
            CancelReasonKind.LOTTERY_UNCONFIRMED
            if _unanswered_win(reservation, now)
            else CancelReasonKind.UNPAID
        )
        reservation.cancel_reason = None
        audit.record(
            Actor.system(),
            now,
            "reservation.expire_hold",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id or reservation.booked_by_id,
            group_id=reservation.group_id,
        )
        notify.reservation_message(notify.HOLD_EXPIRED, reservation, now)
    return reservation


def _unanswered_win(reservation: Reservation, now: datetime) -> bool:
    """A lottery win not confirmed by the round's deadline: its choice is marked
    expired (True); any other hold is not a win (False)."""
    choice = db.session.scalar(
        select(LotteryChoice).where(
            LotteryChoice.reservation_id == reservation.id, LotteryChoice.answer.is_(None)
        )
    )
    if choice is None:
        return False
    choice.answer = LotteryAnswer.EXPIRED
    choice.answered_at = now
    return True


def expire_holds(now: datetime, limit: int = 100) -> list[Reservation]:
    """Cancel up to `limit` overdue holds, one transaction each."""
    return one_at_a_time(expire_one_hold, now, limit)


def one_at_a_time(step: Callable[[datetime], T | None], now: datetime, limit: int) -> list[T]:
    """Run a worker's `step` (one row, one transaction) until it finds nothing more to
    do or has done `limit`; what it did, in order."""
    done: list[T] = []
    while len(done) < limit:
        item = step(now)
        if item is None:
            break
        done.append(item)
    return done


def remind_one_hold(now: datetime) -> Reservation | None:
    """Put the reminder of one hold's due time in the outbox (HOLD_REMINDER_HOURS
    before it; once per due time), skipping rows another worker holds."""
    require_aware(now)
    hours = timedelta(hours=get_settings().holds.reminder_hours)
    with write_transaction():
        candidates = db.session.scalars(
            select(Reservation)
            .where(
                Reservation.status == HELD,
                Reservation.reminded_at.is_(None),
                Reservation.payment_due_at > now,
                Reservation.payment_due_at <= now + hours,
                ~_open_offer(),
            )
            .order_by(Reservation.payment_due_at, Reservation.id)
            .with_for_update(skip_locked=True)
        )
        # Not for a hold booked less than that before its due time (told at booking).
        reservation = next((r for r in candidates if r.created_at < r.payment_due_at - hours), None)
        if reservation is None:
            return None
        reservation.reminded_at = now
        notify.reservation_message(notify.HOLD_REMINDER, reservation, now)
    return reservation


def remind_holds(now: datetime, limit: int = 100) -> list[Reservation]:
    return one_at_a_time(remind_one_hold, now, limit)


def holds_due(now: datetime, *, facility_id: int | None = None) -> list[Reservation]:
    """The counter's list: holds due by the end of today, overdue ones first (those the
    worker has not cancelled yet), then by due time."""
    require_aware(now)
    end_of_today = payment_rules.end_of_day(now.astimezone(_tz()).date(), _tz())
    query = (
        _due_query(end_of_today)
        .join(Unit, Unit.id == Reservation.unit_id)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.group),
            selectinload(Reservation.booked_by),
        )
    )
    if facility_id is not None:
        query = query.join(Facility, Facility.id == Unit.facility_id).where(
            Facility.id == facility_id
        )
    return list(db.session.scalars(query))
