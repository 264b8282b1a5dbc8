"""The worker's side of the waitlist (キャンセル待ち): offering each freed slot to the
first waiter it fits, as a hold with an acceptance deadline, through the same claims
as every booking.

Before an offer is made, the waiter is checked as a booking of theirs would be now
(booking.check_allowed: their limits, their group's standing and roster, closures, the
window, the no-show rule). A waiter who may no longer book the slot is passed over:
their entry is closed with the reason (the ErrorCode a booking would get), audited,
they are told, and the next waiter is offered the slot. A rule that only says "not
yet" (the window not open, a lottery round first) leaves the waiter in line.

A staff block (行政使用) placed on a slot closes the entries waiting for it, for the
same reason a booking would be refused (Unavailable), and tells the waiters.

Each offer is one transaction that locks its entry (``FOR UPDATE SKIP LOCKED``), the
waiter's row and then the slot's claim keys (claims.lock_slots), in the order bookings
take them, so two workers never offer one slot twice, and (first come first served) a
later waiter is never offered a slot an earlier one fits.

With WAITLIST_ORDER=random, each look at the line orders it by a fresh draw
(random.SystemRandom), so a freed slot goes to a waiter drawn among those it fits; the
"earlier waiter" check is then off, and the row lock on the entry and the slot's claims
alone keep two workers, each with its own draw, from offering one slot twice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import notify, payment_rules, waitlist_rules
from ..db import db, write_transaction
from ..errors import ErrorCode, ReservationError, SlotTaken
from ..models import (
    HELD,
    OPEN_WAITLIST_STATUSES,
    ReservationOrigin,
    SlotClaim,
    TimeBlock,
    Unit,
    WaitlistEntry,
    WaitlistStatus,
)
from ..notify import WAITLIST_CLOSED
from ..settings import WaitlistOrder, get_settings
from ..waitlist_rules import Key
from . import booking, claims
from .actors import Actor, require_aware
from .quotes import quote_for
from .waitlist import _audit, _end, _open_line, _taken, _tz, entry_keys

__all__ = ["WAITLIST_CLOSED", "offer_freed_slots"]  # the kind of message a closed entry sends

# What a booking would be told that only means "not yet": the waiter stays in line.
NOT_YET = frozenset({ErrorCode.NOT_OPEN_YET, ErrorCode.LOTTERY_FIRST})
_CLOSED = object()  # _offer's answer when it closed the entry instead of offering


def _waiting_line(now: datetime) -> list[tuple[int, frozenset[Key]]]:
    """Every waiting entry for a slot not begun, first come first, with its keys."""
    today = now.astimezone(_tz()).date()
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.status == WaitlistStatus.WAITING, WaitlistEntry.date >= today)
        .order_by(WaitlistEntry.id)
        .options(
            selectinload(WaitlistEntry.unit).selectinload(Unit.parts),
            selectinload(WaitlistEntry.time_blocks),
        )
    )
    return [(entry.id, entry_keys(entry)) for entry in entries]


def _all_taken(line: list[tuple[int, frozenset[Key]]]) -> set[Key]:
    days = {key[1] for _, keys in line for key in keys}
    if not days:
        return set()
    rows = db.session.execute(
        select(SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id).where(
            SlotClaim.date.in_(days)
        )
    )
    return {tuple(row) for row in rows}


def _first_come() -> bool:
    return get_settings().waitlist.order == WaitlistOrder.FIRST_COME


def _candidates(now: datetime) -> list[int]:
    line = _waiting_line(now)
    draw = None if _first_come() else random.SystemRandom()
    candidates = waitlist_rules.offers_to_make(line, _all_taken(line), draw)
    db.session.rollback()  # end the read; each offer is its own transaction
    return candidates


def offer_freed_slots(now: datetime, limit: int = 100) -> list[WaitlistEntry]:
    """Offer every freed slot to the first waiter it fits (or one drawn at random among
    them, WAITLIST_ORDER=random), at most `limit` offers, one
    transaction each. A waiter who may no longer book it is passed over (their entry
    closed) and the line is looked at again, so the next waiter is offered it in the
    same run. What another worker is offering at the same time is skipped."""
    require_aware(now)
    offered: list[WaitlistEntry] = []
    closed_any = True
    while closed_any and len(offered) < limit:
        closed_any = False
        for entry_id in _candidates(now):
            if len(offered) >= limit:
                break
            outcome = _offer(entry_id, now)
            if outcome is _CLOSED:
                closed_any = True
            elif outcome is not None:
                offered.append(outcome)
    return offered


def _offer(entry_id: int, now: datetime):
    """Offer the entry its slot; _CLOSED when its waiter may no longer book it (the
    entry is closed); None when it is not the one to offer it to (another worker has
    it, it was answered, the slot is taken, an earlier waiter now fits it, not yet)."""
    try:
        with write_transaction():
            entry = db.session.scalar(
                select(WaitlistEntry)
                .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == WaitlistStatus.WAITING)
                .with_for_update(skip_locked=True)
            )
            if entry is None:
                return None
            unit, blocks = entry.unit, list(entry.time_blocks)
            try:
                booker = booking._booker(
                    entry.asked_by_id if entry.group_id else entry.resident_id,
                    entry.group_id,
                    locked=True,
                )
                keys = claims.lock_slots(unit.parts, entry.date, blocks)
                if _taken(frozenset(keys)) or _earlier_waiter_fits(entry, frozenset(keys)):
                    return None
                quoted = quote_for(unit, entry.date, [b.id for b in blocks], booker)
                if quoted.start_at <= now:
                    return None
                booking.check_allowed(booker, quoted, now=now)
            except ReservationError as error:
                if error.code in NOT_YET:
                    return None
                close_entries(Actor.system(), [entry], error.code, now)
                return _CLOSED
            _make_offer(entry, booker, quoted, keys, now)
        return entry
    except SlotTaken:
        return None


def _make_offer(entry: WaitlistEntry, booker, quoted, keys, now: datetime) -> None:
    reservation = booking.new_reservation(
        booker,
        entry.unit,
        quoted,
        now,
        status=HELD,
        channel="cli",
        origin=ReservationOrigin.WAITLIST,
    )
    rules = get_settings()
    reservation.payment_due_at = waitlist_rules.offer_deadline(
        now,
        payment_due=payment_rules.payment_due(now, entry.date, quoted.start_at, rules.holds, _tz()),
        start_at=quoted.start_at,
        offer_hours=rules.waitlist.offer_hours,
    )
    db.session.add(reservation)
    db.session.flush()
    claims.claim(reservation, keys)
    entry.status = WaitlistStatus.OFFERED
    entry.offer_reservation = reservation
    entry.offered_at = now
    entry.offer_expires_at = reservation.payment_due_at
    _audit(Actor.system(), now, "waitlist.offer", entry)
    notify.reservation_message(
        notify.WAITLIST_OFFER,
        reservation,
        now,
        offer_expires=entry.offer_expires_at.isoformat(),
    )


def _earlier_waiter_fits(entry: WaitlistEntry, keys: frozenset[Key]) -> bool:
    """Whether a waiter ahead in line for any of these keys fits the slot now (first
    come first served, also when two workers offer at once). Never with a random
    order: there is no one ahead, whoever was drawn may have it."""
    if not _first_come():
        return False
    for other in _open_line(entry.date, entry.unit):
        if other.id >= entry.id:
            break
        other_keys = entry_keys(other)
        if other.status == WaitlistStatus.WAITING and other_keys & keys and not _taken(other_keys):
            return True
    return False


def close_entries(
    actor: Actor, entries: Sequence[WaitlistEntry], reason: ErrorCode, now: datetime
) -> None:
    """Close the entries (in the caller's transaction) because their waiters may no
    longer have the slot (`reason`: what a booking would be told), each audited and its
    waiter told. An open offer's hold is the caller's to cancel."""
    for entry in entries:
        _end(entry, WaitlistStatus.CLOSED, now, reason.value)
        _audit(actor, now, "waitlist.close", entry, reason=reason.value)
        notify.waitlist_message(notify.WAITLIST_CLOSED, entry, now, reason=reason.value)


def waiters_for(unit: Unit, day: date, blocks: Sequence[TimeBlock]) -> list[WaitlistEntry]:
    """The open entries waiting for any of the slots (through the claims' parts: half A
    meets the whole court), their rows locked, first come first. Taken before the
    slots' keys, as the worker takes them."""
    keys = {(part.id, day, block.id) for part in unit.parts for block in blocks}
    ids = [entry.id for entry in _open_line(day, unit) if entry_keys(entry) & keys]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.id.in_(ids), WaitlistEntry.status.in_(OPEN_WAITLIST_STATUSES))
            .order_by(WaitlistEntry.id)
            .with_for_update()
        )
    )
