"""The operations every channel calls. The only door into the core.

Each write is one transaction (``write_transaction``): the change and its audit row
commit together or not at all. Every operation takes an explicit actor and ``now``
and raises ``ReservationError`` subclasses carrying a code and parameters.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, TypeVar

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, false, func, or_, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload

from . import notify, rules
from .db import db, write_transaction
from .errors import (
    AccountLocked,
    AlreadyCancelled,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    InvalidRange,
    NotAllowed,
    NotFound,
    NotYourReservation,
    PossibleDuplicate,
    ReasonRequired,
    ReservationError,
    SlotTaken,
    TooLateToCancel,
)
from .models import (
    ADMIN,
    CANCELLED,
    CHANNELS,
    CONFIRMED,
    EXEMPT,
    EXEMPTION_EVIDENCE,
    PAID,
    STAFF_ROLES,
    UNPAID,
    AuditEntry,
    Closure,
    ExemptionCategory,
    Facility,
    Fee,
    Reservation,
    Resident,
    SlotClaim,
    Staff,
    TimeBlock,
    Unit,
)
from .settings import get_settings
from .settings import now as settings_now
from .text import (
    clean_text,
    digits_only,
    has_valid_check_digit,
    normalize_phone,
    random_number_with_check_digit,
    search_key,
)

RESERVATION_NUMBER_LENGTH = 8
REGISTRATION_NUMBER_LENGTH = 6
PIN_LENGTH = 4

T = TypeVar("T")


# --------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class Actor:
    """Who is acting, through which channel. Staff act for a resident named in each
    operation; the audit trail records both."""

    channel: str
    resident_id: int | None = None
    staff_id: int | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise InvalidInput(field="channel", problem="unknown")
        if self.resident_id is not None and self.staff_id is not None:
            raise InvalidInput(field="actor", problem="both_resident_and_staff")

    @classmethod
    def resident(cls, resident_id: int, channel: str) -> Actor:
        return cls(channel=channel, resident_id=resident_id)

    @classmethod
    def staff(cls, staff_id: int, channel: str = "counter") -> Actor:
        return cls(channel=channel, staff_id=staff_id)

    @classmethod
    def system(cls) -> Actor:
        """The command line (seeding, maintenance)."""
        return cls(channel="cli")


def _acting_staff(actor: Actor) -> Staff | None:
    if actor.staff_id is None:
        return None
    staff = db.session.get(Staff, actor.staff_id)
    if staff is None or not staff.active:
        raise Forbidden(action="staff_inactive")
    if staff.must_change_password:  # see _staff_themself
        raise Forbidden(action="change_password_first")
    return staff


def _staff_themself(actor: Actor) -> Staff:
    """The acting staff member, active, even with a temporary password: one that an
    administrator set lets its holder change it or sign out, and nothing else."""
    staff = get_staff(actor.staff_id) if actor.staff_id is not None else None
    if staff is None or not staff.active:
        raise Forbidden(action="staff_inactive" if actor.staff_id is not None else "staff_only")
    return staff


def _require_staff(actor: Actor, role: str | None = None) -> Staff | None:
    """Staff (of `role`, when given) or the command line; never a resident."""
    if actor.channel == "cli" and actor.staff_id is None and actor.resident_id is None:
        return None
    staff = _acting_staff(actor)
    if staff is None or (role == ADMIN and staff.role != ADMIN):
        raise Forbidden(action=role or "staff_only")
    return staff


def _require_acting_for(actor: Actor, resident_id: int) -> Staff | None:
    """A resident acts only for themself; staff and the command line for anyone."""
    if actor.resident_id is not None:
        if actor.resident_id != resident_id:
            raise Forbidden(action="other_resident")
        return None
    return _require_staff(actor)


def _audit(
    actor: Actor,
    now: datetime,
    action: str,
    subject: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reservation: Reservation | None = None,
    resident_id: int | None = None,
    reason: str | None = None,
) -> None:
    on_behalf_of = resident_id if actor.resident_id is None else None
    db.session.add(
        AuditEntry(
            at=now,
            action=action,
            channel=actor.channel,
            actor_resident_id=actor.resident_id,
            actor_staff_id=actor.staff_id,
            on_behalf_of_id=on_behalf_of,
            reservation_id=reservation.id if reservation is not None else None,
            subject=subject,
            before=before,
            after=after,
            reason=reason,
        )
    )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise InvalidInput(field="now", problem="naive")


# ----------------------------------------------------------------- facilities, units


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


def get_unit(unit_id: int) -> Unit:
    """A unit with its parts and fees, its facility's blocks and category: one query
    (joined loads measured 2.5x faster than one query per relationship)."""
    unit = db.session.get(
        Unit,
        unit_id,
        options=[
            joinedload(Unit.parts),
            joinedload(Unit.fees),
            joinedload(Unit.facility).joinedload(Facility.time_blocks),
            joinedload(Unit.facility).joinedload(Facility.category),
        ],
    )
    if unit is None:
        raise NotFound(what="unit", id=unit_id)
    return unit


def _closures(facility: Facility, start: date, end: date) -> list[Closure]:
    return list(
        db.session.scalars(
            select(Closure).where(
                or_(Closure.facility_id == facility.id, Closure.facility_id.is_(None)),
                Closure.start_date <= end,
                Closure.end_date >= start,
            )
        )
    )


# ------------------------------------------------------------------------ availability


@dataclass(frozen=True)
class BlockAvailability:
    block: TimeBlock
    status: str  # one of rules.FREE, TAKEN, YOURS, CLOSED, NOT_OFFERED, PAST, ...

    @property
    def bookable(self) -> bool:
        return self.status == rules.FREE


@dataclass(frozen=True)
class DayAvailability:
    date: date
    closed: rules.ClosedDay | None
    holiday: str | None  # the holiday's Japanese name
    blocks: list[BlockAvailability]

    @property
    def has_free_block(self) -> bool:
        return any(cell.bookable for cell in self.blocks)


def availability(
    unit_id: int,
    start: date,
    end: date,
    *,
    now: datetime,
    resident_id: int | None = None,
) -> list[DayAvailability]:
    """Each day from `start` to `end` (inclusive) and each block's state for the unit.

    The window shown is the resident's (non-residents open later); without a resident,
    a town resident's. Reads claims only within the dates, through the claims' index.
    """
    _require_aware(now)
    settings = get_settings()
    if end < start or (end - start).days >= settings.availability_max_days:
        raise InvalidRange(max_days=settings.availability_max_days)
    unit = get_unit(unit_id)
    facility = unit.facility
    is_resident = True
    if resident_id is not None:
        resident = db.session.get(Resident, resident_id)
        is_resident = resident.is_resident if resident is not None else True
    held: dict[tuple[date, int], int] = {}
    rows = db.session.execute(
        select(SlotClaim.date, SlotClaim.time_block_id, Reservation.resident_id)
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(
            SlotClaim.part_id.in_([part.id for part in unit.parts]),
            SlotClaim.date >= start,
            SlotClaim.date <= end,
        )
    )
    for day, block_id, holder in rows:
        held[(day, block_id)] = holder
    closures = _closures(facility, start, end)
    tz = settings.timezone
    days = []
    day = start
    while day <= end:
        closed = rules.closed_reason(facility, day, closures)
        window = rules.booking_window(facility, day, is_resident, tz)
        cells = []
        for block in facility.time_blocks:
            holder = held.get((day, block.id))
            status = rules.block_status(
                facility,
                day,
                block,
                now=now,
                tz=tz,
                closed=closed,
                taken=holder is not None,
                window=window,
            )
            if status == rules.TAKEN and resident_id is not None and holder == resident_id:
                status = rules.YOURS
            cells.append(BlockAvailability(block, status))
        days.append(DayAvailability(day, closed, rules.holiday_name(day), cells))
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class AvailabilitySnapshot:
    """Availability with what a channel needs to keep it: it stays true while the
    availability version is unchanged and until `valid_until` (None: no change by time
    alone in the range)."""

    days: list[DayAvailability]
    version: int
    valid_until: datetime | None


def availability_version() -> int:
    """Changes whenever anything that availability shows may have changed.

    Every booking, change, cancellation and closure writes an audit row in its own
    transaction, and audit rows are never deleted or reused: the trail's last id is
    a version of the town's availability, read from the primary key's index.
    """
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


def availability_snapshot(
    unit_id: int, start: date, end: date, *, now: datetime, resident_id: int | None = None
) -> AvailabilitySnapshot:
    """availability() with its version and the moment the clock alone changes it."""
    version = availability_version()  # first, so the days are never older than it
    days = availability(unit_id, start, end, now=now, resident_id=resident_id)
    unit = get_unit(unit_id)
    is_resident = True
    if resident_id is not None:
        is_resident = get_resident(resident_id).is_resident
    valid_until = rules.next_change_by_time(
        unit.facility, start, end, now=now, tz=get_settings().timezone, is_resident=is_resident
    )
    return AvailabilitySnapshot(days, version, valid_until)


def next_free_blocks(
    unit_id: int,
    *,
    now: datetime,
    after: tuple[date, int] | None = None,
    limit: int = 1,
    resident_id: int | None = None,
) -> list[tuple[date, TimeBlock]]:
    """The next bookable (date, block) pairs from today, or from just after `after`
    (a date and a block id), as far as the booking window reaches."""
    settings = get_settings()
    unit = get_unit(unit_id)
    positions = {block.id: block.position for block in unit.facility.time_blocks}
    today = now.astimezone(settings.timezone).date()
    skip_to = (after[0], positions.get(after[1], -1)) if after else (today, -1)
    start = max(skip_to[0], today)
    horizon = today + timedelta(days=31 * (unit.facility.window_months_ahead + 1))
    found: list[tuple[date, TimeBlock]] = []
    while start <= horizon:
        end = min(start + timedelta(days=30), horizon)
        for day in availability(unit_id, start, end, now=now, resident_id=resident_id):
            for cell in day.blocks:
                if cell.bookable and (day.date, cell.block.position) > skip_to:
                    found.append((day.date, cell.block))
                    if len(found) == limit:
                        return found
        start = end + timedelta(days=1)
    return found


# ----------------------------------------------------------------------------- quote


@dataclass(frozen=True)
class Quote:
    unit: Unit
    date: date
    blocks: list[TimeBlock]
    fee: rules.FeeQuote
    start_at: datetime
    end_at: datetime
    cancel: rules.CancelDeadline

    @property
    def facility(self) -> Facility:
        return self.unit.facility


def _rates(unit: Unit, blocks: Sequence[TimeBlock], is_resident: bool) -> list[int]:
    fees = {fee.time_block_id: fee for fee in unit.fees}
    rates = []
    for block in blocks:
        fee: Fee | None = fees.get(block.id)
        if fee is None:
            raise NotFound(what="fee", unit_id=unit.id, block_id=block.id)
        rates.append(fee.resident_yen if is_resident else fee.nonresident_yen)
    return rates


def quote(
    unit_id: int, day: date, block_ids: Sequence[int], *, resident_id: int | None = None
) -> Quote:
    """The fee, times and cancellation deadline for these blocks, for this resident
    (a town resident without exemption when none is given)."""
    unit = get_unit(unit_id)
    return _quote(unit, day, block_ids, _resident_or_none(resident_id))


def _resident_or_none(resident_id: int | None) -> Resident | None:
    if resident_id is None:
        return None
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(what="resident", id=resident_id)
    return resident


def _quote(unit: Unit, day: date, block_ids: Sequence[int], resident: Resident | None) -> Quote:
    tz = get_settings().timezone
    facility = unit.facility
    blocks = rules.order_blocks(facility, day, list(block_ids))
    is_resident = resident.is_resident if resident is not None else True
    percent = resident.exemption.percent if resident and resident.exemption else 0
    return Quote(
        unit=unit,
        date=day,
        blocks=blocks,
        fee=rules.fee(_rates(unit, blocks, is_resident), percent),
        start_at=rules.block_start(day, blocks[0], tz),
        end_at=rules.block_end(day, blocks[-1], tz),
        cancel=rules.cancel_deadline(facility, day, tz),
    )


# ---------------------------------------------------------------------- reservations


def reservation_snapshot(reservation: Reservation) -> dict[str, Any]:
    """The reservation's state as the audit trail records it."""
    return {
        "number": reservation.number,
        "status": reservation.status,
        "resident": reservation.resident.registration_no,
        "facility": reservation.unit.facility.code,
        "unit": reservation.unit.code,
        "date": reservation.date.isoformat(),
        "blocks": [block.code for block in reservation.time_blocks],
        "fee_base_yen": reservation.fee_base_yen,
        "exemption_percent": reservation.exemption_percent,
        "fee_yen": reservation.fee_yen,
        "payment_status": reservation.payment_status,
    }


def _retry_once_on_conflict(fn: Callable[..., T]) -> Callable[..., T]:
    """A deadlock or serialization failure (PostgreSQL 40P01/40001) or SQLite's busy
    error is retried once, in a fresh transaction; a second failure means the slot is
    being fought over, which the caller hears as SlotTaken."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        for attempt in (1, 2):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if not _is_transient(exc):
                    raise
                if attempt == 2:
                    raise SlotTaken() from exc
        raise AssertionError("unreachable")

    return wrapper


def _is_transient(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in ("40P01", "40001") or "database is locked" in str(exc.orig)


def _is_claim_conflict(exc: IntegrityError) -> bool:
    """A unique (23505) or exclusion (23P01) violation on the claims, on either database."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    message = str(exc.orig)
    return "slot_claims" in message and (
        sqlstate in ("23505", "23P01") or "UNIQUE constraint failed" in message
    )


def _lock_slots(parts: Sequence[Any], day: date, blocks: Sequence[TimeBlock]) -> list[tuple]:
    """The claim keys in one deterministic order; on PostgreSQL also take a
    transaction-scoped advisory lock on each, so racing bookings queue instead of
    deadlocking on the unique index."""
    keys = sorted((part.id, day, block.id) for part in parts for block in blocks)
    if db.session.get_bind().dialect.name == "postgresql":
        for part_id, claim_day, block_id in keys:
            lock_key = (part_id << 40) | (claim_day.toordinal() << 20) | block_id
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    return keys


def _claim(reservation: Reservation, keys: Sequence[tuple]) -> None:
    part_ids = {key[0] for key in keys}
    block_ids = {key[2] for key in keys}
    day = keys[0][1]
    taken = db.session.scalar(
        select(func.count())
        .select_from(SlotClaim)
        .where(
            SlotClaim.part_id.in_(part_ids),
            SlotClaim.date == day,
            SlotClaim.time_block_id.in_(block_ids),
        )
    )
    if taken:
        raise SlotTaken(date=day, block_ids=sorted(block_ids))
    for part_id, claim_day, block_id in keys:
        db.session.add(
            SlotClaim(
                part_id=part_id,
                date=claim_day,
                time_block_id=block_id,
                reservation_id=reservation.id,
            )
        )
    try:
        db.session.flush()
    except IntegrityError as exc:
        if _is_claim_conflict(exc):
            raise SlotTaken(date=day, block_ids=sorted(block_ids)) from exc
        raise


def _release(reservation: Reservation) -> None:
    db.session.execute(
        SlotClaim.__table__.delete().where(SlotClaim.reservation_id == reservation.id)
    )


def _new_unique_number(column, length: int) -> str:
    while True:
        number = random_number_with_check_digit(length)
        exists = db.session.scalar(select(func.count()).where(column == number))
        if not exists:
            return number


def _active_count(resident_id: int, category_id: int, now: datetime, exclude: int | None) -> int:
    query = (
        select(func.count())
        .select_from(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(
            Reservation.resident_id == resident_id,
            Reservation.status == CONFIRMED,
            Reservation.start_at > now,
            Facility.category_id == category_id,
        )
    )
    if exclude is not None:
        query = query.where(Reservation.id != exclude)
    return db.session.scalar(query) or 0


def _locked_resident(resident_id: int) -> Resident:
    """The resident's row, locked for this transaction on PostgreSQL (SQLite's write
    lock already serialises writers), so that two bookings at once cannot both slip
    under the per-resident limit."""
    resident = db.session.scalar(
        select(Resident).where(Resident.id == resident_id).with_for_update()
    )
    if resident is None:
        raise NotFound(what="resident", id=resident_id)
    return resident


def _check_override(staff: Staff | None, override_reason: str | None) -> str | None:
    """Limits and the booking window may be overridden by an admin, with a reason."""
    if override_reason is None:
        return None
    if staff is None or staff.role != ADMIN:
        raise Forbidden(action="override")
    reason = clean_text(override_reason, multiline=True)
    if not reason:
        raise ReasonRequired(action="override")
    return reason


def _check_rules(
    resident: Resident,
    quoted: Quote,
    *,
    now: datetime,
    override: str | None,
    exclude: int | None = None,
) -> None:
    facility = quoted.facility
    rules.check_bookable(
        facility,
        quoted.date,
        quoted.blocks,
        now=now,
        tz=get_settings().timezone,
        closures=_closures(facility, quoted.date, quoted.date),
        is_resident=resident.is_resident,
        window_override=override is not None,
    )
    if override is None:
        rules.check_limit(
            _active_count(resident.id, facility.category_id, now, exclude),
            facility.category.max_active_per_resident,
            facility.category.code,
        )


def book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    """Book consecutive blocks of one day for a resident.

    With `idempotency_key`, a repeat of the same request returns the reservation it
    already made, even when the repeat raced the original. `override_reason` (admins
    only) lifts the booking window and the per-resident limit; the reason is kept on
    the reservation and in the audit trail.
    """
    try:
        return _book(
            actor,
            resident_id=resident_id,
            unit_id=unit_id,
            day=day,
            block_ids=block_ids,
            now=now,
            override_reason=override_reason,
            idempotency_key=idempotency_key,
        )
    except SlotTaken:
        if idempotency_key is not None:
            existing = _by_idempotency_key(idempotency_key, resident_id)
            if existing is not None:
                return existing
        raise


def check_booking(
    *, resident_id: int, unit_id: int, day: date, block_ids: Sequence[int], now: datetime
) -> Quote:
    """What `book` would decide for this resident at `now`, without booking: the quote,
    or the ReservationError that `book` would raise (closed, past, outside the window,
    limit reached, slot taken, ...). For a channel's confirm page; the slot can still
    be taken between this check and the booking, which `book` then reports."""
    _require_aware(now)
    resident = get_resident(resident_id)
    unit = get_unit(unit_id)
    quoted = _quote(unit, day, block_ids, resident)
    _check_rules(resident, quoted, now=now, override=None)
    taken = db.session.scalar(
        select(func.count())
        .select_from(SlotClaim)
        .where(
            SlotClaim.part_id.in_([part.id for part in unit.parts]),
            SlotClaim.date == day,
            SlotClaim.time_block_id.in_([block.id for block in quoted.blocks]),
        )
    )
    if taken:
        raise SlotTaken(date=day, block_ids=sorted(block.id for block in quoted.blocks))
    return quoted


def _by_idempotency_key(key: str, resident_id: int) -> Reservation | None:
    existing = db.session.scalar(select(Reservation).where(Reservation.idempotency_key == key))
    if existing is not None and existing.resident_id != resident_id:
        raise Forbidden(action="idempotency_key")
    return existing


@_retry_once_on_conflict
def _book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
) -> Reservation:
    _require_aware(now)
    with write_transaction():
        if idempotency_key is not None:
            existing = _by_idempotency_key(idempotency_key, resident_id)
            if existing is not None:
                return existing
        staff = _require_acting_for(actor, resident_id)
        override = _check_override(staff, override_reason)
        resident = _locked_resident(resident_id)
        unit = get_unit(unit_id)
        quoted = _quote(unit, day, block_ids, resident)
        _check_rules(resident, quoted, now=now, override=override)
        keys = _lock_slots(unit.parts, day, quoted.blocks)
        reservation = Reservation(
            number=_new_unique_number(Reservation.number, RESERVATION_NUMBER_LENGTH),
            resident=resident,
            unit=unit,
            date=day,
            start_at=quoted.start_at,
            end_at=quoted.end_at,
            status=CONFIRMED,
            fee_base_yen=quoted.fee.base_yen,
            exemption_percent=quoted.fee.exemption_percent,
            fee_yen=quoted.fee.fee_yen,
            payment_status=EXEMPT if quoted.fee.fee_yen == 0 else UNPAID,
            created_at=now,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
            override_reason=override,
            idempotency_key=idempotency_key,
            time_blocks=list(quoted.blocks),
        )
        db.session.add(reservation)
        db.session.flush()
        _claim(reservation, keys)
        _audit(
            actor,
            now,
            "reservation.book",
            f"reservation:{reservation.number}",
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=resident.id,
            reason=override,
        )
        notify.reservation_message(notify.RESERVATION_BOOKED, reservation, now)
    return reservation


def _load_reservation(reservation_id: int, *, for_update: bool = False) -> Reservation:
    query = (
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
        )
    )
    if for_update:
        query = query.with_for_update(of=Reservation)
    reservation = db.session.scalar(query)
    if reservation is None:
        raise NotFound(what="reservation", id=reservation_id)
    return reservation


def cancellation_deadline(reservation: Reservation) -> rules.CancelDeadline:
    return rules.cancel_deadline(
        reservation.unit.facility, reservation.date, get_settings().timezone
    )


def _check_may_change(
    actor: Actor,
    reservation: Reservation,
    now: datetime,
    reason: str | None,
    *,
    require_reason: bool = True,
) -> tuple[Staff | None, str | None, bool]:
    """Residents change or cancel their own reservations before the deadline; staff
    any time, with a reason. Returns the staff member, the reason and whether the
    deadline had passed."""
    if reservation.status == CANCELLED:
        raise AlreadyCancelled(number=reservation.number)
    if actor.resident_id is not None and actor.resident_id != reservation.resident_id:
        raise NotYourReservation()
    staff = _require_acting_for(actor, reservation.resident_id)
    deadline = cancellation_deadline(reservation)
    after_deadline = deadline.has_passed(now)
    if actor.resident_id is not None:
        if after_deadline:
            raise TooLateToCancel(deadline=deadline.deadline, last_day=deadline.last_day)
        return None, clean_text(reason, multiline=True) or None, False
    reason = clean_text(reason, multiline=True)
    if not reason and require_reason:
        raise ReasonRequired(action="staff_change")
    return staff, reason or None, after_deadline


def check_cancellable(actor: Actor, *, reservation_id: int, now: datetime) -> Reservation:
    """Raise what `cancel` would raise for this actor at `now` (AlreadyCancelled,
    NotYourReservation, TooLateToCancel, Forbidden) without changing anything, so that a
    channel can say so before it asks for confirmation. Staff give their reason when
    they cancel."""
    _require_aware(now)
    reservation = _load_reservation(reservation_id)
    _check_may_change(actor, reservation, now, None, require_reason=False)
    return reservation


def cancel(
    actor: Actor, *, reservation_id: int, now: datetime, reason: str | None = None
) -> Reservation:
    """Cancel: the claims are released, the reservation stays with its history."""
    _require_aware(now)
    with write_transaction():
        reservation = _load_reservation(reservation_id, for_update=True)
        _, reason, after_deadline = _check_may_change(actor, reservation, now, reason)
        before = reservation_snapshot(reservation)
        _release(reservation)
        reservation.status = CANCELLED
        reservation.cancelled_at = now
        reservation.cancelled_channel = actor.channel
        reservation.cancelled_by_staff_id = actor.staff_id
        reservation.cancel_reason = reason
        reservation.cancelled_after_deadline = after_deadline
        _audit(
            actor,
            now,
            "reservation.cancel",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
            reason=reason,
        )
        notify.reservation_message(notify.RESERVATION_CANCELLED, reservation, now)
    return reservation


@_retry_once_on_conflict
def change(
    actor: Actor,
    *,
    reservation_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    reason: str | None = None,
    override_reason: str | None = None,
) -> Reservation:
    """Move a reservation to another unit, date or blocks, keeping its number.

    The same rules as cancelling the old and booking the new, in one transaction: if
    the new slot is taken, the old one is kept. The fee is quoted anew; a reservation
    already paid keeps its payment only when the fee is unchanged.
    """
    _require_aware(now)
    with write_transaction():
        reservation = _load_reservation(reservation_id, for_update=True)
        staff, reason, _ = _check_may_change(actor, reservation, now, reason)
        override = _check_override(staff, override_reason)
        resident = _locked_resident(reservation.resident_id)
        unit = get_unit(unit_id)
        quoted = _quote(unit, day, block_ids, resident)
        _check_rules(resident, quoted, now=now, override=override, exclude=reservation.id)
        if reservation.payment_status == PAID and quoted.fee.fee_yen != reservation.fee_yen:
            raise NotAllowed(problem="paid_fee_differs")
        before = reservation_snapshot(reservation)
        _release(reservation)
        keys = _lock_slots(unit.parts, day, quoted.blocks)
        reservation.unit = unit
        reservation.date = day
        reservation.time_blocks = list(quoted.blocks)
        reservation.start_at = quoted.start_at
        reservation.end_at = quoted.end_at
        reservation.fee_base_yen = quoted.fee.base_yen
        reservation.exemption_percent = quoted.fee.exemption_percent
        reservation.fee_yen = quoted.fee.fee_yen
        if reservation.payment_status != PAID:
            reservation.payment_status = EXEMPT if quoted.fee.fee_yen == 0 else UNPAID
        if override is not None:
            reservation.override_reason = override
        db.session.flush()
        _claim(reservation, keys)
        _audit(
            actor,
            now,
            "reservation.change",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
            reason="; ".join(part for part in (reason, override) if part) or None,
        )
        notify.reservation_message(notify.RESERVATION_CHANGED, reservation, now)
    return reservation


def record_payment(actor: Actor, *, reservation_id: int, status: str, now: datetime) -> Reservation:
    """Staff record that an unpaid reservation was paid at the counter or exempted."""
    _require_aware(now)
    if status not in (PAID, EXEMPT):
        raise InvalidInput(field="payment_status", problem="unknown")
    with write_transaction():
        staff = _require_staff(actor)
        reservation = _load_reservation(reservation_id, for_update=True)
        if reservation.status != CONFIRMED or reservation.payment_status != UNPAID:
            raise NotAllowed(problem="not_unpaid")
        before = reservation_snapshot(reservation)
        reservation.payment_status = status
        reservation.paid_at = now
        reservation.paid_by_staff_id = staff.id if staff else None
        _audit(
            actor,
            now,
            "reservation.payment",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id,
        )
    return reservation


def get_reservation(reservation_id: int) -> Reservation:
    return _load_reservation(reservation_id)


def find_reservation(number: str) -> Reservation | None:
    """By reservation number as typed or keyed (any width, hyphens ignored); a number
    whose check digit is wrong finds nothing without a lookup."""
    digits = digits_only(number)
    if len(digits) != RESERVATION_NUMBER_LENGTH or not has_valid_check_digit(digits):
        return None
    reservation_id = db.session.scalar(select(Reservation.id).where(Reservation.number == digits))
    return _load_reservation(reservation_id) if reservation_id is not None else None


@dataclass(frozen=True)
class ResidentReservations:
    upcoming: list[Reservation]  # confirmed and not yet ended, soonest first
    past: list[Reservation]  # the latest ended or cancelled ones, latest first
    more_past: bool = False  # older ones exist beyond `past`


PAST_SHOWN = 20
LONGEST_RESERVATION = timedelta(days=1)  # the blocks of one day


def reservations_of(
    resident_id: int, *, now: datetime, past_limit: int = PAST_SHOWN
) -> ResidentReservations:
    """A resident's upcoming reservations and their latest `past_limit` others.

    Both lists are read through the (resident, start) index, bounded by time or by
    count, so that a club with years of history costs what a newcomer does.
    """
    _require_aware(now)
    options = (
        selectinload(Reservation.unit).selectinload(Unit.facility),
        selectinload(Reservation.time_blocks),
    )
    upcoming = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.resident_id == resident_id,
            Reservation.start_at > now - LONGEST_RESERVATION,
            Reservation.end_at > now,
            Reservation.status == CONFIRMED,
        )
        .options(*options)
        .order_by(Reservation.start_at, Reservation.id)
    ).all()
    past = db.session.scalars(
        select(Reservation)
        .where(
            Reservation.resident_id == resident_id,
            or_(Reservation.status != CONFIRMED, Reservation.end_at <= now),
        )
        .options(*options)
        .order_by(Reservation.start_at.desc(), Reservation.id.desc())
        .limit(past_limit + 1)
    ).all()
    return ResidentReservations(
        list(upcoming), list(past[:past_limit]), more_past=len(past) > past_limit
    )


def reservations_on(day: date, facility_id: int | None = None) -> list[Reservation]:
    """A day's confirmed reservations (the counter's day sheet), by facility and time."""
    query = (
        select(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .join(Facility, Facility.id == Unit.facility_id)
        .where(Reservation.date == day, Reservation.status == CONFIRMED)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
            selectinload(Reservation.resident),
            selectinload(Reservation.created_by_staff),
        )
        .order_by(Facility.position, Facility.id, Reservation.start_at, Unit.position)
    )
    if facility_id is not None:
        query = query.where(Facility.id == facility_id)
    return list(db.session.scalars(query))


# -------------------------------------------------------------------------- residents


def pin_problem(pin: str) -> str | None:
    """Why a PIN cannot be used: 'format' (not four digits) or 'too_simple'."""
    if len(pin) != PIN_LENGTH or not pin.isdigit() or not pin.isascii():
        return "format"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return "too_simple"  # 0000, 1234, 9876
    return None


def _new_pin() -> str:
    while True:
        pin = "".join(str(secrets.randbelow(10)) for _ in range(PIN_LENGTH))
        if pin_problem(pin) is None:
            return pin


def _checked_pin(pin: str | None) -> str:
    if pin is None:
        return _new_pin()
    problem = pin_problem(pin)
    if problem is not None:
        raise InvalidInput(field="pin", problem=problem)
    return pin


def resident_snapshot(resident: Resident) -> dict[str, Any]:
    """What the audit trail keeps of a resident: no PIN, no hash."""
    return {
        "registration_no": resident.registration_no,
        "name": resident.name,
        "name_kana": resident.name_kana,
        "phone": resident.phone_e164,
        "district": resident.district,
        "is_resident": resident.is_resident,
        "exemption": resident.exemption.code if resident.exemption else None,
        "exemption_evidence": resident.exemption_evidence,
        "locked": resident.locked_at is not None,
    }


_NUMERIC_QUERY = re.compile(r"[0-9\s()+\-‐－ー]+")
# Longer than any name, kana or number: matches nothing (and SQLite refuses a LIKE
# pattern over 50,000 bytes).
SEARCH_MAX_LENGTH = 100


def find_residents(query: str, *, limit: int = 20) -> list[Resident]:
    """Search by registration number, phone number in any common format, name or kana,
    tolerant of full/half width, hiragana/katakana and spaces."""
    query = query.strip()
    if not query or len(query) > SEARCH_MAX_LENGTH:
        return []
    conditions = []
    digits = digits_only(query)
    if digits and _NUMERIC_QUERY.fullmatch(unicodedata.normalize("NFKC", query)):
        conditions.append(Resident.registration_no == digits)
        try:
            phone, _ = normalize_phone(query)
            conditions.append(Resident.phone_e164 == phone)
        except InvalidInput:
            pass
    key = search_key(query)
    if key:
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(Resident.name_key.like(pattern, escape="\\"))
        conditions.append(Resident.kana_key.like(pattern, escape="\\"))
    return list(
        db.session.scalars(
            select(Resident)
            .where(or_(*conditions))
            .order_by(Resident.kana_key, Resident.id)
            .limit(limit)
        )
    )


def residents_with_phone(phone: str) -> list[Resident]:
    """Residents registered with this number (caller ID: a hint, never proof)."""
    try:
        e164, _ = normalize_phone(phone)
    except InvalidInput:
        return []
    return list(db.session.scalars(select(Resident).where(Resident.phone_e164 == e164)))


def possible_duplicates(name: str, kana: str, phone: str | None) -> list[Resident]:
    """Residents with the same phone, or the same name and kana."""
    conditions = [(Resident.name_key == search_key(name)) & (Resident.kana_key == search_key(kana))]
    if phone:
        try:
            conditions.append(Resident.phone_e164 == normalize_phone(phone)[0])
        except InvalidInput:
            pass
    return list(db.session.scalars(select(Resident).where(or_(*conditions))))


def list_exemptions() -> list[ExemptionCategory]:
    return list(
        db.session.scalars(
            select(ExemptionCategory).order_by(ExemptionCategory.position, ExemptionCategory.id)
        )
    )


def get_resident(resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None:
        raise NotFound(what="resident", id=resident_id)
    return resident


def _required(field: str, value: str | None) -> str:
    value = clean_text(value)
    if not value:
        raise InvalidInput(field=field, problem="required")
    return value


def _check_evidence(actor: Actor, evidence: str | None) -> None:
    """Staff granting an exemption record the kind of document they saw (one of
    EXEMPTION_EVIDENCE); the command line may leave it out (imported records)."""
    if actor.staff_id is None:
        return
    evidence = clean_text(evidence)
    if not evidence:
        raise InvalidInput(field="exemption_evidence", problem="required")
    if evidence not in EXEMPTION_EVIDENCE:
        raise InvalidInput(field="exemption_evidence", problem="unknown")


def register_resident(
    actor: Actor,
    *,
    name: str,
    name_kana: str,
    phone: str | None,
    district: str,
    is_resident: bool,
    now: datetime,
    exemption_code: str | None = None,
    exemption_evidence: str | None = None,
    pin: str | None = None,
    allow_duplicate: bool = False,
) -> tuple[Resident, str]:
    """Register a resident; returns the resident and the PIN (chosen or issued), which
    is shown once on the registration slip and never stored in clear.

    Raises PossibleDuplicate when the phone or name+kana is already registered,
    unless staff confirmed it is a different person (`allow_duplicate`).
    """
    _require_aware(now)
    name = _required("name", name)
    name_kana = _required("name_kana", name_kana)
    phone_e164, is_mobile = normalize_phone(phone) if phone and phone.strip() else (None, False)
    pin = _checked_pin(pin)
    with write_transaction():
        _require_staff(actor)
        exemption = None
        if exemption_code:
            exemption = db.session.scalar(
                select(ExemptionCategory).where(ExemptionCategory.code == exemption_code)
            )
            if exemption is None:
                raise InvalidInput(field="exemption", problem="unknown")
            _check_evidence(actor, exemption_evidence)
        if not allow_duplicate:
            matches = possible_duplicates(name, name_kana, phone_e164)
            if matches:
                raise PossibleDuplicate(matches=[r.registration_no for r in matches])
        resident = Resident(
            registration_no=_new_unique_number(
                Resident.registration_no, REGISTRATION_NUMBER_LENGTH
            ),
            name=name,
            name_kana=name_kana,
            name_key=search_key(name),
            kana_key=search_key(name_kana),
            phone_e164=phone_e164,
            phone_is_mobile=is_mobile,
            district=clean_text(district),
            is_resident=is_resident,
            exemption=exemption,
            exemption_evidence=(clean_text(exemption_evidence) or None) if exemption else None,
            pin_hash=get_settings().hasher.hash(pin),
            failed_pin_attempts=0,
            created_at=now,
        )
        db.session.add(resident)
        db.session.flush()
        _audit(
            actor,
            now,
            "resident.register",
            f"resident:{resident.registration_no}",
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return resident, pin


def set_pin(actor: Actor, *, resident_id: int, now: datetime, pin: str | None = None) -> str:
    """Set (resident) or reset (staff) a PIN; a reset also unlocks. Returns the PIN."""
    _require_aware(now)
    pin = _checked_pin(pin)
    with write_transaction():
        _require_acting_for(actor, resident_id)
        resident = _locked_resident(resident_id)
        before = resident_snapshot(resident)
        resident.pin_hash = get_settings().hasher.hash(pin)
        resident.failed_pin_attempts = 0
        resident.locked_at = None
        _audit(
            actor,
            now,
            "resident.pin_set",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return pin


def unlock_resident(actor: Actor, *, resident_id: int, now: datetime) -> Resident:
    _require_aware(now)
    with write_transaction():
        _require_staff(actor)
        resident = _locked_resident(resident_id)
        before = resident_snapshot(resident)
        resident.failed_pin_attempts = 0
        resident.locked_at = None
        _audit(
            actor,
            now,
            "resident.unlock",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident),
            resident_id=resident.id,
        )
    return resident


def _verify_secret(secret_hash: str | None, secret: str) -> bool:
    hasher = get_settings().hasher
    try:
        return hasher.verify(secret_hash or _dummy_hash(), secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone can type, verified when the account does not exist, so
    that a wrong number takes as long as a wrong PIN."""
    settings = get_settings()
    key = (settings.argon2_time_cost, settings.argon2_memory_kib)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = settings.hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


def verify_pin(
    channel: str,
    *,
    pin: str,
    now: datetime,
    registration_no: str | None = None,
    resident_id: int | None = None,
) -> Resident:
    """Sign a resident in by registration number (or a resident id the channel already
    holds, e.g. from caller ID) and PIN.

    Wrong numbers and wrong PINs raise the same InvalidCredentials; the
    `pin_max_failures`-th wrong PIN in a row locks the account (AccountLocked) until
    staff unlock it or the lockout passes.
    """
    _require_aware(now)
    settings = get_settings()
    with write_transaction():
        resident = None
        if resident_id is not None:
            resident = db.session.get(Resident, resident_id)
        elif registration_no is not None:
            digits = digits_only(registration_no)
            if digits:
                resident = db.session.scalar(
                    select(Resident).where(Resident.registration_no == digits)
                )
        if resident is None:
            _verify_secret(None, pin)
            raise InvalidCredentials()
        state = rules.LockState(resident.failed_pin_attempts, resident.locked_at)
        if rules.is_locked(state, now, settings.pin_lockout):
            raise AccountLocked(until=rules.unlocks_at(state, settings.pin_lockout))
        if _verify_secret(resident.pin_hash, pin):
            if resident.failed_pin_attempts or resident.locked_at:
                resident.failed_pin_attempts = 0
                resident.locked_at = None
            if settings.hasher.check_needs_rehash(resident.pin_hash):
                resident.pin_hash = settings.hasher.hash(pin)
            return resident
        new_state = rules.after_failed_attempt(
            state, now, settings.pin_max_failures, settings.pin_lockout
        )
        resident.failed_pin_attempts = new_state.failed_attempts
        resident.locked_at = new_state.locked_at
        if new_state.locked_at is not None and state.locked_at != new_state.locked_at:
            _audit(
                Actor(channel=channel),
                now,
                "resident.locked",
                f"resident:{resident.registration_no}",
                after={"failed_attempts": new_state.failed_attempts},
                resident_id=resident.id,
            )
            outcome = AccountLocked(until=rules.unlocks_at(new_state, settings.pin_lockout))
        else:
            outcome = InvalidCredentials()
    raise outcome


# ------------------------------------------------------------------------------ staff


def create_staff(
    actor: Actor, *, username: str, display_name: str, password: str, role: str, now: datetime
) -> Staff:
    """A staff account, created by an admin or from the command line. The password an
    admin gives is temporary: its holder must choose their own at the first sign-in."""
    _require_aware(now)
    username = _required("username", username)
    if role not in STAFF_ROLES:
        raise InvalidInput(field="role", problem="unknown")
    _check_staff_password("password", password)
    with write_transaction():
        acting = _require_staff(actor, ADMIN)
        if db.session.scalar(select(func.count()).where(Staff.username == username)):
            raise InvalidInput(field="username", problem="taken")
        staff = Staff(
            username=username,
            display_name=_required("display_name", display_name),
            password_hash=get_settings().hasher.hash(password),
            role=role,
            active=True,
            failed_attempts=0,
            created_at=now,
            must_change_password=acting is not None,  # an administrator chose it
        )
        db.session.add(staff)
        db.session.flush()
        _audit(
            actor,
            now,
            "staff.create",
            f"staff:{username}",
            after={"username": username, "role": role, "display_name": staff.display_name},
        )
    return staff


def sign_in_staff(username: str, password: str, *, now: datetime) -> Staff:
    """Staff sign in at the counter: `verify_staff`, and the sign-in in the audit trail."""
    return verify_staff(username, password, now=now, record_sign_in=True)


def verify_staff(
    username: str, password: str, *, now: datetime, record_sign_in: bool = False
) -> Staff:
    """A staff member's password, with the same lockout discipline as residents' PINs."""
    _require_aware(now)
    settings = get_settings()
    with write_transaction():
        staff = db.session.scalar(select(Staff).where(Staff.username == clean_text(username)))
        if staff is None or not staff.active:
            _verify_secret(None, password)
            raise InvalidCredentials()
        state = rules.LockState(staff.failed_attempts, staff.locked_at)
        if rules.is_locked(state, now, settings.staff_lockout):
            raise AccountLocked(until=rules.unlocks_at(state, settings.staff_lockout))
        if _verify_secret(staff.password_hash, password):
            staff.failed_attempts = 0
            staff.locked_at = None
            if record_sign_in:
                _audit(Actor.staff(staff.id), now, "staff.sign_in", f"staff:{staff.username}")
            return staff
        new_state = rules.after_failed_attempt(
            state, now, settings.staff_max_failures, settings.staff_lockout
        )
        staff.failed_attempts = new_state.failed_attempts
        staff.locked_at = new_state.locked_at
        locked_now = new_state.locked_at is not None and state.locked_at != new_state.locked_at
        if locked_now:
            _audit(Actor(channel="counter"), now, "staff.locked", f"staff:{staff.username}")
    if locked_now:
        raise AccountLocked(until=rules.unlocks_at(new_state, settings.staff_lockout))
    raise InvalidCredentials()


def get_staff(staff_id: int) -> Staff | None:
    return db.session.get(Staff, staff_id)


def list_staff() -> list[Staff]:
    """Every staff account, by username (the audit view's filter, the admins' list)."""
    return list(db.session.scalars(select(Staff).order_by(Staff.username)))


def is_staff_locked(staff: Staff, now: datetime) -> bool:
    """Locked after wrong passwords, and the lockout not yet over."""
    state = rules.LockState(staff.failed_attempts, staff.locked_at)
    return rules.is_locked(state, now, get_settings().staff_lockout)


def staff_snapshot(staff: Staff) -> dict[str, Any]:
    """An account as the audit trail keeps it: never the password or its hash."""
    return {
        "username": staff.username,
        "display_name": staff.display_name,
        "role": staff.role,
        "active": staff.active,
        "failed_attempts": staff.failed_attempts,
        "locked": staff.locked_at is not None,
        "must_change_password": staff.must_change_password,
    }


STAFF_PASSWORD_MIN_LENGTH = 10
# Temporary passwords are read out or written down: no 0/o, 1/l/i to mistake.
_TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _check_staff_password(field: str, password: str) -> None:
    if len(password) < STAFF_PASSWORD_MIN_LENGTH:
        raise InvalidInput(field=field, problem="too_short", minimum=STAFF_PASSWORD_MIN_LENGTH)


def _new_temporary_password() -> str:
    """Twelve letters and digits in groups of four (about 59 bits), e.g. 'k7mq-3xtd-9hwa'."""
    letters = "".join(secrets.choice(_TEMPORARY_PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def _managed_staff(actor: Actor, staff_id: int) -> tuple[Staff | None, Staff]:
    """The acting administrator (None from the command line) and the account they
    change, both locked for this transaction.

    The active administrators' rows are locked first, then the actor is checked: two
    administrators demoting or deactivating each other at once queue on the same rows,
    and the second finds that it is no longer an administrator (PostgreSQL; SQLite's
    write lock already serialises writers).
    """
    db.session.execute(
        select(Staff.id)
        .where(Staff.role == ADMIN, Staff.active)
        .order_by(Staff.id)
        .with_for_update()
    )
    acting = _require_staff(actor, ADMIN)
    staff = get_staff(staff_id)
    if staff is None:
        raise NotFound(what="staff", id=staff_id)
    db.session.refresh(staff, with_for_update=True)
    return acting, staff


def _not_own_account(acting: Staff | None, staff: Staff) -> None:
    """Administrators change their own account only through the staff member's own
    page (their password), never lock themselves out or demote themselves."""
    if acting is not None and acting.id == staff.id:
        raise NotAllowed(problem="own_account")


def _keep_an_active_admin(staff: Staff) -> None:
    """Called before `staff` stops being an active administrator."""
    if staff.role != ADMIN or not staff.active:
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(Staff)
        .where(Staff.role == ADMIN, Staff.active, Staff.id != staff.id)
    )
    if not others:
        raise NotAllowed(problem="last_admin")


def _audit_staff_change(
    actor: Actor, now: datetime, action: str, staff: Staff, before: dict[str, Any]
) -> None:
    _audit(
        actor, now, action, f"staff:{staff.username}", before=before, after=staff_snapshot(staff)
    )


def deactivate_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    """The account can no longer sign in, and its open sessions end at their next
    request. Its entries in the audit trail stay. Deactivating an inactive account
    changes nothing."""
    _require_aware(now)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        if staff.active:
            _keep_an_active_admin(staff)
            before = staff_snapshot(staff)
            staff.active = False
            _audit_staff_change(actor, now, "staff.deactivate", staff, before)
    return staff


def reactivate_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    _require_aware(now)
    with write_transaction():
        _, staff = _managed_staff(actor, staff_id)
        if not staff.active:
            before = staff_snapshot(staff)
            staff.active = True
            _audit_staff_change(actor, now, "staff.reactivate", staff, before)
    return staff


def unlock_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    """Clear a lock after wrong passwords (and the count towards one)."""
    _require_aware(now)
    with write_transaction():
        _, staff = _managed_staff(actor, staff_id)
        if staff.failed_attempts or staff.locked_at is not None:
            before = staff_snapshot(staff)
            staff.failed_attempts = 0
            staff.locked_at = None
            _audit_staff_change(actor, now, "staff.unlock", staff, before)
    return staff


def change_staff_role(actor: Actor, *, staff_id: int, role: str, now: datetime) -> Staff:
    """Takes effect at the staff member's next request."""
    _require_aware(now)
    if role not in STAFF_ROLES:
        raise InvalidInput(field="role", problem="unknown")
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        if staff.role != role:
            _keep_an_active_admin(staff)
            before = staff_snapshot(staff)
            staff.role = role
            _audit_staff_change(actor, now, "staff.role_change", staff, before)
    return staff


def reset_staff_password(
    actor: Actor, *, staff_id: int, now: datetime, password: str | None = None
) -> str:
    """Give a staff member a temporary password: the one the administrator chose, or
    one made here (returned, to be shown once; only its hash is kept). It also unlocks
    the account. Until its holder chooses their own, the account can do nothing else,
    so a session still open elsewhere is of no use to whoever holds it."""
    _require_aware(now)
    if password is None:
        password = _new_temporary_password()
    _check_staff_password("password", password)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        before = staff_snapshot(staff)
        staff.password_hash = get_settings().hasher.hash(password)
        staff.must_change_password = True
        staff.failed_attempts = 0
        staff.locked_at = None
        _audit_staff_change(actor, now, "staff.password_reset", staff, before)
    return password


def change_own_password(
    actor: Actor, *, current_password: str, new_password: str, now: datetime
) -> Staff:
    """A signed-in staff member chooses a new password, giving the current one (a
    temporary one included). Wrong current passwords count towards the lockout, as at
    sign-in, so an unattended session is no way to guess it."""
    _require_aware(now)
    _check_staff_password("new_password", new_password)
    if new_password == current_password:
        raise InvalidInput(field="new_password", problem="unchanged")
    settings = get_settings()
    with write_transaction():
        staff = _staff_themself(actor)
        db.session.refresh(staff, with_for_update=True)
        state = rules.LockState(staff.failed_attempts, staff.locked_at)
        if rules.is_locked(state, now, settings.staff_lockout):
            raise AccountLocked(until=rules.unlocks_at(state, settings.staff_lockout))
        if _verify_secret(staff.password_hash, current_password):
            before = staff_snapshot(staff)
            staff.password_hash = settings.hasher.hash(new_password)
            staff.must_change_password = False
            staff.failed_attempts = 0
            staff.locked_at = None
            _audit_staff_change(actor, now, "staff.password_change", staff, before)
            return staff
        new_state = rules.after_failed_attempt(
            state, now, settings.staff_max_failures, settings.staff_lockout
        )
        staff.failed_attempts = new_state.failed_attempts
        staff.locked_at = new_state.locked_at
        outcome: ReservationError = InvalidInput(field="current_password", problem="wrong")
        if new_state.locked_at is not None and state.locked_at != new_state.locked_at:
            _audit(
                actor,
                now,
                "staff.locked",
                f"staff:{staff.username}",
                after={"failed_attempts": new_state.failed_attempts},
            )
            outcome = AccountLocked(until=rules.unlocks_at(new_state, settings.staff_lockout))
    raise outcome


def sign_out_staff(actor: Actor, *, now: datetime) -> None:
    """The staff member signed out: the audit trail shows who was at the counter when."""
    _record_session_end(actor, now, "staff.sign_out", None)


def expire_staff_session(actor: Actor, *, now: datetime, last_activity: datetime | None) -> None:
    """A session found idle too long at its next request: ended, as of `last_activity`."""
    after = {"last_activity": last_activity.isoformat()} if last_activity else None
    _record_session_end(actor, now, "staff.session_expired", after)


def _record_session_end(
    actor: Actor, now: datetime, action: str, after: dict[str, Any] | None
) -> None:
    _require_aware(now)
    with write_transaction():
        staff = _staff_themself(actor)
        _audit(actor, now, action, f"staff:{staff.username}", after=after)


# --------------------------------------------------------------------------- closures


def add_closure(
    actor: Actor,
    *,
    facility_id: int | None,
    start: date,
    end: date,
    reason: str,
    now: datetime,
    reason_en: str = "",
) -> Closure:
    """An ad-hoc closure (admins). Existing reservations in it are not cancelled here:
    the day sheet shows them for staff to call the residents."""
    _require_aware(now)
    if end < start:
        raise InvalidRange(max_days=None)
    reason = _required("reason", reason)
    with write_transaction():
        staff = _require_staff(actor, ADMIN)
        if facility_id is not None:
            get_facility(facility_id)
        closure = Closure(
            facility_id=facility_id,
            start_date=start,
            end_date=end,
            reason=reason,
            reason_en=clean_text(reason_en),
            created_at=now,
            created_by_staff_id=staff.id if staff else None,
        )
        db.session.add(closure)
        db.session.flush()
        _audit(
            actor,
            now,
            "closure.add",
            f"closure:{closure.id}",
            after={
                "facility_id": facility_id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": reason,
            },
            reason=reason,
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
        reason = rules.closed_reason(facility, day, _closures(facility, day, day))
        if reason is not None:
            closed[facility.id] = reason
    return closed


# ------------------------------------------------------------------------ audit trail


@dataclass(frozen=True)
class AuditFilter:
    """What the counter's audit view narrows the trail to; every part is optional.

    `registration_no` matches what a resident did and what was done on their behalf;
    `start` and `end` are days in the town's zone, both included.
    """

    registration_no: str | None = None
    staff_id: int | None = None
    reservation_number: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first entry (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.entries)


AUDIT_PAGE_MAX = 200


def _audit_query(audit_filter: AuditFilter) -> Select:
    query = select(AuditEntry)
    if audit_filter.start and audit_filter.end and audit_filter.end < audit_filter.start:
        raise InvalidRange(max_days=None)
    tz = get_settings().timezone
    if audit_filter.start is not None:
        query = query.where(AuditEntry.at >= datetime.combine(audit_filter.start, time(0), tz))
    if audit_filter.end is not None:
        after_end = audit_filter.end + timedelta(days=1)
        query = query.where(AuditEntry.at < datetime.combine(after_end, time(0), tz))
    if audit_filter.staff_id is not None:
        query = query.where(AuditEntry.actor_staff_id == audit_filter.staff_id)
    if audit_filter.registration_no:
        resident_id = db.session.scalar(
            select(Resident.id).where(
                Resident.registration_no == digits_only(audit_filter.registration_no)
            )
        )
        query = query.where(
            or_(
                AuditEntry.actor_resident_id == resident_id,
                AuditEntry.on_behalf_of_id == resident_id,
            )
            if resident_id is not None
            else false()
        )
    if audit_filter.reservation_number:
        reservation = find_reservation(audit_filter.reservation_number)
        query = query.where(
            AuditEntry.reservation_id == reservation.id if reservation is not None else false()
        )
    return query


def _with_people(query: Select) -> Select:
    return query.options(
        selectinload(AuditEntry.actor_staff),
        selectinload(AuditEntry.actor_resident),
        selectinload(AuditEntry.on_behalf_of),
        selectinload(AuditEntry.reservation),
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_trail(audit_filter: AuditFilter, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of the audit trail, newest first. An unknown registration or
    reservation number matches nothing; a reversed date range is InvalidRange."""
    per_page = min(max(per_page, 1), AUDIT_PAGE_MAX)
    query = _audit_query(audit_filter)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    entries = list(
        db.session.scalars(_with_people(query).limit(per_page).offset((page - 1) * per_page))
    )
    return AuditPage(entries, total, page, per_page)


def audit_trail_all(audit_filter: AuditFilter, *, batch: int = 500) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read in batches (the CSV export)."""
    query = _audit_query(audit_filter)
    offset = 0
    while True:
        rows = list(db.session.scalars(_with_people(query).limit(batch).offset(offset)))
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


def clock_now() -> datetime:
    """The current time in the town's zone: what channels pass as `now`."""
    return settings_now()
