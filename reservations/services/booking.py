"""Booking, changing and cancelling reservations, for a resident or for one of their
groups, and recording payments. One path for every channel: a group's booking claims
its slots through the same claims as anyone's.

Each write is one transaction: the change, its claims, its audit row and its outbox
row commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select

from .. import notify, rules
from ..db import db, write_transaction
from ..errors import (
    Forbidden,
    ForbiddenAction,
    NoShowRestricted,
    NotAllowed,
    NotAllowedProblem,
    NotFound,
    SlotTaken,
)
from ..models import (
    ADMIN,
    CANCELLED,
    CONFIRMED,
    PAID,
    UNPAID,
    CancelReasonKind,
    ExemptionBasis,
    Group,
    Reservation,
    Resident,
    Unit,
)
from ..settings import get_settings
from ..text import random_number_with_check_digit
from . import audit, claims, holds, refunds, usage
from .actors import Actor, require_acting_for, require_aware, require_staff
from .booking_rules import check_rules
from .catalog import get_unit
from .groups import get_group, locked_group, require_member
from .lookup import load_reservation, reservation_snapshot
from .numbers import RESERVATION_NUMBER_LENGTH, new_unique_number, number_used
from .permissions import (
    check_may_change,
    check_override,
    require_may_handle,
)
from .quotes import Party, Quote, quote_for
from .residents import get_resident, locked_resident


def new_reservation(
    booker: Party, unit: Unit, quoted: Quote, now: datetime, *, number: str | None = None, **fields
) -> Reservation:
    """A new reservation of `quoted` for `booker` (a person, or a group with the member
    who asks), with its number (`number`, known to be free, or a new one), its keybox
    code where the facility uses one and the quote's fee applied; `fields` are the rest
    (status, channel, origin …). The caller adds it and claims its slots."""
    reservation = Reservation(
        number=number or new_unique_number(Reservation.number, RESERVATION_NUMBER_LENGTH),
        resident=booker.person if booker.group is None else None,
        group=booker.group,
        booked_by=booker.person,
        unit=unit,
        date=quoted.date,
        payment_status=UNPAID,
        created_at=now,
        time_blocks=list(quoted.blocks),
        access_code=usage.new_access_code() if unit.facility.uses_access_code else None,
        **fields,
    )
    _apply(reservation, quoted)
    return reservation


def _apply(reservation: Reservation, quoted: Quote) -> None:
    """The quote's times, fee and exemption onto the reservation."""
    reservation.start_at = quoted.start_at
    reservation.end_at = quoted.end_at
    reservation.fee_base_yen = quoted.fee.base_yen
    reservation.exemption_percent = quoted.fee.exemption_percent
    reservation.fee_yen = quoted.fee.fee_yen
    exemption = quoted.exemption
    reservation.exemption_basis = exemption.basis
    reservation.exemption_category = exemption.category
    reservation.exemption_evidence = exemption.evidence
    reservation.exemption_valid_until = exemption.valid_until


def book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    group_id: int | None = None,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
    restriction_reason: str | None = None,
) -> Reservation:
    """Book consecutive blocks of one day for a resident, or, with `group_id`, for one
    of their groups (`resident_id` is then the member who asks: a resident acts for
    themself, staff name the member in front of them).

    A group's booking uses the group's fee (its resident share), exemption and limits,
    and needs the group active and registered on the day. With `idempotency_key`, a
    repeat of the same request returns the reservation it already made, even when the
    repeat raced the original. `override_reason` (admins only) lifts the booking window
    and the limits; the reason is kept on the reservation and in the audit trail.
    A resident or group paused by the no-show rule is refused online; staff book for
    them with `restriction_reason`, kept in the audit trail.
    """
    try:
        return _book(
            actor,
            resident_id=resident_id,
            unit_id=unit_id,
            day=day,
            block_ids=block_ids,
            now=now,
            group_id=group_id,
            override_reason=override_reason,
            idempotency_key=idempotency_key,
            restriction_reason=restriction_reason,
        )
    except SlotTaken:
        if idempotency_key is not None:
            existing = _by_idempotency_key(idempotency_key, resident_id)
            if existing is not None:
                return existing
        raise


def check_booking(
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    group_id: int | None = None,
) -> Quote:
    """What `book` would decide for this resident (or, with `group_id`, for this member
    booking for their group) at `now`, without booking: the quote, or the
    ReservationError that `book` would raise (not a member, the group not active or
    its registration ending first, closed, past, outside the window, a limit reached,
    slot taken, ...). For a channel's confirm page and its "for whom" choice; the slot
    can still be taken between this check and the booking, which `book` then reports."""
    require_aware(now)
    booker = _booker(resident_id, group_id, locked=False)
    unit = get_unit(unit_id)
    quoted = quote_for(unit, day, block_ids, booker)
    check_allowed(booker, quoted, now=now)
    block_ids = [block.id for block in quoted.blocks]
    part_ids = [part.id for part in unit.parts]
    if claims.count_taken(part_ids, day, block_ids):
        raise claims.taken_error(part_ids, day, block_ids)
    claims.check_not_kept([(p, day, b) for p in part_ids for b in block_ids], day)
    return quoted


def check_allowed(booker: Party, quoted: Quote, *, now: datetime) -> None:
    """What a booking of `quoted` must meet at `now`, claims aside (also an offer's)."""
    check_rules(booker, quoted, now=now, override=None)
    paused = usage.no_show_pause(**_holder(booker), now=now)
    if paused is not None:
        rule = get_settings().no_shows
        raise NoShowRestricted(until=paused, count=rule.limit, months=rule.months)


def _booker(
    resident_id: int, group_id: int | None, *, locked: bool, person: Resident | None = None
) -> Party:
    """The person who asks (`person`, when already loaded so), and the group it is for
    (they must be on its roster now). Locked: their rows are locked for the
    transaction, so that bookings at once cannot both slip under the limits (the
    group's, or the person's)."""
    if person is None:
        person = locked_resident(resident_id) if locked else get_resident(resident_id)
    if group_id is None:
        return Party(person)
    group: Group = locked_group(group_id) if locked else get_group(group_id)
    require_member(group, person.id)
    return Party(person, group)


def _holder(booker: Party) -> dict:
    """Whom the no-show rule looks at: the group a booking is for, or the person."""
    if booker.group is not None:
        return {"resident_id": None, "group_id": booker.group.id}
    return {"resident_id": booker.person.id, "group_id": None}


def _asker_and_replay(
    resident_id: int, key: str | None
) -> tuple[Resident | None, Reservation | None]:
    """The resident who asks, their row locked as locked_resident locks it (None when
    there is none), and with `key` the reservation a first sending of the same request
    made (see _by_idempotency_key): one statement when there is no such reservation."""
    query = select(Resident).where(Resident.id == resident_id).with_for_update()
    if key is not None:
        replay = select(Reservation.id).where(Reservation.idempotency_key == key)
        query = query.add_columns(replay.scalar_subquery())
    row = db.session.execute(query).first()
    if key is None or (row is not None and row[1] is None):
        return (row[0] if row is not None else None), None
    return (row[0] if row is not None else None), _by_idempotency_key(key, resident_id)


def _by_idempotency_key(key: str, resident_id: int) -> Reservation | None:
    existing = db.session.scalar(select(Reservation).where(Reservation.idempotency_key == key))
    if existing is not None and existing.booked_by_id != resident_id:
        raise Forbidden(action=ForbiddenAction.IDEMPOTENCY_KEY)
    return existing


@claims.retry_once_on_conflict
def _book(
    actor: Actor,
    *,
    resident_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
    group_id: int | None = None,
    override_reason: str | None = None,
    idempotency_key: str | None = None,
    restriction_reason: str | None = None,
) -> Reservation:
    require_aware(now)
    with write_transaction():
        person, existing = _asker_and_replay(resident_id, idempotency_key)
        if existing is not None:
            return existing
        staff = require_acting_for(actor, resident_id)
        override = check_override(staff, override_reason)
        if person is None:
            raise NotFound(what="resident", id=resident_id)
        booker = _booker(resident_id, group_id, locked=True, person=person)
        restriction = usage.check_no_show_rule(
            actor, **_holder(booker), now=now, reason=restriction_reason
        )
        unit = get_unit(unit_id, fresh=True)
        quoted = quote_for(unit, day, block_ids, booker)
        # A new number, asked with the rules' counts whether it is free; the slots'
        # locks (after the asker's row, as every booking takes them) in that statement.
        number = random_number_with_check_digit(RESERVATION_NUMBER_LENGTH)
        keys = claims.slot_keys(unit.parts, day, quoted.blocks)
        found = check_rules(
            booker,
            quoted,
            now=now,
            override=override,
            also={"number_used": number_used(Reservation.number, number)} | claims.lock_query(keys),
        )
        claims.check_free(keys, day)
        reservation = new_reservation(
            booker,
            unit,
            quoted,
            now,
            number=None if found["number_used"] else number,
            status=CONFIRMED,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
            override_reason=override,
            idempotency_key=idempotency_key,
        )
        holds.settle_status(reservation, now)
        db.session.add(reservation)
        db.session.flush()
        claims.claim(reservation, keys, checked=True)
        audit.record(
            actor,
            now,
            "reservation.book",
            f"reservation:{reservation.number}",
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=booker.person.id,
            group_id=booker.group.id if booker.group else None,
            reason=_joined(override, restriction),
        )
        notify.reservation_message(notify.RESERVATION_BOOKED, reservation, now, by=actor)
    return reservation


def _joined(*reasons: str | None) -> str | None:
    """The reasons staff wrote for one booking (an override, booking despite the
    no-show rule), in one audit entry."""
    return "\n".join(reason for reason in reasons if reason) or None


def _replayed_cancel(actor: Actor, reservation: Reservation, key: str | None) -> bool:
    """The same cancel request again (its idempotency key): the reservation it already
    cancelled is the answer, for the same resident or staff."""
    if key is None or reservation.status != CANCELLED or reservation.cancel_idempotency_key != key:
        return False
    require_may_handle(actor, reservation)
    return True


def _audit_ids(reservation: Reservation) -> dict:
    """Whom a change of the reservation was for, as the audit trail records it."""
    return {
        "resident_id": reservation.resident_id or reservation.booked_by_id,
        "group_id": reservation.group_id,
    }


def cancel(
    actor: Actor,
    *,
    reservation_id: int,
    now: datetime,
    reason: str | None = None,
    idempotency_key: str | None = None,
    by_town: bool = False,
) -> Reservation:
    """Cancel: the claims are released, the reservation stays with its history.

    With `idempotency_key`, a repeat of the same request (a confirmation sent twice)
    returns the reservation it already cancelled instead of AlreadyCancelled.
    `by_town` (administrators) records that the town cancelled it (a closure, the
    town's own use), which the refund rules read; otherwise the resident or staff did.
    A staff block (行政使用) is lifted so, by an administrator, as the town's.
    """
    require_aware(now)
    with write_transaction():
        reservation = load_reservation(reservation_id, for_update=True)
        if _replayed_cancel(actor, reservation, idempotency_key):
            return reservation
        _, reason, after_deadline = check_may_change(actor, reservation, now, reason)
        if by_town := by_town or reservation.is_staff_block:
            require_staff(actor, ADMIN)
        kind = (
            CancelReasonKind.TOWN
            if by_town
            else CancelReasonKind.RESIDENT
            if actor.resident_id is not None
            else CancelReasonKind.STAFF
        )
        cancel_in_transaction(
            actor,
            reservation,
            now=now,
            reason=reason,
            kind=kind,
            after_deadline=after_deadline,
            idempotency_key=idempotency_key,
        )
    return reservation


def cancel_in_transaction(
    actor: Actor,
    reservation: Reservation,
    *,
    now: datetime,
    reason: str | None,
    kind: CancelReasonKind,
    after_deadline: bool = False,
    idempotency_key: str | None = None,
    tell: bool = True,
) -> None:
    """The cancellation itself, inside the caller's transaction (its checks made):
    claims released, who or what ended it recorded, audited, the refund owed for a
    paid booking recorded, and (with `tell`) the resident told through the outbox."""
    before = reservation_snapshot(reservation)
    claims.release(reservation)
    reservation.status = CANCELLED
    reservation.cancelled_at = now
    reservation.cancelled_channel = actor.channel
    reservation.cancelled_by_staff_id = actor.staff_id
    reservation.cancel_reason = reason
    reservation.cancel_reason_kind = kind
    reservation.cancelled_after_deadline = after_deadline
    reservation.cancel_idempotency_key = idempotency_key
    audit.record(
        actor,
        now,
        "reservation.cancel",
        f"reservation:{reservation.number}",
        before=before,
        after=reservation_snapshot(reservation),
        reservation=reservation,
        reason=reason,
        **_audit_ids(reservation),
    )
    refunds.owe_refund(actor, reservation, now)
    if tell:
        asked = kind in (CancelReasonKind.RESIDENT, CancelReasonKind.STAFF)
        notify.reservation_message(
            notify.RESERVATION_CANCELLED, reservation, now, by=asked and actor
        )


def _kept_exemption(reservation: Reservation) -> rules.Exemption | None:
    """Staff's decision on a booking stays when it is moved; the core's is made again."""
    if reservation.exemption_basis not in (
        ExemptionBasis.STAFF_GRANTED,
        ExemptionBasis.STAFF_REFUSED,
    ):
        return None
    return rules.Exemption(
        ExemptionBasis(reservation.exemption_basis),
        reservation.exemption_percent,
        reservation.exemption_category,
        reservation.exemption_evidence,
        reservation.exemption_valid_until,
    )


def _booker_of(reservation: Reservation) -> Party:
    """Whom the reservation is for, their rows locked (its group, with the member who
    booked it; or its resident)."""
    if reservation.group_id is not None:
        return Party(reservation.booked_by, locked_group(reservation.group_id))
    return Party(locked_resident(reservation.resident_id))


def check_change(
    actor: Actor,
    *,
    reservation_id: int,
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    now: datetime,
) -> Quote:
    """What `change` would decide at `now`, without changing: the new quote, or the
    ReservationError that `change` would raise (cancelled, not this actor's, past the
    resident's deadline, closed, outside the window, a limit, a paid booking whose fee
    would differ, the new slot taken by someone else). For a channel's confirm page;
    the slot can still be taken before the change, which `change` then reports and
    the reservation keeps its old slot."""
    require_aware(now)
    reservation = load_reservation(reservation_id)
    check_may_change(actor, reservation, now, None, require_reason=False)
    if reservation.group_id is not None:
        booker = Party(reservation.booked_by, reservation.group)
    else:
        booker = Party(reservation.resident)
    unit = get_unit(unit_id)
    quoted = quote_for(unit, day, block_ids, booker, _kept_exemption(reservation))
    check_rules(booker, quoted, now=now, override=None, exclude=reservation.id)
    if reservation.payment_status == PAID and quoted.fee.fee_yen != reservation.fee_yen:
        raise NotAllowed(problem=NotAllowedProblem.PAID_FEE_DIFFERS)
    ids = [block.id for block in quoted.blocks]
    part_ids = [p.id for p in unit.parts]
    if claims.count_taken(part_ids, day, ids, exclude=reservation.id):
        raise claims.taken_error(part_ids, day, ids)
    return quoted


@claims.retry_once_on_conflict
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
    """Move a reservation to another unit, date or blocks, keeping its number and whom
    it is for.

    The same rules as cancelling the old and booking the new, in one transaction: if
    the new slot is taken, the old one is kept. The fee is quoted anew (staff's
    exemption decision on it stays); a reservation already paid keeps its payment only
    when the fee is unchanged.
    """
    require_aware(now)
    with write_transaction():
        reservation = load_reservation(reservation_id, for_update=True)
        staff, reason, _ = check_may_change(actor, reservation, now, reason)
        override = check_override(staff, override_reason)
        booker = _booker_of(reservation)
        unit = get_unit(unit_id)
        quoted = quote_for(unit, day, block_ids, booker, _kept_exemption(reservation))
        check_rules(booker, quoted, now=now, override=override, exclude=reservation.id)
        if reservation.payment_status == PAID and quoted.fee.fee_yen != reservation.fee_yen:
            raise NotAllowed(problem=NotAllowedProblem.PAID_FEE_DIFFERS)
        before = reservation_snapshot(reservation)
        claims.release(reservation)
        keys = claims.lock_slots(unit.parts, day, quoted.blocks)
        reservation.unit = unit
        reservation.date = day
        reservation.time_blocks = list(quoted.blocks)
        _apply(reservation, quoted)
        if reservation.series_id is None:  # a series' fees are arranged with the club:
            holds.settle_status(reservation, now)  # its date stays confirmed, no hold
        if override is not None:
            reservation.override_reason = override
        db.session.flush()
        claims.claim(reservation, keys)
        audit.record(
            actor,
            now,
            "reservation.change",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            reason="; ".join(part for part in (reason, override) if part) or None,
            **_audit_ids(reservation),
        )
        notify.reservation_message(notify.RESERVATION_CHANGED, reservation, now, by=actor)
    return reservation
