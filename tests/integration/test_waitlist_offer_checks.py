"""The waitlist's offers meet the booking rules, on both databases: when a slot frees,
a waiter who may no longer book it (their limit reached meanwhile, their group
suspended, the slot now inside a closure) is passed over, their entry closed with the
reason, audited and the waiter told, and the next waiter is offered it in the same
run; a staff block placed on a slot closes the entries waiting for it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import Unavailable
from reservations.models import VOICE_CALL, AuditEntry, Notification, Reservation, WaitlistEntry
from tests.factories import (
    at,
    block_of,
    make_category,
    make_facility,
    make_group,
    make_resident,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
LATER = NOW + timedelta(minutes=1)
DAY = date(2026, 12, 16)
STATUS = services.WaitlistStatus


@pytest.fixture
def gym(any_app):
    return make_facility("gym", category=make_category("gym", max_active=1))


def book(resident, gym, unit="whole", block="morning", day=DAY, group=None):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
        group_id=group.id if group else None,
    )


def join(resident, gym, unit="whole", block="morning", group=None):
    return services.join_waitlist(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=DAY,
        block_ids=[block_of(gym, block).id],
        now=NOW,
        group_id=group.id if group else None,
    )


def cancel(reservation):
    services.cancel(
        services.Actor.resident(reservation.booked_by_id, "web"),
        reservation_id=reservation.id,
        now=NOW,
    )


def fresh(entry) -> WaitlistEntry:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(WaitlistEntry, entry.id)


def messages(kind: str) -> list[Notification]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def audited(entry, action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.subject == f"waitlist:{entry.id}"
            )
        )
    )


def test_a_waiter_whose_limit_was_reached_meanwhile_is_passed_over_and_told(gym):
    taken = book(make_resident(), gym)
    first = make_resident(phone="090-1111-2222")
    skipped = join(first, gym)
    second = join(make_resident(), gym)
    book(first, gym, block="evening", day=DAY + timedelta(days=1))  # their one booking
    cancel(taken)
    assert services.run_due_jobs(LATER).offers == 1
    closed = fresh(skipped)
    assert (closed.status, closed.end_reason) == (STATUS.CLOSED, "limit_reached")
    assert closed.offer_reservation_id is None and closed.ended_at == LATER
    (row,) = audited(closed, "waitlist.close")
    assert row.reason == "limit_reached"
    assert row.actor_resident_id is None and row.actor_staff_id is None  # the system
    (told,) = messages(services.WAITLIST_CLOSED)
    assert told.resident_id == first.id and told.params["reason"] == "limit_reached"
    assert told.reservation_id is None and told.params["date"] == DAY.isoformat()
    offered = fresh(second)
    assert offered.status == STATUS.OFFERED  # the next waiter, in the same run
    assert offered.offer_reservation.status == services.HELD
    assert services.waitlist_of(first.id, LATER) == []  # no longer counted or shown


def test_a_group_suspended_meanwhile_is_passed_over(gym):
    members = [make_resident() for _ in range(5)]
    club = make_group(members)
    representative = members[0]
    taken = book(make_resident(), gym)
    skipped = join(representative, gym, group=club)
    second = join(make_resident(), gym)
    clerk = services.Actor.staff(make_staff().id)
    services.suspend_group(clerk, group_id=club.id, reason="規約違反", now=NOW)
    cancel(taken)
    services.run_due_jobs(LATER)
    assert fresh(skipped).end_reason == "group_not_active"
    assert fresh(second).status == STATUS.OFFERED


def test_a_slot_now_inside_a_closure_is_offered_to_nobody(gym):
    taken = book(make_resident(), gym)
    entries = [join(make_resident(), gym), join(make_resident(), gym)]
    admin = services.Actor.staff(make_staff("admin").id)
    services.add_closure(admin, facility_id=gym.id, start=DAY, end=DAY, reason="設備点検", now=NOW)
    services.cancel(admin, reservation_id=taken.id, now=NOW, reason="点検のため", by_town=True)
    assert services.run_due_jobs(LATER).offers == 0
    assert [fresh(e).end_reason for e in entries] == ["facility_closed", "facility_closed"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Reservation)
            .where(Reservation.origin == services.ReservationOrigin.WAITLIST)
        )
        == 0
    )


def test_a_waiter_not_passed_over_for_a_rule_that_only_says_not_yet(gym):
    taken = book(make_resident(), gym)
    entry = join(make_resident(), gym)
    cancel(taken)
    facility = db.session.get(type(gym), gym.id)
    facility.window_months_ahead = 0  # booking December dates now opens on
    facility.window_opens_day = 28  # December 28th: not open yet when the slot frees
    db.session.commit()
    assert services.run_due_jobs(LATER).offers == 0
    assert fresh(entry).status == STATUS.WAITING  # still in line, offered when it opens


def test_a_staff_block_closes_the_entries_waiting_for_its_slot_and_tells_them_once(gym):
    taken = book(make_resident(), gym, unit="half-a")
    offered_to = make_resident(phone="090-3333-4444")
    half = join(offered_to, gym, unit="half-a")
    whole = join(make_resident(phone="090-5555-6666"), gym, unit="whole")
    cancel(taken)
    services.run_due_jobs(LATER)
    offer = fresh(half)
    assert offer.status == STATUS.OFFERED
    hold_id = offer.offer_reservation_id
    admin = services.Actor.staff(make_staff("admin").id)
    request = services.BlockRequest(
        unit_id=unit_of(gym, "whole").id,
        date=DAY,
        block_ids=[block_of(gym, "morning").id],
        kind="town_event",
    )
    services.create_block(
        admin, request, now=LATER, cancel_in_the_way=True, cancel_reason="町の行事"
    )
    for entry in (half, whole):
        closed = fresh(entry)
        assert (closed.status, closed.end_reason) == (STATUS.CLOSED, "unavailable")
        assert len(audited(closed, "waitlist.close")) == 1
    hold = db.session.get(Reservation, hold_id)
    assert (hold.status, hold.cancel_reason_kind) == (services.CANCELLED, "town")
    told = messages(services.WAITLIST_CLOSED)
    assert sorted(m.params["reason"] for m in told) == ["unavailable", "unavailable"]
    assert not [
        m for m in messages(services.RESERVATION_CANCELLED) if m.reservation_id == hold_id
    ]  # the waiter hears once, of the waitlist
    with pytest.raises(Unavailable):  # nobody joins a line for the town's own use
        join(make_resident(), gym, unit="half-b")


def test_an_offer_cancelled_for_the_towns_reason_closes_its_entry(gym):
    taken = book(make_resident(), gym)
    entry = join(make_resident(), gym)
    cancel(taken)
    services.run_due_jobs(LATER)
    hold_id = fresh(entry).offer_reservation_id
    admin = services.Actor.staff(make_staff("admin").id)
    services.cancel(admin, reservation_id=hold_id, now=LATER, reason="町の都合", by_town=True)
    services.run_due_jobs(LATER)
    closed = fresh(entry)
    assert (closed.status, closed.end_reason) == (STATUS.CLOSED, "unavailable")


def test_an_offer_past_its_deadline_or_paid_is_no_longer_one_to_answer(gym):
    taken = book(make_resident(), gym)
    waiter = make_resident()
    entry = join(waiter, gym)
    cancel(taken)
    services.run_due_jobs(LATER)
    offer = fresh(entry)
    actor = services.Actor.resident(waiter.id, "web")
    [open_place] = services.waitlist_of(waiter.id, LATER)
    assert open_place.offer is not None and not open_place.offer_lapsed
    past = offer.offer_expires_at  # the deadline itself: over, not yet settled
    lapsed = services.waitlist_place(actor, entry.id, past)
    assert lapsed.offer is None and lapsed.offer_lapsed
    assert services.open_offers_to_phone(past) == []
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=offer.offer_reservation_id,
        status=services.PAID,
        now=LATER,
    )
    paid = services.waitlist_place(actor, entry.id, LATER)
    assert paid.offer is None and paid.offer_lapsed


def test_a_freed_slot_kept_for_the_waiting_list_can_be_joined_behind_them(gym):
    taken = book(make_resident(), gym)
    first = join(make_resident(), gym)
    cancel(taken)  # no claim now, but kept for the first waiter: not free to book
    later = make_resident()
    second = join(later, gym)
    assert [place.position for place in services.waitlist_of(later.id, NOW)] == [2]
    services.run_due_jobs(LATER)
    assert fresh(first).status == STATUS.OFFERED and fresh(second).status == STATUS.WAITING


def test_a_landline_waiter_passed_over_is_told_by_a_call(gym):
    taken = book(make_resident(), gym)
    waiter = make_resident(phone="0166-12-3456")  # a landline
    join(waiter, gym)
    book(waiter, gym, block="evening", day=DAY + timedelta(days=1))  # their one booking
    cancel(taken)
    services.run_due_jobs(LATER)
    (told,) = messages(services.WAITLIST_CLOSED)
    assert told.resident_id == waiter.id and told.medium == VOICE_CALL
    assert told.params["unit_id"] == unit_of(gym, "whole").id  # the call says its place
