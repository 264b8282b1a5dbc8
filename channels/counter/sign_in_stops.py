"""Stopping a sign-in: a clerk stops a resident's (a lost PIN slip, suspected misuse),
an administrator a staff account's, with a reason; the core ends the account's
sessions and refuses its sign-in until the stop is lifted or the secret reset."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from .admin import _member
from .auth import current_staff
from .blueprint import bp
from .common import actor, attach_error, forbidden, render
from .forms import ActionForm, SignInStopForm


def _stop_page(*, name: str, action: str, back: str, back_text: str, form, extra, staff: bool):
    return render(
        "sign_in_stop.html",
        name=name,
        action=action,
        back=back,
        back_text=back_text,
        form=form,
        extra=extra,
        staff_account=staff,
    )


@bp.route("/residents/<int:resident_id>/sign-in-stop", methods=["GET", "POST"])
def stop_resident_sign_in(resident_id: int):
    person = services.get_resident(resident_id)
    back = url_for("counter.resident", resident_id=person.id)
    if person.sign_in_stopped_at is not None:
        return redirect(back)
    form = SignInStopForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            services.stop_resident_sign_in(
                actor(),
                resident_id=person.id,
                reason=form.reason.data or "",
                now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error, default_field="reason")
        else:
            flash(
                _(
                    "Sign-in is stopped for %(name)s, on the web and by phone. Their open sessions have ended.",
                    name=person.name,
                ),
                "success",
            )
            return redirect(back)
    return _stop_page(
        name=person.name,
        action=url_for("counter.stop_resident_sign_in", resident_id=person.id),
        back=back,
        back_text=_("Back to the resident"),
        form=form,
        extra=extra,
        staff=False,
    )


@bp.post("/residents/<int:resident_id>/sign-in-stop/lift")
def lift_resident_sign_in_stop(resident_id: int):
    person = services.get_resident(resident_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.lift_resident_sign_in_stop(actor(), resident_id=person.id, now=services.clock_now())
    flash(_("The resident can sign in with their PIN again."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


@bp.route("/staff/<int:staff_id>/sign-in-stop", methods=["GET", "POST"])
def stop_staff_sign_in(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    member = _member(staff_id)
    back = url_for("counter.staff_member", staff_id=member.id)
    if member.sign_in_stopped_at is not None:
        return redirect(back)
    form = SignInStopForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            services.stop_staff_sign_in(
                actor(), staff_id=member.id, reason=form.reason.data or "", now=services.clock_now()
            )
        except ReservationError as error:
            extra = attach_error(form, error, default_field="reason")
        else:
            flash(
                _(
                    "Sign-in is stopped for %(name)s. Their open sessions have ended.",
                    name=member.display_name,
                ),
                "success",
            )
            return redirect(back)
    return _stop_page(
        name=member.display_name,
        action=url_for("counter.stop_staff_sign_in", staff_id=member.id),
        back=back,
        back_text=_("Back to the staff account"),
        form=form,
        extra=extra,
        staff=True,
    )


@bp.post("/staff/<int:staff_id>/sign-in-stop/lift")
def lift_staff_sign_in_stop(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    member = _member(staff_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.lift_staff_sign_in_stop(actor(), staff_id=member.id, now=services.clock_now())
    flash(_("%(name)s can sign in again.", name=member.display_name), "success")
    return redirect(url_for("counter.staff_member", staff_id=member.id))
