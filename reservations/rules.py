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
    GroupLimit,
    GroupLimitReached,
    GroupNotActive,
    GroupValidityEnds,
    InPast,
    InputProblem,
    InvalidInput,
    LimitReached,
    NotOpenYet,
    OutsideRenewalWindow,
    TooFewMembers,
    TooManyBlocks,
)
from .models import (
    Closure,
    ExemptionBasis,
    ExemptionCategory,
    Facility,
    GroupStatus,
    MemberRole,
    TimeBlock,
)
from .settings import CounterDetails, GroupRules, MembersMayCancel


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
    UNAVAILABLE = "unavailable"  # 使用できません: the town uses it, or a unit or block closed
    WAITLISTED = "waitlisted"  # キャンセル待ちあり: freed, and offered to a waiter
    LOTTERY = "lottery"  # 抽選: allocated by a lottery round; first come first served later


class FullReason(StrEnum):
    """Why a day has no free block, in the order it is said: a closed day, a window
    not open yet, the blocks taken, booking closed for the day, the day over."""

    CLOSED = "closed"
    NOT_OPEN_YET = "not_open_yet"
    TAKEN = "taken"
    BOOKING_CLOSED = "booking_closed"
    ENDED = "ended"
    NOT_OFFERED = "not_offered"  # no block is offered that day (a school gym's weekday)
    UNAVAILABLE = "unavailable"  # the town uses the blocks, or they are closed (使用できません)
    LOTTERY = "lottery"  # the free blocks go by lottery until the round's release (抽選)


class PartOfDay(StrEnum):
    """When in the day a block starts, for a search: 午前, 午後, 夜間."""

    MORNING = "morning"  # before noon
    AFTERNOON = "afternoon"  # from noon, before 17:00
    EVENING = "evening"  # from 17:00


def part_of_day(block: TimeBlock) -> PartOfDay:
    if block.start_time < time(12):
        return PartOfDay.MORNING
    if block.start_time < time(17):
        return PartOfDay.AFTERNOON
    return PartOfDay.EVENING


def why_no_free_block(statuses: Sequence[BlockStatus]) -> FullReason | None:
    """Why none of a day's blocks is free (None when one is). A day whose blocks are
    partly taken and partly over is taken: others booked what could still be booked."""
    present = set(statuses)
    if BlockStatus.FREE in present:
        return None
    for status, reason in (
        (BlockStatus.CLOSED, FullReason.CLOSED),
        (BlockStatus.NOT_OPEN_YET, FullReason.NOT_OPEN_YET),
        (BlockStatus.LOTTERY, FullReason.LOTTERY),
        (BlockStatus.TAKEN, FullReason.TAKEN),
        (BlockStatus.YOURS, FullReason.TAKEN),
        (BlockStatus.WAITLISTED, FullReason.TAKEN),
        (BlockStatus.UNAVAILABLE, FullReason.UNAVAILABLE),
        (BlockStatus.BOOKING_CLOSED, FullReason.BOOKING_CLOSED),
        (BlockStatus.PAST, FullReason.ENDED),
    ):
        if status in present:
            return reason
    return FullReason.NOT_OFFERED


# The statuses an admin's override (with a written reason) lifts: the booking window,
# and the lottery's wait for its release (LOTTERY_FIRST).
OVERRIDABLE = frozenset({BlockStatus.NOT_OPEN_YET, BlockStatus.BOOKING_CLOSED, BlockStatus.LOTTERY})


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


@lru_cache(maxsize=8192)
def is_holiday(day: date) -> bool:
    """A national holiday (振替休日 included). Cached: a calendar of a year for every
    facility asks it hundreds of thousands of times, and the answer never changes."""
    return day in _japanese_holidays("ja")


def is_year_end(day: date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def counter_is_open(counter: CounterDetails, now: datetime, tz: ZoneInfo) -> bool:
    """Whether the counter's staff are there (and answer the telephone) at `now`."""
    now = now.astimezone(tz)
    day = now.date()
    if not counter.on_holidays and (is_holiday(day) or is_year_end(day)):
        return False
    if str(day.weekday()) not in counter.weekdays:
        return False
    return counter.opens <= now.time() < counter.closes


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
        if _closure_touches(closure, facility, day) and not closure.is_partial:
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


def _closure_touches(closure: Closure, facility: Facility, day: date) -> bool:
    return closure.start_date <= day <= closure.end_date and closure.facility_id in (
        None,
        facility.id,
    )


def partial_closure(
    closures: Iterable[Closure],
    facility: Facility,
    part_ids: frozenset[int],
    day: date,
    block: TimeBlock,
) -> Closure | None:
    """The closure of one unit or some blocks (not of the whole facility: see
    closed_reason) that closes `block` on `day` for a unit made of `part_ids`: a
    closed unit closes every unit sharing one of its parts (court 2 closes the whole
    court), closed blocks close them in every unit."""
    for closure in closures:
        if not closure.is_partial or not _closure_touches(closure, facility, day):
            continue
        if closure.unit is not None and not part_ids & {part.id for part in closure.unit.parts}:
            continue
        if closure.time_blocks and block.id not in {b.id for b in closure.time_blocks}:
            continue
        return closure
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
    unavailable: bool = False,
) -> BlockStatus:
    """One cell of the availability table. Precedence: closed, not offered, past,
    unavailable (a staff block, a closure of the unit or the block), taken, then the
    booking window."""
    if closed is not None:
        return BlockStatus.CLOSED
    if not block_offered(block, day):
        return BlockStatus.NOT_OFFERED
    if block_start(day, block, tz) <= now:
        return BlockStatus.PAST
    if unavailable:
        return BlockStatus.UNAVAILABLE
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


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of `day`'s month and the first day of the next."""
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


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


def source_waits_until(
    failures: int,
    last_failed_at: datetime,
    *,
    free: int,
    first_wait: timedelta,
    longest_wait: timedelta,
) -> datetime | None:
    """When a source with `failures` wrong secrets in a row for an account may try
    again (None: it need not wait). The `free`-th wrong one makes it wait `first_wait`,
    each further one twice as long as the one before, never more than `longest_wait`."""
    if failures < free:
        return None
    doublings = min(failures - free, 30)
    return last_failed_at + min(first_wait * 2**doublings, longest_wait)


# ------------------------------------------------------------------- exemptions (減免)


@dataclass(frozen=True)
class Exemption:
    """A booking's exemption as decided: how, the share waived, on which category, and
    the evidence it rested on with the last day that evidence holds."""

    basis: ExemptionBasis
    percent: int
    category: ExemptionCategory | None = None
    evidence: str | None = None
    valid_until: date | None = None


def decide_exemption(
    category: ExemptionCategory | None,
    *,
    purpose: str | None,
    evidence: str | None,
    valid_until: date | None,
    day: date,
) -> Exemption:
    """The exemption of a booking on `day` for a person or group of `category`.

    The category's share applies unless the category covers only some purposes and
    the group's is not one of them (a person has no purpose: every category covers
    them), or the evidence staff recorded ends before the day.
    """
    if category is None or category.percent == 0:
        return Exemption(ExemptionBasis.NONE, 0, category, evidence, valid_until)
    if purpose is not None and category.purpose_list and purpose not in category.purpose_list:
        return Exemption(ExemptionBasis.PURPOSE_NOT_COVERED, 0, category, evidence, valid_until)
    if valid_until is not None and valid_until < day:
        return Exemption(ExemptionBasis.EVIDENCE_EXPIRED, 0, category, evidence, valid_until)
    return Exemption(ExemptionBasis.CATEGORY, category.percent, category, evidence, valid_until)


def staff_exemption(granted: ExemptionCategory | None, previous: Exemption) -> Exemption:
    """Staff's decision on one booking: the granted category's share, or none."""
    if granted is None:
        return Exemption(
            ExemptionBasis.STAFF_REFUSED,
            0,
            previous.category,
            previous.evidence,
            previous.valid_until,
        )
    return Exemption(
        ExemptionBasis.STAFF_GRANTED,
        granted.percent,
        granted,
        previous.evidence,
        previous.valid_until,
    )


# ---------------------------------------------------------------------- groups (団体)


def _on(year: int, month_day: tuple[int, int]) -> date:
    return date(year, *month_day)


def renewal_opens_on(valid_until: date, group_rules: GroupRules) -> date:
    """The first day a registration valid until `valid_until` may be renewed."""
    opens = _on(valid_until.year, group_rules.renewal_opens)
    return opens if opens <= valid_until else _on(valid_until.year - 1, group_rules.renewal_opens)


def registration_ends(start: date, group_rules: GroupRules) -> date:
    """The last day of a registration or renewal made on `start`: the first end of a
    year (31 March) whose renewal has not opened yet on `start`, and `validity_years`
    - 1 years after it. Registered in December: until the coming 31 March; in
    February, when renewal is open: until the 31 March a year later."""
    end = _on(start.year, group_rules.validity_ends)
    if end < start:
        end = _on(start.year + 1, group_rules.validity_ends)
    if renewal_opens_on(end, group_rules) <= start:
        end = _on(end.year + 1, group_rules.validity_ends)
    return _on(end.year + group_rules.validity_years - 1, group_rules.validity_ends)


def check_renewal(today: date, valid_until: date, group_rules: GroupRules) -> None:
    """Renewal opens `renewal_opens` before the registration ends; a registration that
    has ended may still be renewed (late), keeping its number and history."""
    opens = renewal_opens_on(valid_until, group_rules)
    if today < opens:
        raise OutsideRenewalWindow(opens_on=opens, valid_until=valid_until)


def check_roster(count: int, declared: int, resident_members: int, group_rules: GroupRules) -> None:
    """At registration and renewal: enough registered residents on the roster, and
    declared counts that can be true (at least the roster; residents among them)."""
    if count < group_rules.min_members:
        raise TooFewMembers(minimum=group_rules.min_members, count=count)
    if declared < count:
        raise InvalidInput(
            field="declared_members", problem=InputProblem.OUT_OF_RANGE, minimum=count
        )
    if not 0 <= resident_members <= declared:
        raise InvalidInput(
            field="resident_members", problem=InputProblem.OUT_OF_RANGE, maximum=declared
        )


def pays_resident_fee(resident_members: int, declared: int, share_percent: int) -> bool:
    """A group whose members living in town are at least the town's share of those it
    declared books as a town resident (fee and booking window)."""
    return declared > 0 and resident_members * 100 >= share_percent * declared


def group_status(stored: str, valid_until: date, today: date) -> GroupStatus:
    """The status as it stands on `today`: an active group past its end has expired."""
    status = GroupStatus(stored)
    if status == GroupStatus.ACTIVE and valid_until < today:
        return GroupStatus.EXPIRED
    return status


def check_group_bookable(
    name: str,
    status: GroupStatus,
    valid_until: date,
    day: date,
    group_rules: GroupRules,
) -> None:
    """Only an active group books, and only dates within its registration: a later
    date can be booked once it is renewed (from the day renewal opens)."""
    renewal = renewal_opens_on(valid_until, group_rules)
    if status != GroupStatus.ACTIVE:
        raise GroupNotActive(
            status=status, group=name, valid_until=valid_until, renewal_opens=renewal
        )
    if day > valid_until:
        raise GroupValidityEnds(
            group=name, date=day, valid_until=valid_until, renewal_opens=renewal
        )


@dataclass(frozen=True)
class GroupCounts:
    """A group's bookings that its limits count, for a booking in one category and
    month: active future ones in the category, confirmed ones dated in the month, and
    active future ones in all."""

    in_category: int
    in_month: int
    active: int


def check_group_limits(
    counts: GroupCounts,
    *,
    group: str,
    category_maximum: int,
    category: str,
    month: date,
    group_rules: GroupRules,
) -> None:
    """A group's own limits, apart from its members' personal ones (`group`: its name,
    for the refusal)."""
    if counts.in_category >= category_maximum:
        raise GroupLimitReached(
            limit=GroupLimit.CATEGORY, group=group, maximum=category_maximum, category=category
        )
    if counts.in_month >= group_rules.max_per_month:
        raise GroupLimitReached(
            limit=GroupLimit.MONTH, group=group, maximum=group_rules.max_per_month, month=month
        )
    if counts.active >= group_rules.max_active:
        raise GroupLimitReached(
            limit=GroupLimit.ACTIVE, group=group, maximum=group_rules.max_active
        )


def overlapping_groups(roster: set[int], others: dict[str, set[int]], threshold: int) -> list[str]:
    """The groups (keys of `others`) sharing at least `threshold` people with `roster`."""
    return sorted(key for key, members in others.items() if len(roster & members) >= threshold)


def may_cancel_group_booking(role: MemberRole, booked_it: bool, policy: MembersMayCancel) -> bool:
    """The representative and contacts cancel any of the group's bookings; a member,
    as the town's rule says: their own (default), all, or none."""
    if role in (MemberRole.REPRESENTATIVE, MemberRole.CONTACT):
        return True
    if policy == MembersMayCancel.ALL:
        return True
    return policy == MembersMayCancel.OWN and booked_it
