"""Booking, changing and cancelling reservations, recording payments, and what an
actor may do with a reservation.

Each write is one transaction: the change, its claims, its audit row and its outbox
row commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from .. import notify, rules
from ..db import db, write_transaction
from ..errors import (
    AlreadyCancelled,
    Forbidden,
    ForbiddenAction,
    InputProblem,
    InvalidInput,
    NotAllowed,
    NotAllowedProblem,
    NotYourReservation,
    ReasonFor,
    ReasonRequired,
    ReservationError,
    SlotTaken,
    TooLateToCancel,
)
from ..models import (
    ADMIN,
    CANCELLED,
    CONFIRMED,
    EXEMPT,
    PAID,
    UNPAID,
    Facility,
    Reservation,
    Resident,
    Staff,
    Unit,
)
from ..settings import get_settings
from ..text import clean_text
from . import audit, claims
from .actors import Actor, acting_staff, require_acting_for, require_aware, require_staff
from .catalog import closures_between, get_unit
from .lookup import get_reservation, load_reservation
from .numbers import RESERVATION_NUMBER_LENGTH, new_unique_number
from .quotes import Quote, cancellation_deadline, quote_for
from .residents import get_resident, locked_resident

# What staff may record when a reservation waits for its fee.
RECORDABLE_PAYMENTS = (PAID, EXEMPT)


def reservation_snapshot(reservation: Reservation) -> dict[str, Any]:
    """The reservation's state as the audit trail records it."""
    return {
        "number": reservation.number,
        "status": reservation.status,
        "resident": reservation.resident.registration_no,
        "facility": reservation.unit.facility.code,
        "unit": reservation.unit.code,
        "date": reservation.date.isoformat(),
        "blocks": [block.code for block in reservation.time_blocks],
        "fee_base_yen": reservation.fee_base_yen,
        "exemption_percent": reservation.exemption_percent,
        "fee_yen": reservation.fee_yen,
        "payment_status": reservation.payment_status,
    }


def _active_count(resident_id: int, category_id: int, now: datetime, exclude: int | None) -> int:
    query = (
        select(func.count())
        .select_from(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(
            Reservation.resident_id == resident_id,
            Reservation.status == CONFIRMED,
            Reservation.start_at > now,
            Facility.category_id == category_id,
        )
    )
    if exclude is not None:
        query = query.where(Reservation.id != exclude)
    return db.session.scalar(query) or 0


def _may_override(staff: Staff | None) -> bool:
    return staff is not None and staff.role == ADMIN


def _check_override(staff: Staff | None, override_reason: str | None) -> str | None:
    """Limits and the booking window may be overridden by an admin, with a reason."""
    if override_reason is None:
        return None
    if not _may_override(staff):
        raise Forbidden(action=ForbiddenAction.OVERRIDE)
    reason = clean_text(override_reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.OVERRIDE)
    return reason


def may_override(actor: Actor) -> bool:
    """Whether the actor may lift the booking window and the limit (with a reason)."""
    return actor.resident_id is None and _may_override(acting_staff(actor))


def choosable_statuses(actor: Actor, *, changing: bool) -> frozenset[rules.BlockStatus]:
    """The availability statuses of the blocks this actor may pick:
    free ones; those outside the booking window too for an administrator, who may
    override it; and the resident's own when changing one of their reservations."""
    statuses = {rules.BlockStatus.FREE}
    if may_override(actor):
        statuses |= rules.OVERRIDABLE
    if changing:
        statuses.add(rules.BlockStatus.YOURS)
    return frozenset(statuses)


def _check_rules(
    resident: Resident,
    quoted: Quote,
    *,
    now: datetime,
    override: str | None,
    exclude: int | None = None,
) -> None:
    facility = quoted.facility
    rules.check_bookable(
        facility,
        quoted.date,
        quoted.blocks,
        now=now,
        tz=get_settings().timezone,
        closures=closures_between(facility, quoted.date, quoted.date),
        is_resident=resident.is_resident,
        window_override=override is not None,
    )
    if override is None:
        rules.check_limit(
            _active_count(resident.id, facility.category_id, now, exclude),
            facility.category.max_active_per_resident,
            facility.category.code,
        )


def book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    """Book consecutive blocks of one day for a resident.

    With `idempotency_key`, a repeat of the same request returns the reservation it
    already made, even when the repeat raced the original. `override_reason` (admins
    only) lifts the booking window and the per-resident limit; the reason is kept on
    the reservation and in the audit trail.
    """
    try:
        return _book(
            actor,
            resident_id=resident_id,
            unit_id=unit_id,
            day=day,
            block_ids=block_ids,
            now=now,
            override_reason=override_reason,
            idempotency_key=idempotency_key,
        )
    except SlotTaken:
        if idempotency_key is not None:
            existing = _by_idempotency_key(idempotency_key, resident_id)
            if existing is not None:
                return existing
        raise


def check_booking(
    *, resident_id: int, unit_id: int, day: date, block_ids: Sequence[int], now: datetime
) -> Quote:
    """What `book` would decide for this resident at `now`, without booking: the quote,
    or the ReservationError that `book` would raise (closed, past, outside the window,
    limit reached, slot taken, ...). For a channel's confirm page; the slot can still
    be taken between this check and the booking, which `book` then reports."""
    require_aware(now)
    resident = get_resident(resident_id)
    unit = get_unit(unit_id)
    quoted = quote_for(unit, day, block_ids, resident)
    _check_rules(resident, quoted, now=now, override=None)
    block_ids = [block.id for block in quoted.blocks]
    if claims.count_taken([part.id for part in unit.parts], day, block_ids):
        raise SlotTaken(date=day, block_ids=sorted(block_ids))
    return quoted


def _by_idempotency_key(key: str, resident_id: int) -> Reservation | None:
    existing = db.session.scalar(select(Reservation).where(Reservation.idempotency_key == key))
    if existing is not None and existing.resident_id != resident_id:
        raise Forbidden(action=ForbiddenAction.IDEMPOTENCY_KEY)
    return existing


@claims.retry_once_on_conflict
def _book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    require_aware(now)
    with write_transaction():
        if idempotency_key is not None:
            existing = _by_idempotency_key(idempotency_key, resident_id)
            if existing is not None:
                return existing
        staff = require_acting_for(actor, resident_id)
        override = _check_override(staff, override_reason)
        resident = locked_resident(resident_id)
        unit = get_unit(unit_id)
        quoted = quote_for(unit, day, block_ids, resident)
        _check_rules(resident, quoted, now=now, override=override)
        keys = claims.lock_slots(unit.parts, day, quoted.blocks)
        reservation = Reservation(
            number=new_unique_number(Reservation.number, RESERVATION_NUMBER_LENGTH),
            resident=resident,
            unit=unit,
            date=day,
            start_at=quoted.start_at,
            end_at=quoted.end_at,
            status=CONFIRMED,
            fee_base_yen=quoted.fee.base_yen,
            exemption_percent=quoted.fee.exemption_percent,
            fee_yen=quoted.fee.fee_yen,
            payment_status=EXEMPT if quoted.fee.fee_yen == 0 else UNPAID,
            created_at=now,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
            override_reason=override,
            idempotency_key=idempotency_key,
            time_blocks=list(quoted.blocks),
        )
        db.session.add(reservation)
        db.session.flush()
        claims.claim(reservation, keys)
        audit.record(
            actor,
            now,
            "reservation.book",
            f"reservation:{reservation.number}",
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=resident.id,
            reason=override,
        )
        notify.reservation_message(notify.RESERVATION_BOOKED, reservation, now)
    return reservation


def _check_may_change(
    actor: Actor,
    reservation: Reservation,
    now: datetime,
    reason: str | None,
    *,
    require_reason: bool = True,
) -> tuple[Staff | None, str | None, bool]:
    """Residents change or cancel their own reservations before the deadline; staff
    any time, with a reason. Returns the staff member, the reason and whether the
    deadline had passed."""
    if reservation.status == CANCELLED:
        raise AlreadyCancelled(number=reservation.number)
    if actor.resident_id is not None and actor.resident_id != reservation.resident_id:
        raise NotYourReservation()
    staff = require_acting_for(actor, reservation.resident_id)
    deadline = cancellation_deadline(reservation)
    after_deadline = deadline.has_passed(now)
    if actor.resident_id is not None:
        if after_deadline:
            raise TooLateToCancel(
                deadline=deadline.deadline,
                last_day=deadline.last_day,
                days_before=reservation.unit.facility.cancel_days_before,
            )
        return None, clean_text(reason, multiline=True) or None, False
    reason = clean_text(reason, multiline=True)
    if not reason and require_reason:
        raise ReasonRequired(action=ReasonFor.STAFF_CHANGE)
    return staff, reason or None, after_deadline


def check_cancellable(actor: Actor, *, reservation_id: int, now: datetime) -> Reservation:
    """Raise what `cancel` would raise for this actor at `now` (AlreadyCancelled,
    NotYourReservation, TooLateToCancel, Forbidden) without changing anything, so that a
    channel can say so before it asks for confirmation. Staff give their reason when
    they cancel."""
    require_aware(now)
    reservation = load_reservation(reservation_id)
    _check_may_change(actor, reservation, now, None, require_reason=False)
    return reservation


@dataclass(frozen=True)
class ReservationActions:
    """What an actor may do with a reservation at a given moment, as the core decides
    it: channels show or offer these, and never work them out themselves."""

    reservation: Reservation
    deadline: rules.CancelDeadline  # the resident's last day to cancel, and its end
    after_deadline: bool  # the resident's deadline has passed (staff may still cancel)
    may_cancel: bool
    may_change: bool  # the same rules as cancelling: the old slot is given up
    payment_statuses: tuple[str, ...]  # what this actor may record it as; () for none
    refusal: ReservationError | None  # why this actor may not cancel or change it

    @property
    def may_pay(self) -> bool:
        """A payment (or an exemption) can be recorded now."""
        return bool(self.payment_statuses)


def _actions(actor: Actor, reservation: Reservation, now: datetime) -> ReservationActions:
    refusal = None
    try:
        _check_may_change(actor, reservation, now, None, require_reason=False)
    except ReservationError as error:
        refusal = error
    payable = reservation.status == CONFIRMED and reservation.payment_status == UNPAID
    deadline = cancellation_deadline(reservation)
    return ReservationActions(
        reservation=reservation,
        deadline=deadline,
        after_deadline=deadline.has_passed(now),
        may_cancel=refusal is None,
        may_change=refusal is None,
        payment_statuses=RECORDABLE_PAYMENTS if payable and _is_staff_side(actor) else (),
        refusal=refusal,
    )


def _is_staff_side(actor: Actor) -> bool:
    """Staff in good standing, or the command line."""
    if actor.resident_id is not None:
        return False
    try:
        require_staff(actor)
    except Forbidden:
        return False
    return True


def reservation_actions(actor: Actor, reservation_id: int, now: datetime) -> ReservationActions:
    """What `actor` may do with the reservation at `now` (see ReservationActions).
    Another resident's reservation is NotFound, as in get_reservation."""
    require_aware(now)
    return _actions(actor, get_reservation(actor, reservation_id), now)


def actions_for(
    actor: Actor, reservations: Iterable[Reservation], now: datetime
) -> dict[int, ReservationActions]:
    """reservation_actions for reservations already loaded (a resident's list), by id."""
    require_aware(now)
    return {reservation.id: _actions(actor, reservation, now) for reservation in reservations}


def _replayed_cancel(actor: Actor, reservation: Reservation, key: str | None) -> bool:
    """The same cancel request again (its idempotency key): the reservation it already
    cancelled is the answer, for the same resident or staff."""
    if key is None or reservation.status != CANCELLED or reservation.cancel_idempotency_key != key:
        return False
    if actor.resident_id is not None and actor.resident_id != reservation.resident_id:
        raise NotYourReservation()
    require_acting_for(actor, reservation.resident_id)
    return True


def cancel(
    actor: Actor,
    *,
    reservation_id: int,
    now: datetime,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    """Cancel: the claims are released, the reservation stays with its history.

    With `idempotency_key`, a repeat of the same request (a confirmation sent twice)
    returns the reservation it already cancelled instead of AlreadyCancelled.
    """
    require_aware(now)
    with write_transaction():
        reservation = load_reservation(reservation_id, for_update=True)
        if _replayed_cancel(actor, reservation, idempotency_key):
            return reservation
        _, reason, after_deadline = _check_may_change(actor, reservation, now, reason)
        before = reservation_snapshot(reservation)
        claims.release(reservation)
        reservation.status = CANCELLED
        reservation.cancelled_at = now
        reservation.cancelled_channel = actor.channel
        reservation.cancelled_by_staff_id = actor.staff_id
        reservation.cancel_reason = reason
        reservation.cancelled_after_deadline = after_deadline
        reservation.cancel_idempotency_key = idempotency_key
        audit.record(
            actor,
            now,
            "reservation.cancel",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
            reason=reason,
        )
        notify.reservation_message(notify.RESERVATION_CANCELLED, reservation, now)
    return reservation


@claims.retry_once_on_conflict
def change(
    actor: Actor,
    *,
    reservation_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    reason: str | None = None,
    override_reason: str | None = None,
) -> Reservation:
    """Move a reservation to another unit, date or blocks, keeping its number.

    The same rules as cancelling the old and booking the new, in one transaction: if
    the new slot is taken, the old one is kept. The fee is quoted anew; a reservation
    already paid keeps its payment only when the fee is unchanged.
    """
    require_aware(now)
    with write_transaction():
        reservation = load_reservation(reservation_id, for_update=True)
        staff, reason, _ = _check_may_change(actor, reservation, now, reason)
        override = _check_override(staff, override_reason)
        resident = locked_resident(reservation.resident_id)
        unit = get_unit(unit_id)
        quoted = quote_for(unit, day, block_ids, resident)
        _check_rules(resident, quoted, now=now, override=override, exclude=reservation.id)
        if reservation.payment_status == PAID and quoted.fee.fee_yen != reservation.fee_yen:
            raise NotAllowed(problem=NotAllowedProblem.PAID_FEE_DIFFERS)
        before = reservation_snapshot(reservation)
        claims.release(reservation)
        keys = claims.lock_slots(unit.parts, day, quoted.blocks)
        reservation.unit = unit
        reservation.date = day
        reservation.time_blocks = list(quoted.blocks)
        reservation.start_at = quoted.start_at
        reservation.end_at = quoted.end_at
        reservation.fee_base_yen = quoted.fee.base_yen
        reservation.exemption_percent = quoted.fee.exemption_percent
        reservation.fee_yen = quoted.fee.fee_yen
        if reservation.payment_status != PAID:
            reservation.payment_status = EXEMPT if quoted.fee.fee_yen == 0 else UNPAID
        if override is not None:
            reservation.override_reason = override
        db.session.flush()
        claims.claim(reservation, keys)
        audit.record(
            actor,
            now,
            "reservation.change",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
            reason="; ".join(part for part in (reason, override) if part) or None,
        )
        notify.reservation_message(notify.RESERVATION_CHANGED, reservation, now)
    return reservation


def record_payment(actor: Actor, *, reservation_id: int, status: str, now: datetime) -> Reservation:
    """Staff record that an unpaid reservation was paid at the counter or exempted."""
    require_aware(now)
    if status not in RECORDABLE_PAYMENTS:
        raise InvalidInput(field="payment_status", problem=InputProblem.UNKNOWN)
    with write_transaction():
        staff = require_staff(actor)
        reservation = load_reservation(reservation_id, for_update=True)
        if reservation.status != CONFIRMED or reservation.payment_status != UNPAID:
            raise NotAllowed(problem=NotAllowedProblem.NOT_UNPAID)
        before = reservation_snapshot(reservation)
        reservation.payment_status = status
        reservation.paid_at = now
        reservation.paid_by_staff_id = staff.id if staff else None
        audit.record(
            actor,
            now,
            "reservation.payment",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
        )
    return reservation
