"""Series (定期利用): a unit on some weekdays and blocks, from a first to a last date,
for a person or a group, as the yearly allocation (利用調整) hands them out.

A series is expanded into ordinary reservations, one per date, each claiming its slots
through the same claims as any booking, in one transaction per series; the dates it
could not book are kept with their reasons. Its dates are booked before the public
window opens, by design, and count against the group's cap of series per season
(SERIES_MAX_PER_GROUP), not against the limits of one-off bookings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import series_rules
from ..db import db, write_transaction
from ..errors import (
    NotFound,
    ReasonFor,
    ReasonRequired,
    SeriesConflict,
    SeriesEmpty,
    SeriesLastBeforeFirst,
    SeriesLimitReached,
    SeriesNotEditable,
)
from ..models import (
    ADMIN,
    CONFIRMED,
    EXEMPT,
    UNPAID,
    CancelReasonKind,
    Reservation,
    ReservationOrigin,
    ReservationSeries,
    SeriesSkippedDate,
    SeriesStatus,
    Unit,
)
from ..settings import get_settings
from ..text import column_text
from . import audit, claims
from .actors import Actor, require_aware, require_staff
from .booking import _apply, cancel_in_transaction
from .lookup import reservation_snapshot
from .numbers import RESERVATION_NUMBER_LENGTH, new_unique_number
from .series_plans import SeriesPlan, SeriesRequest, SeriesSpec, check_request, plan_days


def _check_cap(spec: SeriesSpec, exclude: int | None = None) -> None:
    """A group may have SERIES_MAX_PER_GROUP series (prepared or committed) whose first
    date falls in one season."""
    group = spec.party.group
    if group is None:
        return
    settings = get_settings()
    start, end = series_rules.season_of(spec.first, settings.season_starts)
    query = (
        select(func.count())
        .select_from(ReservationSeries)
        .where(
            ReservationSeries.group_id == group.id,
            ReservationSeries.status.in_((SeriesStatus.DRAFT, SeriesStatus.COMMITTED)),
            ReservationSeries.first_date >= start,
            ReservationSeries.first_date <= end,
        )
    )
    if exclude is not None:
        query = query.where(ReservationSeries.id != exclude)
    if (db.session.scalar(query) or 0) >= settings.series_max_per_group:
        raise SeriesLimitReached(
            group=group.name, maximum=settings.series_max_per_group, season_start=start
        )


def new_series(spec: SeriesSpec, actor: Actor, now: datetime, season_id: int | None = None):
    """The series row for a checked request, not yet committed (its dates unbooked)."""
    series = ReservationSeries(
        resident=spec.party.person if spec.party.group is None else None,
        group=spec.party.group,
        booked_by=spec.party.person,
        unit=spec.unit,
        weekdays="".join(str(day) for day in spec.weekdays),
        first_date=spec.first,
        last_date=spec.last,
        exceptions=sorted(day.isoformat() for day in spec.exceptions),
        skip_holidays=spec.skip_holidays,
        purpose=spec.purpose,
        fee_rule=spec.fee_rule,
        exemption_category=spec.category,
        fee_reason=spec.fee_reason,
        status=SeriesStatus.DRAFT,
        season_id=season_id,
        created_at=now,
        created_by_staff_id=actor.staff_id,
        time_blocks=list(spec.blocks),
    )
    db.session.add(series)
    db.session.flush()
    return series


def _conflicts(expected: Iterable[date], plan: SeriesPlan) -> list[dict]:
    """The confirmed dates the plan can no longer book, with why."""
    skipped = {s.date: s for s in plan.skipped}
    return [
        {"date": day, "reason": skipped[day].reason, "number": skipped[day].number}
        for day in sorted(set(expected) - set(plan.dates))
        if day in skipped
    ]


def book_dates(
    actor: Actor,
    series: ReservationSeries,
    spec: SeriesSpec,
    days: Sequence[date],
    now: datetime,
    expected: Iterable[date] | None = None,
) -> SeriesPlan:
    """Book the series' dates among `days` in the caller's transaction: every slot is
    locked first (in date order, as every writer does), the plan is made on what the
    claims hold then, and each date's reservation claims its slots. With `expected`
    (the dates the clerk confirmed), one that cannot be booked any more refuses the
    whole series with the dates (SeriesConflict)."""
    keys = {day: claims.lock_slots(spec.unit.parts, day, spec.blocks) for day in days}
    plan = plan_days(spec, days, now)
    if expected is not None and (conflicts := _conflicts(expected, plan)):
        raise SeriesConflict(dates=conflicts)
    if not plan.booked:
        raise SeriesEmpty(skipped=len(plan.skipped))
    for planned in plan.booked:
        reservation = Reservation(
            number=new_unique_number(Reservation.number, RESERVATION_NUMBER_LENGTH),
            resident=series.resident,
            group=series.group,
            booked_by=series.booked_by,
            unit=spec.unit,
            date=planned.date,
            status=CONFIRMED,
            payment_status=EXEMPT if planned.fee.fee_yen == 0 else UNPAID,
            created_at=now,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
            origin=ReservationOrigin.SERIES,
            series=series,
            exemption_reason=spec.fee_reason,
            time_blocks=list(spec.blocks),
        )
        _apply(reservation, planned.quote)
        db.session.add(reservation)
        db.session.flush()
        claims.claim(reservation, keys[planned.date])
    for skipped in plan.skipped:
        db.session.add(
            SeriesSkippedDate(
                series=series,
                date=skipped.date,
                reason=skipped.reason,
                detail=(skipped.detail or "")[:200] or None,
                reservation_number=skipped.number,
            )
        )
    series.status = SeriesStatus.COMMITTED
    series.committed_at = series.committed_at or now
    db.session.flush()
    return plan


def series_snapshot(series: ReservationSeries) -> dict:
    """The series' state as the audit trail records it."""
    return {
        "series": series.id,
        "status": series.status,
        "resident": series.resident.registration_no if series.resident else None,
        "group": series.group.registration_no if series.group else None,
        "unit": series.unit.code,
        "facility": series.unit.facility.code,
        "weekdays": series.weekdays,
        "blocks": [block.code for block in series.time_blocks],
        "first_date": series.first_date.isoformat(),
        "last_date": series.last_date.isoformat(),
        "exceptions": list(series.exceptions or []),
        "skip_holidays": series.skip_holidays,
        "fee_rule": series.fee_rule,
        "season": series.season_id,
    }


def _audit(actor: Actor, now: datetime, action: str, series: ReservationSeries, **kwargs):
    audit.record(
        actor,
        now,
        action,
        f"series:{series.id}",
        resident_id=series.resident_id or series.booked_by_id,
        group_id=series.group_id,
        **kwargs,
    )


def _audit_dates(actor: Actor, now: datetime, series: ReservationSeries, plan: SeriesPlan):
    booked = set(plan.dates)
    for reservation in series.reservations:
        if reservation.date in booked and reservation.status == CONFIRMED:
            audit.record(
                actor,
                now,
                "reservation.book",
                f"reservation:{reservation.number}",
                after=reservation_snapshot(reservation),
                reservation=reservation,
                resident_id=series.resident_id or series.booked_by_id,
                group_id=series.group_id,
                reason=f"series:{series.id}",
            )


@claims.retry_once_on_conflict
def create_series(
    actor: Actor,
    request: SeriesRequest,
    *,
    now: datetime,
    expected_dates: Sequence[date] | None = None,
) -> ReservationSeries:
    """Create and book a series (administrators) in one transaction: every date it can
    book becomes an ordinary reservation with its claims; the others are kept with
    their reasons (series.skipped). No override is needed: series are booked before
    the public window opens, by design. With `expected_dates` (the preview's dates the
    clerk confirmed), a date taken meanwhile refuses it all (SeriesConflict)."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        spec = check_request(request, now, locked=True)
        _check_cap(spec)
        series = new_series(spec, actor, now)
        plan = book_dates(actor, series, spec, spec.days(), now, expected_dates)
        _audit(actor, now, "series.commit", series, after=series_snapshot(series))
        _audit_dates(actor, now, series, plan)
    return series


def _loaded():
    return (
        selectinload(ReservationSeries.unit).selectinload(Unit.facility),
        selectinload(ReservationSeries.time_blocks),
        selectinload(ReservationSeries.group),
        selectinload(ReservationSeries.resident),
        selectinload(ReservationSeries.booked_by),
        selectinload(ReservationSeries.skipped),
        selectinload(ReservationSeries.reservations).selectinload(Reservation.time_blocks),
    )


def get_series(series_id: int, *, for_update: bool = False) -> ReservationSeries:
    """A series with its unit, blocks, dates and skipped dates (NotFound if none)."""
    query = select(ReservationSeries).where(ReservationSeries.id == series_id).options(*_loaded())
    if for_update:
        query = query.with_for_update(of=ReservationSeries)
    series = db.session.scalar(query)
    if series is None:
        raise NotFound(what="series", id=series_id)
    return series


def series_of(*, group_id: int | None = None, resident_id: int | None = None):
    """The series of a group or a resident, latest first."""
    query = select(ReservationSeries).options(*_loaded())
    if group_id is not None:
        query = query.where(ReservationSeries.group_id == group_id)
    if resident_id is not None:
        query = query.where(ReservationSeries.resident_id == resident_id)
    return list(db.session.scalars(query.order_by(ReservationSeries.first_date.desc())))


def series_position(reservation: Reservation) -> tuple[int, int] | None:
    """Which date of its series a reservation is: (k, m), "date k of m", counting every
    date the series booked (a cancelled one keeps its place); None for another."""
    if reservation.series_id is None:
        return None
    days = db.session.scalars(
        select(Reservation.date)
        .where(Reservation.series_id == reservation.series_id)
        .order_by(Reservation.date, Reservation.id)
    ).all()
    return days.index(reservation.date) + 1, len(days)


def request_of(series: ReservationSeries, **changes) -> SeriesRequest:
    """The request a series was made from (with `changes`), to check it again."""
    values = {
        "unit_id": series.unit_id,
        "weekdays": series.weekday_list,
        "block_ids": [block.id for block in series.time_blocks],
        "first_date": series.first_date,
        "last_date": series.last_date,
        "resident_id": series.resident_id,
        "group_id": series.group_id,
        "exceptions": [date.fromisoformat(day) for day in series.exceptions or []],
        "skip_holidays": series.skip_holidays,
        "purpose": series.purpose,
        "fee_rule": series.fee_rule,
        "exemption_code": series.exemption_category.code if series.exemption_category else None,
        "fee_reason": series.fee_reason,
    }
    values.update(changes)
    return SeriesRequest(**values)


def _extension(series: ReservationSeries, last_date: date, now: datetime, *, locked=False):
    if series.status != SeriesStatus.COMMITTED:
        raise SeriesNotEditable(series=series.id, status=series.status)
    if last_date <= series.last_date:
        raise SeriesLastBeforeFirst(first=series.last_date, last=last_date)
    spec = check_request(request_of(series, last_date=last_date), now, locked=locked)
    after = date.fromordinal(series.last_date.toordinal() + 1)
    return spec, spec.days(after)


def preview_extension(series_id: int, last_date: date, *, now: datetime) -> SeriesPlan:
    """The dates extending the series to `last_date` would book and skip."""
    spec, days = _extension(get_series(series_id), last_date, now)
    plan = plan_days(spec, days, now)
    if not plan.booked:
        raise SeriesEmpty(skipped=len(plan.skipped))
    return plan


@claims.retry_once_on_conflict
def extend_series(
    actor: Actor,
    *,
    series_id: int,
    last_date: date,
    now: datetime,
    expected_dates: Sequence[date] | None = None,
) -> ReservationSeries:
    """Extend a committed series to a later last date, within its season
    (administrators): the new dates are booked as at creation, in one transaction."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        series = get_series(series_id, for_update=True)
        before = series_snapshot(series)
        spec, days = _extension(series, last_date, now, locked=True)
        plan = book_dates(actor, series, spec, days, now, expected_dates)
        series.last_date = last_date
        _audit(actor, now, "series.extend", series, before=before, after=series_snapshot(series))
        _audit_dates(actor, now, series, plan)
    return series


def cancel_series_from(
    actor: Actor, *, series_id: int, from_date: date, reason: str, now: datetime
) -> list[Reservation]:
    """Cancel the rest of a series from `from_date` on (staff, with a reason): each
    date not yet begun is cancelled as staff cancel one booking (audited); from its
    first date on, the whole series is cancelled. Returns the dates cancelled."""
    require_aware(now)
    reason = column_text(Reservation.cancel_reason, "reason", reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.STAFF_CHANGE)
    with write_transaction():
        require_staff(actor)
        series = get_series(series_id, for_update=True)
        if series.status != SeriesStatus.COMMITTED:
            raise SeriesNotEditable(series=series.id, status=series.status)
        before = series_snapshot(series)
        cancelled = []
        for reservation in series.reservations:
            if (
                reservation.date >= from_date
                and reservation.status == CONFIRMED
                and reservation.start_at > now
            ):
                cancel_in_transaction(
                    actor,
                    reservation,
                    now=now,
                    reason=reason,
                    kind=CancelReasonKind.STAFF,
                    tell=False,
                )
                cancelled.append(reservation)
        series.cancelled_from = from_date
        series.cancel_reason = reason
        if from_date <= series.first_date:
            series.status = SeriesStatus.CANCELLED
        _audit(
            actor,
            now,
            "series.cancel_from",
            series,
            before=before,
            after=series_snapshot(series) | {"cancelled_from": from_date.isoformat()},
            reason=reason,
        )
    return cancelled
