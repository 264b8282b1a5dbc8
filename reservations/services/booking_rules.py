"""What a booking (or a change) must meet before it claims its slots: the group's
standing, the facility's days, hours and closures, the lottery's months and the
limits of the person or group (booking.py asks; one path for every channel).

The database is asked twice: once for the closures of the day, and once, in one
statement of scalar subqueries, for every count the rules read (the lottery's release,
the limit's counts) with whatever else the caller wants known in the same round trip
(the booking: whether its new number is free).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, func, select

from .. import rules
from ..db import db
from ..errors import LotteryFirst, Unavailable
from ..models import ACTIVE_STATUSES, Facility, Reservation, Unit
from ..settings import get_settings
from .catalog import closures_between
from .groups import group_rules, status_of
from .lottery import pending_release
from .quotes import Party, Quote


def today(now: datetime) -> date:
    return now.astimezone(get_settings().timezone).date()


def _counted(exclude: int | None) -> Select:
    """The one-off active bookings (the dates of a series have a cap of their own),
    with their facility joined for its category; `exclude`: one being changed."""
    query = (
        select(func.count())
        .select_from(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(Reservation.series_id.is_(None), Reservation.status.in_(ACTIVE_STATUSES))
    )
    if exclude is not None:
        query = query.where(Reservation.id != exclude)
    return query


def _person_counts(resident_id: int, category_id: int, now: datetime, exclude) -> dict:
    """A resident's own active future bookings in a category (not their groups')."""
    return {
        "person": _counted(exclude).where(
            Reservation.resident_id == resident_id,
            Reservation.start_at > now,
            Facility.category_id == category_id,
        )
    }


def _group_counts(group_id: int, category_id: int, day: date, now: datetime, exclude) -> dict:
    """The group's one-off bookings its limits count (see rules.GroupCounts)."""
    confirmed = _counted(exclude).where(Reservation.group_id == group_id)
    future = confirmed.where(Reservation.start_at > now)
    first, after = rules.month_bounds(day)
    return {
        "in_category": future.where(Facility.category_id == category_id),
        "in_month": confirmed.where(Reservation.date >= first, Reservation.date < after),
        "active": future,
    }


def scalars(queries: dict[str, Select]) -> dict:
    """Each query's one value, all in one statement (none sent when there is none)."""
    if not queries:
        return {}
    row = db.session.execute(
        select(*(query.scalar_subquery().label(name) for name, query in queries.items()))
    ).one()
    return dict(row._mapping)


def check_rules(
    booker: Party,
    quoted: Quote,
    *,
    now: datetime,
    override: str | None,
    exclude: int | None = None,
    also: dict[str, Select] | None = None,
) -> dict:
    """Raise the first rule the booking breaks, in this order: the group's standing,
    the facility's day and window, a partial closure, the lottery, the limits
    (`override` lifts the last two). Returns the values of `also`'s queries, asked
    in the same statement as the counts."""
    facility = quoted.facility
    group = booker.group
    if group is not None:
        rules.check_group_bookable(
            group.name, status_of(group, today(now)), group.valid_until, quoted.date, group_rules()
        )
    closures = closures_between(facility, quoted.date, quoted.date)
    rules.check_bookable(
        facility,
        quoted.date,
        quoted.blocks,
        now=now,
        tz=get_settings().timezone,
        closures=closures,
        is_resident=booker.is_resident,
        window_override=override is not None,
    )
    part_ids = frozenset(part.id for part in quoted.unit.parts)
    for block in quoted.blocks:
        closure = rules.partial_closure(closures, facility, part_ids, quoted.date, block)
        if closure is not None:
            raise Unavailable(
                date=quoted.date, note=closure.reason, note_en=closure.reason_en or None
            )
    queries = dict(also or {})
    if override is None:
        category = facility.category
        queries["lottery"] = pending_release(quoted.unit.id, quoted.date, now)
        if group is not None:
            queries |= _group_counts(group.id, category.id, quoted.date, now, exclude)
        elif booker.person is not None:
            queries |= _person_counts(booker.person.id, category.id, now, exclude)
    found = scalars(queries)
    if override is not None:
        return found
    if found["lottery"] is not None:
        raise LotteryFirst(date=quoted.date, release_at=found["lottery"])
    if group is not None:
        rules.check_group_limits(
            rules.GroupCounts(
                in_category=found["in_category"] or 0,
                in_month=found["in_month"] or 0,
                active=found["active"] or 0,
            ),
            group=group.name,
            category_maximum=category.max_active_per_group,
            category=category.code,
            month=rules.month_bounds(quoted.date)[0],
            group_rules=group_rules(),
        )
    elif booker.person is not None:
        rules.check_limit(found["person"] or 0, category.max_active_per_resident, category.code)
    return found
