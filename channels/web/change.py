"""Changing a booking online (from My reservations): another date, time or room of
the same facility; the fee difference; confirm. The reservation keeps its number and
the core moves it in one transaction (services.change), so a slot taken meanwhile
leaves the old one as it was. The same rules as the counter's change."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode, ReservationError, SlotTaken

from .. import formatting
from ..i18n import current_locale
from ..ids import parse_id
from .auth import resident_required
from .forms import BlocksForm, DateForm
from .messages import error_message, flash_message, to_counter
from .views import DISPLAY_DAYS_AHEAD, _actor, _block_label, _own_reservation, bp, today

CHANGE_KEY = "web_change"


def _refusal(error: ReservationError, facility=None) -> str:
    """A refusal in the words of a change (the core's deadline is the same as for
    cancelling, but the resident is changing)."""
    if error.code == ErrorCode.TOO_LATE_TO_CANCEL:
        last_day = formatting.format_date(error.params["last_day"], current_locale())
        return to_counter(
            _(
                "Changing on the web was possible until the end of %(last_day)s. To change "
                "it now, please call or visit the counter.",
                last_day=last_day,
            )
        )
    return error_message(error, facility)


def _changeable(reservation_id: int):
    """The resident's reservation and what the core says of changing it now."""
    reservation = _own_reservation(reservation_id)
    actions = services.reservation_actions(_actor(), reservation.id, services.clock_now())
    return actions.reservation, actions


def _unit_of_facility(reservation, unit_id: int):
    unit = next((u for u in reservation.unit.facility.units if u.id == unit_id), None)
    if unit is None:
        abort(404)  # a room of another facility: the web changes within one facility
    return unit


@bp.get("/reservations/<int:reservation_id>/change")
@resident_required
def change(reservation_id: int):
    reservation, actions = _changeable(reservation_id)
    first, last = today(), today() + timedelta(days=DISPLAY_DAYS_AHEAD)
    form = DateForm(
        formdata=request.args if "date" in request.args else None, earliest=first, latest=last
    )
    units = reservation.unit.facility.units
    unit_id = parse_id(request.args.get("unit", "")) or reservation.unit_id
    if "date" in request.args and actions.may_change and form.validate():
        unit = _unit_of_facility(reservation, unit_id)
        return redirect(
            url_for(
                "web.change_blocks",
                reservation_id=reservation.id,
                unit_id=unit.id,
                day=form.day.isoformat(),
            )
        )
    if "date" not in request.args:
        form.date.data = reservation.date.isoformat()
    return render_template(
        "web/change.html",
        reservation=reservation,
        deadline=actions.deadline,
        actions=actions,
        refusal=_refusal(actions.refusal) if actions.refusal is not None else None,
        units=units,
        unit_id=unit_id,
        form=form,
        page_errors=bool(form.errors),
    )


@bp.route("/reservations/<int:reservation_id>/change/<int:unit_id>/<day>", methods=["GET", "POST"])
@resident_required
def change_blocks(reservation_id: int, unit_id: int, day: str):
    reservation, actions = _changeable(reservation_id)
    if not actions.may_change:
        return redirect(url_for("web.change", reservation_id=reservation.id))
    unit = _unit_of_facility(reservation, unit_id)
    try:
        chosen_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not today() <= chosen_day <= today() + timedelta(days=DISPLAY_DAYS_AHEAD):
        flash_message(_("Choose a date from today to a year ahead."), "warning")
        return redirect(url_for("web.change", reservation_id=reservation.id))
    now = services.clock_now()
    [day_availability] = services.availability(
        unit.id, chosen_day, chosen_day, now=now, resident_id=g.resident.id
    )
    own = (
        {block.id for block in reservation.time_blocks} if chosen_day == reservation.date else set()
    )
    cells = [c for c in day_availability.blocks if c.status != services.BlockStatus.NOT_OFFERED]
    choosable = {
        c.block.id
        for c in cells
        if c.bookable or (c.status == services.BlockStatus.YOURS and c.block.id in own)
    }
    form = BlocksForm(free=choosable)
    form.blocks.choices = [(c.block.id, _block_label(c.block)) for c in cells]
    if request.method == "GET":
        same = unit.id == reservation.unit_id and chosen_day == reservation.date
        form.blocks.data = [b for b in own if b in choosable] if same else []
    elif form.validate_on_submit():
        try:
            services.check_change(
                _actor(),
                reservation_id=reservation.id,
                unit_id=unit.id,
                day=chosen_day,
                block_ids=form.blocks.data,
                now=now,
            )
        except ReservationError as error:
            form.blocks.errors = [_refusal(error, unit.facility)]
        else:
            session[CHANGE_KEY] = {
                "reservation_id": reservation.id,
                "unit_id": unit.id,
                "date": chosen_day.isoformat(),
                "block_ids": list(form.blocks.data),
                "key": secrets.token_urlsafe(8),
            }
            return redirect(url_for("web.change_confirm", reservation_id=reservation.id))
    return render_template(
        "web/change_blocks.html",
        reservation=reservation,
        unit=unit,
        day=day_availability,
        cells=cells,
        choosable=choosable,
        form=form,
        page_errors=bool(form.errors),
    )


def _change_in_progress(reservation_id: int):
    wanted = session.get(CHANGE_KEY) or {}
    try:
        if wanted["reservation_id"] != reservation_id:
            return None
        return (
            int(wanted["unit_id"]),
            date.fromisoformat(wanted["date"]),
            [int(b) for b in wanted["block_ids"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


@bp.route("/reservations/<int:reservation_id>/change/confirm", methods=["GET", "POST"])
@resident_required
def change_confirm(reservation_id: int):
    reservation = _own_reservation(reservation_id)
    wanted = _change_in_progress(reservation.id)
    if wanted is None:
        session.pop(CHANGE_KEY, None)
        flash_message(
            _("There is no change in progress. Choose the reservation to change."), "warning"
        )
        return redirect(url_for("web.my_reservations"))
    unit_id, day, block_ids = wanted
    unit = _unit_of_facility(reservation, unit_id)
    day_url = url_for(
        "web.change_blocks", reservation_id=reservation.id, unit_id=unit.id, day=day.isoformat()
    )
    now = services.clock_now()
    ask = dict(
        reservation_id=reservation.id, unit_id=unit.id, day=day, block_ids=block_ids, now=now
    )
    error = quote = None
    try:
        if request.method == "POST":
            try:
                changed = services.change(_actor(), **ask)
            except SlotTaken:
                raise
            except ReservationError as refused:
                error = refused
            else:
                session.pop(CHANGE_KEY, None)
                flash(
                    _(
                        "Reservation %(number)s is changed. It keeps its number; the old time "
                        "is free for others again.",
                        number=changed.number,
                    ),
                    "success",
                )
                return redirect(url_for("web.booked", reservation_id=changed.id))
        if error is None:
            quote = services.check_change(_actor(), **ask)
    except SlotTaken as taken:  # taken by someone else meanwhile: back to the day
        flash_message(error_message(taken))
        return redirect(day_url)
    except ReservationError as refused:
        error = refused
    return render_template(
        "web/change_confirm.html",
        reservation=reservation,
        quote=quote,
        difference=(quote.fee.fee_yen - reservation.fee_yen) if quote else 0,
        error=_refusal(error, unit.facility) if error is not None else None,
        page_errors=error is not None,
        back_url=day_url,
        cancel_passed=quote.cancel_deadline_passed(now) if quote else False,
    )
