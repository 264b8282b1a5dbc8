"""Which places are free on a day (issue 17's search by date), on both databases:
the same states as the week view, filters by part of day, kind and step-free access,
the asker's fees, and a number of SQL statements that does not grow with the town."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.db import db
from tests.factories import at, block_of, make_category, make_facility, make_resident, unit_of
from tests.statements import counted_statements

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


def names(town_day) -> dict[str, dict[str, list[str]]]:
    return {
        f.facility.code: {u.unit.code: [b.block.code for b in u.free] for u in f.units}
        for f in town_day.free
    }


def book(resident, facility, unit_code, block_code, day=DAY):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(facility, unit_code).id,
        day=day,
        block_ids=[block_of(facility, block_code).id],
        now=NOW,
    )


def test_the_search_agrees_with_each_units_week_view(any_app):
    gym = make_facility("gym")
    hall = make_facility("hall", units={"room": ("room",)}, closed_weekdays="2")  # Wednesdays
    resident = make_resident()
    book(resident, gym, "half-a", "morning")  # the whole court is then taken too
    found = services.free_on(DAY, now=NOW)
    assert names(found) == {
        "gym": {
            "whole": ["afternoon", "evening"],
            "half-a": ["afternoon", "evening"],
            "half-b": ["morning", "afternoon", "evening"],
        }
    }
    for facility_day in found.free:
        for free_unit in facility_day.units:
            [week] = services.availability(free_unit.unit.id, DAY, DAY, now=NOW)
            assert [c.block.id for c in week.blocks if c.bookable] == [
                b.block.id for b in free_unit.free
            ]
    [closed] = found.not_free
    assert closed.facility.code == "hall" and closed.full_reason == services.FullReason.CLOSED
    assert hall.id == closed.facility.id


def test_the_search_filters_by_part_of_day_kind_and_step_free_access(any_app):
    gym = make_facility("gym", step_free=True)
    make_facility("ground", category=make_category("ground"), units={"field": ("field",)})
    afternoon = services.free_on(DAY, now=NOW, part=services.PartOfDay.AFTERNOON)
    assert {u.unit.code: [b.block.code for b in u.free] for u in afternoon.free[0].units} == {
        "whole": ["afternoon"],
        "half-a": ["afternoon"],
        "half-b": ["afternoon"],
    }
    assert set(names(services.free_on(DAY, now=NOW, category="ground"))) == {"ground"}
    assert set(names(services.free_on(DAY, now=NOW, step_free_only=True))) == {"gym"}
    assert gym.step_free


def test_the_search_quotes_the_askers_fee_and_window(any_app):
    make_facility("gym", resident_yen=1000, nonresident_yen=2000)
    outsider = make_resident(is_resident=False)
    [gym_day] = services.free_on(DAY, now=NOW, resident_id=outsider.id).free
    assert {b.fee_yen for u in gym_day.units for b in u.free} == {2000}
    [gym_day] = services.free_on(DAY, now=NOW).free
    assert {b.fee_yen for u in gym_day.units for b in u.free} == {1000}
    later = services.free_on(date(2027, 3, 3), now=NOW)  # March opens on 1 January
    assert later.free == []
    [unopened] = later.not_free
    assert unopened.full_reason == services.FullReason.NOT_OPEN_YET
    assert unopened.opens_at == at(2027, 1, 1, 9)


def test_the_search_is_a_bounded_number_of_statements(any_app):
    make_facility("gym")
    db.session.expire_all()
    with counted_statements() as small:
        services.free_on(DAY, now=NOW)
    for code in ("gym2", "gym3", "gym4", "gym5"):
        make_facility(code)
    resident = make_resident()
    book(resident, services.get_facility(services.list_facilities()[1].id), "whole", "morning")
    db.session.expire_all()
    with counted_statements() as large:
        found = services.free_on(DAY, now=NOW)
    assert len(found.free) == 5
    # Constant in the number of facilities: one more since the lottery's releases are read.
    assert len(large) == len(small) <= 11, large
