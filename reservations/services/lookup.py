"""Finding reservations: one by id (for an actor who may see it) or by number, a
resident's upcoming and past ones, a day's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..errors import NotFound
from ..models import CONFIRMED, Facility, Reservation, Unit
from ..text import digits_only, has_valid_check_digit
from .actors import Actor, require_aware
from .numbers import RESERVATION_NUMBER_LENGTH


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
        )
    )
    if for_update:
        query = query.with_for_update(of=Reservation)
    reservation = db.session.scalar(query)
    if reservation is None:
        raise NotFound(what="reservation", id=reservation_id)
    return reservation


def get_reservation(actor: Actor, reservation_id: int) -> Reservation:
    """The reservation, for someone who may see it: its own resident, staff or the
    command line. Another resident's reservation is NotFound, the same answer as for
    a number that was never issued."""
    reservation = load_reservation(reservation_id)
    if actor.resident_id is not None and actor.resident_id != reservation.resident_id:
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


def reservations_of(
    resident_id: int, *, now: datetime, past_limit: int = PAST_SHOWN
) -> ResidentReservations:
    """A resident's upcoming reservations and their latest `past_limit` others.

    Both lists are read through the (resident, start) index, bounded by time or by
    count, so that a club with years of history costs what a newcomer does.
    """
    require_aware(now)
    options = (
        selectinload(Reservation.unit).selectinload(Unit.facility),
        selectinload(Reservation.time_blocks),
    )
    upcoming = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.resident_id == resident_id,
            Reservation.start_at > now - LONGEST_RESERVATION,
            Reservation.end_at > now,
            Reservation.status == CONFIRMED,
        )
        .options(*options)
        .order_by(Reservation.start_at, Reservation.id)
    ).all()
    past = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.resident_id == resident_id,
            or_(Reservation.status != CONFIRMED, Reservation.end_at <= now),
        )
        .options(*options)
        .order_by(Reservation.start_at.desc(), Reservation.id.desc())
        .limit(past_limit + 1)
    ).all()
    return ResidentReservations(
        list(upcoming), list(past[:past_limit]), more_past=len(past) > past_limit
    )


def reservations_on(day: date, facility_id: int | None = None) -> list[Reservation]:
    """A day's confirmed reservations (the counter's day sheet), by facility and time."""
    query = (
        select(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(Reservation.date == day, Reservation.status == CONFIRMED)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.created_by_staff),
        )
        .order_by(Facility.position, Facility.id, Reservation.start_at, Unit.position)
    )
    if facility_id is not None:
        query = query.where(Facility.id == facility_id)
    return list(db.session.scalars(query))
