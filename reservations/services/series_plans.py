"""What a series (定期利用) would be: the request staff make, checked, and its plan:
every date it would book (with each date's fee) and every date it would skip, with
the reason (closed, a national holiday or 年末年始, outside the opening, taken by a
reservation, already begun, asked to be skipped). Read-only: see series.py for the
writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from .. import rules, series_rules
from ..db import db
from ..errors import (
    InputProblem,
    InvalidInput,
    ReasonFor,
    ReasonRequired,
    SeriesEmpty,
)
from ..models import (
    ExemptionCategory,
    MemberRole,
    Reservation,
    ReservationOrigin,
    ReservationSeries,
    SeriesFeeRule,
    SkipReason,
    SlotClaim,
    TimeBlock,
    Unit,
)
from ..settings import get_settings
from ..text import column_text
from .actors import require_aware
from .catalog import closures_between, get_unit
from .groups import get_group, group_rules, locked_group, status_of
from .quotes import Party, Quote, quote_for
from .residents import get_resident


@dataclass(frozen=True)
class SeriesRequest:
    """What staff ask for: for a resident or a group (`resident_id` or `group_id`), a
    unit, weekdays (Monday = 0), consecutive blocks, the first and last dates, dates
    to skip, whether national holidays are skipped, the purpose and the fee rule
    (STANDARD: each date's exemption as the core decides it; GRANTED: the category
    `exemption_code`; REFUSED: none; both with `fee_reason`)."""

    unit_id: int
    weekdays: Sequence[int]
    block_ids: Sequence[int]
    first_date: date
    last_date: date
    resident_id: int | None = None
    group_id: int | None = None
    exceptions: Sequence[date] = ()
    skip_holidays: bool = True
    purpose: str = ""
    fee_rule: str = SeriesFeeRule.STANDARD
    exemption_code: str | None = None
    fee_reason: str | None = None


@dataclass(frozen=True)
class PlannedDate:
    """A date the series books, with what that date's reservation will be."""

    date: date
    quote: Quote

    @property
    def fee(self) -> rules.FeeQuote:
        return self.quote.fee


@dataclass(frozen=True)
class SkippedDate:
    """A date the series does not book: why (a SkipReason), the detail (a holiday's
    name, a closure's reason) and the number of the reservation holding the slot."""

    date: date
    reason: SkipReason
    detail: str | None = None
    number: str | None = None


@dataclass(frozen=True)
class SeriesPlan:
    """Every date a series would book and every date it would skip, with the fees."""

    unit: Unit
    blocks: list[TimeBlock]
    holder_name: str
    booked: list[PlannedDate] = field(default_factory=list)
    skipped: list[SkippedDate] = field(default_factory=list)

    @property
    def dates(self) -> list[date]:
        return [planned.date for planned in self.booked]

    @property
    def total_yen(self) -> int:
        return sum(planned.fee.fee_yen for planned in self.booked)


@dataclass(frozen=True)
class SeriesSpec:
    """A request once checked: the objects it names."""

    unit: Unit
    blocks: list[TimeBlock]
    party: Party
    weekdays: tuple[int, ...]
    first: date
    last: date
    exceptions: frozenset[date]
    skip_holidays: bool
    purpose: str
    fee_rule: SeriesFeeRule
    category: ExemptionCategory | None
    fee_reason: str | None

    @property
    def part_ids(self) -> list[int]:
        return [part.id for part in self.unit.parts]

    def days(self, first: date | None = None) -> list[date]:
        return series_rules.series_days(first or self.first, self.last, self.weekdays)

    def exemption(self, day: date) -> rules.Exemption | None:
        if self.fee_rule == SeriesFeeRule.STANDARD:
            return None
        granted = self.category if self.fee_rule == SeriesFeeRule.GRANTED else None
        return rules.staff_exemption(granted, self.party.exemption(day))


def _today(now: datetime) -> date:
    return now.astimezone(get_settings().timezone).date()


def _party(resident_id: int | None, group_id: int | None, now: datetime, last: date, *, locked):
    """Whom the series is for: a resident, or an active group registered through its
    last date (asked for by its representative)."""
    if (resident_id is None) == (group_id is None):
        raise InvalidInput(field="for_whom", problem=InputProblem.REQUIRED)
    if group_id is None:
        return Party(get_resident(resident_id))
    group = locked_group(group_id) if locked else get_group(group_id)
    rules.check_group_bookable(
        group.name, status_of(group, _today(now)), group.valid_until, last, group_rules()
    )
    representative = next(
        (m.resident for m in group.members if m.role == MemberRole.REPRESENTATIVE), None
    )
    return Party(representative, group)


def _fee_rule(request: SeriesRequest) -> tuple[SeriesFeeRule, ExemptionCategory | None, str]:
    try:
        rule = SeriesFeeRule(request.fee_rule)
    except ValueError:
        raise InvalidInput(field="fee_rule", problem=InputProblem.UNKNOWN) from None
    reason = column_text(
        ReservationSeries.fee_reason, "fee_reason", request.fee_reason, multiline=True
    )
    if rule == SeriesFeeRule.STANDARD:
        return rule, None, ""
    if not reason:
        raise ReasonRequired(action=ReasonFor.EXEMPTION)
    category = None
    if rule == SeriesFeeRule.GRANTED:
        category = db.session.scalar(
            select(ExemptionCategory).where(ExemptionCategory.code == request.exemption_code)
        )
        if category is None:
            raise InvalidInput(field="exemption", problem=InputProblem.UNKNOWN)
    return rule, category, reason


def check_request(request: SeriesRequest, now: datetime, *, locked: bool = False) -> SeriesSpec:
    require_aware(now)
    settings = get_settings()
    series_rules.check_series_dates(request.first_date, request.last_date, settings.season_starts)
    weekdays = series_rules.check_weekdays(list(request.weekdays))
    unit = get_unit(request.unit_id)
    blocks = series_rules.series_blocks(unit.facility, list(request.block_ids))
    series_rules.check_weekdays_open(unit.facility, weekdays, blocks)
    purpose = column_text(ReservationSeries.purpose, "purpose", request.purpose)
    rule, category, reason = _fee_rule(request)
    party = _party(request.resident_id, request.group_id, now, request.last_date, locked=locked)
    return SeriesSpec(
        unit=unit,
        blocks=blocks,
        party=party,
        weekdays=weekdays,
        first=request.first_date,
        last=request.last_date,
        exceptions=frozenset(request.exceptions),
        skip_holidays=request.skip_holidays,
        purpose=purpose,
        fee_rule=rule,
        category=category,
        fee_reason=reason or None,
    )


def _holders(part_ids: Sequence[int], days: Sequence[date]) -> dict[tuple[date, int], tuple]:
    """Who holds each claimed (date, block) of the parts over the days: the holding
    reservation's number and origin."""
    if not days:
        return {}
    rows = db.session.execute(
        select(SlotClaim.date, SlotClaim.time_block_id, Reservation.number, Reservation.origin)
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(
            SlotClaim.part_id.in_(part_ids),
            SlotClaim.date >= min(days),
            SlotClaim.date <= max(days),
        )
    )
    return {(day, block): (number, origin) for day, block, number, origin in rows}


def plan_days(spec: SeriesSpec, days: Sequence[date], now: datetime) -> SeriesPlan:
    """Each day booked (with its quote) or skipped (with its reason), as things stand."""
    facility = spec.unit.facility
    tz = get_settings().timezone
    closures = closures_between(facility, min(days), max(days)) if days else []
    holders = _holders(spec.part_ids, days)
    block_ids = [block.id for block in spec.blocks]
    holder = spec.party.group or spec.party.person
    plan = SeriesPlan(spec.unit, spec.blocks, holder.name if holder else "")
    for day in days:
        skip = series_rules.calendar_skip(
            facility,
            day,
            spec.blocks,
            spec.part_ids,
            closures=closures,
            exceptions=spec.exceptions,
            skip_holidays=spec.skip_holidays,
            now=now,
            tz=tz,
        )
        if skip is None:
            held = next((holders[(day, b)] for b in block_ids if (day, b) in holders), None)
            if held is not None:
                number, origin = held
                reason = SkipReason.BLOCKED if origin == ReservationOrigin.BLOCK else None
                skip = series_rules.Skip(reason or SkipReason.TAKEN, None, number)
        if skip is not None:
            plan.skipped.append(SkippedDate(day, skip.reason, skip.detail, skip.number))
            continue
        quote = quote_for(spec.unit, day, block_ids, spec.party, spec.exemption(day))
        plan.booked.append(PlannedDate(day, quote))
    return plan


def preview_series(request: SeriesRequest, *, now: datetime) -> SeriesPlan:
    """Every date the series would book and every date it would skip with its reason,
    without booking (the counter's preview). The same checks as create_series."""
    spec = check_request(request, now)
    plan = plan_days(spec, spec.days(), now)
    if not plan.booked:
        raise SeriesEmpty(skipped=len(plan.skipped))
    return plan
