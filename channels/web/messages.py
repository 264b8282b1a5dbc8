"""The core's error codes as messages that tell a resident what to do next.

The core raises codes and parameters, never text; each becomes one sentence or two
here, in the page's language, through Babel. WORDINGS has an entry for every
ErrorCode (a test keeps it so); codes a resident never meets on the web share the
apology that sends them to the counter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import flash
from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    GroupLimit,
    LotteryApplicationProblem,
    LotteryChoiceProblem,
    NotAllowedProblem,
    ReservationError,
)

from .. import formatting
from ..i18n import current_locale
from ..ui import localized


def _date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(services.town_timezone()).date()
    return formatting.format_date(value, current_locale())


def _moment(value: datetime) -> str:
    return formatting.format_datetime(value.astimezone(services.town_timezone()), current_locale())


# Each wording takes the error and the facility (which names the category of a limit).
Wording = Callable[[ReservationError, services.Facility | None], str]


def _slot_taken(error, facility) -> str:
    return _(
        "Someone else has just booked a time you chose on %(date)s. "
        "Please choose another free time.",
        date=_date(error.params.get("date")),
    )


def _unavailable(error, facility) -> str:
    note = error.params.get("note")
    if note:
        return _(
            "That time cannot be used on %(date)s (使用できません): %(note)s. "
            "Please choose another time.",
            date=_date(error.params.get("date")),
            note=note,
        )
    return _(
        "That time cannot be used on %(date)s (使用できません). Please choose another time.",
        date=_date(error.params.get("date")),
    )


def _facility_closed(error, facility) -> str:
    return _(
        "The facility is closed on %(date)s. Please choose another day.",
        date=_date(error.params.get("date")),
    )


def _block_not_offered(error, facility) -> str:
    return _("A time you chose is not offered on that day. Please choose from the times listed.")


def _blocks_not_consecutive(error, facility) -> str:
    return _(
        "The times you choose must follow one another, such as morning and "
        "afternoon. Choose times next to each other, or make two bookings."
    )


def _too_many_blocks(error, facility) -> str:
    return _(
        "You can choose at most %(maximum)d times in one booking. "
        "Choose fewer, or make another booking.",
        maximum=error.params.get("maximum", 0),
    )


def _in_past(error, facility) -> str:
    return _("That time has already started. Please choose a later time.")


def _not_open_yet(error, facility) -> str:
    return _(
        "Booking for %(date)s opens at %(opens_at)s. Please book then, or choose an earlier date.",
        date=_date(error.params.get("date")),
        opens_at=_moment(error.params["opens_at"]),
    )


def _booking_closed(error, facility) -> str:
    return _(
        "Booking on the web for %(date)s has closed. Please choose a later date, "
        "or call or visit the counter.",
        date=_date(error.params.get("date")),
    )


def _limit_reached(error, facility) -> str:
    return _(
        "You already have %(maximum)d upcoming bookings for %(category)s, the most "
        "allowed. You can book again after one has taken place, or cancel one in "
        "My reservations.",
        maximum=error.params.get("maximum", 0),
        category=localized(facility.category) if facility is not None else "",
    )


def _too_late_to_cancel(error, facility) -> str:
    return _(
        "Cancelling on the web was possible until the end of %(last_day)s. "
        "To cancel now, please call or visit the counter.",
        last_day=_date(error.params.get("last_day")),
    )


def _already_cancelled(error, facility) -> str:
    return _("This booking has already been cancelled. There is nothing more to do.")


def _invalid_credentials(error, facility) -> str:
    if error.params.get("attempts_left") == 1:
        return _(
            "The registration number or PIN is not right. If the next try is wrong too, "
            "sign-in from this device will have to wait a while. "
            "If you have forgotten your PIN, the counter can give you a new one."
        )
    return _(
        "The registration number or PIN is not right. Check both and try again. "
        "If you have forgotten your PIN, the counter can give you a new one."
    )


def _too_many_attempts(error, facility) -> str:
    return _(
        "A wrong registration number or PIN was entered too many times from this device. "
        "Please try again after %(time)s, or call or visit the counter.",
        time=_moment(error.params["until"]),
    )


def _account_locked(error, facility) -> str:
    until = error.params.get("until")
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


def _invalid_input(error, facility) -> str:
    if error.params.get("field") == "blocks":
        return _("Choose at least one time.")
    return _went_wrong(error, facility)


def _group_not_active(error, facility) -> str:
    group = error.params.get("group", "")
    status = error.params.get("status")
    if status == services.GroupStatus.EXPIRED:
        return _(
            "The registration of %(group)s ended on %(date)s. It can book again once it "
            "is renewed at the counter (renewal is open from %(renewal)s).",
            group=group,
            date=_date(error.params.get("valid_until")),
            renewal=_date(error.params.get("renewal_opens")),
        )
    if status == services.GroupStatus.SUSPENDED:
        return _(
            "%(group)s is suspended and cannot book for now. Please ask at the counter.",
            group=group,
        )
    return _("%(group)s is no longer registered and cannot book.", group=group)


def _group_validity_ends(error, facility) -> str:
    return _(
        "The registration of %(group)s is valid until %(valid_until)s, so it cannot book "
        "%(date)s yet. Once the group is renewed at the counter (from %(renewal)s), "
        "that date can be booked.",
        group=error.params.get("group", ""),
        valid_until=_date(error.params.get("valid_until")),
        date=_date(error.params.get("date")),
        renewal=_date(error.params.get("renewal_opens")),
    )


def _not_a_member(error, facility) -> str:
    return _(
        "You are not on the list of members of %(group)s, so you cannot book or cancel "
        "for it. If this is wrong, please ask the group's representative or the counter.",
        group=error.params.get("group", ""),
    )


def _group_limit_reached(error, facility) -> str:
    group, maximum = error.params.get("group", ""), error.params.get("maximum", 0)
    limit = error.params.get("limit")
    if limit == GroupLimit.CATEGORY:
        return _(
            "%(group)s already has %(maximum)d upcoming bookings for %(category)s, the most "
            "a group may hold. It can book again after one has taken place or is cancelled.",
            group=group,
            maximum=maximum,
            category=localized(facility.category) if facility is not None else "",
        )
    if limit == GroupLimit.MONTH:
        month = error.params.get("month")
        return _(
            "%(group)s already has %(maximum)d bookings in %(month)s, the most a group may "
            "make in one month. Please choose a day in another month.",
            group=group,
            maximum=maximum,
            month=formatting.format_month(month, current_locale()) if month else "",
        )
    return _(
        "%(group)s already has %(maximum)d upcoming bookings, the most a group may hold. "
        "It can book again after one has taken place or is cancelled.",
        group=group,
        maximum=maximum,
    )


def _group_role_required(error, facility) -> str:
    group = error.params.get("group", "")
    if error.params.get("members_may") == services.MembersMayCancel.OWN:
        return _(
            "Only the representative or a contact of %(group)s, or the member who made "
            "this booking, can cancel it. Please ask them, or the counter.",
            group=group,
        )
    return _(
        "Only the representative or a contact of %(group)s can cancel this booking. "
        "Please ask them, or the counter.",
        group=group,
    )


def _hold_expired(error, facility) -> str:
    return CounterMessage(
        _(
            "The payment for reservation %(number)s was due by %(date)s, so it can no longer "
            "be paid and the time may be offered to others. Please call or visit the counter.",
            number=error.params.get("number", ""),
            date=_date(error.params.get("due_at")),
        )
    )


def _waitlist_limit_reached(error, facility) -> str:
    month = error.params.get("month")
    return _(
        "You are already on the waiting list for %(maximum)d times in %(month)s, the most "
        "allowed. You can wait for another time once one of them is over.",
        maximum=error.params.get("maximum", 0),
        month=formatting.format_month(month, current_locale()) if month else "",
    )


def _waitlist_refused(error, facility) -> str:
    problem = error.params.get("problem")
    if problem == services.WaitlistProblem.SLOT_FREE:
        return _("This time is free now, so there is no need to wait: you can book it.")
    if problem == services.WaitlistProblem.OWN_SLOT:
        return _("You have already booked this time, so you cannot wait for it.")
    return _("You are already on the waiting list for this time.")


def _offer_closed(error, facility) -> str:
    if error.params.get("status") == services.WaitlistStatus.EXPIRED:
        return _(
            "The time to accept this offer has passed, so the place went to the next "
            "person waiting."
        )
    if error.params.get("status") == services.WaitlistStatus.CLOSED:
        return _("This time can no longer be offered to you, so your waiting for it has ended.")
    return _("This offer has already been answered.")


def _lottery_first(error, facility) -> str:
    return _(
        "Times on %(date)s here are given by lottery first. What is left can be booked "
        "from %(moment)s.",
        date=_date(error.params.get("date")),
        moment=_moment(error.params["release_at"]) if error.params.get("release_at") else "",
    )


def _lottery_closed(error, facility) -> str:
    return _(
        "This lottery takes applications from %(opens)s until %(closes)s, so it cannot be "
        "applied for, changed or withdrawn now.",
        opens=_moment(error.params["opens_at"]) if error.params.get("opens_at") else "",
        closes=_moment(error.params["closes_at"]) if error.params.get("closes_at") else "",
    )


def _lottery_choice_refused(error, facility) -> str:
    problem = error.params.get("problem")
    if problem == LotteryChoiceProblem.NONE:
        return _("Choose at least one time to apply for.")
    if problem == LotteryChoiceProblem.TOO_MANY:
        return _(
            "You can choose up to %(maximum)d times in one application.",
            maximum=error.params.get("maximum", 0),
        )
    if problem == LotteryChoiceProblem.NOT_IN_ROUND:
        return _("This lottery does not include that room or court. Choose one from the list.")
    if problem == LotteryChoiceProblem.OUTSIDE_MONTH:
        month = error.params.get("month")
        return _(
            "This lottery is for %(month)s only. Choose a date in that month.",
            month=formatting.format_month(month, current_locale()) if month else "",
        )
    return _("You chose the same time twice. Choose each time only once.")


def _lottery_application_refused(error, facility) -> str:
    problem = error.params.get("problem")
    if problem == LotteryApplicationProblem.ALREADY_APPLIED:
        return _(
            "There is already an application to this lottery (receipt number %(receipt)s). "
            "You can change it instead.",
            receipt=error.params.get("receipt", ""),
        )
    if problem == LotteryApplicationProblem.WITHDRAWN:
        return _("This application was withdrawn, so it cannot be made again or changed.")
    return CounterMessage(
        _(
            "Only the representative or a contact of %(group)s can apply for it. "
            "Please ask them, or the counter.",
            group=error.params.get("group", ""),
        )
    )


def _lottery_win_closed(error, facility) -> str:
    answer = error.params.get("answer")
    if answer == services.LotteryAnswer.EXPIRED:
        return _("The time to confirm this win has passed, so the time was given to others.")
    if answer in (services.LotteryAnswer.CONFIRMED, services.LotteryAnswer.DECLINED):
        return _("This win has already been answered.")
    return _("This choice was not won, so there is nothing to confirm.")


def _no_show_restricted(error, facility) -> str:
    return _(
        "Because %(count)d bookings in the last %(months)d months were not used without "
        "a cancellation, online booking is paused until %(until)s. Until then you can "
        "book at the counter or by calling it.",
        count=error.params.get("count", 0),
        months=error.params.get("months", 0),
        until=_date(error.params.get("until")),
    )


def _not_allowed(error, facility) -> str:
    if error.params.get("problem") == NotAllowedProblem.PAID_FEE_DIFFERS:
        return CounterMessage(
            _(
                "This booking is already paid, and the new time has a different fee. "
                "To change it, please call or visit the counter."
            )
        )
    return _went_wrong(error, facility)


def _went_wrong(error, facility) -> str:
    return CounterMessage(
        _(
            "Sorry, something went wrong with this request. Please try again, "
            "or call or visit the counter."
        )
    )


WORDINGS: dict[ErrorCode, Wording] = {
    ErrorCode.SLOT_TAKEN: _slot_taken,
    ErrorCode.FACILITY_CLOSED: _facility_closed,
    ErrorCode.BLOCK_NOT_OFFERED: _block_not_offered,
    ErrorCode.BLOCKS_NOT_CONSECUTIVE: _blocks_not_consecutive,
    ErrorCode.TOO_MANY_BLOCKS: _too_many_blocks,
    ErrorCode.IN_PAST: _in_past,
    ErrorCode.NOT_OPEN_YET: _not_open_yet,
    ErrorCode.BOOKING_CLOSED: _booking_closed,
    ErrorCode.LIMIT_REACHED: _limit_reached,
    ErrorCode.TOO_LATE_TO_CANCEL: _too_late_to_cancel,
    ErrorCode.ALREADY_CANCELLED: _already_cancelled,
    ErrorCode.INVALID_CREDENTIALS: _invalid_credentials,
    ErrorCode.ACCOUNT_LOCKED: _account_locked,
    ErrorCode.TOO_MANY_ATTEMPTS: _too_many_attempts,
    ErrorCode.INVALID_INPUT: _invalid_input,
    ErrorCode.GROUP_NOT_ACTIVE: _group_not_active,
    ErrorCode.GROUP_VALIDITY_ENDS: _group_validity_ends,
    ErrorCode.NOT_A_MEMBER: _not_a_member,
    ErrorCode.GROUP_LIMIT_REACHED: _group_limit_reached,
    ErrorCode.GROUP_ROLE_REQUIRED: _group_role_required,
    ErrorCode.HOLD_EXPIRED: _hold_expired,
    ErrorCode.WAITLIST_LIMIT_REACHED: _waitlist_limit_reached,
    ErrorCode.WAITLIST_REFUSED: _waitlist_refused,
    ErrorCode.OFFER_CLOSED: _offer_closed,
    ErrorCode.LOTTERY_FIRST: _lottery_first,
    ErrorCode.LOTTERY_CLOSED: _lottery_closed,
    ErrorCode.LOTTERY_CHOICE_REFUSED: _lottery_choice_refused,
    ErrorCode.LOTTERY_APPLICATION_REFUSED: _lottery_application_refused,
    ErrorCode.LOTTERY_WIN_CLOSED: _lottery_win_closed,
    # The draw is staff's work (the lottery CLI).
    ErrorCode.LOTTERY_DRAW_REFUSED: _went_wrong,
    # Not met on the resident's pages (staff operations, or requests no page sends).
    ErrorCode.NOT_FOUND: _went_wrong,
    ErrorCode.INVALID_RANGE: _went_wrong,
    ErrorCode.NOT_YOUR_RESERVATION: _went_wrong,
    ErrorCode.FORBIDDEN: _went_wrong,
    ErrorCode.REASON_REQUIRED: _went_wrong,
    ErrorCode.POSSIBLE_DUPLICATE: _went_wrong,
    ErrorCode.NOT_ALLOWED: _not_allowed,
    ErrorCode.TOO_FEW_MEMBERS: _went_wrong,
    ErrorCode.NOT_REGISTERED: _went_wrong,
    ErrorCode.ALREADY_A_MEMBER: _went_wrong,
    ErrorCode.GROUP_NAME_TAKEN: _went_wrong,
    ErrorCode.GROUP_OVERLAP: _went_wrong,
    ErrorCode.OUTSIDE_RENEWAL_WINDOW: _went_wrong,
    ErrorCode.LAST_REPRESENTATIVE: _went_wrong,
    ErrorCode.FEE_SETTLED: _went_wrong,
    ErrorCode.SERIES_LAST_BEFORE_FIRST: _went_wrong,
    ErrorCode.SERIES_TOO_LONG: _went_wrong,
    ErrorCode.SERIES_WEEKDAY_CLOSED: _went_wrong,
    ErrorCode.SERIES_EMPTY: _went_wrong,
    ErrorCode.SERIES_CONFLICT: _went_wrong,
    ErrorCode.SERIES_LIMIT_REACHED: _went_wrong,
    ErrorCode.SERIES_OVERLAP: _went_wrong,
    ErrorCode.SERIES_NOT_EDITABLE: _went_wrong,
    ErrorCode.SERIES_OUTSIDE_SEASON: _went_wrong,
    ErrorCode.SEASON_EXISTS: _went_wrong,
    ErrorCode.SEASON_CLOSED: _went_wrong,
    ErrorCode.SEASON_EMPTY: _went_wrong,
    ErrorCode.SEASON_CHANGED: _went_wrong,
    ErrorCode.IN_THE_WAY: _went_wrong,
    ErrorCode.UNAVAILABLE: _unavailable,
    ErrorCode.USE_ALREADY_RECORDED: _went_wrong,
    ErrorCode.USE_NOT_YET: _went_wrong,
    ErrorCode.ACCESS_CODE_WRONG: _went_wrong,
    ErrorCode.NO_SHOW_RESTRICTED: _no_show_restricted,
}


# The codes whose wording sends the resident to the counter: the page shows the
# counter's telephone (a tel: link), hours and address beside it.
SENDS_TO_COUNTER = frozenset(
    {
        ErrorCode.BOOKING_CLOSED,
        ErrorCode.TOO_LATE_TO_CANCEL,
        ErrorCode.INVALID_CREDENTIALS,
        ErrorCode.ACCOUNT_LOCKED,
        ErrorCode.TOO_MANY_ATTEMPTS,
        ErrorCode.GROUP_NOT_ACTIVE,
        ErrorCode.GROUP_VALIDITY_ENDS,
        ErrorCode.NOT_A_MEMBER,
        ErrorCode.GROUP_ROLE_REQUIRED,
        ErrorCode.NOT_ALLOWED,
        ErrorCode.NO_SHOW_RESTRICTED,
    }
    | {code for code, wording in WORDINGS.items() if wording is _went_wrong}
)


class CounterMessage(str):
    """A message that sends the resident to the counter: pages show the counter's
    details with it (the `refers_to_counter` template test)."""

    refers_to_counter = True


def to_counter(text: str) -> CounterMessage:
    return CounterMessage(text)


def error_message(error: ReservationError, facility=None) -> str:
    """One reservation error in the resident's words. `facility` names the category
    when a limit is reached."""
    text = WORDINGS[error.code](error, facility)
    dissolved = (
        error.code == ErrorCode.GROUP_NOT_ACTIVE
        and error.params.get("status") == services.GroupStatus.DISSOLVED
    )
    if isinstance(text, CounterMessage) or (error.code in SENDS_TO_COUNTER and not dissolved):
        return CounterMessage(text)
    return text


def flash_message(message: str, category: str = "error") -> None:
    """Flash a message; one that sends the resident to the counter is shown with the
    counter's details."""
    if getattr(message, "refers_to_counter", False):
        category += " counter"
    flash(message, category)
