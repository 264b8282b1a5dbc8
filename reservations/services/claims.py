"""Slot claims: the one mechanism by which anything occupies a slot.

A claim is one row per atomic part, date and time block under a UNIQUE constraint.
Claims are taken in sorted order; on PostgreSQL a transaction-scoped advisory lock per
key comes first, so racing writers queue instead of deadlocking (SQLite's write lock,
taken up front, already serialises them). A loser gets SlotTaken and its whole
transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import Integer, and_, func, literal, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import waitlist_rules
from ..db import db
from ..errors import SlotTaken, Unavailable
from ..models import (
    Reservation,
    ReservationOrigin,
    SlotClaim,
    TimeBlock,
    Unit,
    WaitlistEntry,
    WaitlistStatus,
)
from ..settings import WaitlistOrder, get_settings

T = TypeVar("T")


def retry_once_on_conflict(fn: Callable[..., T]) -> Callable[..., T]:
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


def lock_slots(parts: Sequence[Any], day: date, blocks: Sequence[TimeBlock]) -> list[tuple]:
    """The claim keys in one deterministic order; on PostgreSQL also take a
    transaction-scoped advisory lock on each, so racing bookings queue instead of
    deadlocking on the unique index."""
    keys = slot_keys(parts, day, blocks)
    for query in lock_query(keys).values():
        db.session.execute(query)
    return keys


def slot_keys(parts: Sequence[Any], day: date, blocks: Sequence[TimeBlock]) -> list[tuple]:
    """The claim keys (part, date, block) in the one order they are locked in."""
    return sorted((part.id, day, block.id) for part in parts for block in blocks)


def lock_query(keys: Sequence[tuple]) -> dict:
    """lock_slots' advisory locks as a query of one value, {"locked": query}, for a
    caller that asks it with others in one statement; {} on SQLite, whose write lock,
    taken up front, already serialises writers. The array's elements are locked in
    its (sorted) order."""
    if not keys or db.session.get_bind().dialect.name != "postgresql":
        return {}
    lock_keys = [(part << 40) | (day.toordinal() << 20) | block for part, day, block in keys]
    query = text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) k")
    return {"locked": query.bindparams(keys=lock_keys).columns(locked=Integer)}


def count_taken(part_ids, day: date, block_ids, *, exclude: int | None = None) -> int:
    """How many of the parts' blocks on `day` are claimed already (by a reservation
    other than `exclude`: one being changed keeps its own slots)."""
    return db.session.scalar(_taken_query(part_ids, day, block_ids, exclude=exclude)) or 0


def _taken_query(part_ids, day: date, block_ids, *, exclude: int | None = None):
    query = (
        select(func.count())
        .select_from(SlotClaim)
        .where(
            SlotClaim.part_id.in_(part_ids),
            SlotClaim.date == day,
            SlotClaim.time_block_id.in_(block_ids),
        )
    )
    if exclude is not None:
        query = query.where(SlotClaim.reservation_id != exclude)
    return query


def claim(reservation: Reservation, keys: Sequence[tuple], *, checked: bool = False) -> None:
    """Claim the keys (from lock_slots) for the reservation, or raise SlotTaken.
    `checked`: check_free already found them free, after the locks."""
    part_ids = {key[0] for key in keys}
    block_ids = {key[2] for key in keys}
    day = keys[0][1]
    if not checked and count_taken(part_ids, day, block_ids):
        raise taken_error(part_ids, day, block_ids)
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


def blocked_between(part_ids, start: date, end: date) -> dict[tuple[date, int], str]:
    """The staff blocks (行政使用) on the parts from `start` to `end`: each claimed
    (date, block) the town uses, with the block's kind."""
    rows = db.session.execute(
        select(SlotClaim.date, SlotClaim.time_block_id, Reservation.block_kind)
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(
            SlotClaim.part_id.in_(part_ids),
            SlotClaim.date >= start,
            SlotClaim.date <= end,
            Reservation.origin == ReservationOrigin.BLOCK,
        )
    )
    return {(day, block_id): kind for day, block_id, kind in rows}


def taken_error(part_ids, day: date, block_ids) -> Exception:
    """What a claimed slot is to someone asking for it: used by the town (Unavailable,
    使用できません: a staff block is never "booked by someone"), or SlotTaken."""
    if blocked_between(part_ids, day, day).keys() & {(day, b) for b in block_ids}:
        return Unavailable(date=day)
    return SlotTaken(date=day, block_ids=sorted(block_ids))


def release(reservation: Reservation) -> None:
    db.session.execute(
        SlotClaim.__table__.delete().where(SlotClaim.reservation_id == reservation.id)
    )


def held_between(part_ids, start: date, end: date) -> dict[tuple[date, int], tuple]:
    """Who holds each claimed (date, block) of the parts from `start` to `end`: the
    reservation's (resident, group), read within the dates through the claims' index."""
    rows = db.session.execute(
        select(
            SlotClaim.date, SlotClaim.time_block_id, Reservation.resident_id, Reservation.group_id
        )
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(
            SlotClaim.part_id.in_(part_ids),
            SlotClaim.date >= start,
            SlotClaim.date <= end,
        )
    )
    return {(day, block_id): (resident, group) for day, block_id, resident, group in rows}


def kept_for_waiters(
    start: date, end: date, facility_id: int | None = None
) -> set[tuple[int, date, int]]:
    """The free keys (part, date, block) a waiter fits from `start` to `end` (of one
    facility, or every one): a freed slot the worker offers to the waiting list, so it
    is not free to anyone else (キャンセル待ちあり). One query when no one waits. With
    WAITLIST_ORDER=random, the keys of every waiter who fits, any of them may be drawn."""
    waiting = (
        WaitlistEntry.status == WaitlistStatus.WAITING,
        WaitlistEntry.date >= start,
        WaitlistEntry.date <= end,
    )
    query = select(WaitlistEntry).where(*waiting).order_by(WaitlistEntry.id)
    if facility_id is not None:
        query = query.join(Unit, Unit.id == WaitlistEntry.unit_id).where(
            Unit.facility_id == facility_id
        )
    return _kept(list(db.session.scalars(query)))


def _kept(entries: list[WaitlistEntry]) -> set[tuple[int, date, int]]:
    """The keys kept for the waiting `entries` (see kept_for_waiters)."""
    if not entries:
        return set()
    line = [
        (
            entry.id,
            frozenset(
                (part.id, entry.date, block.id)
                for part in entry.unit.parts
                for block in entry.time_blocks
            ),
        )
        for entry in entries
    ]
    days = {entry.date for entry in entries}
    taken = {
        tuple(row)
        for row in db.session.execute(
            select(SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id).where(
                SlotClaim.date.in_(days)
            )
        )
    }
    if get_settings().waitlist.order == WaitlistOrder.RANDOM:
        return waitlist_rules.kept_for_a_draw(line, taken)
    keys = dict(line)
    return {
        key for entry_id in waitlist_rules.offers_to_make(line, taken) for key in keys[entry_id]
    }


def check_not_kept(keys, day: date) -> None:
    """First come first served never takes a freed slot a waiter fits: it is the
    waitlist's (the worker offers it), so asking for it is SlotTaken, as availability
    shows it (キャンセル待ちあり). The offer itself claims it without this check."""
    kept = kept_for_waiters(day, day)
    if kept and kept & set(keys):
        raise SlotTaken(date=day, block_ids=sorted({key[2] for key in kept & set(keys)}))


def check_free(keys, day: date) -> None:
    """What check_not_kept and then claim() would find, in one statement when no one
    waits (the claims counted beside the waiters, after the locks): SlotTaken for a
    slot kept for a waiter, then taken_error for one claimed already."""
    part_ids = sorted({key[0] for key in keys})
    block_ids = sorted({key[2] for key in keys})
    taken = _taken_query(part_ids, day, block_ids).scalar_subquery().label("taken")
    one = select(literal(1).label("one")).subquery()
    waiting = and_(WaitlistEntry.status == WaitlistStatus.WAITING, WaitlistEntry.date == day)
    rows = db.session.execute(
        select(taken, WaitlistEntry)
        .select_from(one)
        .outerjoin(WaitlistEntry, waiting)
        .order_by(WaitlistEntry.id)
    ).all()
    kept = _kept([entry for _, entry in rows if entry is not None])
    if kept and kept & set(keys):
        raise SlotTaken(date=day, block_ids=sorted({key[2] for key in kept & set(keys)}))
    if rows[0].taken:
        raise taken_error(part_ids, day, block_ids)


def held_on(day: date) -> dict[tuple[int, int], tuple]:
    """Who holds each claimed (part, block) of every facility on `day`: one query,
    through the claims' index on the date (the search across facilities)."""
    rows = db.session.execute(
        select(
            SlotClaim.part_id,
            SlotClaim.time_block_id,
            Reservation.resident_id,
            Reservation.group_id,
        )
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(SlotClaim.date == day)
    )
    return {(part, block): (resident, group) for part, block, resident, group in rows}


def blocked_on(day: date) -> dict[tuple[int, int], str]:
    """The staff blocks of every facility on `day`: each claimed (part, block) the
    town uses, with the block's kind (the search across facilities)."""
    rows = db.session.execute(
        select(SlotClaim.part_id, SlotClaim.time_block_id, Reservation.block_kind)
        .join(Reservation, Reservation.id == SlotClaim.reservation_id)
        .where(SlotClaim.date == day, Reservation.origin == ReservationOrigin.BLOCK)
    )
    return {(part, block): kind for part, block, kind in rows}
