"""The core's error codes as messages that tell a resident what to do next.

The core raises codes and parameters, never text; each becomes one sentence or two
here, in the page's language, through Babel.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from reservations import rules
from reservations.errors import ReservationError
from reservations.settings import get_settings

from .. import formatting
from ..i18n import current_locale
from ..ui import localized


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(get_settings().timezone).date()
    return formatting.format_date(value, current_locale())


def _moment(value: datetime) -> str:
    return formatting.format_datetime(value.astimezone(get_settings().timezone), current_locale())


def error_message(error: ReservationError, facility=None) -> str:
    """One reservation error in the resident's words. `facility` names the category
    when a limit is reached."""
    params = error.params
    code = error.code
    if code == "slot_taken":
        return _(
            "Someone else has just booked a time you chose on %(date)s. "
            "Please choose another free time.",
            date=_date(params.get("date")),
        )
    if code == "facility_closed":
        return _(
            "The facility is closed on %(date)s. Please choose another day.",
            date=_date(params.get("date")),
        )
    if code == "block_not_offered":
        return _(
            "A time you chose is not offered on that day. Please choose from the times listed."
        )
    if code == "blocks_not_consecutive":
        return _(
            "The times you choose must follow one another, such as morning and "
            "afternoon. Choose times next to each other, or make two bookings."
        )
    if code == "too_many_blocks":
        return _(
            "You can choose at most %(maximum)d times in one booking. "
            "Choose fewer, or make another booking.",
            maximum=params.get("maximum", 0),
        )
    if code == "in_past":
        return _("That time has already started. Please choose a later time.")
    if code == rules.BlockStatus.NOT_OPEN_YET:
        return _(
            "Booking for %(date)s opens at %(opens_at)s. Please book then, "
            "or choose an earlier date.",
            date=_date(params.get("date")),
            opens_at=_moment(params["opens_at"]),
        )
    if code == rules.BlockStatus.BOOKING_CLOSED:
        return _(
            "Booking on the web for %(date)s has closed. Please choose a later date, "
            "or call or visit the counter.",
            date=_date(params.get("date")),
        )
    if code == "limit_reached":
        category = localized(facility.category) if facility is not None else ""
        return _(
            "You already have %(maximum)d upcoming bookings for %(category)s, the most "
            "allowed. You can book again after one has taken place, or cancel one in "
            "My reservations.",
            maximum=params.get("maximum", 0),
            category=category,
        )
    if code == "too_late_to_cancel":
        return _(
            "Cancelling on the web was possible until the end of %(last_day)s. "
            "To cancel now, please call or visit the counter.",
            last_day=_date(params.get("last_day")),
        )
    if code == "already_cancelled":
        return _("This booking has already been cancelled. There is nothing more to do.")
    if code == "invalid_credentials":
        return _(
            "The registration number or PIN is not right. Check both and try again. "
            "If you have forgotten your PIN, the counter can give you a new one."
        )
    if code == "account_locked":
        until = params.get("until")
        if until is None:
            return _(
                "Sign-in is locked because a wrong PIN was entered too many times. "
                "Please ask the counter to unlock it."
            )
        return _(
            "Sign-in is locked because a wrong PIN was entered too many times. "
            "Try again after %(time)s, or ask the counter to unlock it.",
            time=_moment(until),
        )
    if code == "invalid_input" and params.get("field") == "blocks":
        return _("Choose at least one time.")
    return _(
        "Sorry, something went wrong with this request. Please try again, "
        "or call or visit the counter."
    )
