"""The town's booking rules as pure functions of their inputs.

Nothing here reads the database or the clock: facilities, closures and `now` come in
as arguments, so every rule is tested at its edges (9:00:00 exactly, New Year, a
holiday Monday) without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .errors import (
    BlockNotOffered,
    BlocksNotConsecutive,
    BookingClosed,
    FacilityClosed,
    InPast,
    InputProblem,
    InvalidInput,
    LimitReached,
    NotOpenYet,
    TooManyBlocks,
)
from .models import Closure, Facility, TimeBlock


class ClosedReason(StrEnum):
    """Why a facility is closed on a day."""

    WEEKLY = "weekly"  # 定休日
    HOLIDAY = "holiday"  # 祝日休館
    MOVED_CLOSED_DAY = (
        "moved_closed_day"  # 振替休館日 (the day after a holiday on a closed weekday)
    )
    YEAR_END = "year_end"  # 年末年始 12/29–1/3
    CLOSURE = "closure"  # 臨時休館, with a reason


class BlockStatus(StrEnum):
    """What a block is on a day, for availability."""

    FREE = "free"  # 空き
    TAKEN = "taken"  # 予約済み
    YOURS = "yours"  # ご自身の予約
    CLOSED = "closed"  # 休館
    NOT_OFFERED = "not_offered"  # この日はこの時間区分なし
    PAST = "past"  # 終了
    NOT_OPEN_YET = "not_open_yet"  # 受付前
    BOOKING_CLOSED = "booking_closed"  # 受付終了


# The statuses an admin's override (with a written reason) lifts: the booking window.
OVERRIDABLE = frozenset({BlockStatus.NOT_OPEN_YET, BlockStatus.BOOKING_CLOSED})


@dataclass(frozen=True)
class ClosedDay:
    reason: ClosedReason
    note: str | None = None
    note_en: str | None = None


@lru_cache(maxsize=8)
def _japanese_holidays(language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", language=language)


def holiday_name(day: date, language: str = "ja") -> str | None:
    """The national holiday's name on that day (「勤労感謝の日」), or None."""
    return _japanese_holidays("en_US" if language == "en" else "ja").get(day)


def is_holiday(day: date) -> bool:
    return day in _japanese_holidays("ja")


def is_year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def _is_closed_weekday(facility: Facility, day: date) -> bool:
    return str(day.weekday()) in (facility.closed_weekdays or "")


def closed_reason(
    facility: Facility, day: date, closures: Iterable[Closure] = ()
) -> ClosedDay | None:
    """Why the facility is closed on `day`, or None when it is open.

    `closures` are the ad-hoc closures that may cover the day (the facility's own and
    those for every facility).
    """
    for closure in closures:
        if closure.start_date <= day <= closure.end_date and closure.facility_id in (
            None,
            facility.id,
        ):
            return ClosedDay(ClosedReason.CLOSURE, closure.reason, closure.reason_en or None)
    if facility.year_end_closure and is_year_end(day):
        return ClosedDay(ClosedReason.YEAR_END)
    holiday = is_holiday(day)
    if holiday and not facility.open_on_holidays:
        return ClosedDay(ClosedReason.HOLIDAY)
    if _is_closed_weekday(facility, day):
        if holiday and facility.closed_day_moves_after_holiday:
            return None
        return ClosedDay(ClosedReason.WEEKLY)
    if facility.closed_day_moves_after_holiday and not holiday:
        previous = day - timedelta(days=1)
        while is_holiday(previous):
            if _is_closed_weekday(facility, previous):
                return ClosedDay(ClosedReason.MOVED_CLOSED_DAY)
            previous -= timedelta(days=1)
    return None


def block_offered(block: TimeBlock, day: date) -> bool:
    if is_holiday(day):
        return block.on_holidays
    return str(day.weekday()) in block.weekdays


def offered_blocks(facility: Facility, day: date) -> list[TimeBlock]:
    return [block for block in facility.time_blocks if block_offered(block, day)]


def block_start(day: date, block: TimeBlock, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, block.start_time, tz)


def block_end(day: date, block: TimeBlock, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, block.end_time, tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tz)


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime  # exclusive

    def status(self, now: datetime) -> BlockStatus | None:
        if now < self.opens_at:
            return BlockStatus.NOT_OPEN_YET
        if now >= self.closes_at:
            return BlockStatus.BOOKING_CLOSED
        return None


def booking_window(facility: Facility, day: date, is_resident: bool, tz: ZoneInfo) -> Window:
    """When booking `day` opens and closes.

    Dates in month M open on day `window_opens_day` of month M − `window_months_ahead`
    at `window_opens_time` (non-residents `nonresident_delay_days` later) and close at
    the midnight that ends the day `window_closes_days_before` days before the date.
    """
    months = day.year * 12 + (day.month - 1) - facility.window_months_ahead
    opens_at = datetime.combine(
        date(months // 12, months % 12 + 1, facility.window_opens_day),
        facility.window_opens_time,
        tz,
    )
    if not is_resident:
        opens_at += timedelta(days=facility.nonresident_delay_days)
    last_day = day - timedelta(days=facility.window_closes_days_before)
    return Window(opens_at, _midnight(last_day + timedelta(days=1), tz))


@dataclass(frozen=True)
class CancelDeadline:
    last_day: date  # the last day on which a resident may cancel
    deadline: datetime  # exclusive: the midnight that ends last_day

    def has_passed(self, now: datetime) -> bool:
        """Whether a resident can no longer cancel by themself at `now`."""
        return now >= self.deadline


def cancel_deadline(facility: Facility, day: date, tz: ZoneInfo) -> CancelDeadline:
    last_day = day - timedelta(days=facility.cancel_days_before)
    return CancelDeadline(last_day, _midnight(last_day + timedelta(days=1), tz))


def block_status(
    facility: Facility,
    day: date,
    block: TimeBlock,
    *,
    now: datetime,
    tz: ZoneInfo,
    closed: ClosedDay | None,
    taken: bool,
    window: Window,
) -> BlockStatus:
    """One cell of the availability table. Precedence: closed, not offered, past,
    taken, then the booking window."""
    if closed is not None:
        return BlockStatus.CLOSED
    if not block_offered(block, day):
        return BlockStatus.NOT_OFFERED
    if block_start(day, block, tz) <= now:
        return BlockStatus.PAST
    if taken:
        return BlockStatus.TAKEN
    return window.status(now) or BlockStatus.FREE


def next_change_by_time(
    facility: Facility,
    start: date,
    end: date,
    *,
    now: datetime,
    tz: ZoneInfo,
    is_resident: bool,
) -> datetime | None:
    """The first moment after `now` at which a block of `start`..`end` changes state by
    the clock alone: a booking window opens or closes, or a block starts (and is then
    past). Until then, only bookings, cancellations and closures change the table."""
    moments = []
    day = start
    while day <= end:
        window = booking_window(facility, day, is_resident, tz)
        moments += [window.opens_at, window.closes_at]
        moments += [block_start(day, block, tz) for block in offered_blocks(facility, day)]
        day += timedelta(days=1)
    return min((moment for moment in moments if moment > now), default=None)


def order_blocks(facility: Facility, day: date, block_ids: Sequence[int]) -> list[TimeBlock]:
    """The chosen blocks in day order, checked: offered that day, consecutive, not
    more than the facility allows in one reservation."""
    if not block_ids:
        raise InvalidInput(field="blocks", problem=InputProblem.REQUIRED)
    if len(set(block_ids)) != len(block_ids):
        raise InvalidInput(field="blocks", problem=InputProblem.REPEATED)
    by_id = {block.id: block for block in facility.time_blocks}
    for block_id in block_ids:
        block = by_id.get(block_id)
        if block is None or not block_offered(block, day):
            raise BlockNotOffered(block_id=block_id, date=day)
    offered = offered_blocks(facility, day)
    indexes = sorted(offered.index(by_id[block_id]) for block_id in block_ids)
    if indexes != list(range(indexes[0], indexes[0] + len(indexes))):
        raise BlocksNotConsecutive(date=day)
    if len(indexes) > facility.max_blocks_per_reservation:
        raise TooManyBlocks(maximum=facility.max_blocks_per_reservation)
    return [offered[index] for index in indexes]


def check_bookable(
    facility: Facility,
    day: date,
    blocks: Sequence[TimeBlock],
    *,
    now: datetime,
    tz: ZoneInfo,
    closures: Iterable[Closure],
    is_resident: bool,
    window_override: bool = False,
) -> None:
    """Raise the first reason the blocks of `day` cannot be booked at `now`."""
    closed = closed_reason(facility, day, closures)
    if closed is not None:
        raise FacilityClosed(date=day, reason=closed.reason, note=closed.note)
    if block_start(day, blocks[0], tz) <= now:
        raise InPast(date=day)
    if window_override:
        return
    window = booking_window(facility, day, is_resident, tz)
    status = window.status(now)
    if status == BlockStatus.NOT_OPEN_YET:
        raise NotOpenYet(opens_at=window.opens_at, date=day)
    if status == BlockStatus.BOOKING_CLOSED:
        raise BookingClosed(closes_at=window.closes_at, date=day)


def check_limit(active_count: int, maximum: int, category: str) -> None:
    """A resident may hold at most `maximum` active future reservations per category."""
    if active_count >= maximum:
        raise LimitReached(maximum=maximum, category=category)


@dataclass(frozen=True)
class FeeQuote:
    base_yen: int
    exemption_percent: int
    fee_yen: int

    @property
    def waived_yen(self) -> int:
        return self.base_yen - self.fee_yen


def fee(rates_yen: Iterable[int], exemption_percent: int) -> FeeQuote:
    """使用料: the sum of the blocks' rates with the exemption (減免) taken off. Yen
    fractions of a partial exemption are rounded in the resident's favour."""
    base = sum(rates_yen)
    return FeeQuote(base, exemption_percent, base * (100 - exemption_percent) // 100)


@dataclass(frozen=True)
class LockState:
    failed_attempts: int
    locked_at: datetime | None


def is_locked(state: LockState, now: datetime, lockout: timedelta | None) -> bool:
    """Locked until staff unlock it, or until `lockout` has passed when one is set."""
    if state.locked_at is None:
        return False
    return lockout is None or now < state.locked_at + lockout


def unlocks_at(state: LockState, lockout: timedelta | None) -> datetime | None:
    if state.locked_at is None or lockout is None:
        return None
    return state.locked_at + lockout


def after_failed_attempt(
    state: LockState, now: datetime, max_failures: int, lockout: timedelta | None
) -> LockState:
    """Count a wrong PIN or password; the `max_failures`-th in a row locks."""
    if state.locked_at is not None and not is_locked(state, now, lockout):
        state = LockState(0, None)  # the lockout expired: start counting afresh
    failures = state.failed_attempts + 1
    return LockState(failures, state.locked_at or (now if failures >= max_failures else None))
