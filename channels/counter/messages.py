"""The core's error codes worded as staff notices, through Babel.

The core says what went wrong (a code and parameters); this module says it to a
member of staff, who may have to explain it to the resident in front of them.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from reservations.errors import InvalidInput, ReservationError
from reservations.settings import get_settings

from .. import formatting
from ..i18n import current_locale


def _day(value) -> str:
    return formatting.format_date(value, current_locale()) if isinstance(value, date) else ""


def _moment(value) -> str:
    if isinstance(value, datetime):
        return formatting.format_datetime(
            value.astimezone(get_settings().timezone), current_locale()
        )
    return ""


def _invalid_input(field: str, problem: str, params: dict) -> str:
    if problem == "required":
        return {
            "name": _("Enter the resident's name"),
            "name_kana": _("Enter the name in kana"),
            "exemption_evidence": _("Choose the document you saw for the exemption"),
            "blocks": _("Choose at least one time block"),
            "username": _("Enter a username"),
            "display_name": _("Enter the name shown in the audit trail"),
            "reason": _("Write the reason"),
        }.get(field, _("Fill in this field"))
    if field == "phone":
        return _("Enter a Japanese phone number, like 0166-12-3456 or 090-1234-5678")
    if field == "exemption_evidence":
        return _("Choose the document you saw from the list")
    if field == "blocks":
        return _("Choose each time block once")
    if field == "username" and problem == "taken":
        return _("That username is already in use")
    if field in ("password", "new_password") and problem == "too_short":
        return _(
            "The password must be at least %(minimum)s characters",
            minimum=params.get("minimum", 10),
        )
    if field == "new_password" and problem == "unchanged":
        return _("Choose a password different from the current one")
    if field == "current_password" and problem == "wrong":
        return _("The current password is not right")
    return _("Check this field")


def describe(error: ReservationError) -> str:
    """One sentence for staff, in the page's language."""
    params = error.params
    code = error.code
    if isinstance(error, InvalidInput):
        return _invalid_input(params.get("field", ""), params.get("problem", ""), params)
    if code == "not_found":
        return _("That record was not found. It may have been typed wrongly.")
    if code == "invalid_range":
        return _("The end date must be on or after the start date")
    if code == "slot_taken":
        return _("Someone else has just booked one of these time blocks. Choose other blocks.")
    if code == "facility_closed":
        note = params.get("note")
        if note:
            return _(
                "The facility is closed on %(date)s (%(note)s).",
                date=_day(params.get("date")),
                note=note,
            )
        return _("The facility is closed on %(date)s.", date=_day(params.get("date")))
    if code == "block_not_offered":
        return _("One of the chosen time blocks is not offered on that day.")
    if code == "blocks_not_consecutive":
        return _("Choose time blocks that follow one another, with no gap.")
    if code == "too_many_blocks":
        return _(
            "One reservation can have at most %(maximum)s time blocks here.",
            maximum=params.get("maximum"),
        )
    if code == "in_past":
        return _("That time has already started or passed.")
    if code == "not_open_yet":
        return _(
            "Booking for %(date)s opens at %(opens_at)s. Only an administrator may book it earlier, with a written reason.",
            date=_day(params.get("date")),
            opens_at=_moment(params.get("opens_at")),
        )
    if code == "booking_closed":
        return _(
            "Booking for %(date)s closed at %(closes_at)s. Only an administrator may book it now, with a written reason.",
            date=_day(params.get("date")),
            closes_at=_moment(params.get("closes_at")),
        )
    if code == "limit_reached":
        return _(
            "This resident already holds %(maximum)s upcoming reservations of this kind of facility, the most allowed. Only an administrator may override this, with a written reason.",
            maximum=params.get("maximum"),
        )
    if code == "too_late_to_cancel":
        return _("The cancellation deadline has passed.")
    if code == "already_cancelled":
        return _("This reservation is already cancelled.")
    if code == "invalid_credentials":
        return _("The username or password is not right.")
    if code == "account_locked":
        until = params.get("until")
        if until is not None:
            return _(
                "This account is locked after too many wrong passwords. Try again after %(until)s, or ask an administrator.",
                until=_moment(until),
            )
        return _("This account is locked after too many wrong passwords. Ask an administrator.")
    if code == "forbidden":
        action = params.get("action")
        if action == "override":
            return _("Only an administrator may override the booking window or the limit.")
        if action == "staff_inactive":
            return _("Your staff account is not active.")
        if action == "change_password_first":
            return _("Choose your own password before going on.")
        return _("Only an administrator may do this.")
    if code == "reason_required":
        if params.get("action") == "override":
            return _("Write the reason for the override")
        return _("Write the reason")
    if code == "possible_duplicate":
        return _(
            "A resident with the same phone number, or the same name and kana, is already registered. Check the list below."
        )
    if code == "not_allowed":
        if params.get("problem") == "paid_fee_differs":
            return _(
                "This reservation is paid and the new choice has a different fee. Cancel it and book again instead."
            )
        if params.get("problem") == "not_unpaid":
            return _("This reservation is not waiting for payment.")
        if params.get("problem") == "own_account":
            return _("You cannot do this to your own account. Ask another administrator.")
        if params.get("problem") == "last_admin":
            return _(
                "This is the last active administrator. Make another member of staff an administrator first."
            )
    return _("That could not be done. Nothing was changed.")
