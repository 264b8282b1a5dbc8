"""Refunds (還付) at the counter: the accountant's month: what became owed,
what was paid out, what is still owed, on screen and as CSV. The amounts are the
core's (reservations/services/refunds.py). The payout is recorded on the reservation's
page, with its payment (counter/views.py)."""

from __future__ import annotations

from datetime import date

from flask import Response
from flask_babel import gettext as _

from reservations import services

from ..csv_export import csv_lines
from ..ui import localized
from . import words
from .blueprint import bp
from .common import actor, add_error, query_form, render, today
from .forms import RefundMonthForm
from .parsing import parse_month


def _month():
    form = query_form(RefundMonthForm)
    if not form.month.data:
        now = today()
        return form, (now.year, now.month)
    month = parse_month(form.month.data)
    if month is None:
        add_error(form.month, _("Enter a month, for example 2026-12"))
    return form, month


@bp.get("/refunds")
def refunds():
    """The month's refunds for the accountant. Printable."""
    form, month = _month()
    listing = services.refunds_in_month(actor(), year=month[0], month=month[1]) if month else None
    return render(
        "refunds.html",
        status=200 if month else 400,
        form=form,
        listing=listing,
        csv_month=f"{month[0]:04d}-{month[1]:02d}" if month else None,
        first_day=date(*month, 1) if month else None,
        method_name=lambda code: words.word(words.REFUND_METHODS, code) if code else "",
        status_name=lambda code: words.word(words.REFUND_STATUSES, code),
    )


def csv_rows(listing: services.MonthOfRefunds):
    yield [
        _("Reservation"),
        _("For"),
        _("Facility"),
        _("Date of use"),
        _("Amount paid"),
        _("Refund amount"),
        _("Percent"),
        _("Rule"),
        _("Owed since"),
        _("Status"),
        _("Paid out"),
        _("How"),
        _("Staff"),
    ]
    for refund in listing.refunds:
        reservation = refund.reservation
        yield [
            reservation.number,
            reservation.holder_name,
            f"{localized(reservation.unit.facility)} {localized(reservation.unit)}",
            reservation.date.isoformat(),
            refund.paid_yen,
            refund.amount_yen,
            refund.percent,
            rule_text(refund),
            _local(refund.owed_at),
            words.word(words.REFUND_STATUSES, refund.status),
            _local(refund.paid_out_at) if refund.paid_out_at else "",
            words.word(words.REFUND_METHODS, refund.method) if refund.method else "",
            refund.paid_out_by.display_name if refund.paid_out_by else "",
        ]


def _local(moment) -> str:
    return moment.astimezone(services.town_timezone()).strftime("%Y-%m-%d %H:%M")


def rule_text(refund: services.Refund) -> str:
    if refund.town_reason:
        return _("Cancelled for the town's reason: all of it")
    return _(
        "Cancelled %(days)s days before the date of use: %(percent)s%%",
        days=refund.days_before,
        percent=refund.percent,
    )


@bp.get("/refunds.csv")
def refunds_csv():
    form, month = _month()
    if month is None:
        return refunds()
    listing = services.refunds_in_month(actor(), year=month[0], month=month[1])
    return Response(
        csv_lines(csv_rows(listing)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="refunds-{month[0]:04d}-{month[1]:02d}.csv"',
            "Cache-Control": "no-store",
        },
    )
