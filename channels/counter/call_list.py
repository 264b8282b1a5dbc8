"""The counter's call list (電話連絡リスト): residents whom no SMS and no call reaches
(no number, a number no call rings, or calls unanswered until the retries ran out),
with what to tell each of them, printable; a clerk records each call made."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..phone import sms
from .blueprint import bp
from .common import actor, render
from .forms import ActionForm
from .messages import describe


def _why(notification: services.Notification) -> str:
    if (notification.last_error or "").startswith("call:"):
        return _("Calls to the landline went unanswered")
    if notification.last_error:
        return _("The call could not be placed")
    if notification.to_phone:
        return _("No call reaches this number")
    return _("No phone number")


def call_list_page(extra: list | None = None, status: int = 200):
    rows = services.call_list(actor(), services.clock_now())
    return render(
        "call_list.html",
        status=status,
        extra=extra or [],
        rows=rows,
        told={row.id: sms.render(row.kind, row.params) for row in rows},
        why={row.id: _why(row) for row in rows},
        phones={
            row.id: services.format_phone_national(row.to_phone) if row.to_phone else _("none")
            for row in rows
        },
        slip_page=True,
    )


@bp.get("/calls")
def call_list():
    """Residents staff must phone, with what to tell them, oldest first. Printable."""
    return call_list_page()


@bp.post("/calls/<int:notification_id>/done")
def call_done(notification_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        row, recorded = services.mark_called(
            actor(), notification_id=notification_id, now=services.clock_now()
        )
    except ReservationError as error:
        return call_list_page(extra=[(None, describe(error))], status=404)
    if recorded:
        flash(_("Recorded that the resident was phoned."), "success")
    else:
        flash(
            _(
                "%(name)s had already recorded this call.",
                name=row.phoned_by.display_name if row.phoned_by else _("the system"),
            ),
            "success",
        )
    return redirect(url_for("counter.call_list"))
