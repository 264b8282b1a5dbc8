"""Finding reservations: one by id (for an actor who may see it) or by number, a
resident's or a group's upcoming and past ones, a day's; and the state the audit trail
keeps of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..errors import NotFound
from ..models import ACTIVE_STATUSES, Facility, Reservation, Unit
from ..text import digits_only, has_valid_check_digit
from .actors import Actor, require_aware
from .members import current_membership
from .numbers import RESERVATION_NUMBER_LENGTH


def reservation_snapshot(reservation: Reservation) -> dict[str, Any]:
    """The reservation's state as the audit trail records it (a series date names its
    series, a staff block its kind, a cancellation who or what ended it)."""
    snapshot = {
        "number": reservation.number,
        "status": reservation.status,
        "resident": reservation.resident.registration_no if reservation.resident else None,
        "group": reservation.group.registration_no if reservation.group else None,
        "booked_by": reservation.booked_by.registration_no if reservation.booked_by else None,
        "facility": reservation.unit.facility.code,
        "unit": reservation.unit.code,
        "date": reservation.date.isoformat(),
        "blocks": [block.code for block in reservation.time_blocks],
        "fee_base_yen": reservation.fee_base_yen,
        "exemption_percent": reservation.exemption_percent,
        "exemption_basis": reservation.exemption_basis,
        "exemption_category": (
            reservation.exemption_category.code if reservation.exemption_category else None
        ),
        "fee_yen": reservation.fee_yen,
        "payment_status": reservation.payment_status,
    }
    if reservation.payment_due_at is not None:
        snapshot["payment_due_at"] = reservation.payment_due_at.astimezone(UTC).isoformat()
    if reservation.permit_number is not None:
        snapshot["permit_number"] = reservation.permit_number
    if reservation.series_id is not None:
        snapshot["series"] = reservation.series_id
    if reservation.block_kind is not None:
        snapshot["block_kind"] = reservation.block_kind
        snapshot["block_note"] = reservation.block_note
    if reservation.cancel_reason_kind is not None:
        snapshot["cancel_reason_kind"] = reservation.cancel_reason_kind
    return snapshot


def load_reservation(reservation_id: int, *, for_update: bool = False) -> Reservation:
    """The reservation with its unit, facility, blocks and resident (NotFound when
    there is none); `for_update` locks its row for the caller's transaction."""
    query = (
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.group),
            selectinload(Reservation.booked_by),
            selectinload(Reservation.exemption_category),
        )
    )
    if for_update:
        query = query.with_for_update(of=Reservation)
    reservation = db.session.scalar(query)
    if reservation is None:
        raise NotFound(what="reservation", id=reservation_id)
    return reservation


def may_see(resident_id: int, reservation: Reservation) -> bool:
    """A resident sees their own reservations and those of the groups they are on the
    roster of now (a member who left no longer sees the group's)."""
    if reservation.group_id is not None:
        return current_membership(reservation.group_id, resident_id) is not None
    return reservation.resident_id == resident_id


def get_reservation(actor: Actor, reservation_id: int) -> Reservation:
    """The reservation, for someone who may see it: its own resident, a member of its
    group, staff or the command line. Anyone else's reservation is NotFound, the same
    answer as for a number that was never issued."""
    reservation = load_reservation(reservation_id)
    if actor.resident_id is not None and not may_see(actor.resident_id, reservation):
        raise NotFound(what="reservation", id=reservation_id)
    return reservation


def find_reservation(number: str) -> Reservation | None:
    """By reservation number as typed or keyed (any width, hyphens ignored); a number
    whose check digit is wrong finds nothing without a lookup."""
    digits = digits_only(number)
    if len(digits) != RESERVATION_NUMBER_LENGTH or not has_valid_check_digit(digits):
        return None
    reservation_id = db.session.scalar(select(Reservation.id).where(Reservation.number == digits))
    return load_reservation(reservation_id) if reservation_id is not None else None


@dataclass(frozen=True)
class ResidentReservations:
    upcoming: list[Reservation]  # confirmed and not yet ended, soonest first
    past: list[Reservation]  # the latest ended or cancelled ones, latest first
    more_past: bool = False  # older ones exist beyond `past`


PAST_SHOWN = 20
LONGEST_RESERVATION = timedelta(days=1)  # the blocks of one day


def _lists(condition, now: datetime, past_limit: int) -> ResidentReservations:
    options = (
        selectinload(Reservation.unit).selectinload(Unit.facility),
        selectinload(Reservation.time_blocks),
        selectinload(Reservation.group),
        selectinload(Reservation.booked_by),
    )
    upcoming = db.session.scalars(
        select(Reservation)
        .where(
            condition,
            Reservation.start_at > now - LONGEST_RESERVATION,
            Reservation.end_at > now,
            Reservation.status.in_(ACTIVE_STATUSES),
        )
        .options(*options)
        .order_by(Reservation.start_at, Reservation.id)
    ).all()
    past = db.session.scalars(
        select(Reservation)
        .where(
            condition, or_(Reservation.status.not_in(ACTIVE_STATUSES), Reservation.end_at <= now)
        )
        .options(*options)
        .order_by(Reservation.start_at.desc(), Reservation.id.desc())
        .limit(past_limit + 1)
    ).all()
    return ResidentReservations(
        list(upcoming), list(past[:past_limit]), more_past=len(past) > past_limit
    )


def reservations_of(
    resident_id: int, *, now: datetime, past_limit: int = PAST_SHOWN
) -> ResidentReservations:
    """A resident's own upcoming reservations and their latest `past_limit` others (not
    their groups': see group_reservations).

    Both lists are read through the (resident, start) index, bounded by time or by
    count, so that a resident with years of history costs what a newcomer does.
    """
    require_aware(now)
    return _lists(Reservation.resident_id == resident_id, now, past_limit)


def group_reservations(
    group_id: int, *, now: datetime, past_limit: int = PAST_SHOWN
) -> ResidentReservations:
    """A group's upcoming reservations and its latest `past_limit` others, through the
    (group, start) index."""
    require_aware(now)
    return _lists(Reservation.group_id == group_id, now, past_limit)


def reservations_on(day: date, facility_id: int | None = None) -> list[Reservation]:
    """A day's reservations, confirmed or held (the counter's day sheet), by facility and time."""
    query = (
        select(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(Reservation.date == day, Reservation.status.in_(ACTIVE_STATUSES))
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.group),
            selectinload(Reservation.booked_by),
            selectinload(Reservation.created_by_staff),
        )
        .order_by(Facility.position, Facility.id, Reservation.start_at, Unit.position)
    )
    if facility_id is not None:
        query = query.where(Facility.id == facility_id)
    return list(db.session.scalars(query))
