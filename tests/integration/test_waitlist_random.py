"""WAITLIST_ORDER=random on both databases: a freed slot is offered to exactly one of
its waiters, the others keep waiting, also when two workers, each with its own draw,
offer at once; until the draw, every free key a drawn waiter may need is kept."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import SlotTaken
from reservations.models import Reservation, SlotClaim, WaitlistEntry
from reservations.settings import WaitlistOrder
from tests.factories import at, block_of, make_category, make_facility, make_resident, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)
STATUS = services.WaitlistStatus


@pytest.fixture
def gym(any_app):
    settings = any_app.extensions["reservations"]
    any_app.extensions["reservations"] = replace(
        settings, waitlist=replace(settings.waitlist, order=WaitlistOrder.RANDOM)
    )
    return make_facility("gym", category=make_category("gym", max_active=4))


def book(resident, gym, block="morning", unit="whole"):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=DAY,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def join(resident, gym, block="morning", unit="whole"):
    return services.join_waitlist(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=DAY,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def statuses(entries) -> list[str]:
    db.session.rollback()
    db.session.expire_all()
    return [db.session.get(WaitlistEntry, entry.id).status for entry in entries]


def waitlist_holds() -> list[Reservation]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Reservation).where(Reservation.origin == services.ReservationOrigin.WAITLIST)
        )
    )


def claims_of(reservation_id) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(SlotClaim.reservation_id == reservation_id)
    )


def test_a_freed_slot_goes_to_exactly_one_drawn_waiter_the_others_keep_waiting(gym):
    taken = book(make_resident(), gym)
    waiters = [join(make_resident(), gym) for _ in range(4)]
    services.cancel(
        services.Actor.resident(taken.booked_by_id, "web"), reservation_id=taken.id, now=NOW
    )
    offered = services.offer_freed_slots(NOW)
    assert len(offered) == 1 and offered[0].id in {waiter.id for waiter in waiters}
    after = statuses(waiters)
    assert after.count(STATUS.OFFERED) == 1 and after.count(STATUS.WAITING) == 3
    [hold] = waitlist_holds()
    assert hold.status == services.HELD and claims_of(hold.id) == 2
    assert services.offer_freed_slots(NOW) == []  # nothing offered twice


def test_two_workers_with_their_own_draws_offer_each_slot_once(any_app, gym):
    morning = book(make_resident(), gym, block="morning")
    evening = book(make_resident(), gym, block="evening")
    by_block = {
        block: [join(make_resident(), gym, block=block) for _ in range(3)]
        for block in ("morning", "evening")
    }
    for reservation in (morning, evening):
        services.cancel(
            services.Actor.resident(reservation.booked_by_id, "web"),
            reservation_id=reservation.id,
            now=NOW,
        )
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
    assert sum(len(result) for result in outcomes.values()) == 2
    for entries in by_block.values():
        after = statuses(entries)
        assert after.count(STATUS.OFFERED) == 1 and after.count(STATUS.WAITING) == 2
    holds = waitlist_holds()
    assert len(holds) == 2 and all(claims_of(hold.id) == 2 for hold in holds)


def test_the_other_half_is_kept_while_a_whole_court_waiter_may_be_drawn(gym):
    taken = book(make_resident(), gym)
    join(make_resident(), gym, unit="half-a")
    join(make_resident(), gym, unit="whole")
    services.cancel(
        services.Actor.resident(taken.booked_by_id, "web"), reservation_id=taken.id, now=NOW
    )
    # First come first would offer half A and leave B free; a draw may pick the whole.
    with pytest.raises(SlotTaken):
        book(make_resident(), gym, unit="half-b")
    [offered] = services.offer_freed_slots(NOW)
    if offered.unit.code == "half-a":  # B is free to book again once half A is offered
        assert book(make_resident(), gym, unit="half-b").status == services.HELD  # a fee: a hold
    else:  # the whole court's hold has B
        with pytest.raises(SlotTaken):
            book(make_resident(), gym, unit="half-b")
