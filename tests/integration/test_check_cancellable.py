"""check_cancellable: what cancel() would refuse, asked before the confirmation."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import services
from reservations.errors import AlreadyCancelled, NotYourReservation, TooLateToCancel
from reservations.models import HELD
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

DAY = date(2026, 12, 16)  # residents may cancel until 13 December


@pytest.fixture
def booked(app):
    gym = make_facility("gym")
    resident = make_resident()
    reservation = services.book(
        services.Actor.resident(resident.id, "phone"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=at(2026, 12, 1, 10),
    )
    return resident, reservation


def test_before_the_deadline_nothing_is_raised_and_nothing_changes(booked):
    resident, reservation = booked
    actor = services.Actor.resident(resident.id, "phone")
    checked = services.check_cancellable(
        actor, reservation_id=reservation.id, now=at(2026, 12, 13, 23, 59)
    )
    assert checked.id == reservation.id
    assert services.get_reservation(services.Actor.system(), reservation.id).status == HELD


def test_after_the_deadline_says_which_day_was_the_last(booked):
    resident, reservation = booked
    actor = services.Actor.resident(resident.id, "phone")
    with pytest.raises(TooLateToCancel) as error:
        services.check_cancellable(actor, reservation_id=reservation.id, now=at(2026, 12, 14))
    assert error.value.params["last_day"] == date(2026, 12, 13)


def test_someone_elses_or_a_cancelled_reservation(booked):
    resident, reservation = booked
    stranger = make_resident()
    with pytest.raises(NotYourReservation):
        services.check_cancellable(
            services.Actor.resident(stranger.id, "phone"),
            reservation_id=reservation.id,
            now=at(2026, 12, 2),
        )
    actor = services.Actor.resident(resident.id, "phone")
    services.cancel(actor, reservation_id=reservation.id, now=at(2026, 12, 2))
    with pytest.raises(AlreadyCancelled):
        services.check_cancellable(actor, reservation_id=reservation.id, now=at(2026, 12, 2))


def test_staff_are_not_asked_for_their_reason_until_they_cancel(booked):
    _, reservation = booked
    staff = make_staff()
    services.check_cancellable(
        services.Actor.staff(staff.id), reservation_id=reservation.id, now=at(2026, 12, 15)
    )
