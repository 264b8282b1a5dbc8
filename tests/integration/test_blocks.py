"""Staff blocks (行政使用) on both databases: a block claims its slots like a booking,
reservations in the way are listed and cancelled only with a reason (as the town's,
the residents told), a date of a series is never cancelled by one, and a blocked slot
is 使用できません (not "booked") in availability, the search and booking."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    AlreadyCancelled,
    BlocksNotConsecutive,
    Forbidden,
    InPast,
    InTheWay,
    InvalidInput,
    ReasonRequired,
    Unavailable,
)
from reservations.models import AuditEntry, Notification, Reservation, SlotClaim
from tests.factories import SYSTEM, at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2027, 1, 12)  # a Tuesday


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def admin(any_app):
    return services.Actor.staff(make_staff("admin").id)


def ask(gym, unit="whole", blocks=("evening",), day=DAY, **values) -> services.BlockRequest:
    values.setdefault("kind", "town_event")
    values.setdefault("note", "町民運動会の準備")
    return services.BlockRequest(
        unit_id=unit_of(gym, unit).id,
        date=day,
        block_ids=[block_of(gym, code).id for code in blocks],
        **values,
    )


def book(gym, unit="half-a", block="evening", day=DAY, phone=None):
    return services.book(
        SYSTEM,
        resident_id=make_resident(phone=phone).id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def counts() -> dict:
    db.session.rollback()

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return {
        "reservations": count(Reservation),
        "active": count(Reservation, Reservation.status == "confirmed"),
        "claims": count(SlotClaim),
        "outbox": count(Notification),
    }


def test_a_block_claims_its_slots_without_a_resident_and_is_audited(any_app, gym, admin):
    block = services.create_block(admin, ask(gym, blocks=("afternoon", "evening")), now=NOW)
    assert (block.origin, block.block_kind, block.block_note) == (
        "block",
        "town_event",
        "町民運動会の準備",
    )
    assert block.resident_id is None and block.group_id is None and block.fee_yen == 0
    assert counts()["claims"] == 2 * 2  # whole gym: halves A and B, two blocks
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "block.add"))
    assert entry.after["block_kind"] == "town_event" and entry.reservation_id == block.id
    assert [b.number for b in services.list_blocks(DAY)] == [block.number]


def test_a_blocked_slot_is_unavailable_not_booked_in_availability_and_search(any_app, gym, admin):
    services.create_block(admin, ask(gym, unit="half-a"), now=NOW)
    for unit in ("whole", "half-a"):
        [day] = services.availability(unit_of(gym, unit).id, DAY, DAY, now=NOW)
        evening = day.blocks[2]
        assert evening.status == services.BlockStatus.UNAVAILABLE
        assert evening.block_kind == "town_event"
    [day] = services.availability(unit_of(gym, "half-b").id, DAY, DAY, now=NOW)
    assert day.blocks[2].status == services.BlockStatus.FREE
    found = services.free_on(DAY, now=NOW)
    [place] = found.free
    assert {u.unit.code: [b.block.code for b in u.free] for u in place.units} == {
        "whole": ["morning", "afternoon"],
        "half-a": ["morning", "afternoon"],
        "half-b": ["morning", "afternoon", "evening"],
    }


def test_a_day_used_by_the_town_is_unavailable_as_its_full_reason(any_app, gym, admin):
    services.create_block(
        admin, ask(gym, blocks=("morning", "afternoon", "evening"), kind="election"), now=NOW
    )
    [day] = services.availability(unit_of(gym, "whole").id, DAY, DAY, now=NOW)
    assert day.full_reason == services.FullReason.UNAVAILABLE


def test_booking_a_blocked_slot_says_unavailable_and_books_nothing(any_app, gym, admin):
    services.create_block(admin, ask(gym, unit="half-b"), now=NOW)
    resident = make_resident()
    before = counts()
    for attempt in (services.check_booking, services.book):
        with pytest.raises(Unavailable) as refused:
            attempt(
                **({"actor": SYSTEM} if attempt is services.book else {}),
                resident_id=resident.id,
                unit_id=unit_of(gym, "whole").id,
                day=DAY,
                block_ids=[block_of(gym, "evening").id],
                now=NOW,
            )
        assert refused.value.params["date"] == DAY
    assert counts() == before


def test_reservations_in_the_way_are_listed_and_cancelled_only_with_a_reason(any_app, gym, admin):
    taken = book(gym, phone="090-1234-5678")
    preview = services.preview_block(ask(gym), now=NOW)
    assert [r.number for r in preview.in_the_way] == [taken.number]
    before = counts()
    with pytest.raises(InTheWay) as refused:
        services.create_block(admin, ask(gym), now=NOW)
    assert refused.value.params == {"numbers": [taken.number], "series": []}
    with pytest.raises(ReasonRequired):
        services.create_block(admin, ask(gym), now=NOW, cancel_in_the_way=True)
    assert counts() == before
    block = services.create_block(
        admin,
        ask(gym),
        now=NOW,
        cancel_in_the_way=True,
        cancel_reason="町の行事のため",
        expected=[taken.number],
    )
    cancelled = db.session.get(Reservation, taken.id)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason_kind == "town"
    assert cancelled.cancel_reason == "町の行事のため" and cancelled.cancelled_by_town
    outbox = db.session.scalars(
        sa.select(Notification).where(Notification.reservation_id == taken.id)
    ).all()
    assert [n.kind for n in outbox] == [services.RESERVATION_BOOKED, services.RESERVATION_CANCELLED]
    assert block.status == "confirmed"
    assert counts()["claims"] == 2


def test_a_reservation_in_the_way_the_admin_did_not_see_refuses_the_block(any_app, gym, admin):
    seen = book(gym)
    unseen = book(gym, unit="half-b")
    before = counts()
    with pytest.raises(InTheWay) as refused:
        services.create_block(
            admin,
            ask(gym),
            now=NOW,
            cancel_in_the_way=True,
            cancel_reason="町の行事のため",
            expected=[seen.number],
        )
    assert set(refused.value.params["numbers"]) == {seen.number, unseen.number}
    assert counts() == before


def test_a_block_over_a_series_date_is_refused_and_changes_nothing(any_app, gym, admin):
    series = services.create_series(
        admin,
        services.SeriesRequest(
            unit_id=unit_of(gym, "half-a").id,
            weekdays=[1],
            block_ids=[block_of(gym, "evening").id],
            first_date=date(2027, 1, 5),
            last_date=date(2027, 1, 26),
            resident_id=make_resident().id,
        ),
        now=NOW,
    )
    date_of_series = next(r for r in series.reservations if r.date == DAY)
    before = counts()
    with pytest.raises(InTheWay) as refused:
        services.create_block(
            admin, ask(gym), now=NOW, cancel_in_the_way=True, cancel_reason="町の行事"
        )
    assert refused.value.params["series"] == [date_of_series.number]
    assert counts() == before


def test_a_series_skips_a_blocked_date_as_used_by_the_town(any_app, gym, admin):
    block = services.create_block(admin, ask(gym, unit="half-b"), now=NOW)
    plan = services.preview_series(
        services.SeriesRequest(
            unit_id=unit_of(gym, "whole").id,
            weekdays=[1],
            block_ids=[block_of(gym, "evening").id],
            first_date=date(2027, 1, 5),
            last_date=date(2027, 1, 26),
            resident_id=make_resident().id,
        ),
        now=NOW,
    )
    [skip] = [s for s in plan.skipped if s.date == DAY]
    assert (skip.reason, skip.number) == (services.SkipReason.BLOCKED, block.number)


def test_lifting_a_block_frees_its_slots(any_app, gym, admin):
    block = services.create_block(admin, ask(gym), now=NOW)
    clerk = services.Actor.staff(make_staff("clerk").id)
    with pytest.raises(Forbidden):
        services.cancel(clerk, reservation_id=block.id, now=NOW, reason="中止")
    with pytest.raises(ReasonRequired):
        services.cancel(admin, reservation_id=block.id, now=NOW)
    services.cancel(admin, reservation_id=block.id, now=NOW, reason="中止")
    assert counts()["claims"] == 0
    lifted = db.session.get(Reservation, block.id)
    assert lifted.status == "cancelled" and lifted.cancel_reason_kind == "town"
    with pytest.raises(AlreadyCancelled):
        services.cancel(admin, reservation_id=block.id, now=NOW, reason="中止")
    assert book(gym).is_active
    assert services.list_blocks(DAY) == []


def test_only_an_administrator_blocks(any_app, gym, admin):
    clerk = services.Actor.staff(make_staff("clerk").id)
    before = counts()
    with pytest.raises(Forbidden):
        services.create_block(clerk, ask(gym), now=NOW)
    assert counts() == before


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"kind": "party"}, InvalidInput),
        ({"note": "あ" * 501}, InvalidInput),
        ({"blocks": ("morning", "evening")}, BlocksNotConsecutive),
        ({"blocks": ()}, InvalidInput),
        ({"day": date(2026, 11, 30)}, InPast),
    ],
)
def test_bad_blocks_are_refused_and_change_nothing(any_app, gym, admin, values, error):
    before = counts()
    with pytest.raises(error):
        services.create_block(admin, ask(gym, **values), now=NOW)
    assert counts() == before
