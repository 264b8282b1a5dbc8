"""What `change` would decide, asked before changing (check_change), on both
databases: the same refusals as the change itself, the reservation's own slots free
to it, nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import services
from reservations.db import db
from reservations.errors import (
    AlreadyCancelled,
    NotAllowed,
    NotYourReservation,
    SlotTaken,
    TooLateToCancel,
)
from reservations.models import Reservation
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


@pytest.fixture
def booked(any_app):
    gym = make_facility("gym", cancel_days_before=3)
    resident = make_resident()
    reservation = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    return gym, resident, reservation


def ask(
    resident, reservation, gym, unit="whole", blocks=("morning", "afternoon"), day=DAY, now=NOW
):
    return services.check_change(
        services.Actor.resident(resident.id, "web"),
        reservation_id=reservation.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, code).id for code in blocks],
        now=now,
    )


def test_a_change_may_keep_its_own_slot_and_take_the_next(booked):
    gym, resident, reservation = booked
    quote = ask(resident, reservation, gym)
    assert [b.code for b in quote.blocks] == ["morning", "afternoon"] and quote.fee.fee_yen == 2000
    assert db.session.get(Reservation, reservation.id).fee_yen == 1000  # nothing written


def test_a_slot_someone_else_holds_is_refused(booked):
    gym, resident, reservation = booked
    other = make_resident()
    services.book(
        services.Actor.resident(other.id, "phone"),
        resident_id=other.id,
        unit_id=unit_of(gym, "half-b").id,
        day=DAY,
        block_ids=[block_of(gym, "afternoon").id],
        now=NOW,
    )
    with pytest.raises(SlotTaken):
        ask(resident, reservation, gym)  # the whole court needs half B too


def test_after_the_deadline_a_resident_cannot_change(booked):
    gym, resident, reservation = booked
    with pytest.raises(TooLateToCancel):
        ask(resident, reservation, gym, now=at(2026, 12, 14, 0, 0))


def test_another_residents_or_a_cancelled_reservation_is_refused(booked):
    gym, resident, reservation = booked
    with pytest.raises(NotYourReservation):
        ask(make_resident(), reservation, gym)
    services.cancel(
        services.Actor.resident(resident.id, "web"), reservation_id=reservation.id, now=NOW
    )
    with pytest.raises(AlreadyCancelled):
        ask(resident, reservation, gym)


def test_a_paid_booking_cannot_move_to_another_fee_online(booked):
    gym, resident, reservation = booked
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=reservation.id,
        status=services.PAID,
        now=NOW,
    )
    with pytest.raises(NotAllowed):
        ask(resident, reservation, gym)  # two blocks cost more
    assert ask(resident, reservation, gym, blocks=("evening",)).fee.fee_yen == 1000
