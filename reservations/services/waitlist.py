"""The waitlist (キャンセル待ち): a person, or a group through one of its members, waits
for a taken slot; when it frees (a cancellation, an expired hold, a released staff
block) the worker offers it to the first in line as a hold with an acceptance
deadline, through the same claims as every booking; the waiter accepts it (it stays a
hold, due by the usual payment rule) or declines it, and an offer not accepted in time
is cancelled so that the slot passes to the next waiter.

Each offer is one transaction that locks its entry (``FOR UPDATE SKIP LOCKED``) and the
slot's claim keys (claims.lock_slots), so two workers never offer one slot twice, and
a later waiter is never offered a slot an earlier one fits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from .. import notify, waitlist_rules
from ..db import db, write_transaction
from ..errors import (
    ErrorCode,
    Forbidden,
    ForbiddenAction,
    InPast,
    NotFound,
    OfferClosed,
    Unavailable,
    WaitlistProblem,
    WaitlistRefused,
)
from ..models import (
    CANCELLED,
    CONFIRMED,
    HELD,
    OPEN_WAITLIST_STATUSES,
    CancelReasonKind,
    Reservation,
    SlotClaim,
    Unit,
    WaitlistEntry,
    WaitlistStatus,
)
from ..rules import month_bounds
from ..settings import get_settings
from ..waitlist_rules import Key
from . import audit, booking, claims, holds
from .actors import Actor, require_acting_for, require_aware, require_staff
from .catalog import get_unit
from .lookup import reservation_snapshot
from .quotes import Party, quote_for


def _tz():
    return get_settings().timezone


def _keys(unit: Unit, day: date, blocks) -> frozenset[Key]:
    return frozenset((part.id, day, block.id) for part in unit.parts for block in blocks)


def entry_keys(entry: WaitlistEntry) -> frozenset[Key]:
    return _keys(entry.unit, entry.date, entry.time_blocks)


def _taken(keys: frozenset[Key]) -> set[Key]:
    """Which of the keys are claimed now."""
    if not keys:
        return set()
    day = next(iter(keys))[1]
    rows = db.session.execute(
        select(SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id).where(
            SlotClaim.part_id.in_({key[0] for key in keys}),
            SlotClaim.date == day,
            SlotClaim.time_block_id.in_({key[2] for key in keys}),
        )
    )
    return {tuple(row) for row in rows} & set(keys)


def _holder_condition(model, booker: Party):
    if booker.group is not None:
        return model.group_id == booker.group.id
    return model.resident_id == booker.person.id


def _open_line(day: date, unit: Unit) -> list[WaitlistEntry]:
    """The open entries of the facility on the day (any of its units), first come
    first."""
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .join(Unit, Unit.id == WaitlistEntry.unit_id)
            .where(
                Unit.facility_id == unit.facility_id,
                WaitlistEntry.date == day,
                WaitlistEntry.status.in_(OPEN_WAITLIST_STATUSES),
            )
            .order_by(WaitlistEntry.id)
            .options(selectinload(WaitlistEntry.time_blocks), selectinload(WaitlistEntry.unit))
        )
    )


# ------------------------------------------------------------------------ joining


def join_waitlist(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    group_id: int | None = None,
) -> WaitlistEntry:
    """Put a resident (or, with `group_id`, one of their groups: `resident_id` is then
    the member who asks) in line for a taken slot. Refused when the slot is free, when
    they (or the group) hold any of it already or wait for it already, and over the
    limit of open entries for slots dated in one month (WAITLIST_MAX_PER_MONTH). Staff
    join for the resident in front of them; the audit trail records both."""
    require_aware(now)
    with write_transaction():
        require_acting_for(actor, resident_id)
        booker = booking._booker(resident_id, group_id, locked=True)
        unit = get_unit(unit_id)
        quoted = quote_for(unit, day, block_ids, booker)
        if quoted.start_at <= now:
            raise InPast(date=day)
        keys = _keys(unit, day, quoted.blocks)
        taken = _taken(keys) or keys & claims.kept_for_waiters(day, day, unit.facility_id)
        if not taken:  # free to book (a freed slot kept for earlier waiters is not)
            raise WaitlistRefused(problem=WaitlistProblem.SLOT_FREE)
        refusal = claims.taken_error({k[0] for k in keys}, day, {k[2] for k in keys})
        if isinstance(refusal, Unavailable):  # the town uses it (a staff block)
            raise refusal
        _check_not_own(booker, keys)
        _check_not_waiting(booker, unit, keys)
        first, after = month_bounds(day)
        open_in_month = db.session.scalar(
            select(func.count())
            .select_from(WaitlistEntry)
            .where(
                _holder_condition(WaitlistEntry, booker),
                WaitlistEntry.status.in_(OPEN_WAITLIST_STATUSES),
                WaitlistEntry.date >= first,
                WaitlistEntry.date < after,
            )
        )
        waitlist_rules.check_waitlist_limit(
            open_in_month or 0, get_settings().waitlist.max_per_month, first
        )
        entry = WaitlistEntry(
            resident=booker.person if booker.group is None else None,
            group=booker.group,
            asked_by=booker.person,
            unit=unit,
            date=day,
            time_blocks=list(quoted.blocks),
            status=WaitlistStatus.WAITING,
            created_at=now,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
        )
        db.session.add(entry)
        db.session.flush()
        _audit(actor, now, "waitlist.join", entry)
    return entry


def _check_not_own(booker: Party, keys: frozenset[Key]) -> None:
    day = next(iter(keys))[1]
    own = db.session.scalar(
        select(
            exists().where(
                SlotClaim.reservation_id == Reservation.id,
                SlotClaim.part_id.in_({key[0] for key in keys}),
                SlotClaim.date == day,
                SlotClaim.time_block_id.in_({key[2] for key in keys}),
                _holder_condition(Reservation, booker),
            )
        )
    )
    if own:
        raise WaitlistRefused(problem=WaitlistProblem.OWN_SLOT)


def _check_not_waiting(booker: Party, unit: Unit, keys: frozenset[Key]) -> None:
    day = next(iter(keys))[1]
    for entry in _open_line(day, unit):
        same_holder = (
            entry.group_id == booker.group.id
            if booker.group is not None
            else entry.group_id is None and entry.resident_id == booker.person.id
        )
        if same_holder and entry_keys(entry) & keys:
            raise WaitlistRefused(problem=WaitlistProblem.ALREADY_WAITING)


def _audit(actor: Actor, now: datetime, action: str, entry: WaitlistEntry, **extra) -> None:
    audit.record(
        actor,
        now,
        action,
        f"waitlist:{entry.id}",
        after=_snapshot(entry),
        resident_id=entry.resident_id or entry.asked_by_id,
        group_id=entry.group_id,
        **extra,
    )


def _snapshot(entry: WaitlistEntry) -> dict:
    snapshot = {
        "status": entry.status,
        "facility": entry.unit.facility.code,
        "unit": entry.unit.code,
        "date": entry.date.isoformat(),
        "blocks": [block.code for block in entry.time_blocks],
    }
    if entry.offer_reservation is not None:
        snapshot["reservation"] = entry.offer_reservation.number
    if entry.end_reason:
        snapshot["end_reason"] = entry.end_reason
    return snapshot


# ---------------------------------------------------------------- the waiter's view


def waitlist_terms():
    """The rules a channel tells a waiter before they join (hours to accept, per month)."""
    return get_settings().waitlist


@dataclass(frozen=True)
class WaitlistPlace:
    """An open entry as its waiter sees it at `now`: where they stand in line (1 is
    next), and the offer while it can be answered. An offer whose deadline passed, or
    whose hold was paid or cancelled meanwhile, is `offer_lapsed` until the worker
    settles it: no channel shows it as one to accept."""

    entry: WaitlistEntry
    position: int
    now: datetime

    @property
    def offer(self) -> Reservation | None:
        entry, hold = self.entry, self.entry.offer_reservation
        if not entry.is_offered or self.now >= entry.offer_expires_at or hold.status != HELD:
            return None
        return hold

    @property
    def offer_lapsed(self) -> bool:
        return self.entry.is_offered and self.offer is None


def _with_everything(query):
    return query.options(
        selectinload(WaitlistEntry.unit).selectinload(Unit.facility),
        selectinload(WaitlistEntry.unit).selectinload(Unit.parts),
        selectinload(WaitlistEntry.time_blocks),
        selectinload(WaitlistEntry.group),
        selectinload(WaitlistEntry.resident),
        selectinload(WaitlistEntry.asked_by),
        selectinload(WaitlistEntry.offer_reservation),
    )


def _place(entry: WaitlistEntry, now: datetime) -> WaitlistPlace:
    line = [(other.id, entry_keys(other)) for other in _open_line(entry.date, entry.unit)]
    position = waitlist_rules.position_in_line(entry.id, entry_keys(entry), line)
    return WaitlistPlace(entry, position, now)


def waitlist_of(resident_id: int, now: datetime) -> list[WaitlistPlace]:
    """A resident's open entries for slots not begun, theirs and those they asked for
    one of their groups, by date, each with its place in line."""
    require_aware(now)
    today = now.astimezone(_tz()).date()
    entries = db.session.scalars(
        _with_everything(
            select(WaitlistEntry)
            .where(
                or_(
                    WaitlistEntry.resident_id == resident_id,
                    WaitlistEntry.asked_by_id == resident_id,
                ),
                WaitlistEntry.status.in_(OPEN_WAITLIST_STATUSES),
                WaitlistEntry.date >= today,
            )
            .order_by(WaitlistEntry.date, WaitlistEntry.id)
        )
    )
    return [_place(entry, now) for entry in entries]


def slot_waiters(actor: Actor, unit_id: int, day: date, now: datetime) -> list[WaitlistPlace]:
    """For staff: the open entries of the unit's facility on the day (any of its units,
    as the halves and the whole court share parts), first come first, each with its
    place in line."""
    require_staff(actor)
    require_aware(now)
    return [_place(entry, now) for entry in _open_line(day, get_unit(unit_id))]


def waitlist_place(actor: Actor, entry_id: int, now: datetime) -> WaitlistPlace:
    """One entry and its place at `now`, for its waiter or staff."""
    require_aware(now)
    return _place(_entry_for(actor, entry_id), now)


def _entry_for(actor: Actor, entry_id: int, *, for_update: bool = False) -> WaitlistEntry:
    query = _with_everything(select(WaitlistEntry).where(WaitlistEntry.id == entry_id))
    if for_update:
        query = query.with_for_update(of=WaitlistEntry)
    entry = db.session.scalar(query)
    if entry is None:
        raise NotFound(what="waitlist_entry", id=entry_id)
    if actor.resident_id is not None:
        if actor.resident_id not in (entry.resident_id, entry.asked_by_id):
            raise Forbidden(action=ForbiddenAction.OTHER_RESIDENT)
    else:
        require_staff(actor)
    return entry


def open_offers_to_phone(now: datetime) -> list[WaitlistEntry]:
    """The counter's call list: open offers whose waiter gets no SMS (a landline, or
    no number), for staff to phone before the deadline, the soonest first."""
    require_aware(now)
    entries = db.session.scalars(
        _with_everything(
            select(WaitlistEntry)
            .join(Reservation, Reservation.id == WaitlistEntry.offer_reservation_id)
            .where(
                WaitlistEntry.status == WaitlistStatus.OFFERED,
                WaitlistEntry.offer_expires_at > now,
                Reservation.status == HELD,  # not paid or cancelled at the counter meanwhile
            )
            .order_by(WaitlistEntry.offer_expires_at, WaitlistEntry.id)
        )
    )
    return [entry for entry in entries if not notify.confirmed_by_sms(entry.offer_reservation)]


def mark_phoned(actor: Actor, *, entry_id: int, now: datetime) -> WaitlistEntry:
    """Staff record that they phoned the waiter about the offer."""
    require_aware(now)
    with write_transaction():
        require_staff(actor)
        entry = _entry_for(actor, entry_id, for_update=True)
        if not entry.is_offered:
            raise OfferClosed(status=entry.status)
        entry.phoned_at = now
        _audit(actor, now, "waitlist.phoned", entry)
    return entry


# ----------------------------------------------------------- leaving and answering


def leave_waitlist(actor: Actor, *, entry_id: int, now: datetime) -> WaitlistEntry:
    """The waiter leaves the line (an open offer is declined: its hold is cancelled
    and the slot passes to the next waiter)."""
    require_aware(now)
    with write_transaction():
        entry = _entry_for(actor, entry_id, for_update=True)
        if entry.is_offered:
            _decline(actor, entry, now)
        elif entry.status == WaitlistStatus.WAITING:
            _end(entry, WaitlistStatus.LEFT, now)
            _audit(actor, now, "waitlist.leave", entry)
        else:
            raise OfferClosed(status=entry.status)
    return entry


def _end(entry: WaitlistEntry, status: WaitlistStatus, now: datetime, reason=None) -> None:
    entry.status = status
    entry.ended_at = now
    entry.end_reason = reason  # why the core closed it (an ErrorCode), for CLOSED


def _check_offer_open(entry: WaitlistEntry, now: datetime) -> Reservation:
    """The offer's hold, while it can still be answered."""
    if not entry.is_offered:
        raise OfferClosed(status=entry.status)
    if now >= entry.offer_expires_at:
        raise OfferClosed(status=WaitlistStatus.EXPIRED, expired_at=entry.offer_expires_at)
    reservation = db.session.scalar(
        select(Reservation).where(Reservation.id == entry.offer_reservation_id).with_for_update()
    )
    if reservation.status != HELD:
        raise OfferClosed(status=entry.status)
    return reservation


def accept_offer(actor: Actor, *, entry_id: int, now: datetime) -> Reservation:
    """The waiter takes the offered slot before its deadline: the hold stays, as an
    ordinary booking due by the usual payment rule (confirmed at once when there is
    nothing to pay). After the deadline, or a second time: OfferClosed."""
    require_aware(now)
    with write_transaction():
        entry = _entry_for(actor, entry_id, for_update=True)
        reservation = _check_offer_open(entry, now)
        before = reservation_snapshot(reservation)
        holds.settle_status(reservation, now)
        _end(entry, WaitlistStatus.ACCEPTED, now)
        audit.record(
            actor,
            now,
            "waitlist.accept",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=entry.resident_id or entry.asked_by_id,
            group_id=entry.group_id,
        )
        notify.reservation_message(notify.RESERVATION_BOOKED, reservation, now, by=actor)
    return reservation


def decline_offer(actor: Actor, *, entry_id: int, now: datetime) -> WaitlistEntry:
    """The waiter does not want the offered slot: its hold is cancelled and the slot
    passes to the next waiter."""
    require_aware(now)
    with write_transaction():
        entry = _entry_for(actor, entry_id, for_update=True)
        _decline(actor, entry, now)
    return entry


def _decline(actor: Actor, entry: WaitlistEntry, now: datetime) -> None:
    reservation = _check_offer_open(entry, now)
    booking.cancel_in_transaction(
        actor,
        reservation,
        now=now,
        reason=None,
        kind=CancelReasonKind.RESIDENT if actor.resident_id else CancelReasonKind.STAFF,
        tell=False,
    )
    _end(entry, WaitlistStatus.DECLINED, now)
    _audit(actor, now, "waitlist.decline", entry)


# ----------------------------------------------------------- the worker: settling


def settle_one_offer(now: datetime) -> WaitlistEntry | None:
    """End one offer that is over: its deadline passed (the hold is cancelled as
    offer_expired, so the slot passes to the next waiter), or its hold was paid or
    cancelled meanwhile (at the counter). Rows another worker holds are skipped."""
    require_aware(now)
    with write_transaction():
        entry = db.session.scalar(
            select(WaitlistEntry)
            .join(Reservation, Reservation.id == WaitlistEntry.offer_reservation_id)
            .where(
                WaitlistEntry.status == WaitlistStatus.OFFERED,
                or_(WaitlistEntry.offer_expires_at <= now, Reservation.status != HELD),
            )
            .order_by(WaitlistEntry.offer_expires_at, WaitlistEntry.id)
            .limit(1)
            .with_for_update(of=WaitlistEntry, skip_locked=True)
        )
        if entry is None:
            return None
        reservation = db.session.scalar(
            select(Reservation)
            .where(Reservation.id == entry.offer_reservation_id)
            .with_for_update()
        )
        if reservation.status == CONFIRMED:
            _end(entry, WaitlistStatus.ACCEPTED, now)
        elif reservation.cancel_reason_kind == CancelReasonKind.TOWN:  # a closure, a block
            _end(entry, WaitlistStatus.CLOSED, now, ErrorCode.UNAVAILABLE)
        elif reservation.status == CANCELLED:
            _end(entry, WaitlistStatus.DECLINED, now)
        else:
            booking.cancel_in_transaction(
                Actor.system(),
                reservation,
                now=now,
                reason=None,
                kind=CancelReasonKind.OFFER_EXPIRED,
                tell=False,
            )
            _end(entry, WaitlistStatus.EXPIRED, now)
        _audit(Actor.system(), now, "waitlist.settle", entry)
    return entry


def settle_offers(now: datetime, limit: int = 100) -> list[WaitlistEntry]:
    return holds.one_at_a_time(settle_one_offer, now, limit)
