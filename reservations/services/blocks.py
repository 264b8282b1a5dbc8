"""Staff blocks (行政使用): the town uses its own facility (a town event, school use,
maintenance, an election). A block is a reservation without a resident or a group,
with a kind and a note, made by an administrator and claiming its slots like any
booking. Reservations standing in the way are shown first (`preview_block`); the
administrator may cancel them with a reason (the town cancelled: the residents are
told through the outbox). A date of a series is never cancelled by a block: it is
cancelled on its series first. Residents see a blocked slot as 「使用できません」; the
waitlist entries for it are closed (Unavailable) and their waiters told, an open
offer's hold cancelled with the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import rules
from ..db import db, write_transaction
from ..errors import (
    BlockNotOffered,
    BlocksNotConsecutive,
    ErrorCode,
    FacilityClosed,
    InPast,
    InputProblem,
    InTheWay,
    InvalidInput,
    ReasonFor,
    ReasonRequired,
)
from ..models import (
    ACTIVE_STATUSES,
    ADMIN,
    CONFIRMED,
    EXEMPT,
    CancelReasonKind,
    Closure,
    Reservation,
    ReservationOrigin,
    SlotClaim,
    StaffBlockKind,
    TimeBlock,
    Unit,
)
from ..settings import get_settings
from ..text import column_text
from . import audit, claims, waitlist_offers
from .actors import Actor, require_aware, require_staff
from .booking import cancel_in_transaction
from .catalog import closures_between, get_unit, new_closure
from .lookup import reservation_snapshot
from .numbers import RESERVATION_NUMBER_LENGTH, new_unique_number

# What the services package passes on (see its __all__), with the kinds' vocabulary.
__all__ = [
    "BlockRequest",
    "StaffBlockKind",
    "closure_affected",
    "create_block",
    "list_blocks",
    "preview_block",
    "preview_closure",
]


@dataclass(frozen=True)
class BlockRequest:
    """What an administrator asks for: a unit, a date, consecutive blocks (as many as
    the day offers: a town event may take the whole day), the kind and a note."""

    unit_id: int
    date: date
    block_ids: Sequence[int]
    kind: str
    note: str = ""


@dataclass(frozen=True)
class BlockPreview:
    """What the block would claim and the reservations standing in the way (those
    that are dates of a series, which a block never cancels, among them)."""

    unit: Unit
    date: date
    blocks: list[TimeBlock]
    kind: StaffBlockKind
    note: str
    in_the_way: list[Reservation]

    @property
    def series_dates(self) -> list[Reservation]:
        return [r for r in self.in_the_way if r.series_id is not None]

    @property
    def cancellable(self) -> list[Reservation]:
        return [r for r in self.in_the_way if r.series_id is None]


def _kind(kind: str) -> StaffBlockKind:
    try:
        return StaffBlockKind(kind)
    except ValueError:
        raise InvalidInput(field="kind", problem=InputProblem.UNKNOWN) from None


def _ordered(facility, day: date, block_ids: Sequence[int]) -> list[TimeBlock]:
    """The chosen blocks in day order: offered that day and consecutive (no cap on
    how many: the town may use the whole day)."""
    if not block_ids:
        raise InvalidInput(field="blocks", problem=InputProblem.REQUIRED)
    if len(set(block_ids)) != len(block_ids):
        raise InvalidInput(field="blocks", problem=InputProblem.REPEATED)
    offered = rules.offered_blocks(facility, day)
    by_id = {block.id: block for block in offered}
    for block_id in block_ids:
        if block_id not in by_id:
            raise BlockNotOffered(block_id=block_id, date=day)
    indexes = sorted(offered.index(by_id[block_id]) for block_id in block_ids)
    if indexes != list(range(indexes[0], indexes[0] + len(indexes))):
        raise BlocksNotConsecutive(date=day)
    return [offered[index] for index in indexes]


def _checked(
    request: BlockRequest, now: datetime
) -> tuple[Unit, list[TimeBlock], StaffBlockKind, str]:
    require_aware(now)
    kind = _kind(request.kind)
    note = column_text(Reservation.block_note, "note", request.note, multiline=True)
    unit = get_unit(request.unit_id)
    facility = unit.facility
    day = request.date
    closed = rules.closed_reason(facility, day, closures_between(facility, day, day))
    if closed is not None:
        raise FacilityClosed(date=day, reason=closed.reason, note=closed.note)
    blocks = _ordered(facility, day, list(request.block_ids))
    if rules.block_start(day, blocks[0], get_settings().timezone) <= now:
        raise InPast(date=day)
    return unit, blocks, kind, note


def _in_the_way(unit: Unit, day: date, blocks: Sequence[TimeBlock]) -> list[Reservation]:
    """The reservations holding any of the slots (through the claims' parts: a block
    of the whole gym meets a booking of half A), in number order."""
    ids = select(SlotClaim.reservation_id).where(
        SlotClaim.part_id.in_([part.id for part in unit.parts]),
        SlotClaim.date == day,
        SlotClaim.time_block_id.in_([block.id for block in blocks]),
    )
    return list(
        db.session.scalars(
            select(Reservation)
            .where(Reservation.id.in_(ids))
            .options(selectinload(Reservation.unit), selectinload(Reservation.time_blocks))
            .order_by(Reservation.start_at, Reservation.number)
        )
    )


def preview_block(request: BlockRequest, *, now: datetime) -> BlockPreview:
    """What `create_block` would claim and what stands in the way, without writing."""
    unit, blocks, kind, note = _checked(request, now)
    return BlockPreview(
        unit, request.date, blocks, kind, note, _in_the_way(unit, request.date, blocks)
    )


@claims.retry_once_on_conflict
def create_block(
    actor: Actor,
    request: BlockRequest,
    *,
    now: datetime,
    cancel_in_the_way: bool = False,
    cancel_reason: str | None = None,
    expected: Sequence[str] | None = None,
) -> Reservation:
    """Block the slots for the town's own use (administrators), in one transaction.

    Reservations in the way refuse the block (InTheWay, with their numbers) unless
    `cancel_in_the_way`, with a `cancel_reason` (ReasonRequired without): each is then
    cancelled as the town's (cancel_reason_kind TOWN) and its resident told. With `expected` (the numbers the administrator saw in
    the preview), one more standing in the way meanwhile refuses it again. A date of a
    series in the way always refuses the block (``series``: their numbers). Waitlist
    entries for the slots are closed (Unavailable), their waiters told once each."""
    unit, blocks, kind, note = _checked(request, now)
    reason = column_text(Reservation.cancel_reason, "reason", cancel_reason, multiline=True)
    day = request.date
    with write_transaction():
        staff = require_staff(actor, ADMIN)
        waiters = waitlist_offers.waiters_for(unit, day, blocks)
        offers = {entry.offer_reservation_id for entry in waiters if entry.is_offered}
        keys = claims.lock_slots(unit.parts, day, blocks)
        standing = _in_the_way(unit, day, blocks)
        numbers = [r.number for r in standing]
        series = [r.number for r in standing if r.series_id is not None]
        if series:
            raise InTheWay(numbers=numbers, series=series)
        if standing:
            if not cancel_in_the_way or set(numbers) - set(expected or numbers):
                raise InTheWay(numbers=numbers, series=[])
            if not reason:
                raise ReasonRequired(action=ReasonFor.STAFF_CHANGE)
        for reservation in standing:
            cancel_in_transaction(
                actor,
                reservation,
                now=now,
                reason=reason,
                kind=CancelReasonKind.TOWN,
                tell=not reservation.is_staff_block and reservation.id not in offers,
            )
        waitlist_offers.close_entries(actor, waiters, ErrorCode.UNAVAILABLE, now)
        db.session.flush()
        tz = get_settings().timezone
        block = Reservation(
            number=new_unique_number(Reservation.number, RESERVATION_NUMBER_LENGTH),
            unit=unit,
            date=day,
            start_at=rules.block_start(day, blocks[0], tz),
            end_at=rules.block_end(day, blocks[-1], tz),
            status=CONFIRMED,
            fee_base_yen=0,
            exemption_percent=0,
            fee_yen=0,
            payment_status=EXEMPT,
            created_at=now,
            channel=actor.channel,
            created_by_staff_id=staff.id if staff else None,
            origin=ReservationOrigin.BLOCK,
            block_kind=kind,
            block_note=note or None,
            time_blocks=list(blocks),
        )
        db.session.add(block)
        db.session.flush()
        claims.claim(block, keys)
        audit.record(
            actor,
            now,
            "block.add",
            f"reservation:{block.number}",
            after=reservation_snapshot(block) | {"cancelled": numbers},
            reservation=block,
            reason=reason or None,
        )
    return block


def list_blocks(since: date, *, include_cancelled: bool = False) -> list[Reservation]:
    """The staff blocks dated `since` or later, soonest first."""
    query = (
        select(Reservation)
        .where(Reservation.origin == ReservationOrigin.BLOCK, Reservation.date >= since)
        .options(
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
        )
        .order_by(Reservation.start_at, Reservation.number)
    )
    if not include_cancelled:
        query = query.where(Reservation.status == CONFIRMED)
    return list(db.session.scalars(query))


def closure_affected(closure: Closure, *, now: datetime) -> list[Reservation]:
    """The coming reservations (staff blocks aside) a closure covers: every one at its
    facility (or anywhere) on its days, or, for a closure of one unit or some blocks,
    those sharing a part with the unit (court 2 and the whole court) in those blocks.
    For the administrator to call the residents, as for a staff block in the way."""
    query = (
        select(Reservation)
        .join(Unit, Unit.id == Reservation.unit_id)
        .where(
            Reservation.status.in_(ACTIVE_STATUSES),
            Reservation.origin != ReservationOrigin.BLOCK,
            Reservation.date >= closure.start_date,
            Reservation.date <= closure.end_date,
            Reservation.start_at > now,
        )
        .options(
            selectinload(Reservation.unit).selectinload(Unit.parts),
            selectinload(Reservation.unit).selectinload(Unit.facility),
            selectinload(Reservation.time_blocks),
        )
        .order_by(Reservation.start_at, Reservation.number)
    )
    if closure.facility_id is not None:
        query = query.where(Unit.facility_id == closure.facility_id)
    found = list(db.session.scalars(query))
    if not closure.is_partial:
        return found
    return [
        r
        for r in found
        if any(
            rules.partial_closure(
                [closure],
                r.unit.facility,
                frozenset(part.id for part in r.unit.parts),
                r.date,
                block,
            )
            for block in r.time_blocks
        )
    ]


def preview_closure(*, now: datetime, **values) -> tuple[Closure, list[Reservation]]:
    """The closure `add_closure` would add (checked, not added) and the reservations
    it would cover; `values` are add_closure's."""
    require_aware(now)
    closure = new_closure(**values)
    return closure, closure_affected(closure, now=now)
