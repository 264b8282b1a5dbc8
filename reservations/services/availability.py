"""What is free: each day's blocks of a unit and their state, and the next free ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import rules
from ..errors import InvalidRange
from ..models import TimeBlock
from ..settings import get_settings
from . import audit, claims
from .actors import require_aware
from .catalog import closures_between, get_unit
from .lottery import lottery_releases
from .quotes import party


@dataclass(frozen=True)
class BlockAvailability:
    block: TimeBlock
    status: rules.BlockStatus
    # Why it is UNAVAILABLE (使用できません): the closure's reason shown to residents, or
    # the staff block's kind (a StaffBlockKind, for staff only: residents see neither
    # who nor why the town uses it).
    note: str | None = None
    note_en: str | None = None
    block_kind: str | None = None

    @property
    def bookable(self) -> bool:
        return self.status == rules.BlockStatus.FREE


@dataclass(frozen=True)
class DayAvailability:
    date: date
    closed: rules.ClosedDay | None
    holiday: str | None  # the holiday's Japanese name
    blocks: list[BlockAvailability]
    window: rules.Window  # when booking this day opens and closes, for whom it was asked
    # When first come first served opens, while a lottery round allocates the day
    # (its blocks LOTTERY, 抽選): say it beside the state.
    lottery_release_at: datetime | None = None

    @property
    def has_free_block(self) -> bool:
        return any(cell.bookable for cell in self.blocks)

    @property
    def full_reason(self) -> rules.FullReason | None:
        """Why no block is free this day (None when one is)."""
        return rules.why_no_free_block([cell.status for cell in self.blocks])

    @property
    def opens_at(self) -> datetime | None:
        """When booking opens, while it has not (受付前): say it beside the state."""
        if any(cell.status == rules.BlockStatus.NOT_OPEN_YET for cell in self.blocks):
            return self.window.opens_at
        return None


def day_cells(
    facility,
    day: date,
    *,
    closed: rules.ClosedDay | None,
    window: rules.Window,
    holder_of,
    mine: tuple,
    now: datetime,
    kept=lambda block: False,
    closures=(),
    part_ids: frozenset[int] = frozenset(),
    blocked_of=lambda block: None,
    lottery: bool = False,
) -> list[BlockAvailability]:
    """Each block's state on `day`: the one computation behind the week view and the
    search across facilities. `holder_of(block)` is who holds it (resident, group),
    or None; `mine` is the asker's (resident, group), whose own block is YOURS;
    `kept(block)` whether a waiter fits it (freed for the waiting list: WAITLISTED). A
    block the town uses (`blocked_of(block)`: the staff block's kind) or a closure of
    the unit (made of `part_ids`) or of the block closes is UNAVAILABLE (使用できません).
    With `lottery` (a round allocates the day, not released yet), a block that would be
    free or not open yet is LOTTERY (抽選): booking it waits for the release."""
    tz = get_settings().timezone
    cells = []
    for block in facility.time_blocks:
        holder = holder_of(block)
        kind = blocked_of(block)
        closure = rules.partial_closure(closures, facility, part_ids, day, block)
        status = rules.block_status(
            facility,
            day,
            block,
            now=now,
            tz=tz,
            closed=closed,
            taken=holder is not None,
            window=window,
            unavailable=kind is not None or closure is not None,
        )
        if status == rules.BlockStatus.TAKEN and mine != (None, None) and holder == mine:
            status = rules.BlockStatus.YOURS
        if status == rules.BlockStatus.FREE and kept(block):
            status = rules.BlockStatus.WAITLISTED
        if lottery and status in (rules.BlockStatus.FREE, rules.BlockStatus.NOT_OPEN_YET):
            status = rules.BlockStatus.LOTTERY
        if status != rules.BlockStatus.UNAVAILABLE:
            cells.append(BlockAvailability(block, status))
        elif closure is not None and kind is None:
            cells.append(
                BlockAvailability(block, status, closure.reason, closure.reason_en or None)
            )
        else:
            cells.append(BlockAvailability(block, status, block_kind=kind))
    return cells


def availability(
    unit_id: int,
    start: date,
    end: date,
    *,
    now: datetime,
    resident_id: int | None = None,
    group_id: int | None = None,
) -> list[DayAvailability]:
    """Each day from `start` to `end` (inclusive) and each block's state for the unit.

    The window shown is the resident's or the group's (non-residents open later);
    without either, a town resident's. A block is YOURS when the resident holds it (or,
    with a group, the group does). Reads claims only within the dates, through the
    claims' index.
    """
    require_aware(now)
    settings = get_settings()
    if end < start or (end - start).days >= settings.availability_max_days:
        raise InvalidRange(max_days=settings.availability_max_days)
    unit = get_unit(unit_id)
    facility = unit.facility
    is_resident = party(resident_id, group_id).is_resident
    mine = (None, group_id) if group_id is not None else (resident_id, None)
    part_ids = frozenset(part.id for part in unit.parts)
    held = claims.held_between(part_ids, start, end)
    blocked = claims.blocked_between(part_ids, start, end)
    kept = {
        (day, block)
        for part, day, block in claims.kept_for_waiters(start, end, facility.id)
        if part in part_ids
    }
    closures = closures_between(facility, start, end)
    releases = lottery_releases([unit.id], start, end, now)
    tz = settings.timezone
    days = []
    day = start
    while day <= end:
        closed = rules.closed_reason(facility, day, closures)
        window = rules.booking_window(facility, day, is_resident, tz)
        release_at = releases.get((unit.id, day.replace(day=1)))
        cells = day_cells(
            facility,
            day,
            closed=closed,
            window=window,
            holder_of=lambda block, day=day: held.get((day, block.id)),
            mine=mine,
            now=now,
            kept=lambda block, day=day: (day, block.id) in kept,
            closures=closures,
            part_ids=part_ids,
            blocked_of=lambda block, day=day: blocked.get((day, block.id)),
            lottery=release_at is not None,
        )
        days.append(
            DayAvailability(day, closed, rules.holiday_name(day), cells, window, release_at)
        )
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class AvailabilitySnapshot:
    """Availability with what a channel needs to keep it: it stays true while the
    availability version is unchanged and until `valid_until` (None: no change by time
    alone in the range)."""

    days: list[DayAvailability]
    version: int
    valid_until: datetime | None


def availability_version() -> int:
    """Changes whenever anything that availability shows may have changed.

    Every booking, change, cancellation and closure writes an audit row in its own
    transaction, and audit rows are never deleted or reused: the trail's last id is
    a version of the town's availability.
    """
    return audit.last_entry_id()


def availability_snapshot(
    unit_id: int, start: date, end: date, *, now: datetime, resident_id: int | None = None
) -> AvailabilitySnapshot:
    """availability() with its version and the moment the clock alone changes it."""
    version = availability_version()  # first, so the days are never older than it
    days = availability(unit_id, start, end, now=now, resident_id=resident_id)
    unit = get_unit(unit_id)
    is_resident = party(resident_id).is_resident
    valid_until = rules.next_change_by_time(
        unit.facility, start, end, now=now, tz=get_settings().timezone, is_resident=is_resident
    )
    releases = [day.lottery_release_at for day in days if day.lottery_release_at is not None]
    if releases:  # a round's release frees its blocks by the clock alone
        valid_until = min([*releases, *([valid_until] if valid_until else [])])
    return AvailabilitySnapshot(days, version, valid_until)


def next_free_blocks(
    unit_id: int,
    *,
    now: datetime,
    after: tuple[date, int] | None = None,
    limit: int = 1,
    resident_id: int | None = None,
    group_id: int | None = None,
) -> list[tuple[date, TimeBlock]]:
    """The next bookable (date, block) pairs from today, or from just after `after`
    (a date and a block id), as far as the booking window reaches."""
    settings = get_settings()
    unit = get_unit(unit_id)
    positions = {block.id: block.position for block in unit.facility.time_blocks}
    today = now.astimezone(settings.timezone).date()
    skip_to = (after[0], positions.get(after[1], -1)) if after else (today, -1)
    start = max(skip_to[0], today)
    horizon = today + timedelta(days=31 * (unit.facility.window_months_ahead + 1))
    found: list[tuple[date, TimeBlock]] = []
    while start <= horizon:
        end = min(start + timedelta(days=30), horizon)
        for day in availability(
            unit_id, start, end, now=now, resident_id=resident_id, group_id=group_id
        ):
            for cell in day.blocks:
                if cell.bookable and (day.date, cell.block.position) > skip_to:
                    found.append((day.date, cell.block))
                    if len(found) == limit:
                        return found
        start = end + timedelta(days=1)
    return found
