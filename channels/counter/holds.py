"""Holds (仮予約) at the counter: the printable list of holds due today and overdue,
and an administrator's extension of one hold's due time. Recording the payment (which
confirms the hold and issues its permit) is on the reservation's page."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from .blueprint import bp
from .common import actor, add_error, attach_error, forbidden, render, today, typed_day
from .forms import ExtendHoldForm


@bp.get("/holds")
def holds_due():
    """Holds to be paid by the end of today, overdue ones first: staff call or expect
    these residents. Printable."""
    now = services.clock_now()
    due = services.holds_due(now)
    return render(
        "holds_due.html",
        holds=due,
        terms={r.id: services.hold_terms(r, now) for r in due},
        phones={
            r.id: services.format_phone_national(_contact(r).phone_e164)
            if _contact(r) is not None and _contact(r).phone_e164
            else _("none")
            for r in due
        },
        day=today(),
        slip_page=True,
    )


def _contact(reservation: services.Reservation):
    """Whom to call about it: the person it is for, or the member who booked it."""
    return reservation.resident or reservation.booked_by


@bp.route("/reservations/<int:reservation_id>/extend", methods=["GET", "POST"])
def extend_hold(reservation_id: int):
    """An administrator gives the hold more time to be paid, with a reason."""
    booked = services.get_reservation(actor(), reservation_id)
    may_extend = services.may_extend_hold(actor(), booked)
    if request.method == "POST" and not may_extend:
        return forbidden()  # the core decides; a clerk's page shows no form to send
    form = ExtendHoldForm()
    extra: list = []
    if form.validate_on_submit():
        last_day = typed_day(form.last_day)
        if last_day is None:
            add_error(form.last_day, _("Enter the new last day to pay"))
        elif last_day:
            try:
                services.extend_hold(
                    actor(),
                    reservation_id=booked.id,
                    last_day=last_day,
                    reason=form.reason.data or "",
                    now=services.clock_now(),
                )
            except ReservationError as error:
                extra = attach_error(form, error, default_field=None)
            else:
                flash(_("The due time is extended."), "success")
                return redirect(url_for("counter.reservation", reservation_id=booked.id))
    failed = bool(extra) or any(field.errors for field in form)
    return render(
        "extend_hold.html",
        status=400 if failed else 200,
        reservation=booked,
        form=form,
        extra=extra,
        terms=services.hold_terms(booked, services.clock_now()),
        may_extend=may_extend,
    )
