"""Each notification goes by a medium its resident has: an SMS to a mobile, a voice call
to a landline, or the counter's call list, where staff record each call they made. On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import notify, services
from reservations.db import db
from reservations.errors import Forbidden, NotFound
from reservations.models import (
    COUNTER_CALL,
    PENDING,
    SENT,
    SMS,
    VOICE_CALL,
    AuditEntry,
    Notification,
)
from reservations.text import can_be_called
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


def book(resident, facility, channel="web", block="morning"):
    actor = services.Actor.resident(resident.id, channel)
    return services.book(
        actor,
        resident_id=resident.id,
        unit_id=unit_of(facility, "whole").id,
        day=DAY,
        block_ids=[block_of(facility, block).id],
        now=NOW,
    )


def outbox() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


@pytest.mark.parametrize(
    ("number", "callable_"),
    [
        ("+81312345678", True),  # Tokyo 03, a fixed line
        ("+81166123456", True),  # Asahikawa 0166
        ("+815012345678", True),  # 050, an IP phone
        ("+819012345678", True),  # a mobile can be rung too
        ("+81120123456", False),  # 0120 free dial
        ("+81", False),
    ],
)
def test_numbers_are_classified_by_libphonenumber(number, callable_):
    assert can_be_called(number) is callable_


@pytest.mark.parametrize(
    ("phone", "medium", "to"),
    [
        ("090-1234-5678", SMS, "+819012345678"),
        ("080-1234-5678", SMS, "+818012345678"),
        ("070-1234-5678", SMS, "+817012345678"),
        ("03-1234-5678", VOICE_CALL, "+81312345678"),
        ("050-1234-5678", VOICE_CALL, "+815012345678"),
        ("0120-123-456", COUNTER_CALL, "+81120123456"),
        (None, COUNTER_CALL, None),
    ],
)
def test_each_resident_is_reached_by_a_medium_they_have(gym, phone, medium, to):
    resident = make_resident(phone=phone)
    book(resident, gym)
    [message] = outbox()
    assert (message.medium, message.to_phone, message.status) == (medium, to, PENDING)
    assert notify.medium_for(resident) == (medium, to)


@pytest.mark.parametrize("channel", ["phone", "counter"])
def test_a_landline_booking_made_by_phone_or_at_the_counter_gets_no_call(gym, channel):
    landline = make_resident(phone="03-1234-5678")
    nobody = make_resident()
    mobile = make_resident(phone="090-1234-5678")
    if channel == "counter":
        clerk = make_staff()
        for resident, block in ((landline, "morning"), (nobody, "afternoon"), (mobile, "evening")):
            services.book(
                services.Actor.staff(clerk.id),
                resident_id=resident.id,
                unit_id=unit_of(gym, "whole").id,
                day=DAY,
                block_ids=[block_of(gym, block).id],
                now=NOW,
            )
    else:
        book(landline, gym, "phone")
        book(nobody, gym, "phone", "afternoon")
        book(mobile, gym, "phone", "evening")
    # They heard it as it happened; the mobile still gets its SMS.
    assert [(m.medium, m.resident_id) for m in outbox()] == [(SMS, mobile.id)]


def test_a_town_cancellation_rings_the_landline_even_when_staff_did_it(gym):
    landline = make_resident(phone="03-1234-5678")
    reservation = book(landline, gym)  # on the web: a confirmation call
    clerk = make_staff("admin")
    services.cancel(
        services.Actor.staff(clerk.id),
        reservation_id=reservation.id,
        reason="配管の修理",
        by_town=True,
        now=NOW,
    )
    assert [(m.kind, m.medium) for m in outbox()] == [
        (notify.RESERVATION_BOOKED, VOICE_CALL),
        (notify.RESERVATION_CANCELLED, VOICE_CALL),
    ]


def test_the_call_list_holds_what_no_sms_or_call_reaches_and_records_the_clerk(gym):
    nobody = make_resident()
    free_dial = make_resident(phone="0120-123-456")
    book(make_resident(phone="03-1234-5678"), gym, block="evening")  # a call instead
    book(nobody, gym)
    book(free_dial, gym, block="afternoon")
    clerk = make_staff()
    actor = services.Actor.staff(clerk.id)
    listed = services.call_list(actor, NOW)
    assert [n.resident_id for n in listed] == [nobody.id, free_dial.id]

    row, recorded = services.mark_called(actor, notification_id=listed[0].id, now=NOW)
    assert recorded and (row.status, row.phoned_by_id, row.phoned_at) == (SENT, clerk.id, NOW)
    assert [n.resident_id for n in services.call_list(actor, NOW)] == [free_dial.id]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "notification.phoned")
    )
    assert (entry.actor_staff_id, entry.on_behalf_of_id) == (clerk.id, nobody.id)


def test_recording_a_call_twice_keeps_the_first_clerk(gym):
    book(make_resident(), gym)
    first, second = make_staff(), make_staff()
    [row] = services.call_list(services.Actor.staff(first.id), NOW)
    services.mark_called(services.Actor.staff(first.id), notification_id=row.id, now=NOW)
    again, recorded = services.mark_called(
        services.Actor.staff(second.id), notification_id=row.id, now=at(2026, 12, 1, 11)
    )
    assert not recorded and (again.phoned_by_id, again.phoned_at) == (first.id, NOW)
    phoned = sa.select(sa.func.count()).where(AuditEntry.action == "notification.phoned")
    assert db.session.scalar(phoned) == 1


def test_only_staff_see_and_record_the_call_list(gym):
    resident = make_resident()
    book(resident, gym)
    [row] = outbox()
    with pytest.raises(Forbidden):
        services.call_list(services.Actor.resident(resident.id, "web"), NOW)
    with pytest.raises(Forbidden):
        services.mark_called(
            services.Actor.resident(resident.id, "web"), notification_id=row.id, now=NOW
        )


def test_an_sms_or_a_call_is_not_on_the_call_list(gym):
    book(make_resident(phone="090-1234-5678"), gym)
    book(make_resident(phone="03-1234-5678"), gym, block="afternoon")
    clerk = services.Actor.staff(make_staff().id)
    assert services.call_list(clerk, NOW) == []
    for row in outbox():
        with pytest.raises(NotFound):
            services.mark_called(clerk, notification_id=row.id, now=NOW)
