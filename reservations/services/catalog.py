"""Facilities, units, time blocks, fees and closures: what the town offers, and when
it is closed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import rules
from ..db import db, write_transaction
from ..errors import InputProblem, InvalidInput, InvalidRange, NotFound
from ..models import ADMIN, Closure, Facility, Unit
from ..text import clean_text, column_text, format_phone_national, normalize_phone
from . import audit
from .actors import Actor, require_aware, require_staff


def list_facilities() -> list[Facility]:
    """Every facility with its units, parts, blocks and fees, in display order."""
    return list(
        db.session.scalars(
            select(Facility)
            .options(
                selectinload(Facility.category),
                selectinload(Facility.units).selectinload(Unit.parts),
                selectinload(Facility.units).selectinload(Unit.fees),
                selectinload(Facility.time_blocks),
            )
            .order_by(Facility.position, Facility.id)
        )
    )


def get_facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(what="facility", id=facility_id)
    return facility


def get_unit(unit_id: int, *, fresh: bool = False) -> Unit:
    """A unit with its parts and fees, its facility's blocks and category: one query
    (joined loads measured 2.5x faster than one query per relationship). `fresh`
    (a write transaction's): the query even when the session already knows the unit,
    whose relationships a rollback expired and would load one query each."""
    unit = db.session.get(
        Unit,
        unit_id,
        options=[
            joinedload(Unit.parts),
            joinedload(Unit.fees),
            joinedload(Unit.facility).joinedload(Facility.time_blocks),
            joinedload(Unit.facility).joinedload(Facility.category),
        ],
        populate_existing=fresh,
    )
    if unit is None:
        raise NotFound(what="unit", id=unit_id)
    return unit


def closures_between(facility: Facility, start: date, end: date) -> list[Closure]:
    """The ad-hoc closures of the facility (its own and the town's) that touch the days."""
    return list(
        db.session.scalars(
            select(Closure)
            .where(
                or_(Closure.facility_id == facility.id, Closure.facility_id.is_(None)),
                Closure.start_date <= end,
                Closure.end_date >= start,
            )
            .options(
                selectinload(Closure.unit).selectinload(Unit.parts),
                selectinload(Closure.time_blocks),
            )
        )
    )


def _closure_scope(
    facility_id: int | None, unit_id: int | None, block_ids
) -> tuple[Unit | None, list]:
    """The unit and blocks a closure of one facility is limited to (none: all of it):
    they must be the facility's."""
    if unit_id is None and not block_ids:
        return None, []
    if facility_id is None:
        raise InvalidInput(field="facility", problem=InputProblem.REQUIRED)
    facility = get_facility(facility_id)
    unit = None
    if unit_id is not None:
        unit = next((u for u in facility.units if u.id == unit_id), None)
        if unit is None:
            raise InvalidInput(field="unit", problem=InputProblem.UNKNOWN)
    by_id = {block.id: block for block in facility.time_blocks}
    if any(block_id not in by_id for block_id in block_ids):
        raise InvalidInput(field="blocks", problem=InputProblem.UNKNOWN)
    return unit, [
        by_id[block_id] for block_id in sorted(set(block_ids), key=lambda b: by_id[b].position)
    ]


def new_closure(
    *,
    facility_id: int | None,
    start: date,
    end: date,
    reason: str,
    reason_en: str = "",
    unit_id: int | None = None,
    block_ids=(),
) -> Closure:
    """A closure checked and not yet added: of a facility (or every one), or of one
    of its units and some of its blocks; a reason residents read (InvalidInput
    TOO_LONG past what the column keeps)."""
    if end < start:
        raise InvalidRange(max_days=None)
    reason = column_text(Closure.reason, "reason", reason, required=True)
    reason_en = column_text(Closure.reason_en, "reason_en", reason_en)
    if facility_id is not None:
        get_facility(facility_id)
    unit, blocks = _closure_scope(facility_id, unit_id, list(block_ids))
    return Closure(
        facility_id=facility_id,
        unit=unit,
        time_blocks=blocks,
        start_date=start,
        end_date=end,
        reason=reason,
        reason_en=reason_en,
    )


def add_closure(
    actor: Actor,
    *,
    facility_id: int | None,
    start: date,
    end: date,
    reason: str,
    now: datetime,
    reason_en: str = "",
    unit_id: int | None = None,
    block_ids=(),
) -> Closure:
    """An ad-hoc closure (admins): of a facility (or every one) for whole days, or of
    one unit (court 2) and some blocks (the evenings) over the days. Existing
    reservations in it are not cancelled here: `closure_affected` lists them (and the
    day sheet shows them) for staff to call the residents."""
    require_aware(now)
    with write_transaction():
        staff = require_staff(actor, ADMIN)
        closure = new_closure(
            facility_id=facility_id,
            start=start,
            end=end,
            reason=reason,
            reason_en=reason_en,
            unit_id=unit_id,
            block_ids=block_ids,
        )
        closure.created_at = now
        closure.created_by_staff_id = staff.id if staff else None
        db.session.add(closure)
        db.session.flush()
        audit.record(
            actor,
            now,
            "closure.add",
            f"closure:{closure.id}",
            after={
                "facility_id": facility_id,
                "unit": closure.unit.code if closure.unit else None,
                "blocks": [block.code for block in closure.time_blocks],
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": closure.reason,
            },
            reason=closure.reason,
        )
    return closure


def list_closures(since: date) -> list[Closure]:
    """Ad-hoc closures that end on or after `since`, soonest first."""
    return list(
        db.session.scalars(
            select(Closure)
            .where(Closure.end_date >= since)
            .order_by(Closure.start_date, Closure.id)
        )
    )


def closed_facilities_on(day: date) -> dict[int, rules.ClosedDay]:
    """Why each facility closed on `day` is closed (the day sheet flags reservations
    that staff must call about); open facilities are left out."""
    closed = {}
    for facility in list_facilities():
        reason = rules.closed_reason(facility, day, closures_between(facility, day, day))
        if reason is not None:
            closed[facility.id] = reason
    return closed


# What admins edit of a facility at the counter, and residents read on its page.
FACILITY_DETAILS = (
    "address",
    "address_en",
    "directions",
    "directions_en",
    "hours",
    "hours_en",
    "equipment",
    "equipment_en",
    "access_note",
    "access_note_en",
    "phone",
    "map_url",
)
MULTILINE_DETAILS = {"directions", "directions_en", "equipment", "equipment_en"}


def _facility_detail(name: str, value: str | None) -> str:
    if name == "phone":
        # Typed in any format; kept as the national format, which fits its column.
        value = clean_text(value)
        return format_phone_national(normalize_phone(value)[0]) if value else ""
    value = column_text(getattr(Facility, name), name, value, multiline=name in MULTILINE_DETAILS)
    if name == "map_url" and value and (not value.startswith("https://") or " " in value):
        raise InvalidInput(field=name, problem=InputProblem.FORMAT)
    return value


def update_facility_details(
    actor: Actor, *, facility_id: int, details: dict[str, str | None], now: datetime
) -> Facility:
    """An admin sets what residents read about a facility: its address, how to get
    there, hours of use, equipment, accessibility notes, telephone and map link. Only
    the details given change; one audit row records them before and after."""
    require_aware(now)
    unknown = set(details) - set(FACILITY_DETAILS)
    if unknown:
        raise InvalidInput(field=sorted(unknown)[0], problem=InputProblem.UNKNOWN)
    cleaned = {name: _facility_detail(name, value) for name, value in details.items()}
    with write_transaction():
        require_staff(actor, ADMIN)
        facility = get_facility(facility_id)
        before = {name: getattr(facility, name) for name in cleaned}
        for name, value in cleaned.items():
            setattr(facility, name, value)
        changed = {name for name in cleaned if before[name] != cleaned[name]}
        audit.record(
            actor,
            now,
            "facility.details",
            f"facility:{facility.id}",
            before={name: before[name] for name in sorted(changed)},
            after={name: cleaned[name] for name in sorted(changed)},
        )
    return facility
