"""Exemptions per booking (減免): the core decides each booking's exemption from the
category of the person or group it is for, the group's purpose and the evidence staff
recorded (see rules.decide_exemption, at booking and at each change); staff may grant or
refuse the exemption of one booking, with a reason, before its fee is settled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from .. import rules
from ..db import db, write_transaction
from ..errors import (
    FeeSettled,
    InputProblem,
    InvalidInput,
    NotAllowed,
    NotAllowedProblem,
    ReasonFor,
    ReasonRequired,
)
from ..models import ACTIVE_STATUSES, UNPAID, ExemptionBasis, ExemptionCategory, Reservation
from ..text import column_text
from . import audit
from .actors import Actor, require_aware, require_staff
from .holds import settle_status
from .lookup import load_reservation, reservation_snapshot
from .permissions import fee_settled


def exemption_of(reservation: Reservation) -> rules.Exemption:
    """The reservation's exemption as it was decided."""
    return rules.Exemption(
        ExemptionBasis(reservation.exemption_basis),
        reservation.exemption_percent,
        reservation.exemption_category,
        reservation.exemption_evidence,
        reservation.exemption_valid_until,
    )


def set_booking_exemption(
    actor: Actor,
    *,
    reservation_id: int,
    category_code: str | None,
    reason: str,
    now: datetime,
) -> Reservation:
    """Staff grant one booking the exemption of `category_code`, or refuse it any
    exemption (None), with a reason: the fee follows, and the decision stays when the
    booking is moved. Not once its fee is paid or settled (FeeSettled)."""
    require_aware(now)
    reason = column_text(Reservation.exemption_reason, "reason", reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.EXEMPTION)
    with write_transaction():
        require_staff(actor)
        reservation = load_reservation(reservation_id, for_update=True)
        if reservation.status not in ACTIVE_STATUSES:
            raise NotAllowed(problem=NotAllowedProblem.NOT_UNPAID)
        if fee_settled(reservation):
            raise FeeSettled()
        granted = None
        if category_code:
            granted = db.session.scalar(
                select(ExemptionCategory).where(ExemptionCategory.code == category_code)
            )
            if granted is None:
                raise InvalidInput(field="category", problem=InputProblem.UNKNOWN)
        before = reservation_snapshot(reservation)
        decided = rules.staff_exemption(granted, exemption_of(reservation))
        fee = rules.fee([reservation.fee_base_yen], decided.percent)
        reservation.exemption_basis = decided.basis
        reservation.exemption_category = decided.category
        reservation.exemption_percent = fee.exemption_percent
        reservation.fee_yen = fee.fee_yen
        reservation.exemption_reason = reason
        reservation.payment_status = UNPAID
        settle_status(reservation, now)  # exempt in full: confirmed; a fee: a hold
        audit.record(
            actor,
            now,
            "reservation.exemption",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id or reservation.booked_by_id,
            group_id=reservation.group_id,
            reason=reason,
        )
    return reservation
