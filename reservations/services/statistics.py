"""Statistics for staff (利用統計): occupancy (稼働率), use, channels, who books,
cancellations and fees, for a period and one facility (or unit) or all.

Every figure is an aggregate computed by grouped SQL (a fixed number of statements,
whatever the number of reservations); the calendar of what could be booked is
computed from the facilities' opening rules, not from the reservations. Only counts
and sums leave the database. The definitions are in the README (Statistics).

Occupancy counts part-blocks: one part of a facility (half A of the gym, a room) in
one time block of one day. Bookable part-blocks are those offered on an open day,
less whole-facility and partial closures and the town's staff blocks (行政使用);
booked ones are those claimed by bookings. A whole-court booking claims both halves
(2 part-blocks), a half-court booking one: half the court's occupancy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from .. import rules
from ..db import db
from ..errors import InvalidRange, NotFound
from ..models import (
    ACTIVE_STATUSES,
    CANCELLED,
    PAID,
    REFUND_OWED,
    REFUND_PAID,
    STATISTICS,
    CancelReasonKind,
    Closure,
    ExemptionCategory,
    Facility,
    Group,
    Refund,
    Reservation,
    ReservationOrigin,
    Resident,
    SlotClaim,
    Unit,
    UseState,
    WaitlistEntry,
)
from ..settings import get_settings
from .actors import Actor, require_staff


@dataclass(frozen=True)
class Period:
    """What the figures cover: days from `start` to `end` (inclusive), one facility
    (and one of its units) or all."""

    start: date
    end: date
    facility_id: int | None = None
    unit_id: int | None = None


@dataclass
class Share:
    """A part of a whole: booked of bookable, used of booked, counter of all."""

    part: int = 0
    whole: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.part / self.whole, 1) if self.whole else None


@dataclass
class UseCounts:
    used: int = 0
    no_show: int = 0
    unrecorded: int = 0

    @property
    def booked(self) -> int:
        return self.used + self.no_show + self.unrecorded

    @property
    def use_rate(self) -> float | None:
        """Used of the past bookings whose use was recorded."""
        recorded = self.used + self.no_show
        return round(100 * self.used / recorded, 1) if recorded else None


@dataclass(frozen=True)
class BlockName:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class HolderKind:
    """Whom bookings were for: a resident, a non-resident, or a group of a category
    (`category` None: a group without one)."""

    kind: str  # "resident", "nonresident", "group"
    category: ExemptionCategory | None = None


@dataclass(frozen=True)
class FeeLine:
    category: ExemptionCategory | None  # the exemption category (None: no exemption)
    bookings: int
    collected_yen: int  # paid fees
    exempted_yen: int  # 減免: fees before exemption less fees charged


@dataclass(frozen=True)
class RefundLine:
    """Refunds (還付) for bookings of the period, by their state."""

    status: str  # REFUND_OWED or REFUND_PAID
    refunds: int
    amount_yen: int


@dataclass(frozen=True)
class WaitedSlot:
    """Demand beyond supply: a slot (a unit on a day) and how many joined its waitlist."""

    unit: Unit
    day: date
    entries: int


# The most over-demanded slots the page lists.
WAITED_SLOTS_SHOWN = 20


@dataclass
class Statistics:
    period: Period
    facilities: list[Facility]
    occupancy_by_month: dict[date, Share] = field(default_factory=dict)
    occupancy_by_weekday: dict[int, Share] = field(default_factory=dict)
    occupancy_by_block: dict[str, Share] = field(default_factory=dict)
    block_names: dict[str, BlockName] = field(default_factory=dict)
    use_by_month: dict[date, UseCounts] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    counter_share_by_month: dict[date, Share] = field(default_factory=dict)
    by_holder: list[tuple[HolderKind, int]] = field(default_factory=list)
    cancellations: dict[str, int] = field(default_factory=dict)
    fees: list[FeeLine] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    waitlist_entries: int = 0  # everyone who joined a waitlist for a slot of the period
    waited_slots: list[WaitedSlot] = field(default_factory=list)  # the most waited for

    @property
    def occupancy(self) -> Share:
        return _sum(self.occupancy_by_month.values())

    @property
    def use(self) -> UseCounts:
        total = UseCounts()
        for counts in self.use_by_month.values():
            total.used += counts.used
            total.no_show += counts.no_show
            total.unrecorded += counts.unrecorded
        return total


def _sum(shares) -> Share:
    total = Share()
    for share in shares:
        total.part += share.part
        total.whole += share.whole
    return total


# Cancellation kinds, as the page shows them.
CANCELLED_EARLY = "early"  # by the resident (or staff for them) before the deadline
CANCELLED_LATE = "late"  # after the resident's deadline
CANCELLED_BY_TOWN = "town"  # the town (a closure or a staff block took the slot)
HOLD_EXPIRED = "unpaid"  # a hold not paid in time (仮予約の期限切れ)
NO_SHOW = "no_show"
CANCELLATION_KINDS = (CANCELLED_EARLY, CANCELLED_LATE, CANCELLED_BY_TOWN, HOLD_EXPIRED, NO_SHOW)


def _month(day: date) -> date:
    return day.replace(day=1)


def check_period(period: Period) -> list[Facility]:
    """The facilities the period covers; a reversed or too long period, an unknown
    facility or a unit of another facility is refused."""
    maximum = get_settings().statistics_max_days
    if period.end < period.start or (period.end - period.start).days + 1 > maximum:
        raise InvalidRange(max_days=maximum)
    query = select(Facility).options(
        selectinload(Facility.parts),
        selectinload(Facility.units).selectinload(Unit.parts),
        selectinload(Facility.time_blocks),
    )
    if period.facility_id is not None:
        query = query.where(Facility.id == period.facility_id)
    facilities = list(db.session.scalars(query.order_by(Facility.position, Facility.id)))
    if period.facility_id is not None and not facilities:
        raise NotFound(what="facility", id=period.facility_id)
    if period.unit_id is not None:
        units = [u for f in facilities for u in f.units if u.id == period.unit_id]
        if not units:
            raise NotFound(what="unit", id=period.unit_id)
    return facilities


def statistics(actor: Actor, period: Period, *, today: date) -> Statistics:
    """Every figure of the statistics page (admins and statistics staff)."""
    require_staff(actor, STATISTICS)
    facilities = check_period(period)
    result = Statistics(period=period, facilities=facilities)
    parts = _parts_in_scope(facilities, period)
    _occupancy(result, facilities, parts, period)
    _bookings(result, facilities, period, today)
    return result


def _parts_in_scope(facilities: list[Facility], period: Period) -> dict[int, set[int]]:
    """Facility id -> the ids of its parts the figures cover (a unit's, or all)."""
    scope = {}
    for facility in facilities:
        unit = next((u for u in facility.units if u.id == period.unit_id), None)
        scope[facility.id] = {p.id for p in (unit.parts if unit else facility.parts)}
    return scope


# ---------------------------------------------------------------------- occupancy


def _closures(period: Period) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.start_date <= period.end, Closure.end_date >= period.start)
            .options(selectinload(Closure.unit).selectinload(Unit.parts))
            .options(selectinload(Closure.time_blocks))
        )
    )


def _claims_by_day_block(period: Period, part_ids: set[int], staff_blocks: bool) -> dict:
    """(date, time block id) -> claimed part-blocks, by bookings or by staff blocks."""
    origin = Reservation.origin == ReservationOrigin.BLOCK
    rows = db.session.execute(
        select(SlotClaim.date, SlotClaim.time_block_id, func.count())
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(
            SlotClaim.part_id.in_(part_ids or {-1}),
            SlotClaim.date >= period.start,
            SlotClaim.date <= period.end,
            origin if staff_blocks else ~origin,
        )
        .group_by(SlotClaim.date, SlotClaim.time_block_id)
    )
    return {(day, block_id): count for day, block_id, count in rows}


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


def _occupancy(result: Statistics, facilities, parts: dict[int, set[int]], period) -> None:
    """Supply is counted per group of facilities with one calendar (see
    _calendar_signature), demand from the sparse claims: the work grows with the
    facilities' kinds and the booked slots, not with rooms times days."""
    closures = _closures(period)
    all_parts = set().union(*parts.values()) if parts else set()
    booked = _claims_by_day_block(period, all_parts, staff_blocks=False)
    blocked = _claims_by_day_block(period, all_parts, staff_blocks=True)
    days = [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]
    months = {day: _month(day) for day in days}
    groups: dict = {}  # signature -> [supply by day, facilities]
    block_of: dict[int, tuple] = {}  # time block id -> (signature, block code)
    for facility in facilities:
        scope = parts[facility.id]
        own = [c for c in closures if c.facility_id in (None, facility.id)]
        signature = _calendar_signature(facility, scope, own)
        if signature not in groups:
            groups[signature] = [_supply_by_day(facility, scope, own, days), 0]
        groups[signature][1] += 1
        for block in facility.time_blocks:
            block_of[block.id] = (signature, block.code)
            result.block_names.setdefault(
                block.code, BlockName(block.code, block.name, block.name_en)
            )

    def add(day, code, part, whole):
        for table, key in (
            (result.occupancy_by_month, months[day]),
            (result.occupancy_by_weekday, day.weekday()),
            (result.occupancy_by_block, code),
        ):
            share = table.setdefault(key, Share())
            share.part += part
            share.whole += whole

    # Every facility's open part-blocks, once per group.
    for supply, count in groups.values():
        for day, offered in supply.items():
            for code, open_parts in offered.items():
                add(day, code, 0, open_parts * count)

    def open_parts(key) -> int:
        day, block_id = key
        signature, code = block_of[block_id]
        return groups[signature][0].get(day, {}).get(code, 0)

    # Staff blocks take their part-blocks out of the supply; bookings fill what is left
    # (a booking on a day closed after it was made does not count).
    # Summed by (day, block code) first: a year of 200 rooms has 200,000 booked slots.
    moved: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (day, code): part, whole
    for key, count in blocked.items():
        if key[1] in block_of and (taken_out := min(open_parts(key), count)):
            moved[key[0], block_of[key[1]][1]][1] -= taken_out
    for key, count in booked.items():
        if key[1] in block_of:
            supply = open_parts(key) - blocked.get(key, 0)
            if supply > 0:
                moved[key[0], block_of[key[1]][1]][0] += min(supply, count)
    for (day, code), (part, whole) in moved.items():
        add(day, code, part, whole)
    result.occupancy_by_month = dict(sorted(result.occupancy_by_month.items()))
    result.occupancy_by_weekday = dict(sorted(result.occupancy_by_weekday.items()))


# ---------------------------------------------------------------------- bookings


def _bookings_in(facilities, period: Period):
    """The conditions of the bookings the figures count: dated in the period, at the
    facilities (or the unit), never the town's staff blocks."""
    conditions = [
        Reservation.date >= period.start,
        Reservation.date <= period.end,
        Reservation.origin != ReservationOrigin.BLOCK,
    ]
    if period.unit_id is not None:
        conditions.append(Reservation.unit_id == period.unit_id)
    elif period.facility_id is not None:
        unit_ids = [u.id for f in facilities for u in f.units]
        conditions.append(Reservation.unit_id.in_(unit_ids or [-1]))
    return and_(*conditions)


def _bookings(result: Statistics, facilities, period: Period, today: date) -> None:
    scope = _bookings_in(facilities, period)
    confirmed = Reservation.status.in_(ACTIVE_STATUSES)  # held or confirmed: booked
    # Use, by day (folded into months): past confirmed bookings by their record.
    for day, state, count in db.session.execute(
        select(Reservation.date, Reservation.use_state, func.count())
        .where(scope, confirmed, Reservation.date < today)
        .group_by(Reservation.date, Reservation.use_state)
    ):
        counts = result.use_by_month.setdefault(_month(day), UseCounts())
        if state == UseState.USED:
            counts.used += count
        elif state == UseState.NO_SHOW:
            counts.no_show += count
        else:
            counts.unrecorded += count
    result.use_by_month = dict(sorted(result.use_by_month.items()))
    # Channels: every booking made (cancelled later or not), by day and channel.
    by_channel: dict[str, int] = defaultdict(int)
    for day, channel, count in db.session.execute(
        select(Reservation.date, Reservation.channel, func.count())
        .where(scope)
        .group_by(Reservation.date, Reservation.channel)
    ):
        by_channel[channel] += count
        share = result.counter_share_by_month.setdefault(_month(day), Share())
        share.whole += count
        share.part += count if channel == "counter" else 0
    result.by_channel = dict(by_channel)
    result.counter_share_by_month = dict(sorted(result.counter_share_by_month.items()))
    _holders(result, scope)
    _cancellations(result, scope)
    _fees(result, scope)
    _refunds(result, scope)
    _waitlist(result, facilities, period)


def _holders(result: Statistics, scope) -> None:
    rows = db.session.execute(
        select(
            Reservation.group_id.is_not(None), Resident.is_resident, Group.category_id, func.count()
        )
        .select_from(Reservation)
        .outerjoin(Resident, Resident.id == Reservation.resident_id)
        .outerjoin(Group, Group.id == Reservation.group_id)
        .where(scope)
        .group_by(Reservation.group_id.is_not(None), Resident.is_resident, Group.category_id)
    ).all()
    categories = _categories({row[2] for row in rows})
    counts: dict[HolderKind, int] = defaultdict(int)
    for is_group, is_resident, category_id, count in rows:
        if is_group:
            kind = HolderKind("group", categories.get(category_id))
        else:
            kind = HolderKind("resident" if is_resident else "nonresident")
        counts[kind] += count
    order = {"resident": 0, "nonresident": 1, "group": 2}
    result.by_holder = sorted(
        counts.items(),
        key=lambda item: (
            order[item[0].kind],
            item[0].category.position if item[0].category else -1,
        ),
    )


def _categories(ids) -> dict[int, ExemptionCategory]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        c.id: c
        for c in db.session.scalars(select(ExemptionCategory).where(ExemptionCategory.id.in_(ids)))
    }


def _cancellations(result: Statistics, scope) -> None:
    kind = case(
        (Reservation.cancel_reason_kind == CancelReasonKind.TOWN, CANCELLED_BY_TOWN),
        (Reservation.cancel_reason_kind == CancelReasonKind.UNPAID, HOLD_EXPIRED),
        (Reservation.cancelled_after_deadline.is_(True), CANCELLED_LATE),
        else_=CANCELLED_EARLY,
    )
    counts = dict.fromkeys(CANCELLATION_KINDS, 0)
    for name, count in db.session.execute(
        select(kind, func.count()).where(scope, Reservation.status == CANCELLED).group_by(kind)
    ):
        counts[name] += count
    counts[NO_SHOW] = (
        db.session.scalar(
            select(func.count()).where(scope, Reservation.use_state == UseState.NO_SHOW)
        )
        or 0
    )
    result.cancellations = counts


def _fees(result: Statistics, scope) -> None:
    rows = db.session.execute(
        select(
            Reservation.exemption_category_id,
            func.count(),
            func.coalesce(
                func.sum(case((Reservation.payment_status == PAID, Reservation.fee_yen), else_=0)),
                0,
            ),
            func.coalesce(func.sum(Reservation.fee_base_yen - Reservation.fee_yen), 0),
        )
        .where(
            scope, or_(Reservation.status.in_(ACTIVE_STATUSES), Reservation.payment_status == PAID)
        )
        .group_by(Reservation.exemption_category_id)
    ).all()
    categories = _categories({row[0] for row in rows})
    lines = [
        FeeLine(categories.get(category_id), count, int(collected), int(exempted))
        for category_id, count, collected, exempted in rows
    ]
    result.fees = sorted(lines, key=lambda line: line.category.position if line.category else -1)


def _refunds(result: Statistics, scope) -> None:
    """Refunds owed and paid out for the period's bookings (by the date of use)."""
    amounts = {
        status: (count, int(amount))
        for status, count, amount in db.session.execute(
            select(Refund.status, func.count(), func.coalesce(func.sum(Refund.amount_yen), 0))
            .join(Reservation, Reservation.id == Refund.reservation_id)
            .where(scope)
            .group_by(Refund.status)
        )
    }
    result.refunds = [
        RefundLine(status, *amounts.get(status, (0, 0))) for status in (REFUND_OWED, REFUND_PAID)
    ]


def _waitlist(result: Statistics, facilities, period: Period) -> None:
    """Waitlist entries (キャンセル待ち) for slots dated in the period: every entry made,
    whatever became of it, is demand the slot could not meet."""
    conditions = [WaitlistEntry.date >= period.start, WaitlistEntry.date <= period.end]
    if period.unit_id is not None:
        conditions.append(WaitlistEntry.unit_id == period.unit_id)
    elif period.facility_id is not None:
        conditions.append(
            WaitlistEntry.unit_id.in_([u.id for f in facilities for u in f.units] or [-1])
        )
    rows = db.session.execute(
        select(WaitlistEntry.unit_id, WaitlistEntry.date, func.count())
        .where(*conditions)
        .group_by(WaitlistEntry.unit_id, WaitlistEntry.date)
    ).all()
    result.waitlist_entries = sum(count for _unit, _day, count in rows)
    units = {u.id: u for f in facilities for u in f.units}
    busiest = sorted(rows, key=lambda row: (-row[2], row[1], row[0]))[:WAITED_SLOTS_SHOWN]
    result.waited_slots = [
        WaitedSlot(units[unit_id], day, count)
        for unit_id, day, count in busiest
        if unit_id in units
    ]
