"""The waitlist (キャンセル待ち) at the counter: a clerk puts the resident in front of
them (or one of their groups) in line for a booked time from the booking page, sees
the day's waiters there, answers an offer for them (accept or decline) or takes them
out of line from their page; and the call list: residents with an open offer whom no
SMS reaches, for staff to phone before the deadline (printable). Every act is the
core's, done as the clerk for the resident (the audit trail names both)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..ids import parse_id
from .blueprint import bp
from .common import actor, render
from .forms import ActionForm
from .messages import describe
from .views import _group_asked, choose, resident_page


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/residents/<int:resident_id>/waitlist")
def join_waitlist(resident_id: int):
    """Join for the resident (or ?group=) the line for one booked block of the day the
    booking page shows (?unit=&day=): the form posts to that page's address."""
    person = services.get_resident(resident_id)
    group = _group_asked()
    _checked()
    unit_id = parse_id(request.args.get("unit"))
    block_id = parse_id(request.form.get("block"))
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if unit_id is None or block_id is None or day is None:
        abort(400)
    try:
        entry = services.join_waitlist(
            actor(),
            resident_id=person.id,
            group_id=group.id if group is not None else None,
            unit_id=unit_id,
            day=day,
            block_ids=[block_id],
            now=services.clock_now(),
        )
    except ReservationError as error:
        return choose(person, None, group, refused=[(None, describe(error))], status=409)
    place = services.waitlist_place(actor(), entry.id)
    flash(
        _(
            "On the waiting list for %(name)s: number %(position)d in line.",
            name=entry.holder_name or person.name,
            position=place.position,
        ),
        "success",
    )
    return redirect(url_for("counter.resident", resident_id=person.id))


def _answer(entry_id: int, answer):
    """Answer for the waiter; a refusal goes to the error summary of their page."""
    _checked()
    place = services.waitlist_place(actor(), entry_id)
    person = place.entry.resident or place.entry.asked_by
    try:
        return answer(actor(), entry_id=entry_id, now=services.clock_now()), person, None
    except ReservationError as error:
        return None, person, resident_page(person, extra=[(None, describe(error))], status=409)


@bp.post("/waitlist/<int:entry_id>/accept")
def accept_offer(entry_id: int):
    reservation, _person, refused = _answer(entry_id, services.accept_offer)
    if refused is not None:
        return refused
    flash(
        _("Offer accepted. The reservation number is %(number)s.", number=reservation.number),
        "success",
    )
    return redirect(url_for("counter.reservation", reservation_id=reservation.id))


@bp.post("/waitlist/<int:entry_id>/decline")
def decline_offer(entry_id: int):
    _entry, person, refused = _answer(entry_id, services.decline_offer)
    if refused is not None:
        return refused
    flash(_("Offer declined: the time goes to the next person waiting."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


@bp.post("/waitlist/<int:entry_id>/leave")
def leave_waitlist(entry_id: int):
    _entry, person, refused = _answer(entry_id, services.leave_waitlist)
    if refused is not None:
        return refused
    flash(_("Taken off the waiting list."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


def _contact(entry: services.WaitlistEntry):
    return entry.resident or entry.asked_by


def call_list_page(extra: list | None = None, status: int = 200):
    now = services.clock_now()
    entries = services.open_offers_to_phone(now)
    return render(
        "waitlist_calls.html",
        status=status,
        extra=extra or [],
        entries=entries,
        contacts={entry.id: _contact(entry) for entry in entries},
        phones={
            entry.id: services.format_phone_national(_contact(entry).phone_e164)
            if _contact(entry).phone_e164
            else _("none")
            for entry in entries
        },
        slip_page=True,
    )


@bp.get("/waitlist/calls")
def waitlist_calls():
    """Residents offered a freed time whom no SMS reaches (a landline, or no number):
    staff phone them before the deadline, soonest first. Printable."""
    return call_list_page()


@bp.post("/waitlist/<int:entry_id>/phoned")
def mark_phoned(entry_id: int):
    _checked()
    try:
        services.mark_phoned(actor(), entry_id=entry_id, now=services.clock_now())
    except ReservationError as error:
        return call_list_page(extra=[(None, describe(error))], status=409)
    flash(_("Recorded that the resident was phoned."), "success")
    return redirect(url_for("counter.waitlist_calls"))
