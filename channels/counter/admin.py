"""What only administrators do: staff accounts and ad-hoc closures. The core checks
the role on every change; these pages only spare clerks a form they cannot use."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..ui import localized
from .auth import current_staff
from .blueprint import bp
from .forms import ClosureForm, StaffForm
from .parsing import parse_day
from .views import actor, add_error, attach_error, date_error, forbidden, render, today


@bp.route("/staff", methods=["GET", "POST"])
def staff_accounts():
    if not current_staff().is_admin:
        return forbidden()
    form = StaffForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            created = services.create_staff(
                actor(), username=form.username.data or "", display_name=form.display_name.data or "",
                password=form.password.data or "", role=form.role.data, now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            flash(_("Staff account %(username)s created.", username=created.username), "success")
            return redirect(url_for("counter.staff_accounts"))
    return render("staff.html", form=form, extra=extra, accounts=services.list_staff())


@bp.route("/closures", methods=["GET", "POST"])
def closures():
    if not current_staff().is_admin:
        return forbidden()
    facilities = services.list_facilities()
    form = ClosureForm()
    form.facility.choices = [("", _("Every facility"))] + [
        (str(facility.id), localized(facility)) for facility in facilities
    ]
    extra: list = []
    if form.validate_on_submit():
        days = {name: parse_day(form[name].data, today()) for name in ("start", "end")}
        for name, day in days.items():
            if day is None:
                add_error(form[name], date_error())
        if None not in days.values():
            try:
                services.add_closure(
                    actor(), facility_id=int(form.facility.data) if form.facility.data else None,
                    start=days["start"], end=days["end"], reason=form.reason.data or "",
                    reason_en=form.reason_en.data or "", now=services.clock_now(),
                )
            except ReservationError as error:
                extra = attach_error(form, error, default_field="end" if error.code == "invalid_range" else None)
            else:
                flash(_("Closure added. Call the residents whose reservations fall in it: the day sheet lists them."),
                      "success")
                return redirect(url_for("counter.closures"))
    names = {facility.id: localized(facility) for facility in facilities}
    return render("closures.html", form=form, extra=extra, names=names,
                  upcoming=services.list_closures(today()))
