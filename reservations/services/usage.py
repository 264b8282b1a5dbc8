"""Use records (利用実績): whether a booking was used or nobody came, kept by counter
staff and by caretakers (管理人) of their own facilities; keybox codes; the no-show rule.

A booking is marked once, by one member of staff, from its day on (a no-show only once
it has started): used (the key handed over, or the caretaker saw them) or a no-show.
A late cancellation is not marked: it is a cancellation after the resident's deadline
(`cancelled_after_deadline`), recorded when it happens. A caretaker marks a keybox
facility's booking used by typing the code on the resident's slip; three wrong codes
lock it for that booking (the counter can still mark it).
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..db import db, write_transaction
from ..errors import (
    AccessCodeWrong,
    AlreadyCancelled,
    Forbidden,
    ForbiddenAction,
    InputProblem,
    InvalidInput,
    NoShowRestricted,
    NotFound,
    ReasonFor,
    ReasonRequired,
    UseAlreadyRecorded,
    UseNotYet,
)
from ..models import (
    ACTIVE_STATUSES,
    ADMIN,
    CANCELLED,
    CARETAKER,
    AuditEntry,
    Facility,
    Reservation,
    ReservationOrigin,
    Staff,
    Unit,
    UseState,
)
from ..settings import NoShowRule, get_settings
from ..text import clean_text, column_text
from . import audit
from .actors import Actor, require_aware, require_staff
from .catalog import get_facility
from .lookup import load_reservation

ACCESS_CODE_LENGTH = 4


def _today(now: datetime) -> date:
    return now.astimezone(get_settings().timezone).date()


# ----------------------------------------------------------------- who sees what


def _caretaker_scope(staff: Staff | None) -> set[int] | None:
    """The facility ids a caretaker may open; None for clerks, admins, the CLI (all)."""
    if staff is None or staff.role != CARETAKER:
        return None
    return {facility.id for facility in staff.facilities}


def day_list_facilities(actor: Actor) -> list[Facility]:
    """The facilities whose day lists the actor may open: a caretaker's own, or all."""
    staff = require_staff(actor, CARETAKER)
    scope = _caretaker_scope(staff)
    query = select(Facility).order_by(Facility.position, Facility.id)
    if scope is not None:
        query = query.where(Facility.id.in_(scope or {-1}))
    return list(db.session.scalars(query))


def _require_facility(staff: Staff | None, facility_id: int) -> None:
    scope = _caretaker_scope(staff)
    if scope is not None and facility_id not in scope:
        raise Forbidden(action=ForbiddenAction.OTHER_FACILITY)


def set_caretaker_facilities(
    actor: Actor, *, staff_id: int, facility_ids: list[int], now: datetime
) -> Staff:
    """An administrator names the facilities whose day lists a caretaker keeps."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        member = db.session.get(Staff, staff_id)
        if member is None:
            raise NotFound(what="staff", id=staff_id)
        chosen = sorted(set(facility_ids))
        facilities = list(db.session.scalars(select(Facility).where(Facility.id.in_(chosen))))
        if len(facilities) != len(chosen):
            raise InvalidInput(field="facilities", problem=InputProblem.UNKNOWN)
        before = sorted(facility.code for facility in member.facilities)
        if before == sorted(facility.code for facility in facilities):
            return member
        member.facilities = facilities
        audit.record(
            actor,
            now,
            "caretaker.facilities",
            f"staff:{member.username}",
            before={"facilities": before},
            after={"facilities": sorted(facility.code for facility in facilities)},
        )
    return member


@dataclass(frozen=True)
class DayListEntry:
    """One booking of a day list and what may be recorded for it now."""

    reservation: Reservation
    may_mark_used: bool
    may_mark_no_show: bool
    needs_access_code: bool  # the caretaker types the keybox code to mark it used
    code_locked: bool


def day_list(actor: Actor, *, day: date, facility_id: int | None, now: datetime) -> list:
    """A day's bookings of one facility (or every one the actor may open), confirmed
    and cancelled late, by facility and time, each with the marks open to the actor."""
    require_aware(now)
    staff = require_staff(actor, CARETAKER)
    if facility_id is not None:
        get_facility(facility_id)
        _require_facility(staff, facility_id)
    scope = _caretaker_scope(staff)
    query = (
        select(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(
            Reservation.date == day,
            Reservation.origin != ReservationOrigin.BLOCK,  # the town's own use: no key
            or_(
                Reservation.status.in_(ACTIVE_STATUSES),  # held ones pay on the day
                Reservation.cancelled_after_deadline.is_(True),
            ),
        )
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.group),
        )
        .order_by(Facility.position, Facility.id, Reservation.start_at, Unit.position)
    )
    if facility_id is not None:
        query = query.where(Facility.id == facility_id)
    elif scope is not None:
        query = query.where(Facility.id.in_(scope or {-1}))
    caretaker = scope is not None
    maximum = get_settings().access_code_max_failures
    entries = []
    for reservation in db.session.scalars(query):
        open_ = reservation.status in ACTIVE_STATUSES and reservation.use_state is None
        keybox = caretaker and reservation.access_code is not None
        locked = keybox and reservation.access_code_failures >= maximum
        entries.append(
            DayListEntry(
                reservation=reservation,
                may_mark_used=open_ and _today(now) >= reservation.date and not locked,
                may_mark_no_show=open_ and now >= reservation.start_at,
                needs_access_code=keybox,
                code_locked=locked,
            )
        )
    return entries


# ------------------------------------------------------------------- recording


def _locked_reservation(reservation_id: int) -> Reservation:
    return load_reservation(reservation_id, for_update=True)


def record_use(
    actor: Actor,
    *,
    reservation_id: int,
    state: UseState,
    now: datetime,
    access_code: str | None = None,
) -> Reservation:
    """Record that a booking was used or that nobody came. Refused: a cancelled
    booking, one already recorded, one not yet on its day (a no-show: not yet
    started), another facility's (a caretaker), a wrong keybox code."""
    require_aware(now)
    if not isinstance(state, UseState):
        raise InvalidInput(field="state", problem=InputProblem.UNKNOWN)
    wrong: AccessCodeWrong | None = None
    with write_transaction():
        staff = require_staff(actor, CARETAKER)
        reservation = _locked_reservation(reservation_id)
        _require_facility(staff, reservation.unit.facility_id)
        if reservation.status == CANCELLED:
            raise AlreadyCancelled(number=reservation.number)
        if reservation.use_state is not None:
            raise UseAlreadyRecorded(
                state=UseState(reservation.use_state), recorded_at=reservation.use_recorded_at
            )
        if (state == UseState.USED and _today(now) < reservation.date) or (
            state == UseState.NO_SHOW and now < reservation.start_at
        ):
            raise UseNotYet(starts_at=reservation.start_at)
        if state == UseState.USED and _caretaker_scope(staff) is not None:
            wrong = _check_access_code(reservation, access_code)
        if wrong is None:
            before = {"use_state": None}
            reservation.use_state = state
            reservation.use_recorded_at = now
            reservation.use_recorded_by_staff_id = actor.staff_id
            audit.record(
                actor,
                now,
                "reservation.use",
                f"reservation:{reservation.number}",
                before=before,
                after={"use_state": str(state)},
                reservation=reservation,
                resident_id=reservation.resident_id or reservation.booked_by_id,
                group_id=reservation.group_id,
            )
    if wrong is not None:  # the count of wrong codes is committed first
        raise wrong
    return reservation


def _check_access_code(reservation: Reservation, typed: str | None) -> AccessCodeWrong | None:
    """None when the keybox code is right (or the booking has none); else the refusal,
    with the wrong try counted."""
    if reservation.access_code is None:
        return None
    maximum = get_settings().access_code_max_failures
    if reservation.access_code_failures >= maximum:
        raise AccessCodeWrong(attempts_left=0)
    code = clean_text(typed or "")
    if not code:
        raise InvalidInput(field="access_code", problem=InputProblem.REQUIRED)
    if secrets.compare_digest(code.encode(), reservation.access_code.encode()):
        reservation.access_code_failures = 0
        return None
    reservation.access_code_failures += 1
    return AccessCodeWrong(attempts_left=max(0, maximum - reservation.access_code_failures))


def new_access_code() -> str:
    """A keybox code for a booking: four random digits."""
    return f"{secrets.randbelow(10**ACCESS_CODE_LENGTH):0{ACCESS_CODE_LENGTH}d}"


# ------------------------------------------------------------------ the no-show rule


def _months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def restricted_until(no_show_dates: list[date], rule: NoShowRule, today: date) -> date | None:
    """The last day of the online-booking pause the no-shows on these dates cause, or
    None: after the rule's `limit`-th no-show within `months` months, `days` days from
    that no-show's date. A pause that has ended is None."""
    if not rule.is_on:
        return None
    dates = sorted(no_show_dates)
    until = None
    for index in range(rule.limit - 1, len(dates)):
        first = dates[index - rule.limit + 1]
        if first > _months_before(dates[index], rule.months):
            end = dates[index] + timedelta(days=rule.days)
            until = end if until is None or end > until else until
    return until if until is not None and until >= today else None


@dataclass(frozen=True)
class NoShowStanding:
    count: int  # no-shows within the rule's months, up to today
    until: date | None  # the last day online booking is paused, or None


def no_show_standing(
    *, resident_id: int | None = None, group_id: int | None = None, today: date
) -> NoShowStanding:
    """A resident's (or a group's) no-shows and the pause of online booking they cause."""
    rule = get_settings().no_shows
    if (resident_id is None) == (group_id is None):
        raise InvalidInput(field="party", problem=InputProblem.REQUIRED)
    since = _months_before(today - timedelta(days=rule.days), rule.months)
    holder = (
        Reservation.resident_id == resident_id
        if resident_id is not None
        else Reservation.group_id == group_id
    )
    dates = list(
        db.session.scalars(
            select(Reservation.date).where(
                holder,
                Reservation.use_state == UseState.NO_SHOW,
                Reservation.date >= since,
                Reservation.date <= today,
            )
        )
    )
    recent = sum(1 for day in dates if day > _months_before(today, rule.months))
    return NoShowStanding(count=recent, until=restricted_until(dates, rule, today))


def no_show_pause(*, resident_id: int | None, group_id: int | None, now: datetime) -> date | None:
    """The last day online booking is paused for this resident or group (None: not)."""
    if not get_settings().no_shows.is_on:
        return None
    today = _today(now)
    return no_show_standing(resident_id=resident_id, group_id=group_id, today=today).until


def check_no_show_rule(
    actor: Actor,
    *,
    resident_id: int | None,
    group_id: int | None,
    now: datetime,
    reason: str | None = None,
) -> str | None:
    """Online (web, phone) a paused resident or group is refused with the pause's end;
    the counter books with a written reason, which is returned for the audit trail."""
    until = no_show_pause(resident_id=resident_id, group_id=group_id, now=now)
    if until is None:
        return None
    rule = get_settings().no_shows
    if actor.staff_id is None and not actor.is_system:
        raise NoShowRestricted(until=until, count=rule.limit, months=rule.months)
    written = column_text(AuditEntry.reason, "restriction_reason", reason, multiline=True)
    if actor.staff_id is not None and not written:
        raise ReasonRequired(action=ReasonFor.NO_SHOW_RESTRICTION, until=until)
    return written or None
