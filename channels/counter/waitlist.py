"""The waitlist's call list at the counter: residents with an open offer (キャンセル待ち)
whom no SMS reaches, for staff to phone before the deadline (printable), and the
record of the call. Joining for a resident, the day's waiters and answering an offer
for them are on the booking and resident pages (views.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from .blueprint import bp
from .common import actor, render
from .forms import ActionForm
from .messages import describe


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


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
