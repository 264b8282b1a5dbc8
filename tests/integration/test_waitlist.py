"""The waitlist (キャンセル待ち) on both databases: joining a taken slot and its limits,
the worker offering a freed slot to the first waiter it fits (whole-vs-half through
the claims), accepting, declining, an offer passed on when its deadline passes, and two
workers at once never offering one slot twice."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db, write_transaction
from reservations.errors import (
    Forbidden,
    OfferClosed,
    SlotTaken,
    WaitlistLimitReached,
    WaitlistProblem,
    WaitlistRefused,
)
from reservations.models import Facility, Notification, Reservation, SlotClaim, WaitlistEntry
from tests.factories import at, block_of, make_category, make_facility, make_resident, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)
WAITING = services.WaitlistStatus


@pytest.fixture
def gym(any_app):
    return make_facility("gym", category=make_category("gym", max_active=4))


def book(resident, gym, unit="whole", block="morning", day=DAY):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def join(resident, gym, unit="whole", block="morning", day=DAY, now=NOW):
    return services.join_waitlist(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=now,
    )


def cancel(reservation, now=NOW):
    return services.cancel(
        services.Actor.resident(reservation.booked_by_id, "web"),
        reservation_id=reservation.id,
        now=now,
    )


def fresh(entry) -> WaitlistEntry:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(WaitlistEntry, entry.id)


def claims_of(reservation_id) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(SlotClaim.reservation_id == reservation_id)
    )


def test_a_waiter_joins_a_taken_slot_and_sees_their_position(gym):
    book(make_resident(), gym)
    first, second = make_resident(), make_resident()
    join(first, gym)
    entry = join(second, gym, unit="half-a")
    places = services.waitlist_of(second.id, NOW)
    assert [place.entry.id for place in places] == [entry.id]
    assert places[0].position == 2 and places[0].offer is None
    assert services.waitlist_of(first.id, NOW)[0].position == 1


def test_joining_a_free_slot_ones_own_slot_or_twice_is_refused(gym):
    holder = make_resident()
    book(holder, gym, unit="half-a")
    with pytest.raises(WaitlistRefused) as free:
        join(make_resident(), gym, unit="half-b")
    assert free.value.params["problem"] == WaitlistProblem.SLOT_FREE
    with pytest.raises(WaitlistRefused) as own:
        join(holder, gym, unit="whole")
    assert own.value.params["problem"] == WaitlistProblem.OWN_SLOT
    waiter = make_resident()
    join(waiter, gym, unit="whole")
    with pytest.raises(WaitlistRefused) as twice:
        join(waiter, gym, unit="half-a")
    assert twice.value.params["problem"] == WaitlistProblem.ALREADY_WAITING


def test_the_limit_counts_open_entries_for_slots_in_one_month(gym):
    for block in ("morning", "afternoon", "evening"):
        book(make_resident(), gym, block=block)
    waiter = make_resident()
    join(waiter, gym, block="morning")
    second = join(waiter, gym, block="afternoon")
    with pytest.raises(WaitlistLimitReached) as limit:
        join(waiter, gym, block="evening")
    assert limit.value.params == {"maximum": 2, "month": date(2026, 12, 1)}
    services.leave_waitlist(services.Actor.resident(waiter.id, "web"), entry_id=second.id, now=NOW)
    assert join(waiter, gym, block="evening").status == WAITING.WAITING


def test_staff_join_for_a_resident_and_a_resident_only_for_themself(gym):
    from tests.factories import make_staff

    book(make_resident(), gym)
    waiter = make_resident()
    with pytest.raises(Forbidden):
        services.join_waitlist(
            services.Actor.resident(make_resident().id, "web"),
            resident_id=waiter.id,
            unit_id=unit_of(gym, "whole").id,
            day=DAY,
            block_ids=[block_of(gym, "morning").id],
            now=NOW,
        )
    clerk = make_staff("clerk")
    entry = services.join_waitlist(
        services.Actor.staff(clerk.id),
        resident_id=waiter.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    assert (entry.channel, entry.created_by_staff_id) == ("counter", clerk.id)
    trail = services.audit_trail(services.AuditFilter()).entries
    joined = next(row for row in trail if row.action == "waitlist.join")
    assert (joined.actor_staff_id, joined.on_behalf_of_id) == (clerk.id, waiter.id)


def test_a_freed_slot_is_offered_to_the_first_waiter_as_a_hold_with_a_deadline(gym):
    taken = book(make_resident(), gym)
    first = make_resident(phone="090-1234-5678")
    entry = join(first, gym)
    join(make_resident(), gym)
    assert services.offer_freed_slots(NOW) == []
    cancel(taken)
    later = NOW + timedelta(minutes=1)
    report = services.run_due_jobs(later)
    assert report.offers == 1
    offered = fresh(entry)
    assert offered.status == WAITING.OFFERED
    assert offered.offer_expires_at == later + timedelta(hours=48)
    hold = offered.offer_reservation
    assert hold.status == services.HELD and hold.origin == services.ReservationOrigin.WAITLIST
    assert claims_of(hold.id) == 2 and hold.resident_id == first.id
    message = db.session.scalar(
        sa.select(Notification).where(Notification.kind == services.WAITLIST_OFFER)
    )
    assert message.resident_id == first.id and message.params["number"] == hold.number
    with pytest.raises(SlotTaken):
        book(make_resident(), gym, unit="half-a")
    assert services.run_due_jobs(later).offers == 0  # nothing offered twice


def test_whole_and_half_waiters_fit_only_what_frees(gym):
    half_a = book(make_resident(), gym, unit="half-a")
    book(make_resident(), gym, unit="half-b")
    whole_waiter = join(make_resident(), gym, unit="whole")
    a_waiter = join(make_resident(), gym, unit="half-a")
    cancel(half_a)
    services.offer_freed_slots(NOW)
    # B is still taken: the whole court does not fit; half A goes to its waiter.
    assert fresh(whole_waiter).status == WAITING.WAITING
    assert fresh(a_waiter).status == WAITING.OFFERED


def test_accepting_keeps_the_hold_due_by_the_usual_rule(gym):
    taken = book(make_resident(), gym)
    waiter = make_resident()
    entry = join(waiter, gym)
    cancel(taken)
    services.offer_freed_slots(NOW)
    actor = services.Actor.resident(waiter.id, "web")
    accepted = services.accept_offer(actor, entry_id=entry.id, now=NOW + timedelta(hours=1))
    assert accepted.status == services.HELD
    assert accepted.payment_due_at == at(2026, 12, 9)  # 7 days after the offer
    assert fresh(entry).status == WAITING.ACCEPTED
    with pytest.raises(OfferClosed) as twice:
        services.accept_offer(actor, entry_id=entry.id, now=NOW + timedelta(hours=2))
    assert twice.value.params["status"] == WAITING.ACCEPTED
    assert services.waitlist_of(waiter.id, NOW) == []


def test_declining_passes_the_slot_to_the_next_waiter(gym):
    taken = book(make_resident(), gym)
    first, second = make_resident(), make_resident()
    entry = join(first, gym)
    next_entry = join(second, gym)
    cancel(taken)
    services.offer_freed_slots(NOW)
    services.decline_offer(services.Actor.resident(first.id, "phone"), entry_id=entry.id, now=NOW)
    declined = fresh(entry)
    assert declined.status == WAITING.DECLINED
    assert declined.offer_reservation.status == services.CANCELLED
    assert services.run_due_jobs(NOW).offers == 1
    assert fresh(next_entry).status == WAITING.OFFERED


def test_an_offer_not_accepted_in_time_passes_on_and_cannot_be_accepted(gym):
    taken = book(make_resident(), gym)
    first, second = make_resident(), make_resident()
    entry = join(first, gym)
    next_entry = join(second, gym)
    cancel(taken)
    services.offer_freed_slots(NOW)
    deadline = fresh(entry).offer_expires_at
    with pytest.raises(OfferClosed) as late:
        services.accept_offer(
            services.Actor.resident(first.id, "web"), entry_id=entry.id, now=deadline
        )
    assert late.value.params["status"] == WAITING.EXPIRED
    report = services.run_due_jobs(deadline)
    assert (report.settled_offers, report.offers, report.expired_holds) == (1, 1, 0)
    expired = fresh(entry)
    assert expired.status == WAITING.EXPIRED
    assert expired.offer_reservation.cancel_reason_kind == services.CancelReasonKind.OFFER_EXPIRED
    assert fresh(next_entry).status == WAITING.OFFERED


def test_an_offer_paid_at_the_counter_counts_as_accepted(gym):
    from tests.factories import make_staff

    taken = book(make_resident(), gym)
    entry = join(make_resident(), gym)
    cancel(taken)
    services.offer_freed_slots(NOW)
    services.record_payment(
        services.Actor.staff(make_staff("clerk").id),
        reservation_id=fresh(entry).offer_reservation_id,
        status=services.PAID,
        now=NOW,
    )
    assert services.run_due_jobs(NOW).settled_offers == 1
    assert fresh(entry).status == WAITING.ACCEPTED


def test_a_landline_waiter_is_on_the_counter_call_list(gym):
    from tests.factories import make_staff

    taken = book(make_resident(), gym)
    landline = make_resident(phone="0120-123-456")
    entry = join(landline, gym)
    cancel(taken)
    services.offer_freed_slots(NOW)
    assert [e.id for e in services.open_offers_to_phone(NOW)] == [entry.id]
    phoned = services.mark_phoned(
        services.Actor.staff(make_staff("clerk").id), entry_id=entry.id, now=NOW
    )
    assert phoned.phoned_at == NOW
    # No SMS and no call reaches 0120: the offer is on the counter's call list as well.
    offers = sa.select(Notification.medium).where(Notification.kind == services.WAITLIST_OFFER)
    assert db.session.scalars(offers).all() == ["counter"]


# ------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("run", range(3))
def test_two_workers_while_two_slots_free_at_once_offer_each_slot_once(any_app, gym, run):
    morning = book(make_resident(), gym, block="morning")
    evening = book(make_resident(), gym, block="evening")
    waiters = [
        join(make_resident(), gym, block=block)
        for block in ("morning", "morning", "evening", "evening")
    ]
    cancel(morning)
    cancel(evening)
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def worker(number):
        with any_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[number] = services.offer_freed_slots(NOW)
            except Exception as error:  # noqa: BLE001 - inspected below
                outcomes[number] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, list) for result in outcomes.values()), outcomes
    offered_ids = sorted(e.id for result in outcomes.values() for e in result)
    # The first waiter of each slot, each once.
    assert offered_ids == [waiters[0].id, waiters[2].id]
    db.session.rollback()
    held = db.session.scalars(
        sa.select(Reservation).where(Reservation.origin == services.ReservationOrigin.WAITLIST)
    ).all()
    assert len(held) == 2 and all(claims_of(r.id) == 2 for r in held)
    assert [fresh(w).status for w in waiters] == [
        WAITING.OFFERED,
        WAITING.WAITING,
        WAITING.OFFERED,
        WAITING.WAITING,
    ]


def test_an_offer_at_a_keybox_facility_has_its_keybox_code_like_a_booking(gym):
    with write_transaction():
        db.session.get(Facility, gym.id).uses_access_code = True
    taken = book(make_resident(), gym)
    assert taken.access_code is not None
    entry = join(make_resident(phone="090-1234-5678"), gym)
    cancel(taken)
    services.run_due_jobs(NOW + timedelta(minutes=1))
    hold = fresh(entry).offer_reservation
    assert hold is not None and len(hold.access_code) == 4 and hold.access_code.isdigit()


def _status(gym, unit, block="morning"):
    [day] = services.availability(unit_of(gym, unit).id, DAY, DAY, now=NOW)
    return next(c.status for c in day.blocks if c.block.code == block)


def _searched_free(gym, unit, block="morning"):
    town = services.free_on(DAY, now=NOW)
    return any(
        found.unit.id == unit_of(gym, unit).id
        and any(free.block.code == block for free in found.free)
        for facility in town.free
        for found in facility.units
    )


def test_a_freed_slot_a_waiter_fits_is_kept_for_the_waiting_list_not_free(gym):
    """Between the cancellation and the worker's offer, the slot is キャンセル待ちあり
    for everyone (the week view and the search across facilities); the half a
    whole-court waiter does not fit stays free."""
    half_a = book(make_resident(), gym, unit="half-a")
    book(make_resident(), gym, unit="half-b")
    join(make_resident(), gym, unit="whole")
    a_afternoon = book(make_resident(), gym, unit="half-a", block="afternoon")
    a_waiter = join(make_resident(), gym, unit="half-a", block="afternoon")
    cancel(half_a)
    cancel(a_afternoon)
    # B is still taken in the morning: the whole-court waiter does not fit, A is free.
    assert _status(gym, "half-a") == services.BlockStatus.FREE
    assert _searched_free(gym, "half-a")
    # In the afternoon half A's waiter fits: kept for them, in both views.
    assert _status(gym, "half-a", "afternoon") == services.BlockStatus.WAITLISTED
    assert _status(gym, "whole", "afternoon") == services.BlockStatus.WAITLISTED
    assert _status(gym, "half-b", "afternoon") == services.BlockStatus.FREE
    assert not _searched_free(gym, "half-a", "afternoon")
    [day] = services.availability(unit_of(gym, "half-a").id, DAY, DAY, now=NOW)
    assert not next(c for c in day.blocks if c.block.code == "afternoon").bookable
    services.offer_freed_slots(NOW)
    assert fresh(a_waiter).status == WAITING.OFFERED
    assert _status(gym, "half-a", "afternoon") == services.BlockStatus.TAKEN  # the offer


def test_first_come_booking_cannot_take_a_freed_slot_a_waiter_fits(gym):
    """Between the cancellation and the worker's offer, booking the slot (or checking
    it) is refused as taken; the offer still goes to the waiter, and a half no waiter
    fits can be booked."""
    taken = book(make_resident(), gym, unit="half-a")
    waiter = join(make_resident(), gym, unit="half-a")
    cancel(taken)
    other = make_resident()
    with pytest.raises(SlotTaken):
        book(other, gym, unit="half-a")
    with pytest.raises(SlotTaken):
        book(other, gym, unit="whole")  # the whole court takes half A too
    with pytest.raises(SlotTaken):
        services.check_booking(
            resident_id=other.id,
            unit_id=unit_of(gym, "half-a").id,
            day=DAY,
            block_ids=[block_of(gym, "morning").id],
            now=NOW,
        )
    assert book(other, gym, unit="half-b").status in (services.HELD, services.CONFIRMED)
    services.offer_freed_slots(NOW)
    assert fresh(waiter).status == WAITING.OFFERED
