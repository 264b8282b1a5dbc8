"""The allocation season (利用調整) at the counter: the seasons, opening one, the season
page (every prepared series with the dates it would book and skip, the series that
want the same times, the dates existing bookings hold) and committing it at once.
A series is prepared and withdrawn from the series pages (series.py). Administrators
only; the core decides everything."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode, ReservationError

from .auth import current_staff
from .blueprint import bp
from .common import actor, add_error, attach_error, date_error, forbidden, render, today
from .forms import SeasonCommitForm, SeasonForm
from .messages import describe
from .parsing import parse_day


def parse_season_key(text: str | None) -> dict[int, list[date]] | None:
    """The review's dates (services.season_key) read back; None if there is none."""
    if not (text or "").strip():
        return None
    expected: dict[int, list[date]] = {}
    try:
        for item in (text or "").split(";"):
            if not item:
                continue
            series_id, _sep, days = item.partition(":")
            expected[int(series_id)] = [date.fromisoformat(day) for day in days.split(",") if day]
    except ValueError:
        return None
    return expected


def _new_season_form() -> SeasonForm:
    """The form, filled in for the next season (2027年度 from 1 April 2027)."""
    form = SeasonForm(formdata=None)
    year = today().year if today().month >= 4 else today().year - 1
    form.name.data = _("%(year)s season", year=year + 1)
    form.day.data = date(year + 1, 4, 1).isoformat()
    return form


def _seasons_page(form: SeasonForm, extra=(), status: int = 200):
    return render(
        "seasons.html",
        status=status,
        seasons=services.list_seasons(),
        form=form,
        extra=list(extra),
    )


@bp.get("/seasons")
def seasons():
    if not current_staff().is_admin:
        return forbidden()
    return _seasons_page(_new_season_form())


@bp.post("/seasons")
def new_season():
    if not current_staff().is_admin:
        return forbidden()
    form = SeasonForm()
    if not form.validate_on_submit():
        return _seasons_page(form, status=400)
    day = parse_day(form.day.data or "", today())
    if day is None:
        add_error(form.day, date_error())
        return _seasons_page(form, status=400)
    try:
        season = services.create_season(
            actor(), name=form.name.data or "", day=day, now=services.clock_now()
        )
    except ReservationError as error:
        extra = attach_error(form, error, default_field="name")
        return _seasons_page(form, extra=extra, status=409)
    flash(_("%(season)s is open for preparing series.", season=season.name), "success")
    return redirect(url_for("counter.season", season_id=season.id))


def _refusal(error: ReservationError) -> str:
    """A refusal at commit, naming the series it is about."""
    message = describe(error)
    series = error.params.get("series")
    if series is not None and error.code != ErrorCode.SERIES_NOT_EDITABLE:
        return _("Series %(series)s: %(message)s", series=series, message=message)
    return message


def _season_page(season_id: int, extra=(), status: int = 200):
    review = services.review_season(season_id, now=services.clock_now())
    form = SeasonCommitForm(formdata=None)
    form.key.data = services.season_key(review.expected)
    names = {d.series.id: d.series.holder_name for d in review.drafts}
    return render(
        "season.html",
        status=status,
        review=review,
        season=review.season,
        names=names,
        form=form,
        extra=list(extra),
        committed=[s for s in review.season.series if s.status != services.SeriesStatus.DRAFT],
        describe_error=_refusal,
    )


@bp.get("/seasons/<int:season_id>")
def season(season_id: int):
    if not current_staff().is_admin:
        return forbidden()
    return _season_page(season_id)


@bp.post("/seasons/<int:season_id>/commit")
def commit_season(season_id: int):
    if not current_staff().is_admin:
        return forbidden()
    form = SeasonCommitForm()
    if not form.validate_on_submit():
        return _season_page(season_id, status=400)
    expected = parse_season_key(form.key.data)
    try:
        committed = services.commit_season(
            actor(), season_id=season_id, now=services.clock_now(), expected=expected
        )
    except ReservationError as error:
        return _season_page(season_id, extra=[(None, _refusal(error))], status=409)
    booked = sum(len(s.reservations) for s in committed.series)
    flash(
        _(
            "%(season)s is committed: %(count)s dates are booked.",
            season=committed.name,
            count=booked,
        ),
        "success",
    )
    return redirect(url_for("counter.season", season_id=season_id))
