"""Use records (利用実績) at the counter and for caretakers: a day's bookings of a
facility, each with its one form (Used, No-show; the keybox code for a caretaker),
and an administrator naming a caretaker's facilities. The core decides who may see
and mark what; this module parses and words."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    InputProblem,
    InvalidInput,
    NotFound,
    ReservationError,
)

from ..ids import parse_id
from ..ui import localized
from .auth import current_staff
from .blueprint import bp
from .common import actor, add_error, date_error, forbidden, query_form, render, today
from .forms import CaretakerFacilitiesForm, UseDayForm, UseMarkForm
from .messages import describe
from .parsing import parse_day


def _day_and_facility(form: UseDayForm, facilities):
    form.facility.choices = [("", _("All my facilities"))] + [
        (str(facility.id), localized(facility)) for facility in facilities
    ]
    if not form.day.data:
        form.day.data = today().isoformat()
    day = parse_day(form.day.data, today())
    if day is None:
        add_error(form.day, date_error())
        day = today()
    chosen = parse_id(form.facility.data) if form.facility.data else None
    return day, chosen


@bp.get("/use")
def use_day():
    """The day list: keyboard first (each booking one form; after a mark the focus
    lands on the next booking)."""
    facilities = services.day_list_facilities(actor())
    form = query_form(UseDayForm)
    day, chosen = _day_and_facility(form, facilities)
    try:
        if form.facility.data and chosen is None:
            raise NotFound(what="facility", id=form.facility.data)
        entries = services.day_list(actor(), day=day, facility_id=chosen, now=services.clock_now())
    except ReservationError as error:  # another's facility, or none such: nothing shown
        add_error(form.facility, describe(error))
        status = 403 if error.code == ErrorCode.FORBIDDEN else 404
        return render("use_day.html", status=status, **_page(form, day, [], facilities))
    return render("use_day.html", **_page(form, day, entries, facilities))


def _page(form, day, entries, facilities) -> dict:
    by_facility = [
        (facility, [e for e in entries if e.reservation.unit.facility_id == facility.id])
        for facility in facilities
        if any(e.reservation.unit.facility_id == facility.id for e in entries)
    ]
    return {
        "form": form,
        "day": day,
        "by_facility": by_facility,
        "mark_form": UseMarkForm(formdata=None),
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "facility_arg": form.facility.data or None,
    }


@bp.post("/use/<int:reservation_id>")
def use_mark(reservation_id: int):
    form = UseMarkForm()
    back = {
        "day": request.form.get("day") or None,
        "facility": request.form.get("facility") or None,
    }
    if not form.validate_on_submit():
        flash(_("The form had expired. Try again."), "error")
        return redirect(url_for("counter.use_day", **back))
    try:
        state = services.UseState(form.state.data)
    except ValueError:
        state = None
    try:
        if state is None:
            raise InvalidInput(field="state", problem=InputProblem.UNKNOWN)
        done = services.record_use(
            actor(),
            reservation_id=reservation_id,
            state=state,
            now=services.clock_now(),
            access_code=form.access_code.data,
        )
    except ReservationError as error:
        flash(describe(error), "error")
        return redirect(url_for("counter.use_day", **back, _anchor=f"r{reservation_id}"))
    flash(
        _(
            "%(number)s: recorded as %(state)s.",
            number=done.number,
            state=_("used") if state == services.UseState.USED else _("not used (no-show)"),
        ),
        "success",
    )
    following = request.form.get("next_row")
    anchor = f"r{following}" if following and following.isdigit() else None
    return redirect(url_for("counter.use_day", **back, _anchor=anchor))


# ------------------------------------------------------- a caretaker's facilities


@bp.route("/staff/<int:staff_id>/facilities", methods=["GET", "POST"])
def caretaker_facilities(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    member = services.get_staff(staff_id)
    if member is None:
        raise NotFound(what="staff", id=staff_id)
    facilities = services.list_facilities()
    form = CaretakerFacilitiesForm(
        formdata=None if request.method == "GET" else request.form,
        facilities=[str(facility.id) for facility in member.facilities],
    )
    form.facilities.choices = [(str(f.id), localized(f)) for f in facilities]
    extra: list = []
    if request.method == "POST" and form.validate_on_submit():
        chosen = [parse_id(value) for value in form.facilities.data or []]
        try:
            if None in chosen:
                raise InvalidInput(field="facilities", problem=InputProblem.UNKNOWN)
            services.set_caretaker_facilities(
                actor(), staff_id=member.id, facility_ids=chosen, now=services.clock_now()
            )
        except ReservationError as error:
            extra = [(None, describe(error))]
        else:
            flash(_("The caretaker's facilities are saved."), "success")
            return redirect(url_for("counter.staff_member", staff_id=member.id))
    return render("caretaker_facilities.html", member=member, form=form, extra=extra)
