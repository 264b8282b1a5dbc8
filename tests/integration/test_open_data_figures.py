"""Open data's monthly occupancy on both databases: per facility as the statistics
define it, and in a number of statements that does not grow with the facilities or
their bookings."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from tests.factories import at, block_of, make_facility, make_resident, unit_of

BOOKED_AT = at(2026, 12, 16, 10)
FEBRUARY = date(2027, 2, 1)


def book(facility, day, block="morning", unit="whole"):
    resident = make_resident()
    services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(facility, unit).id,
        day=day,
        block_ids=[block_of(facility, block).id],
        now=BOOKED_AT,
    )


def statements_of(fn) -> int:
    seen = []

    def count(*args):
        seen.append(args)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_each_facilitys_month_is_its_own_occupancy(any_app):
    gym, hall = make_facility("gym"), make_facility("hall")
    for day in range(1, 6):
        book(gym, date(2027, 2, day))
    book(hall, date(2027, 2, 2), unit="half-a")
    lines = {
        (line.facility.code, line.month): line
        for line in services.monthly_occupancy(FEBRUARY, FEBRUARY)
    }
    # February 2027: 28 days x 3 blocks x 2 halves = 168 part-blocks in each.
    gym_line, hall_line = lines["gym", FEBRUARY], lines["hall", FEBRUARY]
    assert (gym_line.bookings, gym_line.booked, gym_line.bookable) == (5, 10, 168)
    assert (hall_line.bookings, hall_line.booked, hall_line.bookable) == (None, None, 168)


def test_the_statements_do_not_grow_with_facilities_or_bookings(any_app):
    gym = make_facility("gym")
    book(gym, date(2027, 2, 1))
    few = statements_of(lambda: services.monthly_occupancy(FEBRUARY, FEBRUARY))
    for n in range(4):
        hall = make_facility(f"hall-{n}")
        for day in range(2, 8):
            book(hall, date(2027, 2, day), block="evening")
    many = statements_of(lambda: services.monthly_occupancy(FEBRUARY, FEBRUARY))
    assert many == few <= 12
