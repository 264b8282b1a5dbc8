"""The rules of series (定期利用), as pure functions: the season a date falls in, the
dates a series asks for, and why one of them cannot be booked.

Like rules.py, nothing here reads the database or the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from . import rules
from .errors import (
    BlocksNotConsecutive,
    InputProblem,
    InvalidInput,
    SeriesLastBeforeFirst,
    SeriesTooLong,
    SeriesWeekdayClosed,
    TooManyBlocks,
)
from .models import Closure, Facility, SkipReason, TimeBlock

_CLOSED_TO_SKIP = {
    rules.ClosedReason.WEEKLY: SkipReason.WEEKLY,
    rules.ClosedReason.HOLIDAY: SkipReason.HOLIDAY,
    rules.ClosedReason.MOVED_CLOSED_DAY: SkipReason.MOVED_CLOSED_DAY,
    rules.ClosedReason.YEAR_END: SkipReason.YEAR_END,
    rules.ClosedReason.CLOSURE: SkipReason.CLOSURE,
}


def season_of(day: date, starts: tuple[int, int] = (4, 1)) -> tuple[date, date]:
    """The season (年度) `day` falls in: from its start (1 April) to the day before the
    next one (31 March)."""
    start = date(day.year, *starts)
    if day < start:
        start = date(day.year - 1, *starts)
    return start, date(start.year + 1, *starts) - timedelta(days=1)


def check_series_dates(first: date, last: date, starts: tuple[int, int] = (4, 1)) -> None:
    """A series runs forward, within the season of its first date."""
    if last < first:
        raise SeriesLastBeforeFirst(first=first, last=last)
    season_end = season_of(first, starts)[1]
    if last > season_end:
        raise SeriesTooLong(season_end=season_end)


def check_weekdays(weekdays: Sequence[int]) -> tuple[int, ...]:
    """The weekdays (Monday = 0) once each, in order; at least one."""
    if not weekdays:
        raise InvalidInput(field="weekdays", problem=InputProblem.REQUIRED)
    if any(day not in range(7) for day in weekdays):
        raise InvalidInput(field="weekdays", problem=InputProblem.UNKNOWN)
    return tuple(sorted(set(weekdays)))


def series_blocks(facility: Facility, block_ids: Sequence[int]) -> list[TimeBlock]:
    """The series' blocks in day order: the facility's, consecutive, no more than one
    reservation may have."""
    if not block_ids:
        raise InvalidInput(field="blocks", problem=InputProblem.REQUIRED)
    if len(set(block_ids)) != len(block_ids):
        raise InvalidInput(field="blocks", problem=InputProblem.REPEATED)
    blocks = list(facility.time_blocks)
    by_id = {block.id: block for block in blocks}
    if any(block_id not in by_id for block_id in block_ids):
        raise InvalidInput(field="blocks", problem=InputProblem.UNKNOWN)
    indexes = sorted(blocks.index(by_id[block_id]) for block_id in block_ids)
    if indexes != list(range(indexes[0], indexes[0] + len(indexes))):
        raise BlocksNotConsecutive()
    if len(indexes) > facility.max_blocks_per_reservation:
        raise TooManyBlocks(maximum=facility.max_blocks_per_reservation)
    return [blocks[index] for index in indexes]


def check_weekdays_open(
    facility: Facility, weekdays: Iterable[int], blocks: Sequence[TimeBlock]
) -> None:
    """Refuse a weekday on which the facility never opens (its weekly closed day) or
    never offers the blocks (a school gym's weekday mornings)."""
    for weekday in weekdays:
        closed = str(weekday) in (facility.closed_weekdays or "")
        if closed or not all(str(weekday) in block.weekdays for block in blocks):
            raise SeriesWeekdayClosed(weekday=weekday)


def series_days(first: date, last: date, weekdays: Iterable[int]) -> list[date]:
    """Every date from `first` to `last` that falls on one of the weekdays."""
    wanted = set(weekdays)
    days = []
    day = first
    while day <= last:
        if day.weekday() in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class Skip:
    """Why a date is not booked: a SkipReason, its detail (a holiday's name, a
    closure's reason) and the number of the reservation holding the slot."""

    reason: SkipReason
    detail: str | None = None
    number: str | None = None


def calendar_skip(
    facility: Facility,
    day: date,
    blocks: Sequence[TimeBlock],
    part_ids: Iterable[int],
    *,
    closures: Iterable[Closure],
    exceptions: Iterable[date],
    skip_holidays: bool,
    now: datetime,
    tz: ZoneInfo,
) -> Skip | None:
    """Why `day` cannot be one of the series' dates, by the calendar alone (claims
    aside): a date asked to be skipped, the facility closed (weekly, a holiday, the
    moved closed day, 年末年始, a closure), a national holiday or the year end when the
    series skips them, a block not offered that day, a closure of the unit or the
    blocks, or a date already begun."""
    if day in set(exceptions):
        return Skip(SkipReason.EXCEPTION)
    closures = list(closures)
    closed = rules.closed_reason(facility, day, closures)
    if closed is not None:
        detail = closed.note if closed.reason == rules.ClosedReason.CLOSURE else None
        if closed.reason == rules.ClosedReason.HOLIDAY:
            detail = rules.holiday_name(day)
        return Skip(_CLOSED_TO_SKIP[closed.reason], detail)
    if skip_holidays and rules.is_year_end(day):
        return Skip(SkipReason.YEAR_END)
    if skip_holidays and rules.is_holiday(day):
        return Skip(SkipReason.HOLIDAY, rules.holiday_name(day))
    if not all(rules.block_offered(block, day) for block in blocks):
        return Skip(SkipReason.NOT_OFFERED)
    part_ids = frozenset(part_ids)
    for block in blocks:
        closure = rules.partial_closure(closures, facility, part_ids, day, block)
        if closure is not None:
            return Skip(SkipReason.CLOSURE, closure.reason)
    if rules.block_start(day, blocks[0], tz) <= now:
        return Skip(SkipReason.PAST)
    return None
