"""Refunds (還付): what the town owes when a paid booking is cancelled, and its payout.

A cancellation of a paid booking (`booking.cancel_in_transaction`, whoever cancels)
records what is owed, by the core's rule (`payment_rules.refund_percent`): all of it
when the town cancelled (a staff block, a closure, an administrator's cancel for the
town's reason), otherwise by the tiers of days before the date of use
(`REFUND_TIERS`). Nothing is recorded when the rule gives nothing back. Staff then
record the payout (cash at the counter or a bank transfer); paying out twice is
refused. The accountant's list is per month: what became owed, what was paid out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import payment_rules
from ..db import db, write_transaction
from ..errors import InputProblem, InvalidInput, NotAllowed, NotAllowedProblem, NotFound
from ..models import (
    PAID,
    REFUND_METHODS,
    REFUND_OWED,
    REFUND_PAID,
    CancelReasonKind,
    Refund,
    Reservation,
)
from ..settings import get_settings
from . import audit
from .actors import Actor, require_aware, require_staff

__all__ = [
    "RefundQuote",
    "MonthOfRefunds",
    "refund_quote",
    "owe_refund",
    "pay_out_refund",
    "get_refund",
    "refund_for",
    "refunds_in_month",
]


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling now would give back: `percent` of `paid_yen`, `amount_yen`."""

    paid_yen: int
    percent: int
    amount_yen: int
    town_reason: bool
    days_before: int


def _local(moment: datetime) -> date:
    return moment.astimezone(get_settings().timezone).date()


def refund_quote(
    reservation: Reservation, now: datetime, *, town_reason: bool = False
) -> RefundQuote | None:
    """What the town would give back if `reservation` were cancelled at `now`, or None
    when nothing was paid for it (unpaid, exempt, free)."""
    require_aware(now)
    if reservation.payment_status != PAID or reservation.fee_yen <= 0:
        return None
    days_before = (reservation.date - _local(now)).days
    percent = payment_rules.refund_percent(
        reservation.date,
        _local(now),
        town_reason=town_reason,
        hold_rules=get_settings().holds,
    )
    return RefundQuote(
        paid_yen=reservation.fee_yen,
        percent=percent,
        amount_yen=payment_rules.refund_amount(reservation.fee_yen, percent),
        town_reason=town_reason,
        days_before=days_before,
    )


def owe_refund(actor: Actor, reservation: Reservation, now: datetime) -> Refund | None:
    """Inside the cancellation's transaction: record what is owed for `reservation`
    (just cancelled, its `cancel_reason_kind` set), audited; None when nothing is."""
    quote = refund_quote(
        reservation, now, town_reason=reservation.cancel_reason_kind == CancelReasonKind.TOWN
    )
    if quote is None or quote.amount_yen <= 0:
        return None
    refund = Refund(
        reservation=reservation,
        paid_yen=quote.paid_yen,
        amount_yen=quote.amount_yen,
        percent=quote.percent,
        town_reason=quote.town_reason,
        days_before=max(quote.days_before, 0),
        status=REFUND_OWED,
        owed_at=now,
    )
    db.session.add(refund)
    db.session.flush()
    audit.record(
        actor,
        now,
        "refund.owe",
        f"reservation:{reservation.number}",
        after=_snapshot(refund),
        reservation=reservation,
        resident_id=reservation.resident_id or reservation.booked_by_id,
        group_id=reservation.group_id,
    )
    return refund


def _snapshot(refund: Refund) -> dict:
    return {
        "refund_id": refund.id,
        "paid_yen": refund.paid_yen,
        "amount_yen": refund.amount_yen,
        "percent": refund.percent,
        "town_reason": refund.town_reason,
        "days_before": refund.days_before,
        "status": refund.status,
        "method": refund.method,
    }


def pay_out_refund(actor: Actor, *, refund_id: int, method: str, now: datetime) -> Refund:
    """Staff record that the refund was paid out (cash at the counter, or a transfer).
    A refund already paid out is NotAllowed (REFUND_PAID_OUT): it is never paid twice."""
    require_aware(now)
    if method not in REFUND_METHODS:
        raise InvalidInput(field="method", problem=InputProblem.UNKNOWN)
    with write_transaction():
        staff = require_staff(actor)
        if staff is None:  # the command line pays nothing out: a person answers for it
            raise InvalidInput(field="staff", problem=InputProblem.REQUIRED)
        refund = db.session.get(Refund, refund_id, with_for_update=True)
        if refund is None:
            raise NotFound(what="refund", id=refund_id)
        if refund.status != REFUND_OWED:
            raise NotAllowed(problem=NotAllowedProblem.REFUND_PAID_OUT)
        before = _snapshot(refund)
        refund.status = REFUND_PAID
        refund.method = method
        refund.paid_out_at = now
        refund.paid_out_by_staff_id = staff.id
        reservation = refund.reservation
        audit.record(
            actor,
            now,
            "refund.pay_out",
            f"reservation:{reservation.number}",
            before=before,
            after=_snapshot(refund),
            reservation=reservation,
            resident_id=reservation.resident_id or reservation.booked_by_id,
            group_id=reservation.group_id,
        )
    return refund


def get_refund(actor: Actor, refund_id: int) -> Refund:
    """A refund, for staff (NotFound when there is none)."""
    require_staff(actor)
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(what="refund", id=refund_id)
    return refund


def refund_for(reservation_id: int) -> Refund | None:
    """The refund recorded for a reservation, if any."""
    return db.session.scalar(select(Refund).where(Refund.reservation_id == reservation_id))


@dataclass(frozen=True)
class MonthOfRefunds:
    """The accountant's month: refunds that became owed in it, refunds paid out in it,
    and what is still owed at its end (from any month)."""

    year: int
    month: int
    refunds: list[Refund]  # owed or paid out in the month, oldest first
    owed_yen: int  # became owed in the month
    paid_out_yen: int  # paid out in the month
    outstanding_yen: int  # owed and not paid out, at the end of the month


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    tz = get_settings().timezone
    start = datetime(year, month, 1, tzinfo=tz)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def refunds_in_month(actor: Actor, *, year: int, month: int) -> MonthOfRefunds:
    """Staff's list for one month (in the town's time)."""
    require_staff(actor)
    if not 1 <= month <= 12 or not 2000 <= year <= 2999:
        raise InvalidInput(field="month", problem=InputProblem.INVALID)
    start, end = _month_bounds(year, month)
    rows = list(
        db.session.scalars(
            select(Refund)
            .where(
                or_(
                    (Refund.owed_at >= start) & (Refund.owed_at < end),
                    (Refund.paid_out_at >= start) & (Refund.paid_out_at < end),
                )
            )
            .options(selectinload(Refund.reservation), selectinload(Refund.paid_out_by))
            .order_by(Refund.owed_at, Refund.id)
        )
    )
    outstanding = db.session.scalars(
        select(Refund.amount_yen).where(
            Refund.owed_at < end,
            or_(Refund.paid_out_at.is_(None), Refund.paid_out_at >= end),
        )
    ).all()
    return MonthOfRefunds(
        year=year,
        month=month,
        refunds=rows,
        owed_yen=sum(r.amount_yen for r in rows if start <= r.owed_at < end),
        paid_out_yen=sum(
            r.amount_yen for r in rows if r.paid_out_at is not None and start <= r.paid_out_at < end
        ),
        outstanding_yen=sum(outstanding),
    )
