"""Payment (recorded at the counter) and the permit (使用許可書) it issues.

Paying a hold confirms it (本予約) and issues its permit number; so does staff
recording a booking as exempt. A hold whose due time has passed can no longer be paid
(HoldExpired), even before the worker has cancelled it: an administrator may extend it
first. The row lock makes a payment and the worker's expiry of the same hold exclusive:
exactly one wins, the other is told.
"""

from __future__ import annotations

from datetime import datetime

from ..db import write_transaction
from ..errors import HoldExpired, InputProblem, InvalidInput, NotAllowed, NotAllowedProblem
from ..models import ACTIVE_STATUSES, CANCELLED, CONFIRMED, UNPAID, CancelReasonKind, Reservation
from . import audit
from .actors import Actor, require_aware, require_staff
from .holds import issue_permit
from .lookup import load_reservation, reservation_snapshot
from .permissions import RECORDABLE_PAYMENTS


def record_payment(actor: Actor, *, reservation_id: int, status: str, now: datetime) -> Reservation:
    """Staff record that an unpaid booking (a hold) was paid at the counter, or is
    exempt: it is confirmed and its permit is issued. Paying twice is NotAllowed
    (NOT_UNPAID); a hold past its due time, or cancelled as unpaid, is HoldExpired."""
    require_aware(now)
    if status not in RECORDABLE_PAYMENTS:
        raise InvalidInput(field="payment_status", problem=InputProblem.UNKNOWN)
    with write_transaction():
        staff = require_staff(actor)
        reservation = load_reservation(reservation_id, for_update=True)
        if (
            reservation.status == CANCELLED
            and reservation.cancel_reason_kind == CancelReasonKind.UNPAID
        ):
            raise HoldExpired(number=reservation.number, due_at=reservation.payment_due_at)
        if reservation.status not in ACTIVE_STATUSES or reservation.payment_status != UNPAID:
            raise NotAllowed(problem=NotAllowedProblem.NOT_UNPAID)
        if reservation.payment_due_at is not None and now >= reservation.payment_due_at:
            raise HoldExpired(number=reservation.number, due_at=reservation.payment_due_at)
        before = reservation_snapshot(reservation)
        reservation.payment_status = status
        reservation.paid_at = now
        reservation.paid_by_staff_id = staff.id if staff else None
        reservation.status = CONFIRMED
        reservation.payment_due_at = None
        issue_permit(reservation)
        audit.record(
            actor,
            now,
            "reservation.payment",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=reservation.resident_id or reservation.booked_by_id,
            group_id=reservation.group_id,
        )
    return reservation
