"""What an actor may do with a reservation: change or cancel it (a resident their own
and, as the group's rule says, their group's; staff any, with a reason), lift the
window or the limit (administrators), record a payment (staff). Channels show or offer
what these decide and never work it out themselves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .. import rules
from ..errors import (
    AlreadyCancelled,
    Forbidden,
    ForbiddenAction,
    GroupRoleRequired,
    NotAMember,
    NotYourReservation,
    ReasonFor,
    ReasonRequired,
    ReservationError,
    TooLateToCancel,
)
from ..models import (
    ACTIVE_STATUSES,
    ADMIN,
    CANCELLED,
    EXEMPT,
    PAID,
    UNPAID,
    MemberRole,
    Reservation,
    Staff,
)
from ..text import column_text
from .actors import Actor, acting_staff, require_aware, require_staff
from .groups import group_rules
from .lookup import get_reservation, group_reservations, load_reservation
from .members import current_membership, memberships_of
from .quotes import cancellation_deadline

# What staff may record when a reservation waits for its fee.
RECORDABLE_PAYMENTS = (PAID, EXEMPT)


def _may_override(staff: Staff | None) -> bool:
    return staff is not None and staff.role == ADMIN


def check_override(staff: Staff | None, override_reason: str | None) -> str | None:
    """Limits and the booking window may be overridden by an admin, with a reason."""
    if override_reason is None:
        return None
    if not _may_override(staff):
        raise Forbidden(action=ForbiddenAction.OVERRIDE)
    reason = column_text(
        Reservation.override_reason, "override_reason", override_reason, multiline=True
    )
    if not reason:
        raise ReasonRequired(action=ReasonFor.OVERRIDE)
    return reason


def may_override(actor: Actor) -> bool:
    """Whether the actor may lift the booking window and the limit (with a reason)."""
    return actor.resident_id is None and _may_override(acting_staff(actor))


def choosable_statuses(actor: Actor, *, changing: bool) -> frozenset[rules.BlockStatus]:
    """The availability statuses of the blocks this actor may pick:
    free ones; those outside the booking window too for an administrator, who may
    override it; and the resident's (or group's) own when changing one of theirs."""
    statuses = {rules.BlockStatus.FREE}
    if may_override(actor):
        statuses |= rules.OVERRIDABLE
    if changing:
        statuses.add(rules.BlockStatus.YOURS)
    return frozenset(statuses)


def require_may_handle(actor: Actor, reservation: Reservation) -> Staff | None:
    """A resident handles their own reservations, and those of their group that the
    group's rule lets them (GROUP_MEMBERS_MAY_CANCEL); staff and the command line any.
    Returns the staff member."""
    if actor.resident_id is None:
        return require_staff(actor)
    if reservation.group_id is None:
        if actor.resident_id != reservation.resident_id:
            raise NotYourReservation()
        return None
    membership = current_membership(reservation.group_id, actor.resident_id)
    group_name = reservation.group.name if reservation.group else ""
    if membership is None:
        raise NotAMember(group=group_name)
    booked_it = reservation.booked_by_id == actor.resident_id
    policy = group_rules().members_may_cancel
    if not rules.may_cancel_group_booking(MemberRole(membership.role), booked_it, policy):
        raise GroupRoleRequired(group=group_name, members_may=policy)
    return None


def _reason(reason: str | None) -> str:
    """A reason for a change or a cancellation, kept as the cancellation's reason."""
    return column_text(Reservation.cancel_reason, "reason", reason, multiline=True)


def check_may_change(
    actor: Actor,
    reservation: Reservation,
    now: datetime,
    reason: str | None,
    *,
    require_reason: bool = True,
) -> tuple[Staff | None, str | None, bool]:
    """Residents change or cancel before the deadline; staff any time, with a reason.
    Returns the staff member, the reason and whether the deadline had passed."""
    if reservation.status == CANCELLED:
        raise AlreadyCancelled(number=reservation.number)
    staff = require_may_handle(actor, reservation)
    deadline = cancellation_deadline(reservation)
    after_deadline = deadline.has_passed(now)
    if actor.resident_id is not None:
        if after_deadline:
            raise TooLateToCancel(
                deadline=deadline.deadline,
                last_day=deadline.last_day,
                days_before=reservation.unit.facility.cancel_days_before,
            )
        return None, _reason(reason) or None, False
    reason = _reason(reason)
    if not reason and require_reason:
        raise ReasonRequired(action=ReasonFor.STAFF_CHANGE)
    return staff, reason or None, after_deadline


def check_cancellable(actor: Actor, *, reservation_id: int, now: datetime) -> Reservation:
    """Raise what `cancel` would raise for this actor at `now` (AlreadyCancelled,
    NotYourReservation, NotAMember, GroupRoleRequired, TooLateToCancel, Forbidden)
    without changing anything, so that a channel can say so before it asks for
    confirmation. Staff give their reason when they cancel."""
    require_aware(now)
    reservation = load_reservation(reservation_id)
    check_may_change(actor, reservation, now, None, require_reason=False)
    return reservation


@dataclass(frozen=True)
class ReservationActions:
    """What an actor may do with a reservation at a given moment, as the core decides
    it: channels show or offer these, and never work them out themselves."""

    reservation: Reservation
    deadline: rules.CancelDeadline  # the resident's last day to cancel, and its end
    after_deadline: bool  # the resident's deadline has passed (staff may still cancel)
    may_cancel: bool
    may_change: bool  # the same rules as cancelling: the old slot is given up
    payment_statuses: tuple[str, ...]  # what this actor may record it as; () for none
    refusal: ReservationError | None  # why this actor may not cancel or change it
    may_set_exemption: bool = False  # staff may grant or refuse its exemption now

    @property
    def may_pay(self) -> bool:
        """A payment (or an exemption) can be recorded now."""
        return bool(self.payment_statuses)


def fee_settled(reservation: Reservation) -> bool:
    """Paid, or recorded by staff as settled: its fee (and exemption) stays as it is."""
    return reservation.payment_status == PAID or reservation.paid_at is not None


def _actions(actor: Actor, reservation: Reservation, now: datetime) -> ReservationActions:
    refusal = None
    try:
        check_may_change(actor, reservation, now, None, require_reason=False)
    except ReservationError as error:
        refusal = error
    active = reservation.status in ACTIVE_STATUSES
    overdue = reservation.payment_due_at is not None and now >= reservation.payment_due_at
    payable = active and reservation.payment_status == UNPAID and not overdue
    staff_side = _is_staff_side(actor)
    deadline = cancellation_deadline(reservation)
    return ReservationActions(
        reservation=reservation,
        deadline=deadline,
        after_deadline=deadline.has_passed(now),
        may_cancel=refusal is None,
        may_change=refusal is None,
        payment_statuses=RECORDABLE_PAYMENTS if payable and staff_side else (),
        refusal=refusal,
        may_set_exemption=staff_side and active and not fee_settled(reservation),
    )


def _is_staff_side(actor: Actor) -> bool:
    """Staff in good standing, or the command line."""
    if actor.resident_id is not None:
        return False
    try:
        require_staff(actor)
    except Forbidden:
        return False
    return True


def reservation_actions(actor: Actor, reservation_id: int, now: datetime) -> ReservationActions:
    """What `actor` may do with the reservation at `now` (see ReservationActions).
    Another resident's reservation is NotFound, as in get_reservation."""
    require_aware(now)
    return _actions(actor, get_reservation(actor, reservation_id), now)


def actions_for(
    actor: Actor, reservations: Iterable[Reservation], now: datetime
) -> dict[int, ReservationActions]:
    """reservation_actions for reservations already loaded (a resident's list), by id."""
    require_aware(now)
    return {reservation.id: _actions(actor, reservation, now) for reservation in reservations}


def group_bookings_handled_by(resident_id: int, now: datetime) -> list[Reservation]:
    """The upcoming bookings of the resident's groups that the group's rule lets them
    cancel (as representative or contact any; as a member, as GROUP_MEMBERS_MAY_CANCEL
    says), soonest first: what the phone reads with their own. The deadline is not
    applied here: cancelling says when it has passed."""
    require_aware(now)
    policy = group_rules().members_may_cancel
    found = []
    for membership in memberships_of(resident_id):
        for reservation in group_reservations(membership.group_id, now=now).upcoming:
            booked_it = reservation.booked_by_id == resident_id
            if rules.may_cancel_group_booking(MemberRole(membership.role), booked_it, policy):
                found.append(reservation)
    return sorted(found, key=lambda r: (r.start_at, r.id))
