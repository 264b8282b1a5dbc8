"""Occupancy (稼働率) for the statistics: booked part-blocks of bookable part-blocks, by
month, weekday and time block.

Occupancy counts part-blocks: one part of a facility (half A of the gym, a room) in
one time block of one day. Bookable part-blocks are those offered on an open day,
less whole-facility and partial closures and the town's staff blocks (行政使用);
booked ones are those claimed by bookings. A whole-court booking claims both halves
(2 part-blocks), a half-court booking one: half the court's occupancy.

The supply is computed from the facilities' opening rules, once per group of
facilities with one calendar (see _calendar_signature): the work grows with the
facilities' kinds, not with rooms times days. The claims are counted by the database,
grouped by day and by (calendar group, block code): whatever the number of bookings,
a few hundred rows per month leave it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Integer, column, func, select, text
from sqlalchemy.orm import selectinload

from .. import rules
from ..db import db
from ..models import Closure, Facility, Reservation, ReservationOrigin, SlotClaim, Unit


@dataclass
class Share:
    """A part of a whole: booked of bookable, used of booked, counter of all."""

    part: int = 0
    whole: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


@dataclass(frozen=True)
class BlockName:
    code: str
    name: str
    name_en: str


@dataclass
class Occupancy:
    by_month: dict[date, Share] = field(default_factory=dict)
    by_weekday: dict[int, Share] = field(default_factory=dict)
    by_block: dict[str, Share] = field(default_factory=dict)
    block_names: dict[str, BlockName] = field(default_factory=dict)
    by_facility_month: dict[tuple[int, date], Share] = field(default_factory=dict)


def custom_plans() -> None:
    """On PostgreSQL, plan this transaction's statements for their own parameters.
    psycopg prepares a statement run five times, and PostgreSQL then tries a generic
    plan: for the figures, whose best plan depends on the period's bounds, that plan
    sorted a year of bookings instead of hashing them (2.5 times the CPU, measured at
    1M reservations from the eleventh page view on one connection)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _closures(start: date, end: date) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.start_date <= end, Closure.end_date >= start)
            .options(selectinload(Closure.unit).selectinload(Unit.parts))
            .options(selectinload(Closure.time_blocks))
        )
    )


def _calendar_signature(facility: Facility, scope: set[int], closures: list[Closure]):
    """What a facility's supply of part-blocks on each day depends on. Facilities
    with the same signature (the town's 200 rooms of one kind) have the same supply,
    so it is computed once for them; one with a closure of its own is on its own."""
    if closures:
        return ("own", facility.id)
    return (
        facility.closed_weekdays or "",
        facility.year_end_closure,
        facility.open_on_holidays,
        facility.closed_day_moves_after_holiday,
        len(scope),
        tuple((b.code, b.position, b.weekdays, b.on_holidays) for b in facility.time_blocks),
    )


def _supply_by_day(facility: Facility, scope: set[int], closures: list[Closure], days) -> dict:
    """day -> {block code: open part-blocks} on the days and blocks the facility
    offers (closed days and blocks absent), before staff blocks."""
    supply = {}
    for day in days:
        if rules.closed_reason(facility, day, closures) is not None:
            continue
        offered = {}
        for block in rules.offered_blocks(facility, day):
            if closures:
                offered[block.code] = sum(
                    1
                    for part_id in scope
                    if rules.partial_closure(closures, facility, frozenset({part_id}), day, block)
                    is None
                )
            else:
                offered[block.code] = len(scope)
        supply[day] = offered
    return supply


def _block_keys(block_key: dict[int, int]):
    """The time blocks' keys as a table the claims are joined with: a VALUES list
    (portable between SQLite and PostgreSQL: its columns are column1 and column2). The
    ids and keys are integers written into the statement: a town's hundreds of blocks
    as bound parameters cost more to build and cache than the query does to run."""
    rows = ", ".join(
        f"({int(block_id)}, {int(key)})" for block_id, key in sorted(block_key.items())
    )
    return (
        text(f"VALUES {rows}")
        .columns(column("column1", Integer), column("column2", Integer))
        .subquery("block_keys")
    )


def _claims(start: date, end: date, block_key: dict[int, int], part_ids, staff_blocks: bool):
    """(day, key) -> part-blocks claimed (by anything, or by staff blocks only), counted
    in the database: the claims of a day are grouped by their block's key."""
    if not block_key:
        return {}
    keys = _block_keys(block_key)
    query = (
        select(SlotClaim.date, keys.c.column2, func.count())
        .join(keys, keys.c.column1 == SlotClaim.time_block_id)
        .where(SlotClaim.date >= start, SlotClaim.date <= end)
        .group_by(SlotClaim.date, keys.c.column2)
    )
    if part_ids is not None:
        query = query.where(SlotClaim.part_id.in_(part_ids or {-1}))
    if staff_blocks:
        query = query.where(
            SlotClaim.reservation_id.in_(
                select(Reservation.id).where(
                    Reservation.origin == ReservationOrigin.BLOCK,
                    Reservation.date >= start,
                    Reservation.date <= end,
                )
            )
        )
    return {(day, key): count for day, key, count in db.session.execute(query)}


def occupancy(
    facilities: list[Facility], parts: dict[int, set[int]], period, *, per_facility=False
) -> Occupancy:
    """`parts`: facility id -> the ids of its parts the figures cover. A period over
    every facility counts every claim (a claim's part is of its block's facility).
    `per_facility`: each facility is its own group, and by_facility_month is filled."""
    result = Occupancy()
    closures = _closures(period.start, period.end)
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    groups: dict = {}  # signature -> [supply by day, facilities in the group, the facility]
    key_of: dict[tuple, int] = {}  # (signature, block code) -> key
    block_key: dict[int, int] = {}  # time block id -> key
    for facility in facilities:
        scope = parts[facility.id]
        own = [c for c in closures if c.facility_id in (None, facility.id)]
        signature = _calendar_signature(facility, scope, own)
        if per_facility:
            signature = (facility.id, signature)
        if signature not in groups:
            groups[signature] = [_supply_by_day(facility, scope, own, days), 0, facility.id]
        groups[signature][1] += 1
        for block in facility.time_blocks:
            block_key[block.id] = key_of.setdefault((signature, block.code), len(key_of))
            result.block_names.setdefault(
                block.code, BlockName(block.code, block.name, block.name_en)
            )
    filtered = period.facility_id is not None or period.unit_id is not None
    part_ids = set().union(*parts.values()) if filtered else None
    claimed = _claims(period.start, period.end, block_key, part_ids, staff_blocks=False)
    blocked = _claims(period.start, period.end, block_key, part_ids, staff_blocks=True)
    months = {day: day.replace(day=1) for day in days}
    keys = list(key_of)  # key -> (signature, block code)

    def add(day, code, part, whole, facility_id):
        tables = [
            (result.by_month, months[day]),
            (result.by_weekday, day.weekday()),
            (result.by_block, code),
        ]
        if per_facility:
            tables.append((result.by_facility_month, (facility_id, months[day])))
        for table, key in tables:
            share = table.setdefault(key, Share())
            share.part += part
            share.whole += whole

    # Every facility's open part-blocks, once per group.
    for supply, count, facility_id in groups.values():
        for day, offered in supply.items():
            for code, open_parts in offered.items():
                add(day, code, 0, open_parts * count, facility_id)

    # Staff blocks take their part-blocks out of the supply; bookings fill what is left
    # (a booking on a day closed after it was made does not count). Within a group
    # without closures a facility's claims never exceed its open parts (the claims'
    # UNIQUE constraint), so the group's sums can be capped as one.
    moved: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (day, code, ...): part, whole
    for (day, key), count in claimed.items():
        signature, code = keys[key]
        supply, facilities_in_group, facility_id = groups[signature]
        open_parts = supply.get(day, {}).get(code, 0) * facilities_in_group
        if not open_parts:  # claimed on a day or block closed since
            continue
        taken_out = min(open_parts, blocked.get((day, key), 0))
        where = (day, code, facility_id if per_facility else None)
        moved[where][1] -= taken_out
        moved[where][0] += min(open_parts - taken_out, count - blocked.get((day, key), 0))
    for (day, code, facility_id), (part, whole) in moved.items():
        add(day, code, part, whole, facility_id)
    result.by_month = dict(sorted(result.by_month.items()))
    result.by_weekday = dict(sorted(result.by_weekday.items()))
    return result
