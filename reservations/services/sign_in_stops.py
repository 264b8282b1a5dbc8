"""Sign-in stopped by staff: a lockout that staff choose, with a reason.

A clerk stops a resident's sign-in when a PIN slip was lost or someone else seems to
be using the account; an administrator does the same for a staff account. The stop
ends every session of the account at its next request (`sessions.end_all`), and
until it is lifted (or the PIN or password is reset) every sign-in, on the web, by
phone or at the counter, is refused exactly as a wrong secret is: the same words and
the same one hash check, so the answer tells an outsider nothing. Lifting it forgets
the wrong secrets counted meanwhile, so the holder is not kept waiting.

Every stop and lift is in the audit trail with its reason and the sessions it ended.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from ..db import db, write_transaction
from ..errors import NotAllowed, NotAllowedProblem, ReasonFor, ReasonRequired
from ..models import ADMIN, Resident, Staff
from ..text import column_text
from . import attempts, audit, sessions
from .actors import Actor, require_aware, require_staff
from .credentials import lift_stop
from .residents import locked_resident, resident_snapshot
from .staff import _managed_staff, _not_own_account, staff_snapshot

__all__ = [
    "lift_resident_sign_in_stop",
    "lift_staff_sign_in_stop",
    "sign_in_stopped",
    "stop_resident_sign_in",
    "stop_staff_sign_in",
]


def sign_in_stopped(account: Resident | Staff | None) -> bool:
    return account is not None and account.sign_in_stopped_at is not None


def _reason(column, reason: str) -> str:
    text = column_text(column, "reason", reason or "")
    if not text:
        raise ReasonRequired(action=ReasonFor.SIGN_IN_STOP)
    return text


def _stop(account: Resident | Staff, reason: str, now: datetime) -> dict:
    account.sign_in_stopped_at = now
    account.sign_in_stop_reason = reason
    return {"reason": reason} | sessions.end_all(account, sessions.SessionEnd.SIGN_IN_STOPPED)


def _resident_name(resident: Resident) -> str:
    return attempts.account_key("resident", resident.registration_no)


def stop_resident_sign_in(
    actor: Actor, *, resident_id: int, reason: str, now: datetime
) -> Resident:
    """A clerk or administrator stops the resident's sign-in in every channel, and
    every session of theirs ends. Stopping a stopped account keeps its first stop."""
    require_aware(now)
    reason = _reason(Resident.sign_in_stop_reason, reason)
    with write_transaction():
        require_staff(actor)
        resident = locked_resident(resident_id)
        if resident.sign_in_stopped_at is not None:
            return resident
        before = resident_snapshot(resident)
        after = _stop(resident, reason, now)
        audit.record(
            actor,
            now,
            "resident.sign_in_stop",
            f"resident:{resident.registration_no}",
            before=before,
            after=resident_snapshot(resident) | after,
            resident_id=resident.id,
        )
    return resident


def lift_resident_sign_in_stop(actor: Actor, *, resident_id: int, now: datetime) -> Resident:
    """The resident may sign in again with their PIN."""
    require_aware(now)
    with write_transaction():
        require_staff(actor)
        resident = locked_resident(resident_id)
        before = resident_snapshot(resident)
        lifted = lift_stop(resident, _resident_name(resident))
        if lifted:
            audit.record(
                actor,
                now,
                "resident.sign_in_stop_lift",
                f"resident:{resident.registration_no}",
                before=before,
                after=resident_snapshot(resident) | lifted,
                resident_id=resident.id,
            )
    return resident


def _keep_an_admin_who_can_sign_in(staff: Staff) -> None:
    if staff.role != ADMIN or not staff.active:
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(Staff)
        .where(
            Staff.role == ADMIN,
            Staff.active,
            Staff.sign_in_stopped_at.is_(None),
            Staff.id != staff.id,
        )
    )
    if not others:
        raise NotAllowed(problem=NotAllowedProblem.LAST_ADMIN)


def stop_staff_sign_in(actor: Actor, *, staff_id: int, reason: str, now: datetime) -> Staff:
    """An administrator stops another staff account's sign-in (never their own, never
    the last administrator's who can sign in); its sessions end."""
    require_aware(now)
    reason = _reason(Staff.sign_in_stop_reason, reason)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        if staff.sign_in_stopped_at is not None:
            return staff
        _keep_an_admin_who_can_sign_in(staff)
        before = staff_snapshot(staff)
        after = _stop(staff, reason, now)
        audit.record(
            actor,
            now,
            "staff.sign_in_stop",
            f"staff:{staff.username}",
            before=before,
            after=staff_snapshot(staff) | after,
        )
    return staff


def lift_staff_sign_in_stop(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    require_aware(now)
    with write_transaction():
        _, staff = _managed_staff(actor, staff_id)
        before = staff_snapshot(staff)
        lifted = lift_stop(staff, attempts.account_key("staff", staff.username))
        if lifted:
            audit.record(
                actor,
                now,
                "staff.sign_in_stop_lift",
                f"staff:{staff.username}",
                before=before,
                after=staff_snapshot(staff) | lifted,
            )
    return staff
