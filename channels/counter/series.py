"""Series (定期利用) at the counter: the form, its preview (every date it would book and
every date it would skip, with the reason), booking it once the clerk confirms, the
series page (its dates, cancel from a date, extend) and its printable slip. The core
decides everything; administrators make and extend series, staff cancel."""

from __future__ import annotations

import re
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode, ReservationError

from ..ids import parse_id
from ..ui import localized
from . import words
from .auth import current_staff
from .blueprint import bp
from .common import (
    actor,
    add_error,
    attach_error,
    block_choices,
    date_error,
    flat_unit_choices,
    forbidden,
    render,
    today,
)
from .forms import SeriesCancelFromForm, SeriesExtendForm, SeriesForm, SeriesWithdrawForm
from .messages import describe
from .parsing import parse_day

# The form field each refusal belongs to (the others go to the error summary).
FIELD_OF = {
    ErrorCode.SERIES_LAST_BEFORE_FIRST: "last_date",
    ErrorCode.SERIES_TOO_LONG: "last_date",
    ErrorCode.SERIES_WEEKDAY_CLOSED: "weekdays",
    ErrorCode.BLOCKS_NOT_CONSECUTIVE: "blocks",
    ErrorCode.TOO_MANY_BLOCKS: "blocks",
    ErrorCode.REASON_REQUIRED: "fee_reason",
}


def _season(form: SeriesForm):
    """The allocation season the series is prepared for, if any (address or form)."""
    season_id = parse_id(form.season.data or request.args.get("season"))
    if season_id is None:
        return None
    form.season.data = str(season_id)
    return services.get_season(season_id)


def _holder(form: SeriesForm):
    """The resident or group the series is for (from the address or the form)."""
    group_id = parse_id(form.group.data or request.args.get("group"))
    resident_id = parse_id(form.resident.data or request.args.get("resident"))
    if group_id is not None:
        form.group.data = str(group_id)
        return services.get_group(group_id)
    if resident_id is not None:
        form.resident.data = str(resident_id)
        return services.get_resident(resident_id)
    abort(404)


def _choices(form: SeriesForm, facilities) -> None:
    form.unit.choices = flat_unit_choices(facilities)
    form.weekdays.choices = [(str(day), words.weekday_name(day)) for day in range(7)]
    form.blocks.choices = block_choices(facilities)
    form.fee_rule.choices = [
        (code, words.word(words.SERIES_FEE_RULES, code)) for code in services.SeriesFeeRule
    ]
    form.exemption.choices = [("", _("None chosen"))] + [
        (category.code, f"{localized(category)} ({category.percent}%)")
        for category in services.list_exemptions()
    ]


def _dates(field, text: str | None) -> list[date] | None:
    """Dates typed one after another (spaces, commas or lines between them)."""
    days = []
    for part in re.split(r"[\s,、，]+", (text or "").strip()):
        if not part:
            continue
        day = parse_day(part, today())
        if day is None:
            add_error(field, _("Enter each date to skip like 2027-05-03, separated by spaces"))
            return None
        days.append(day)
    return days


def _request(form: SeriesForm) -> services.SeriesRequest | None:
    """The form as the core's request, or None with the fields' errors."""
    first = parse_day(form.first_date.data or "", today())
    last = parse_day(form.last_date.data or "", today())
    for field, day in ((form.first_date, first), (form.last_date, last)):
        if day is None:
            add_error(field, date_error())
    exceptions = _dates(form.exceptions, form.exceptions.data)
    unit_id = parse_id(form.unit.data)
    if unit_id is None:
        add_error(form.unit, _("Choose the facility and unit"))
    if not form.weekdays.data:
        add_error(form.weekdays, _("Choose at least one weekday"))
    if not form.blocks.data:
        add_error(form.blocks, _("Choose at least one time block"))
    if any(field.errors for field in form):
        return None
    return services.SeriesRequest(
        unit_id=unit_id,
        weekdays=[int(day) for day in form.weekdays.data],
        block_ids=[int(block) for block in form.blocks.data],
        first_date=first,
        last_date=last,
        resident_id=parse_id(form.resident.data),
        group_id=parse_id(form.group.data),
        exceptions=exceptions or [],
        skip_holidays=bool(form.skip_holidays.data),
        purpose=form.purpose.data or "",
        fee_rule=form.fee_rule.data or services.SeriesFeeRule.STANDARD,
        exemption_code=form.exemption.data or None,
        fee_reason=form.fee_reason.data or None,
    )


def _refused(form, error: ReservationError) -> list:
    field = FIELD_OF.get(error.code)
    if field is not None:
        add_error(form[field], describe(error))
        return []
    return attach_error(form, error)


def _expected(text: str | None) -> list[date] | None:
    try:
        return [date.fromisoformat(day) for day in (text or "").split(",") if day]
    except ValueError:
        return None


@bp.route("/series/new", methods=["GET", "POST"])
def new_series():
    """The series form; Preview shows the plan; Book (from the preview) books it."""
    if not current_staff().is_admin:
        return forbidden()
    form = SeriesForm()
    holder = _holder(form)
    season = _season(form)
    _choices(form, services.list_facilities())
    extra: list = []
    if request.method == "POST" and form.validate_on_submit():
        ask = _request(form)
        if ask is not None:
            try:
                if request.form.get("action") == "commit" and season is not None:
                    draft = services.add_draft(
                        actor(), season_id=season.id, request=ask, now=services.clock_now()
                    )
                    flash(
                        _(
                            "Series %(series)s is prepared in %(season)s: nothing is booked "
                            "until the season is committed.",
                            series=draft.id,
                            season=season.name,
                        ),
                        "success",
                    )
                    return redirect(url_for("counter.season", season_id=season.id))
                if request.form.get("action") == "commit":
                    series = services.create_series(
                        actor(),
                        ask,
                        now=services.clock_now(),
                        expected_dates=_expected(form.expected.data) or [],
                    )
                    flash(
                        _(
                            "Series %(series)s is booked: %(count)s dates.",
                            series=series.id,
                            count=len(series.reservations),
                        ),
                        "success",
                    )
                    return redirect(url_for("counter.series", series_id=series.id))
                if request.form.get("action") != "edit":
                    return _preview(form, holder, ask, season=season)
            except ReservationError as error:
                extra = _refused(form, error)
                if error.code == ErrorCode.SERIES_CONFLICT:
                    try:
                        return _preview(form, holder, ask, extra=extra, season=season)
                    except ReservationError as again:
                        extra = _refused(form, again)
    return render("series_new.html", form=form, holder=holder, season=season, extra=extra)


def _preview(form: SeriesForm, holder, ask: services.SeriesRequest, extra=(), season=None):
    plan = services.preview_series(ask, now=services.clock_now())
    form.expected.data = ",".join(day.isoformat() for day in plan.dates)
    return render(
        "series_preview.html",
        form=form,
        holder=holder,
        plan=plan,
        ask=ask,
        season=season,
        extra=list(extra),
    )


def _series_or_404(series_id: int) -> services.ReservationSeries:
    return services.get_series(series_id)


def _draft_plan(series, extra: list):
    """What a prepared series would book and skip now (its refusal, if it would be)."""
    if series.status != services.SeriesStatus.DRAFT:
        return None
    try:
        return services.draft_plan(series.id, now=services.clock_now())
    except ReservationError as error:
        extra.append((None, describe(error)))
        return None


def _series_page(
    series, cancel_form=None, extend_form=None, withdraw_form=None, extra=(), status=200
):
    cancel_form = cancel_form or SeriesCancelFromForm(formdata=None)
    extend_form = extend_form or SeriesExtendForm(formdata=None)
    withdraw_form = withdraw_form or SeriesWithdrawForm(formdata=None)
    extra = list(extra)
    shown = []
    if series.status == services.SeriesStatus.COMMITTED:
        shown = [cancel_form, extend_form] if current_staff().is_admin else [cancel_form]
    elif series.status == services.SeriesStatus.DRAFT and current_staff().is_admin:
        shown = [withdraw_form]
    for form in (cancel_form, extend_form, withdraw_form):
        if form not in shown:  # not on the page: its errors go to the summary, unlinked
            for field in form:
                extra += [(None, message) for message in field.errors]
                field.errors = []
    return render(
        "series.html",
        status=status,
        series=series,
        positions={r.id: k for k, r in enumerate(series.reservations, start=1)},
        cancel_form=cancel_form,
        extend_form=extend_form,
        withdraw_form=withdraw_form,
        plan=_draft_plan(series, extra),
        extra=extra,
        is_admin=current_staff().is_admin,
    )


@bp.get("/series/<int:series_id>")
def series(series_id: int):
    return _series_page(_series_or_404(series_id))


@bp.get("/series/<int:series_id>/slip")
def series_slip(series_id: int):
    chosen = _series_or_404(series_id)
    active = [r for r in chosen.reservations if r.is_active]
    return render(
        "series_slip.html",
        series=chosen,
        active=active,
        total=sum(r.fee_yen for r in active),
        slip_page=True,
        issued=today(),
    )


@bp.post("/series/<int:series_id>/cancel-from")
def series_cancel_from(series_id: int):
    chosen = _series_or_404(series_id)
    form = SeriesCancelFromForm()
    if not form.validate_on_submit():
        return _series_page(chosen, cancel_form=form, status=400)
    day = parse_day(form.from_date.data or "", today())
    if day is None:
        add_error(form.from_date, date_error())
        return _series_page(chosen, cancel_form=form, status=400)
    try:
        cancelled = services.cancel_series_from(
            actor(),
            series_id=chosen.id,
            from_date=day,
            reason=form.reason.data or "",
            now=services.clock_now(),
        )
    except ReservationError as error:
        extra = attach_error(form, error, default_field="from_date")
        return _series_page(chosen, cancel_form=form, extra=extra, status=409)
    flash(
        _(
            "%(count)s dates of series %(series)s are cancelled.",
            count=len(cancelled),
            series=chosen.id,
        ),
        "success",
    )
    return redirect(url_for("counter.series", series_id=chosen.id))


@bp.post("/series/<int:series_id>/extend")
def series_extend(series_id: int):
    """Extend: first the dates it would add (and skip), then, confirmed, booked."""
    if not current_staff().is_admin:
        return forbidden()
    chosen = _series_or_404(series_id)
    form = SeriesExtendForm()
    if not form.validate_on_submit():
        return _series_page(chosen, extend_form=form, status=400)
    day = parse_day(form.last_date.data or "", today())
    if day is None:
        add_error(form.last_date, date_error())
        return _series_page(chosen, extend_form=form, status=400)
    now = services.clock_now()
    try:
        if request.form.get("action") == "commit":
            services.extend_series(
                actor(),
                series_id=chosen.id,
                last_date=day,
                now=now,
                expected_dates=_expected(form.expected.data) or [],
            )
            flash(_("Series %(series)s is extended.", series=chosen.id), "success")
            return redirect(url_for("counter.series", series_id=chosen.id))
        plan = services.preview_extension(chosen.id, day, now=now)
    except ReservationError as error:
        extra = attach_error(form, error, default_field="last_date")
        return _series_page(chosen, extend_form=form, extra=extra, status=409)
    form.expected.data = ",".join(d.isoformat() for d in plan.dates)
    return render("series_extend.html", series=chosen, form=form, plan=plan, extra=[])


@bp.post("/series/<int:series_id>/withdraw")
def withdraw_series(series_id: int):
    """Withdraw a prepared series from its season, with a reason (administrators)."""
    if not current_staff().is_admin:
        return forbidden()
    chosen = _series_or_404(series_id)
    form = SeriesWithdrawForm()
    if not form.validate_on_submit():
        return _series_page(chosen, withdraw_form=form, status=400)
    try:
        services.withdraw_draft(
            actor(), series_id=chosen.id, reason=form.reason.data or "", now=services.clock_now()
        )
    except ReservationError as error:
        extra = attach_error(form, error)
        return _series_page(chosen, withdraw_form=form, extra=extra, status=409)
    flash(_("Series %(series)s is withdrawn from its season.", series=chosen.id), "success")
    if chosen.season_id is not None:
        return redirect(url_for("counter.season", season_id=chosen.season_id))
    return redirect(url_for("counter.series", series_id=chosen.id))
