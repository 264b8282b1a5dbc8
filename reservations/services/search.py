"""Which places in town are free on a day: every unit of every facility, from one
bounded set of queries (the catalog, the day's closures and the day's claims), with
the same states as the week view (availability.day_cells)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import rules
from ..db import db
from ..models import Closure, Facility, TimeBlock, Unit
from ..settings import get_settings
from . import claims
from .actors import require_aware
from .availability import BlockAvailability, day_cells
from .catalog import list_facilities
from .lottery import lottery_releases
from .quotes import party


@dataclass(frozen=True)
class FreeBlock:
    block: TimeBlock
    fee_yen: int  # for whoever asked (the resident's fee and exemption, else a resident's)


@dataclass(frozen=True)
class FreeUnit:
    unit: Unit
    free: list[FreeBlock]


@dataclass(frozen=True)
class FacilityDay:
    """One facility on the day: its units with free blocks, or why none is free."""

    facility: Facility
    units: list[FreeUnit]  # only units with a free block that matches the search
    full_reason: rules.FullReason | None  # when no unit has one
    closed: rules.ClosedDay | None
    opens_at: datetime | None  # when booking the day opens, while it has not
    # When first come first served opens, while a lottery round allocates the day (抽選)
    lottery_release_at: datetime | None = None


@dataclass(frozen=True)
class TownDay:
    date: date
    free: list[FacilityDay]  # facilities with at least one free unit, in display order
    not_free: list[FacilityDay]  # the others that the search covers, with their reason


def _closures_on(day: date) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.start_date <= day, Closure.end_date >= day)
            .options(
                selectinload(Closure.unit).selectinload(Unit.parts),
                selectinload(Closure.time_blocks),
            )
        )
    )


def free_on(
    day: date,
    *,
    now: datetime,
    resident_id: int | None = None,
    part: rules.PartOfDay | None = None,
    category: str | None = None,
    step_free_only: bool = False,
) -> TownDay:
    """Every unit free on `day`, grouped by facility, each with its free blocks and
    their fees; optionally only blocks in one part of the day, facilities of one kind
    (a category code) and facilities with step-free access. The number of queries does
    not grow with the number of facilities or units."""
    require_aware(now)
    tz = get_settings().timezone
    booker = party(resident_id)
    exemption = booker.exemption(day)
    mine = (resident_id, None)
    closures = _closures_on(day)
    held = claims.held_on(day)
    kept = {(part_id, block) for part_id, _day, block in claims.kept_for_waiters(day, day)}
    blocked = claims.blocked_on(day)
    facilities = list_facilities()
    releases = lottery_releases(
        [unit.id for facility in facilities for unit in facility.units], day, day, now
    )
    month = day.replace(day=1)
    free, not_free = [], []
    for facility in facilities:
        if category and facility.category.code != category:
            continue
        if step_free_only and not facility.step_free:
            continue
        own = [c for c in closures if c.facility_id in (None, facility.id)]
        closed = rules.closed_reason(facility, day, own)
        window = rules.booking_window(facility, day, booker.is_resident, tz)
        units, statuses, released = [], [], []
        for unit in facility.units:
            parts = [p.id for p in unit.parts]
            release_at = releases.get((unit.id, month))
            cells = day_cells(
                facility,
                day,
                closed=closed,
                window=window,
                holder_of=lambda block, parts=parts: next(
                    (held[(p, block.id)] for p in parts if (p, block.id) in held), None
                ),
                mine=mine,
                now=now,
                kept=lambda block, parts=parts: any((p, block.id) in kept for p in parts),
                closures=own,
                part_ids=frozenset(parts),
                blocked_of=lambda block, parts=parts: next(
                    (blocked[(p, block.id)] for p in parts if (p, block.id) in blocked), None
                ),
                lottery=release_at is not None,
            )
            wanted = [c for c in cells if part is None or rules.part_of_day(c.block) == part]
            statuses += [c.status for c in wanted]
            if release_at is not None and rules.BlockStatus.LOTTERY in [c.status for c in wanted]:
                released.append(release_at)
            found = _free_blocks(unit, wanted, booker.is_resident, exemption.percent)
            if found:
                units.append(FreeUnit(unit, found))
        opens_at = window.opens_at if rules.BlockStatus.NOT_OPEN_YET in statuses else None
        reason = None if units else rules.why_no_free_block(statuses)
        release = min(released, default=None)
        (free if units else not_free).append(
            FacilityDay(facility, units, reason, closed, opens_at, release)
        )
    return TownDay(day, free, not_free)


def _free_blocks(
    unit: Unit, cells: list[BlockAvailability], is_resident: bool, exemption_percent: int
) -> list[FreeBlock]:
    fees = {fee.time_block_id: fee for fee in unit.fees}
    found = []
    for cell in cells:
        fee = fees.get(cell.block.id)
        if cell.bookable and fee is not None:
            rate = fee.resident_yen if is_resident else fee.nonresident_yen
            found.append(FreeBlock(cell.block, rules.fee([rate], exemption_percent).fee_yen))
    return found
