"""What only administrators do: staff accounts (add, change the role, reset the
password, unlock, deactivate and reactivate) and ad-hoc closures. The core checks the
role on every change; these pages only spare clerks a form they cannot use."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode, NotFound, ReservationError

from ..ui import localized
from . import words
from .auth import current_staff
from .blueprint import bp
from .common import actor, add_error, attach_error, date_error, forbidden, render, today
from .forms import (
    ActionForm,
    ClosureForm,
    FacilityDetailsForm,
    RoleForm,
    StaffForm,
    StaffPasswordForm,
)
from .parsing import parse_day


@bp.route("/staff", methods=["GET", "POST"])
def staff_accounts():
    if not current_staff().is_admin:
        return forbidden()
    form = StaffForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            created = services.create_staff(
                actor(),
                username=form.username.data or "",
                display_name=form.display_name.data or "",
                password=form.password.data or "",
                role=form.role.data,
                now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            flash(
                _(
                    "Staff account %(username)s created. At the first sign-in they choose their own password.",
                    username=created.username,
                ),
                "success",
            )
            return redirect(url_for("counter.staff_accounts"))
    accounts = services.list_staff()
    now = services.clock_now()
    return render(
        "staff.html",
        form=form,
        extra=extra,
        accounts=accounts,
        locked={member.id for member in accounts if services.is_staff_locked(member, now)},
    )


# ------------------------------------------------------------------ one staff account


def _member(staff_id: int) -> services.Staff:
    member = services.get_staff(staff_id)
    if member is None:
        raise NotFound(what="staff", id=staff_id)
    return member


def _member_page(
    member: services.Staff,
    *,
    role_form: RoleForm | None = None,
    password_form: StaffPasswordForm | None = None,
    extra=(),
):
    """The account, with what an administrator can change about it. Forms not sent
    show the account as it is."""
    role_form = role_form or RoleForm(formdata=None, role=member.role)
    password_form = password_form or StaffPasswordForm(formdata=None)
    own = member.id == current_staff().id
    extra = list(extra)
    if own:  # the page shows neither form: their errors link to nothing
        for field in [*role_form, *password_form]:
            extra += [(None, message) for message in field.errors]
            field.errors = []
    return render(
        "staff_member.html",
        member=member,
        role_form=role_form,
        password_form=password_form,
        own=own,
        extra=extra,
        locked=services.is_staff_locked(member, services.clock_now()),
    )


def _back_to(member: services.Staff, notice: str):
    flash(notice, "success")
    return redirect(url_for("counter.staff_member", staff_id=member.id))


@bp.get("/staff/<int:staff_id>")
def staff_member(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    return _member_page(_member(staff_id))


@bp.post("/staff/<int:staff_id>/role")
def staff_role(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    member = _member(staff_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _member_page(member, role_form=form)
    try:
        services.change_staff_role(
            actor(), staff_id=member.id, role=form.role.data, now=services.clock_now()
        )
    except ReservationError as error:
        return _member_page(
            member, role_form=form, extra=attach_error(form, error, default_field="role")
        )
    return _back_to(
        member,
        _(
            "%(name)s is now: %(role)s. Their open sessions have ended: they sign in again.",
            name=member.display_name,
            role=words.word(words.ROLES, member.role),
        ),
    )


@bp.post("/staff/<int:staff_id>/password")
def staff_password(staff_id: int):
    if not current_staff().is_admin:
        return forbidden()
    member = _member(staff_id)
    form = StaffPasswordForm()
    if not form.validate_on_submit():
        return _member_page(member, password_form=form)
    chosen = form.password.data or None
    try:
        password = services.reset_staff_password(
            actor(), staff_id=member.id, password=chosen, now=services.clock_now()
        )
    except ReservationError as error:
        return _member_page(
            member, password_form=form, extra=attach_error(form, error, default_field="password")
        )
    if chosen:
        return _back_to(
            member,
            _(
                "The password of %(name)s is now the one you chose. Give it to them in person: at the next sign-in they choose their own.",
                name=member.display_name,
            ),
        )
    return issued_password(member, password)


def issued_password(member: services.Staff, password: str):
    """The password the core made: shown once, in this response only, never stored."""
    body, status = render("staff_password.html", member=member, password=password)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _account_change(staff_id: int, change, notice: str):
    """A button that changes an account (unlock, deactivate, reactivate)."""
    if not current_staff().is_admin:
        return forbidden()
    member = _member(staff_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        change(actor(), staff_id=member.id, now=services.clock_now())
    except ReservationError as error:
        return _member_page(member, extra=attach_error(None, error))
    return _back_to(member, notice(member.display_name))


@bp.post("/staff/<int:staff_id>/unlock")
def staff_unlock(staff_id: int):
    return _account_change(
        staff_id, services.unlock_staff, lambda name: _("Sign-in unlocked for %(name)s.", name=name)
    )


@bp.post("/staff/<int:staff_id>/deactivate")
def staff_deactivate(staff_id: int):
    return _account_change(
        staff_id,
        services.deactivate_staff,
        lambda name: _(
            "The account of %(name)s is deactivated: it cannot sign in, and a session still open with it has ended.",
            name=name,
        ),
    )


@bp.post("/staff/<int:staff_id>/reactivate")
def staff_reactivate(staff_id: int):
    return _account_change(
        staff_id,
        services.reactivate_staff,
        lambda name: _("The account of %(name)s is active again.", name=name),
    )


@bp.route("/closures", methods=["GET", "POST"])
def closures():
    """The closures; the form (a facility or every one, whole days or one unit and
    some blocks); Check lists the reservations it covers; Add adds it."""
    if not current_staff().is_admin:
        return forbidden()
    facilities = services.list_facilities()
    form = ClosureForm()
    form.facility.choices = [("", _("Every facility"))] + [
        (str(facility.id), localized(facility)) for facility in facilities
    ]
    form.unit.choices = [("", _("Every unit"))] + [
        (str(unit.id), f"{localized(facility)} {localized(unit)}")
        for facility in facilities
        for unit in facility.units
    ]
    form.blocks.choices = [
        (
            str(block.id),
            f"{localized(facility)}: {localized(block)} "
            f"({block.start_time:%H:%M}–{block.end_time:%H:%M})",
        )
        for facility in facilities
        for block in facility.time_blocks
    ]
    extra: list = []
    affected = None
    if form.validate_on_submit():
        days = {name: parse_day(form[name].data, today()) for name in ("start", "end")}
        for name, day in days.items():
            if day is None:
                add_error(form[name], date_error())
        if None not in days.values():
            values = {
                "facility_id": int(form.facility.data) if form.facility.data else None,
                "unit_id": int(form.unit.data) if form.unit.data else None,
                "block_ids": [int(block) for block in form.blocks.data or []],
                "start": days["start"],
                "end": days["end"],
                "reason": form.reason.data or "",
                "reason_en": form.reason_en.data or "",
                "now": services.clock_now(),
            }
            try:
                if request.form.get("action") != "commit":
                    affected = services.preview_closure(**values)[1]
                else:
                    services.add_closure(actor(), **values)
            except ReservationError as error:
                affected = None
                extra = attach_error(
                    form,
                    error,
                    default_field="end" if error.code == ErrorCode.INVALID_RANGE else None,
                )
            else:
                if affected is None:
                    flash(
                        _(
                            "Closure added. Call the residents whose reservations fall in it: the day sheet lists them."
                        ),
                        "success",
                    )
                    return redirect(url_for("counter.closures"))
    names = {facility.id: localized(facility) for facility in facilities}
    return render(
        "closures.html",
        form=form,
        extra=extra,
        names=names,
        affected=affected,
        upcoming=services.list_closures(today()),
    )


# ------------------------------------------------------------ facility details


@bp.get("/facilities")
def facilities():
    if not current_staff().is_admin:
        return forbidden()
    return render("facilities.html", facilities=services.list_facilities())


@bp.route("/facilities/<int:facility_id>", methods=["GET", "POST"])
def facility_details(facility_id: int):
    """What residents read on a facility's page: address, how to get there, hours of
    use, equipment, accessibility notes, telephone and map."""
    if not current_staff().is_admin:
        return forbidden()
    facility = services.get_facility(facility_id)
    form = FacilityDetailsForm(obj=facility)
    extra: list = []
    if form.validate_on_submit():
        try:
            services.update_facility_details(
                actor(),
                facility_id=facility.id,
                details={name: form[name].data or "" for name in services.FACILITY_DETAILS},
                now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            flash(
                _("The details of %(facility)s are saved.", facility=localized(facility)),
                "success",
            )
            return redirect(url_for("counter.facility_details", facility_id=facility.id))
    return render("facility.html", facility=facility, form=form, extra=extra)
