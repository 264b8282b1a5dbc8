"""The allocation season (利用調整): a season (2027年度, 1 April to 31 March) whose series
are prepared as drafts while the public window is still closed, reviewed on one
screen (which drafts want the same unit, day and block; which dates existing bookings
or the calendar take), and committed at once.

A draft claims nothing. Committing the season books every draft in one transaction:
it is refused while two drafts overlap (SeriesOverlap), and, given the dates the
review showed, when one of them was taken meanwhile (SeriesConflict, with the series).
The season's row is locked first and every slot of every draft after it, in date
order as every booking locks them, so two admins committing at once queue: one
commits, the other is told (SeasonClosed, or the dates that conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import series_rules
from ..db import db, write_transaction
from ..errors import (
    InputProblem,
    InvalidInput,
    NotFound,
    ReasonFor,
    ReasonRequired,
    ReservationError,
    SeasonChanged,
    SeasonClosed,
    SeasonEmpty,
    SeasonExists,
    SeriesNotEditable,
    SeriesOutsideSeason,
    SeriesOverlap,
)
from ..models import (
    ADMIN,
    AllocationSeason,
    ReservationSeries,
    SeasonStatus,
    SeriesStatus,
    SkipReason,
    Unit,
)
from ..settings import get_settings
from ..text import column_text
from . import audit, claims
from .actors import Actor, require_aware, require_staff
from .series import (
    _audit,
    _audit_dates,
    _check_cap,
    book_dates,
    new_series,
    request_of,
    series_snapshot,
)
from .series_plans import SeriesPlan, SeriesRequest, SeriesSpec, check_request, plan_days

# What the services package passes on (see its __all__).
__all__ = [
    "AllocationSeason",
    "DraftReview",
    "SeasonReview",
    "SeasonStatus",
    "add_draft",
    "commit_season",
    "create_season",
    "draft_plan",
    "get_season",
    "list_seasons",
    "preparing_seasons",
    "review_season",
    "season_key",
    "withdraw_draft",
]


def _snapshot(season: AllocationSeason) -> dict:
    return {
        "season": season.id,
        "name": season.name,
        "start_date": season.start_date.isoformat(),
        "end_date": season.end_date.isoformat(),
        "status": season.status,
    }


def create_season(actor: Actor, *, name: str, day: date, now: datetime) -> AllocationSeason:
    """Open the season (年度) that `day` falls in for preparing series (administrators).
    One season a year, each name once (SeasonExists)."""
    require_aware(now)
    name = column_text(AllocationSeason.name, "name", name)
    if not name:
        raise InvalidInput(field="name", problem=InputProblem.REQUIRED)
    start, end = series_rules.season_of(day, get_settings().season_starts)
    try:
        with write_transaction():
            require_staff(actor, ADMIN)
            same = db.session.scalar(
                select(AllocationSeason).where(
                    (AllocationSeason.start_date == start) | (AllocationSeason.name == name)
                )
            )
            if same is not None:
                raise SeasonExists(season=same.name, start=same.start_date)
            season = AllocationSeason(
                name=name,
                start_date=start,
                end_date=end,
                status=SeasonStatus.PREPARING,
                created_at=now,
            )
            db.session.add(season)
            db.session.flush()
            audit.record(
                actor, now, "season.create", f"season:{season.id}", after=_snapshot(season)
            )
    except IntegrityError as exc:  # the same name, created at the same moment
        raise SeasonExists(season=name, start=start) from exc
    return season


def _loaded():
    return selectinload(AllocationSeason.series).options(
        selectinload(ReservationSeries.unit).selectinload(Unit.facility),
        selectinload(ReservationSeries.time_blocks),
        selectinload(ReservationSeries.group),
        selectinload(ReservationSeries.resident),
    )


def get_season(season_id: int, *, for_update: bool = False) -> AllocationSeason:
    """A season with its series (NotFound if none)."""
    query = (
        select(AllocationSeason)
        .where(AllocationSeason.id == season_id)
        .options(_loaded())
        .execution_options(populate_existing=True)  # its series as they are now
    )
    if for_update:
        query = query.with_for_update(of=AllocationSeason)
    season = db.session.scalar(query)
    if season is None:
        raise NotFound(what="season", id=season_id)
    return season


def list_seasons() -> list[AllocationSeason]:
    """Every season, the latest first."""
    query = select(AllocationSeason).options(_loaded()).execution_options(populate_existing=True)
    return list(db.session.scalars(query.order_by(AllocationSeason.start_date.desc())))


def preparing_seasons() -> list[AllocationSeason]:
    """The seasons whose series are still being prepared, the earliest first."""
    query = select(AllocationSeason).where(AllocationSeason.status == SeasonStatus.PREPARING)
    return list(db.session.scalars(query.order_by(AllocationSeason.start_date)))


def _preparing(season: AllocationSeason) -> None:
    if season.status != SeasonStatus.PREPARING:
        raise SeasonClosed(season=season.name, committed_at=season.committed_at)


def _within(season: AllocationSeason, request: SeriesRequest) -> None:
    if not season.start_date <= request.first_date <= season.end_date:
        raise SeriesOutsideSeason(season=season.name, start=season.start_date, end=season.end_date)


def add_draft(
    actor: Actor, *, season_id: int, request: SeriesRequest, now: datetime
) -> ReservationSeries:
    """Prepare a series in the season (administrators): checked as a series is, counted
    against the group's cap of series in the season, and nothing booked."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        season = get_season(season_id, for_update=True)
        _preparing(season)
        _within(season, request)
        spec = check_request(request, now, locked=True)
        _check_cap(spec)
        series = new_series(spec, actor, now, season_id=season.id)
        _audit(actor, now, "series.draft", series, after=series_snapshot(series))
    return series


def withdraw_draft(actor: Actor, *, series_id: int, reason: str, now: datetime):
    """Withdraw a draft from its season (administrators, with a reason): it is kept,
    cancelled, and no longer counts against the group's cap."""
    require_aware(now)
    reason = column_text(ReservationSeries.cancel_reason, "reason", reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.STAFF_CHANGE)
    with write_transaction():
        require_staff(actor, ADMIN)
        series = db.session.get(ReservationSeries, series_id)
        if series is None:
            raise NotFound(what="series", id=series_id)
        if series.season_id is not None:  # the season first, as commit_season locks it
            _preparing(get_season(series.season_id, for_update=True))
        series = db.session.get(
            ReservationSeries, series_id, with_for_update=True, populate_existing=True
        )
        if series.status != SeriesStatus.DRAFT:
            raise SeriesNotEditable(series=series.id, status=series.status)
        before = series_snapshot(series)
        series.status = SeriesStatus.CANCELLED
        series.cancel_reason = reason
        _audit(
            actor,
            now,
            "series.withdraw",
            series,
            before=before,
            after=series_snapshot(series),
            reason=reason,
        )
    return series


@dataclass
class DraftReview:
    """One draft as things stand: the dates it would book and skip, or why it can no
    longer be committed (`error`: a group no longer active, say)."""

    series: ReservationSeries
    plan: SeriesPlan | None = None
    error: ReservationError | None = None

    @property
    def taken(self) -> list:
        """The dates existing bookings or the town's own use hold."""
        if self.plan is None:
            return []
        return [s for s in self.plan.skipped if s.reason in (SkipReason.TAKEN, SkipReason.BLOCKED)]


@dataclass
class SeasonReview:
    """The season on one screen: each draft's plan, the drafts that want the same unit,
    day and block (`overlaps`: each a dict of ``series`` (two ids) and ``dates``), and
    whether it may be committed."""

    season: AllocationSeason
    drafts: list[DraftReview] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)

    @property
    def expected(self) -> dict[int, list[date]]:
        """The dates each draft would book: what commit_season is given back."""
        return {d.series.id: d.plan.dates for d in self.drafts if d.plan is not None}

    @property
    def committable(self) -> bool:
        return (
            self.season.status == SeasonStatus.PREPARING
            and bool(self.drafts)
            and not self.overlaps
            and all(d.error is None for d in self.drafts)
        )


def _drafts(season: AllocationSeason) -> list[ReservationSeries]:
    return [s for s in season.series if s.status == SeriesStatus.DRAFT]


def _overlaps(plans: Sequence[tuple[ReservationSeries, SeriesSpec, SeriesPlan]]) -> list[dict]:
    """Each pair of drafts that would claim the same part, date and block, with the
    dates (a whole-gym draft and a half-A draft overlap; halves A and B do not)."""
    keys = [
        (series, {(p, day, b.id) for day in plan.dates for p in spec.part_ids for b in spec.blocks})
        for series, spec, plan in plans
    ]
    found = []
    for index, (first, first_keys) in enumerate(keys):
        for second, second_keys in keys[index + 1 :]:
            shared = first_keys & second_keys
            if shared:
                found.append(
                    {
                        "series": [first.id, second.id],
                        "dates": sorted({day for _, day, _ in shared}),
                    }
                )
    return found


def review_season(season_id: int, *, now: datetime) -> SeasonReview:
    """The conflict screen: every draft's dates as things stand and which drafts want
    the same unit, day and block, before anything is booked. Read-only."""
    require_aware(now)
    season = get_season(season_id)
    review = SeasonReview(season)
    planned = []
    for series in _drafts(season):
        try:
            spec = check_request(request_of(series), now)
            plan = plan_days(spec, spec.days(), now)
        except ReservationError as error:
            review.drafts.append(DraftReview(series, error=error))
            continue
        review.drafts.append(DraftReview(series, plan))
        planned.append((series, spec, plan))
    review.overlaps = _overlaps(planned)
    return review


def draft_plan(series_id: int, *, now: datetime) -> SeriesPlan:
    """The dates a draft would book and skip, were its season committed now."""
    series = db.session.get(ReservationSeries, series_id)
    if series is None:
        raise NotFound(what="series", id=series_id)
    if series.status != SeriesStatus.DRAFT:
        raise SeriesNotEditable(series=series.id, status=series.status)
    spec = check_request(request_of(series), now)
    return plan_days(spec, spec.days(), now)


def season_key(expected: Mapping[int, Sequence[date]]) -> str:
    """The review's dates as one line of text (a form's hidden field), for
    commit_season; `parse_season_key` in the channels reads it back."""
    return ";".join(
        f"{series_id}:" + ",".join(day.isoformat() for day in days)
        for series_id, days in sorted(expected.items())
    )


def _lock_all(specs: Sequence[SeriesSpec]) -> None:
    """Every slot of every draft, locked day by day in date order (the order every
    booking and series locks in), so that racing writers queue."""
    by_day: dict[date, tuple[set, set]] = {}
    for spec in specs:
        for day in spec.days():
            parts, blocks = by_day.setdefault(day, (set(), set()))
            parts.update(spec.unit.parts)
            blocks.update(spec.blocks)
    for day in sorted(by_day):
        parts, blocks = by_day[day]
        claims.lock_slots(
            sorted(parts, key=lambda p: p.id), day, sorted(blocks, key=lambda b: b.id)
        )


def _named(error: ReservationError, series: ReservationSeries) -> ReservationError:
    """The refusal of one draft, naming it (the channels say which series)."""
    error.params.setdefault("series", series.id)
    return error


@claims.retry_once_on_conflict
def commit_season(
    actor: Actor,
    *,
    season_id: int,
    now: datetime,
    expected: Mapping[int, Sequence[date]] | None = None,
) -> AllocationSeason:
    """Commit the season at once (administrators): every draft is checked again and
    expanded into its reservations, all in one transaction, or nothing is booked.
    Refused when the season is committed already (SeasonClosed), has no draft
    (SeasonEmpty), two drafts overlap (SeriesOverlap), or, with `expected` (the
    review's dates), the drafts changed since (SeasonChanged) or a date a draft would
    have booked was taken meanwhile (SeriesConflict naming the series)."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        season = get_season(season_id, for_update=True)
        _preparing(season)
        drafts = _drafts(season)
        if not drafts:
            raise SeasonEmpty(season=season.name)
        if expected is not None and set(expected) != {series.id for series in drafts}:
            raise SeasonChanged(
                season=season.name,
                added=sorted({s.id for s in drafts} - set(expected)),
                withdrawn=sorted(set(expected) - {s.id for s in drafts}),
            )
        specs = []
        for series in drafts:
            try:
                specs.append(check_request(request_of(series), now, locked=True))
            except ReservationError as error:
                raise _named(error, series) from None
        _lock_all(specs)
        plans = [
            (s, spec, plan_days(spec, spec.days(), now))
            for s, spec in zip(drafts, specs, strict=True)
        ]
        overlaps = _overlaps(plans)
        if overlaps:
            raise SeriesOverlap(overlaps=overlaps)
        for series, spec, _plan in plans:
            wanted = None if expected is None else expected[series.id]
            try:
                booked = book_dates(actor, series, spec, spec.days(), now, wanted)
            except ReservationError as error:
                raise _named(error, series) from None
            _audit(actor, now, "series.commit", series, after=series_snapshot(series))
            _audit_dates(actor, now, series, booked)
        before = _snapshot(season)
        season.status = SeasonStatus.COMMITTED
        season.committed_at = now
        audit.record(
            actor,
            now,
            "season.commit",
            f"season:{season.id}",
            before=before,
            after=_snapshot(season) | {"series": [s.id for s in drafts]},
        )
    return season
