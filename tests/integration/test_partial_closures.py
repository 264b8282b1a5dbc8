"""Closures of one unit or some time blocks over a date range, on both databases: the
closed unit (and every unit sharing its parts) or blocks are 使用できません with the
reason in availability, the search and the next free times, booking them is refused,
a series skips them with the reason, the reservations they cover are listed, and bad
closures are refused with nothing changed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import InvalidInput, InvalidRange, Unavailable
from reservations.models import AuditEntry, Closure
from tests.factories import SYSTEM, at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
FIRST, LAST = date(2027, 1, 12), date(2027, 1, 14)
UNAVAILABLE = services.BlockStatus.UNAVAILABLE


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def admin(any_app):
    return services.Actor.staff(make_staff("admin").id)


def close(admin, gym, unit=None, blocks=(), **values):
    values.setdefault("start", FIRST)
    values.setdefault("end", LAST)
    values.setdefault("reason", "照明の修理")
    return services.add_closure(
        admin,
        facility_id=gym.id,
        unit_id=unit_of(gym, unit).id if unit else None,
        block_ids=[block_of(gym, code).id for code in blocks],
        now=NOW,
        **values,
    )


def statuses(gym, unit, day=FIRST):
    [found] = services.availability(unit_of(gym, unit).id, day, day, now=NOW)
    return {cell.block.code: (cell.status, cell.note) for cell in found.blocks}


def book(gym, unit="half-a", block="evening", day=FIRST):
    return services.book(
        SYSTEM,
        resident_id=make_resident().id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def test_a_closed_unit_is_unavailable_with_its_reason_and_so_is_the_whole_court(
    any_app, gym, admin
):
    close(admin, gym, unit="half-a")
    for unit in ("half-a", "whole"):
        assert set(statuses(gym, unit).values()) == {(UNAVAILABLE, "照明の修理")}
    assert {s for s, _ in statuses(gym, "half-b").values()} == {services.BlockStatus.FREE}
    assert {s for s, _ in statuses(gym, "half-a", date(2027, 1, 15)).values()} == {
        services.BlockStatus.FREE
    }


def test_closed_evenings_are_unavailable_in_every_unit_and_the_search(any_app, gym, admin):
    close(admin, gym, blocks=("evening",))
    for unit in ("whole", "half-a", "half-b"):
        cells = statuses(gym, unit)
        assert cells["evening"] == (UNAVAILABLE, "照明の修理")
        assert cells["morning"][0] == services.BlockStatus.FREE
    [place] = services.free_on(FIRST, now=NOW).free
    assert all([b.block.code for b in u.free] == ["morning", "afternoon"] for u in place.units)
    after = services.next_free_blocks(
        unit_of(gym, "whole").id, now=NOW, after=(FIRST, block_of(gym, "afternoon").id)
    )
    assert after == [(date(2027, 1, 13), block_of(gym, "morning"))]  # not the closed evening


def test_booking_a_closed_unit_or_block_is_refused_with_the_reason(any_app, gym, admin):
    close(admin, gym, unit="half-b", blocks=("evening",))
    for unit in ("half-b", "whole"):
        with pytest.raises(Unavailable) as refused:
            book(gym, unit=unit)
        assert refused.value.params["note"] == "照明の修理"
    assert book(gym, unit="half-a").is_active
    assert book(gym, unit="half-b", block="morning").is_active


def test_a_series_skips_the_closed_evenings_with_the_reason(any_app, gym, admin):
    close(admin, gym, unit="half-a", blocks=("evening",))
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
    [skip] = [s for s in plan.skipped if s.date == FIRST]
    assert (skip.reason, skip.detail) == (services.SkipReason.CLOSURE, "照明の修理")


def test_the_reservations_a_closure_covers_are_listed_before_and_after(any_app, gym, admin):
    covered = [book(gym, unit="whole"), book(gym, unit="half-a", day=LAST)]
    book(gym, unit="half-b", day=date(2027, 1, 13))  # the other half
    book(gym, unit="half-a", block="morning")  # not in the closed block
    values = {
        "facility_id": gym.id,
        "unit_id": unit_of(gym, "half-a").id,
        "block_ids": [block_of(gym, "evening").id],
        "start": FIRST,
        "end": LAST,
        "reason": "照明の修理",
    }
    closure, affected = services.preview_closure(now=NOW, **values)
    assert [r.number for r in affected] == [r.number for r in covered]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Closure)) == 0
    added = services.add_closure(admin, now=NOW, **values)
    assert [r.number for r in services.closure_affected(added, now=NOW)] == [
        r.number for r in covered
    ]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "closure.add"))
    assert entry.after["unit"] == "half-a" and entry.after["blocks"] == ["evening"]


@pytest.mark.parametrize(
    ("values", "error", "field"),
    [
        ({"reason": "あ" * 201}, InvalidInput, "reason"),
        ({"reason": ""}, InvalidInput, "reason"),
        ({"start": LAST, "end": FIRST}, InvalidRange, None),
        ({"unit": "other"}, InvalidInput, "unit"),
        ({"blocks": ("the hall's evening",)}, InvalidInput, "blocks"),
        ({"facility_id": None, "unit": "half-a"}, InvalidInput, "facility"),
    ],
)
def test_bad_closures_are_refused_and_change_nothing(any_app, gym, admin, values, error, field):
    other = make_facility("hall", units={"other": ("X",)})
    values = dict(values)
    unit = values.pop("unit", None)
    blocks = values.pop("blocks", ())
    unit_id = unit_of(other if unit == "other" else gym, unit).id if unit else None
    block_ids = [block_of(other, "evening").id] if blocks else []
    values.setdefault("facility_id", gym.id)
    values.setdefault("start", FIRST)
    values.setdefault("end", LAST)
    values.setdefault("reason", "照明の修理")
    with pytest.raises(error) as refused:
        services.add_closure(admin, now=NOW, unit_id=unit_id, block_ids=block_ids, **values)
    if field:
        assert refused.value.params["field"] == field
    if field == "reason" and values["reason"]:
        assert refused.value.params["maximum"] == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Closure)) == 0
