"""The core decides what an actor may do with a reservation; channels only word it:
who may see it, cancel or change it, record its payment, which blocks they may pick,
and a cancel repeated by its idempotency key. On both databases."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    AlreadyCancelled,
    ErrorCode,
    NotFound,
    NotYourReservation,
    TooLateToCancel,
)
from reservations.models import AuditEntry, Notification
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

DAY = date(2026, 12, 16)  # residents may cancel until the end of 13 December
BEFORE = at(2026, 12, 13, 23, 59)
AFTER = at(2026, 12, 14, 0, 0)


@pytest.fixture
def booked(any_app):
    gym = make_facility("gym")
    resident = make_resident(phone="090-1234-5678")
    reservation = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=at(2026, 12, 1, 10),
    )
    return resident, reservation


def as_resident(resident) -> services.Actor:
    return services.Actor.resident(resident.id, "phone")


def test_a_resident_sees_only_their_own_reservation(booked):
    resident, reservation = booked
    assert services.get_reservation(as_resident(resident), reservation.id).id == reservation.id
    stranger = make_resident()
    with pytest.raises(NotFound):
        services.get_reservation(as_resident(stranger), reservation.id)
    with pytest.raises(NotFound):
        services.reservation_actions(as_resident(stranger), reservation.id, BEFORE)
    clerk = services.Actor.staff(make_staff().id)
    assert services.get_reservation(clerk, reservation.id).id == reservation.id
    assert services.get_reservation(services.Actor.system(), reservation.id).id == reservation.id


def test_a_resident_may_cancel_or_change_until_the_deadline_and_never_pay(booked):
    resident, reservation = booked
    before = services.reservation_actions(as_resident(resident), reservation.id, BEFORE)
    assert (before.may_cancel, before.may_change, before.after_deadline) == (True, True, False)
    assert (before.may_pay, before.payment_statuses, before.refusal) == (False, (), None)
    assert before.deadline.last_day == date(2026, 12, 13)
    after = services.reservation_actions(as_resident(resident), reservation.id, AFTER)
    assert (after.may_cancel, after.may_change, after.after_deadline) == (False, False, True)
    assert isinstance(after.refusal, TooLateToCancel)
    assert after.refusal.params["days_before"] == 3


def test_staff_may_cancel_after_the_deadline_and_record_the_payment(booked):
    _, reservation = booked
    clerk = services.Actor.staff(make_staff().id)
    actions = services.reservation_actions(clerk, reservation.id, AFTER)
    assert (actions.may_cancel, actions.after_deadline) == (True, True)
    # The hold was due by 12月8日: past it, it can no longer be paid.
    assert actions.may_pay is False
    due = at(2026, 12, 8, 23, 59)
    actions = services.reservation_actions(clerk, reservation.id, due)
    assert actions.payment_statuses == (services.PAID, services.EXEMPT)
    services.record_payment(clerk, reservation_id=reservation.id, status=services.PAID, now=due)
    assert not services.reservation_actions(clerk, reservation.id, AFTER).may_pay


def test_nothing_may_be_done_with_a_cancelled_reservation(booked):
    resident, reservation = booked
    services.cancel(as_resident(resident), reservation_id=reservation.id, now=BEFORE)
    clerk = services.Actor.staff(make_staff().id)
    for actor in (as_resident(resident), clerk):
        actions = services.reservation_actions(actor, reservation.id, BEFORE)
        assert (actions.may_cancel, actions.may_change, actions.may_pay) == (False, False, False)
        assert actions.refusal.code == ErrorCode.ALREADY_CANCELLED


def test_actions_for_a_list_are_those_of_each(booked):
    resident, reservation = booked
    listed = services.actions_for(as_resident(resident), [reservation], BEFORE)
    one = services.reservation_actions(as_resident(resident), reservation.id, BEFORE)
    assert listed[reservation.id].may_cancel is one.may_cancel is True


def test_an_administrator_may_pick_blocks_outside_the_window_and_a_clerk_may_not(any_app):
    clerk = services.Actor.staff(make_staff("clerk").id)
    admin = services.Actor.staff(make_staff("admin").id)
    resident = services.Actor.resident(make_resident().id, "web")
    status = services.BlockStatus
    assert services.choosable_statuses(clerk, changing=False) == {status.FREE}
    assert services.choosable_statuses(resident, changing=False) == {status.FREE}
    assert services.choosable_statuses(admin, changing=False) == {
        status.FREE,
        status.NOT_OPEN_YET,
        status.BOOKING_CLOSED,
        status.LOTTERY,  # an admin's override also passes a lottery month before release
    }
    assert services.choosable_statuses(clerk, changing=True) == {status.FREE, status.YOURS}


def cancellations(reservation) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.reservation_id == reservation.id, AuditEntry.action == "reservation.cancel"
        )
    )


def test_a_cancel_repeated_with_its_key_is_the_same_cancellation(booked):
    resident, reservation = booked
    first = services.cancel(
        as_resident(resident), reservation_id=reservation.id, now=BEFORE, idempotency_key="k-1"
    )
    again = services.cancel(
        as_resident(resident), reservation_id=reservation.id, now=AFTER, idempotency_key="k-1"
    )
    assert again.id == first.id and again.status == services.CANCELLED
    assert again.cancelled_at == BEFORE  # nothing was done the second time
    assert cancellations(reservation) == 1
    outbox = db.session.scalars(sa.select(Notification.kind)).all()
    assert outbox.count(services.RESERVATION_CANCELLED) == 1  # one SMS, not two


def test_another_key_or_another_resident_is_not_the_same_request(booked):
    resident, reservation = booked
    services.cancel(
        as_resident(resident), reservation_id=reservation.id, now=BEFORE, idempotency_key="k-1"
    )
    with pytest.raises(AlreadyCancelled):
        services.cancel(
            as_resident(resident), reservation_id=reservation.id, now=BEFORE, idempotency_key="k-2"
        )
    with pytest.raises(AlreadyCancelled):
        services.cancel(as_resident(resident), reservation_id=reservation.id, now=BEFORE)
    with pytest.raises(NotYourReservation):
        services.cancel(
            as_resident(make_resident()),
            reservation_id=reservation.id,
            now=BEFORE,
            idempotency_key="k-1",
        )
    assert cancellations(reservation) == 1
