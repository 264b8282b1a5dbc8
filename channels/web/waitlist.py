"""The waiting list (キャンセル待ち) on the web: join it for a booked time (from the
day's times), see one's place in line on "My waiting list", leave it, and accept or
decline a time offered when it freed (the offer is a hold with an acceptance
deadline). Every rule is the core's (services.join_waitlist, accept_offer, ...);
these pages parse the form, call one service and word the outcome."""

from __future__ import annotations

from datetime import date

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import Forbidden, NotFound, ReservationError

from ..ids import parse_id
from ..ui import ja_name, markup_format
from .auth import resident_required
from .forms import ForWhomForm
from .messages import error_message, flash_message
from .views import SELF, _actor, _availability_url, _unit_or_404, bp


def _slot_from_args():
    """The unit, day and blocks a join page is about (the query string, or the posted
    form: the form posts to the address it was shown at, query and all), or 404."""
    values = request.form if request.method == "POST" else request.args
    unit_id = parse_id(values.get("unit", ""))
    if unit_id is None:
        abort(404)
    unit = _unit_or_404(unit_id)
    try:
        day = date.fromisoformat(values.get("day", ""))
    except ValueError:
        abort(404)
    block_ids = [i for i in map(parse_id, values.getlist("block")) if i is not None]
    if not block_ids:
        abort(404)
    return unit, day, block_ids


def _who_options() -> list[tuple[str, str, int | None]]:
    """Myself, then each of the resident's groups (value, label, group id)."""
    return [(SELF, markup_format(_("Myself (%(name)s)"), name=ja_name(g.resident.name)), None)] + [
        (str(m.group_id), ja_name(m.group.name), m.group_id)
        for m in services.groups_of(g.resident.id)
    ]


@bp.route("/waitlist/join", methods=["GET", "POST"])
@resident_required
def join_waitlist():
    """Ask to wait for a booked time: what it is, what happens when it frees, and
    (for a member of groups) for whom."""
    unit, day, block_ids = _slot_from_args()
    back_url = url_for("web.blocks", unit_id=unit.id, day=day.isoformat())
    try:
        quote = services.quote(unit.id, day, block_ids, resident_id=g.resident.id)
    except ReservationError as error:
        flash_message(error_message(error, unit.facility))
        return redirect(_availability_url(unit.id, day))
    options = _who_options()
    form = ForWhomForm()
    form.for_whom.choices = [(value, label) for value, label, _group in options]
    error = None
    if request.method == "POST":
        # CSRF is checked for every POST before the view; the choice only when there is one.
        if len(options) == 1 or form.validate_on_submit():
            group_id = next(
                (gid for value, _l, gid in options if value == form.for_whom.data), None
            )
            try:
                entry = services.join_waitlist(
                    _actor(),
                    resident_id=g.resident.id,
                    group_id=group_id,
                    unit_id=unit.id,
                    day=day,
                    block_ids=[block.id for block in quote.blocks],
                    now=services.clock_now(),
                )
            except ReservationError as refused:
                error = error_message(refused, unit.facility)
            else:
                place = services.waitlist_place(_actor(), entry.id, services.clock_now())
                flash_message(
                    _(
                        "You are on the waiting list: number %(position)d in line. If the "
                        "time is freed, it is offered to you and you are told.",
                        position=place.position,
                    ),
                    "success",
                )
                return redirect(url_for("web.my_waitlist"))
    if not form.for_whom.errors:
        form.for_whom.data = form.for_whom.data or SELF
    return render_template(
        "web/waitlist_join.html",
        quote=quote,
        form=form,
        several=len(options) > 1,
        block_ids=[block.id for block in quote.blocks],
        error=error,
        page_errors=error is not None or bool(form.for_whom.errors),
        terms=services.waitlist_terms(),
        back_url=back_url,
    )


def _render_list(error: str | None = None, status: int = 200):
    now = services.clock_now()
    places = services.waitlist_of(g.resident.id, now)
    return render_template(
        "web/my_waitlist.html",
        places=places,
        error=error,
        page_errors=error is not None,
        now=now,
    ), status


@bp.get("/my-waitlist")
@resident_required
def my_waitlist():
    """The resident's open waitlist entries with their place in line, and any offer."""
    return _render_list()


def _answer(entry_id: int, answer):
    """Call the service for one answer; a refusal is shown in the list's error
    summary."""
    try:
        return answer(_actor(), entry_id=entry_id, now=services.clock_now()), None
    except (NotFound, Forbidden):
        abort(404)  # another resident's entry is not found, as their reservations are
    except ReservationError as refused:
        return None, _render_list(error_message(refused))


@bp.post("/waitlist/<int:entry_id>/accept")
@resident_required
def accept_offer(entry_id: int):
    reservation, refused = _answer(entry_id, services.accept_offer)
    if refused is not None:
        return refused
    flash_message(_("You have accepted the offer: the time is booked for you."), "success")
    return redirect(url_for("web.booked", reservation_id=reservation.id))


@bp.post("/waitlist/<int:entry_id>/decline")
@resident_required
def decline_offer(entry_id: int):
    _entry, refused = _answer(entry_id, services.decline_offer)
    if refused is not None:
        return refused
    flash_message(
        _("You have declined the offer. The time is offered to the next person waiting."),
        "success",
    )
    return redirect(url_for("web.my_waitlist"))


@bp.post("/waitlist/<int:entry_id>/leave")
@resident_required
def leave_waitlist(entry_id: int):
    _entry, refused = _answer(entry_id, services.leave_waitlist)
    if refused is not None:
        return refused
    flash_message(_("You have left the waiting list for that time."), "success")
    return redirect(url_for("web.my_waitlist"))
