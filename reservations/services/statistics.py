"""Statistics for staff (利用統計): occupancy (稼働率), use, channels, who books,
cancellations and fees, demand against supply, for a period and one facility (or
unit) or all.

Every figure is an aggregate computed by grouped SQL (a fixed number of statements,
whatever the number of reservations); the calendar of what could be booked is
computed from the facilities' opening rules, not from the reservations. Only counts
and sums leave the database. The definitions are in the README (Statistics).
Occupancy is in statistics_occupancy.py, demand in statistics_demand.py; the
bookings' figures come from two statements here: one by month, channel, state and
use, one by whom the bookings were for and their exemption.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

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
    ExemptionCategory,
    Facility,
    Group,
    Refund,
    Reservation,
    ReservationOrigin,
    Resident,
    TimeBlock,
    Unit,
    UseState,
    reservation_blocks,
)
from ..settings import get_settings
from .actors import Actor, require_staff
from .statistics_demand import DEMANDED_SLOTS_SHOWN, DemandedSlot, demand
from .statistics_occupancy import BlockName, Share, custom_plans, occupancy


@dataclass(frozen=True)
class Period:
    """What the figures cover: days from `start` to `end` (inclusive), one facility
    (and one of its units) or all."""

    start: date
    end: date
    facility_id: int | None = None
    unit_id: int | None = None


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


@dataclass
class Statistics:
    period: Period
    facilities: list[Facility]
    occupancy_by_month: dict[date, Share] = field(default_factory=dict)
    occupancy_by_weekday: dict[int, Share] = field(default_factory=dict)
    occupancy_by_block: dict[str, Share] = field(default_factory=dict)
    block_names: dict[str, BlockName] = field(default_factory=dict)
    use_by_month: dict[date, UseCounts] = field(default_factory=dict)
    use_by_weekday: dict[int, UseCounts] = field(default_factory=dict)
    use_by_block: dict[str, UseCounts] = field(default_factory=dict)  # recorded uses only
    by_channel: dict[str, int] = field(default_factory=dict)
    counter_share_by_month: dict[date, Share] = field(default_factory=dict)
    by_holder: list[tuple[HolderKind, int]] = field(default_factory=list)
    cancellations: dict[str, int] = field(default_factory=dict)
    fees: list[FeeLine] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    lottery_applications: int = 0  # applications with a choice of a slot of the period
    waitlist_entries: int = 0  # everyone who joined a waitlist for a slot of the period
    demanded_slots: list[DemandedSlot] = field(default_factory=list)  # the most asked for

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
    custom_plans()
    result = Statistics(period=period, facilities=facilities)
    found = occupancy(facilities, _parts_in_scope(facilities, period), period)
    result.occupancy_by_month, result.occupancy_by_weekday = found.by_month, found.by_weekday
    result.occupancy_by_block, result.block_names = found.by_block, found.block_names
    _bookings(result, facilities, period, today)
    units = {u.id: u for f in facilities for u in f.units}
    blocks = {b.id: b for f in facilities for b in f.time_blocks}
    asked = demand(units, blocks, period.start, period.end, _unit_ids(period, units))
    result.lottery_applications = asked.lottery_applications
    result.waitlist_entries = asked.waitlist_entries
    result.demanded_slots = asked.slots
    return result


def _parts_in_scope(facilities: list[Facility], period: Period) -> dict[int, set[int]]:
    """Facility id -> the ids of its parts the figures cover (a unit's, or all)."""
    scope = {}
    for facility in facilities:
        unit = next((u for u in facility.units if u.id == period.unit_id), None)
        scope[facility.id] = {p.id for p in (unit.parts if unit else facility.parts)}
    return scope


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


def _unit_ids(period: Period, units: dict[int, Unit]) -> list[int] | None:
    """The units a period of one facility (or unit) covers; None: every unit."""
    if period.unit_id is not None:
        return [period.unit_id]
    return list(units) if period.facility_id is not None else None


def _status_kind(status: str, cancel_kind: str | None, late: bool) -> str:
    """A booking's state as the figures count it: booked (held or confirmed), one of
    the cancellation kinds, or another state (none counts it)."""
    if status in ACTIVE_STATUSES:
        return "booked"
    if status != CANCELLED:
        return "other"
    if cancel_kind == CancelReasonKind.TOWN:
        return CANCELLED_BY_TOWN
    if cancel_kind == CancelReasonKind.UNPAID:
        return HOLD_EXPIRED
    return CANCELLED_LATE if late else CANCELLED_EARLY


def _bookings(result: Statistics, facilities, period: Period, today: date) -> None:
    """Use, channels, the counter's share, cancellations and no-shows, whom the
    bookings were for, fees and exemptions: one pass over the period's bookings,
    grouped by plain columns (day, channel, state, use, holder, exemption, payment),
    which the planner estimates and hashes well; the figures are folded from the
    groups here."""
    scope = _bookings_in(facilities, period)
    columns = (
        Reservation.date,
        Reservation.channel,
        Reservation.status,
        Reservation.cancel_reason_kind,
        Reservation.cancelled_after_deadline,
        Reservation.use_state,
        Reservation.group_id.is_not(None),
        Resident.is_resident,
        Group.category_id,
        Reservation.exemption_category_id,
        Reservation.payment_status,
    )
    rows = db.session.execute(
        select(
            *columns,
            func.count(),
            func.coalesce(func.sum(Reservation.fee_yen), 0),
            func.coalesce(func.sum(Reservation.fee_base_yen - Reservation.fee_yen), 0),
        )
        .select_from(Reservation)
        .outerjoin(Resident, Resident.id == Reservation.resident_id)
        .outerjoin(Group, Group.id == Reservation.group_id)
        .where(scope)
        .group_by(*columns)
    ).all()
    categories = _categories({row[8] for row in rows} | {row[9] for row in rows})
    by_channel: dict[str, int] = defaultdict(int)
    cancellations = dict.fromkeys(CANCELLATION_KINDS, 0)
    holders: dict[HolderKind, int] = defaultdict(int)
    fees: dict[int | None, list[int]] = {}
    for row in rows:
        day, channel, status, cancel_kind, late, use, group, is_resident = row[:8]
        group_category, exemption, payment, count, fee_yen, exempt_yen = row[8:]
        first, kind = day.replace(day=1), _status_kind(status, cancel_kind, late)
        # Channels and whom for: every booking made (cancelled later or not).
        by_channel[channel] += count
        share = result.counter_share_by_month.setdefault(first, Share())
        share.whole += count
        share.part += count if channel == "counter" else 0
        if group:
            holders[HolderKind("group", categories.get(group_category))] += count
        else:
            holders[HolderKind("resident" if is_resident else "nonresident")] += count
        if kind in cancellations:
            cancellations[kind] += count
        if use == UseState.NO_SHOW:
            cancellations[NO_SHOW] += count
        if kind == "booked" and day < today:  # use: past bookings by their record
            _count_use(result.use_by_month.setdefault(first, UseCounts()), use, count)
            _count_use(result.use_by_weekday.setdefault(day.weekday(), UseCounts()), use, count)
        if kind == "booked" or payment == PAID:  # fees: booked, or paid and cancelled
            line = fees.setdefault(exemption, [0, 0, 0])
            line[0] += count
            line[1] += int(fee_yen) if payment == PAID else 0
            line[2] += int(exempt_yen)
    result.by_channel = dict(by_channel)
    result.cancellations = cancellations
    result.use_by_month = dict(sorted(result.use_by_month.items()))
    result.use_by_weekday = dict(sorted(result.use_by_weekday.items()))
    result.counter_share_by_month = dict(sorted(result.counter_share_by_month.items()))
    order = {"resident": 0, "nonresident": 1, "group": 2}
    result.by_holder = sorted(
        holders.items(),
        key=lambda item: (
            order[item[0].kind],
            item[0].category.position if item[0].category else -1,
        ),
    )
    lines = [FeeLine(categories.get(category_id), *line) for category_id, line in fees.items()]
    result.fees = sorted(lines, key=lambda line: line.category.position if line.category else -1)
    if any(c.used or c.no_show for c in result.use_by_month.values()):
        _use_by_block(result, scope, today)  # else no recorded use to count by block
    _refunds(result, scope)


def _count_use(counts: UseCounts, use: str | None, count: int) -> None:
    if use == UseState.USED:
        counts.used += count
    elif use == UseState.NO_SHOW:
        counts.no_show += count
    else:
        counts.unrecorded += count


def _use_by_block(result: Statistics, scope, today: date) -> None:
    """Recorded uses of past bookings by the code of each block they span (a booking of
    two blocks counts in both): the rate is used of used and no-shows."""
    for code, use, count in db.session.execute(
        select(TimeBlock.code, Reservation.use_state, func.count())
        .join(reservation_blocks, reservation_blocks.c.reservation_id == Reservation.id)
        .join(TimeBlock, TimeBlock.id == reservation_blocks.c.time_block_id)
        .where(
            scope,
            Reservation.status.in_(ACTIVE_STATUSES),
            Reservation.date < today,
            Reservation.use_state.is_not(None),
        )
        .group_by(TimeBlock.code, Reservation.use_state)
    ):
        _count_use(result.use_by_block.setdefault(code, UseCounts()), use, count)
    order = {code: n for n, code in enumerate(result.block_names)}
    result.use_by_block = dict(
        sorted(result.use_by_block.items(), key=lambda item: order.get(item[0], len(order)))
    )


def _categories(ids) -> dict[int, ExemptionCategory]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {
        c.id: c
        for c in db.session.scalars(select(ExemptionCategory).where(ExemptionCategory.id.in_(ids)))
    }


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


__all__ = [
    "CANCELLATION_KINDS",
    "DEMANDED_SLOTS_SHOWN",
    "BlockName",
    "DemandedSlot",
    "FeeLine",
    "HolderKind",
    "Period",
    "RefundLine",
    "Share",
    "Statistics",
    "UseCounts",
    "check_period",
    "statistics",
]
