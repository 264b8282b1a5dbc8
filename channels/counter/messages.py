"""The core's error codes worded as staff notices, through Babel.

The core says what went wrong (a code and parameters); this module says it to a
member of staff, who may have to explain it to the resident in front of them. Each
table has an entry for every code or reason of its kind (a test keeps them so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    ForbiddenAction,
    GroupLimit,
    InputProblem,
    LotteryApplicationProblem,
    LotteryChoiceProblem,
    LotteryDrawProblem,
    NotAllowedProblem,
    PasswordWeakness,
    ReasonFor,
    ReservationError,
)

from .. import formatting
from ..i18n import current_locale
from . import words


def _day(value) -> str:
    return formatting.format_date(value, current_locale()) if isinstance(value, date) else ""


def _moment(value) -> str:
    if isinstance(value, datetime):
        return formatting.format_datetime(
            value.astimezone(services.town_timezone()), current_locale()
        )
    return ""


# What to fill in, by form field, when the core found it empty.
REQUIRED = {
    "name": lambda: _("Enter the resident's name"),
    "name_kana": lambda: _("Enter the name in kana"),
    "exemption_evidence": lambda: _("Choose the document you saw for the exemption"),
    "blocks": lambda: _("Choose at least one time block"),
    "username": lambda: _("Enter a username"),
    "display_name": lambda: _("Enter the name shown in the audit trail"),
    "reason": lambda: _("Write the reason"),
    "representative": lambda: _("Enter the representative's registration number"),
    "access_code": lambda: _("Type the keybox code from the resident's slip"),
}

# A value the core did not take, by (field, problem); what no entry matches is
# "Check this field".
INVALID = {
    ("username", InputProblem.TAKEN): lambda params: _("That username is already in use"),
    ("password", InputProblem.TOO_SHORT): lambda params: _too_short(params),
    ("new_password", InputProblem.TOO_SHORT): lambda params: _too_short(params),
    ("new_password", InputProblem.UNCHANGED): lambda params: _(
        "Choose a password different from the current one"
    ),
    ("current_password", InputProblem.WRONG): lambda params: _("The current password is not right"),
}

# Whatever the problem, for these fields.
INVALID_FIELD = {
    "phone": lambda: _("Enter a Japanese phone number, like 0166-12-3456 or 090-1234-5678"),
    "exemption_evidence": lambda: _("Choose the document you saw from the list"),
    "blocks": lambda: _("Choose each time block once"),
    "purpose": lambda: _("Choose what the group does from the list"),
    "category": lambda: _("Choose a category from the list"),
    "role": lambda: _("Choose a role from the list"),
    "map_url": lambda: _("Enter a map address starting with https://"),
}


# Why a staff password is too easy to guess, as the page says it.
PASSWORD_WEAKNESS: dict[PasswordWeakness, Callable[[], str]] = {
    PasswordWeakness.COMMON: lambda: _(
        "It is a common password or word, or one with a small change"
    ),
    PasswordWeakness.NAME: lambda: _("It contains the username or the staff member's name"),
    PasswordWeakness.KEYBOARD: lambda: _("It is a row or pattern of keys on the keyboard"),
    PasswordWeakness.REPEAT: lambda: _("It repeats characters or groups of characters"),
    PasswordWeakness.SEQUENCE: lambda: _("It is a sequence such as abcdef or 13579"),
    PasswordWeakness.DATE: lambda: _("It contains a date or a recent year"),
    PasswordWeakness.GUESSABLE: lambda: _("It is too plain"),
}


def _too_weak(params: dict) -> str:
    reason = PASSWORD_WEAKNESS.get(
        params.get("weakness"), PASSWORD_WEAKNESS[PasswordWeakness.GUESSABLE]
    )
    return _(
        "This password is too easy to guess: %(reason)s. Use four or more unrelated words, "
        "or a longer mix of letters, digits and signs.",
        reason=reason(),
    )


def _too_short(params: dict) -> str:
    return _(
        "The password must be at least %(minimum)s characters",
        minimum=params.get("minimum", services.STAFF_PASSWORD_MIN_LENGTH),
    )


def _invalid_input(error: ReservationError) -> str:
    field, problem = error.params.get("field", ""), error.params.get("problem")
    if problem == InputProblem.REQUIRED:
        return REQUIRED.get(field, lambda: _("Fill in this field"))()
    if problem == InputProblem.TOO_LONG:
        return _("Write at most %(maximum)s characters", maximum=error.params.get("maximum"))
    if problem == InputProblem.NOT_KANA:
        return _(
            "Write the reading in hiragana or katakana (long-vowel marks and spaces may be used)"
        )
    if problem == InputProblem.TOO_WEAK:
        return _too_weak(error.params)
    if (field, problem) == ("declared_members", InputProblem.OUT_OF_RANGE):
        return _(
            "The declared number of members must be at least the number on the roster (%(minimum)s)",
            minimum=error.params.get("minimum"),
        )
    if (field, problem) == ("resident_members", InputProblem.OUT_OF_RANGE):
        return _(
            "The members living in town must be between 0 and the declared members (%(maximum)s)",
            maximum=error.params.get("maximum"),
        )
    if (field, problem) == ("last_day", InputProblem.OUT_OF_RANGE):
        return _(
            "Choose a day from today up to the date of use (%(date)s)",
            date=_day(error.params.get("maximum")),
        )
    if field in INVALID_FIELD:
        return INVALID_FIELD[field]()
    if (field, problem) in INVALID:
        return INVALID[(field, problem)](error.params)
    return _("Check this field")


def _facility_closed(error: ReservationError) -> str:
    note = error.params.get("note")
    if note:
        return _(
            "The facility is closed on %(date)s (%(note)s).",
            date=_day(error.params.get("date")),
            note=note,
        )
    return _("The facility is closed on %(date)s.", date=_day(error.params.get("date")))


def _account_locked(error: ReservationError) -> str:
    until = error.params.get("until")
    if until is not None:
        return _(
            "This account is locked after too many wrong passwords. Try again after %(until)s, or ask an administrator.",
            until=_moment(until),
        )
    return _("This account is locked after too many wrong passwords. Ask an administrator.")


FORBIDDEN: dict[ForbiddenAction, Callable[[], str]] = {
    ForbiddenAction.OVERRIDE: lambda: _(
        "Only an administrator may override the booking window or the limit."
    ),
    ForbiddenAction.STAFF_INACTIVE: lambda: _("Your staff account is not active."),
    ForbiddenAction.CHANGE_PASSWORD_FIRST: lambda: _("Choose your own password before going on."),
    ForbiddenAction.ADMIN_ONLY: lambda: _("Only an administrator may do this."),
    ForbiddenAction.STAFF_ONLY: lambda: _("Only an administrator may do this."),
    ForbiddenAction.OTHER_RESIDENT: lambda: _("Only an administrator may do this."),
    ForbiddenAction.IDEMPOTENCY_KEY: lambda: _("Only an administrator may do this."),
    ForbiddenAction.OTHER_FACILITY: lambda: _(
        "This facility is not one of yours. You can open the day lists of your own facilities only."
    ),
    ForbiddenAction.STATISTICS_ONLY: lambda: _(
        "Only administrators and statistics staff may see the statistics."
    ),
}

REASON_REQUIRED: dict[ReasonFor, Callable[[], str]] = {
    ReasonFor.OVERRIDE: lambda: _("Write the reason for the override"),
    ReasonFor.STAFF_CHANGE: lambda: _("Write the reason"),
    ReasonFor.EXEMPTION: lambda: _("Write the reason for the exemption decision"),
    ReasonFor.GROUP_STATUS: lambda: _("Write the reason"),
    ReasonFor.NO_SHOW_RESTRICTION: lambda: _(
        "Write why the counter books despite the no-show rule"
    ),
    ReasonFor.HOLD_EXTENSION: lambda: _("Write the reason for the extension"),
    ReasonFor.SIGN_IN_STOP: lambda: _("Write why sign-in is stopped"),
}

NOT_ALLOWED: dict[NotAllowedProblem, Callable[[], str]] = {
    NotAllowedProblem.PAID_FEE_DIFFERS: lambda: _(
        "This reservation is paid and the new choice has a different fee. Cancel it and book again instead."
    ),
    NotAllowedProblem.NOT_UNPAID: lambda: _("This reservation is not waiting for payment."),
    NotAllowedProblem.OWN_ACCOUNT: lambda: _(
        "You cannot do this to your own account. Ask another administrator."
    ),
    NotAllowedProblem.LAST_ADMIN: lambda: _(
        "This is the last active administrator. Make another member of staff an administrator first."
    ),
    NotAllowedProblem.GROUP_STATUS: lambda: _(
        "The group's status does not allow this. Reload the page to see where it stands."
    ),
    NotAllowedProblem.NOT_HELD: lambda: _(
        "This reservation is not a hold waiting for payment, so its due time cannot change."
    ),
    NotAllowedProblem.REFUND_PAID_OUT: lambda: _(
        "This refund is already paid out. Reload the page to see when and by whom."
    ),
}

GROUP_LIMITS: dict[GroupLimit, Callable[[dict], str]] = {
    GroupLimit.CATEGORY: lambda params: _(
        "%(group)s already holds %(maximum)s upcoming bookings of this kind of facility, the most a group may. Only an administrator may override this, with a written reason.",
        group=params.get("group"),
        maximum=params.get("maximum"),
    ),
    GroupLimit.MONTH: lambda params: _(
        "%(group)s already has %(maximum)s bookings in %(month)s, the most a group may make in one month. Only an administrator may override this, with a written reason.",
        group=params.get("group"),
        maximum=params.get("maximum"),
        month=formatting.format_month(params["month"], current_locale())
        if isinstance(params.get("month"), date)
        else "",
    ),
    GroupLimit.ACTIVE: lambda params: _(
        "%(group)s already holds %(maximum)s upcoming bookings, the most a group may. Only an administrator may override this, with a written reason.",
        group=params.get("group"),
        maximum=params.get("maximum"),
    ),
}


def _group_not_active(error: ReservationError) -> str:
    status = error.params.get("status")
    if status == services.GroupStatus.EXPIRED:
        return _(
            "The registration of %(group)s ended on %(date)s. Renew it first.",
            group=error.params.get("group"),
            date=_day(error.params.get("valid_until")),
        )
    return _(
        "%(group)s cannot do this: it is %(status)s.",
        group=error.params.get("group"),
        status=words.word(words.GROUP_STATUSES, status),
    )


def _invalid_range(error: ReservationError) -> str:
    maximum = error.params.get("max_days")
    if maximum:
        return _(
            "Choose a period from an earlier to a later date, of at most %(days)s days.",
            days=maximum,
        )
    return _("The end date must be on or after the start date")


_USE_STATES = {
    services.UseState.USED: lambda: _("used"),
    services.UseState.NO_SHOW: lambda: _("not used (no-show)"),
}


def _use_already_recorded(error: ReservationError) -> str:
    state = _USE_STATES.get(error.params.get("state"), lambda: "")()
    return _(
        "This booking is already recorded as %(state)s (%(at)s). Nothing was changed.",
        state=state,
        at=_moment(error.params.get("recorded_at")),
    )


def _access_code_wrong(error: ReservationError) -> str:
    left = error.params.get("attempts_left", 0)
    if left:
        return _(
            "That is not this booking's keybox code. %(left)s more tries, then it locks.",
            left=left,
        )
    return _(
        "The keybox code was wrong three times and is locked for this booking. Check the resident's slip, or ask the counter to record the use."
    )


def _no_show_restricted(error: ReservationError) -> str:
    return _(
        "This resident or group did not come to %(count)s bookings within %(months)s months: no online booking until %(until)s. The counter can still book, with a written reason.",
        count=error.params.get("count"),
        months=error.params.get("months"),
        until=_day(error.params.get("until")),
    )


def _nothing_changed(error: ReservationError) -> str:
    return _("That could not be done. Nothing was changed.")


WORDINGS: dict[ErrorCode, Callable[[ReservationError], str]] = {
    ErrorCode.INVALID_INPUT: _invalid_input,
    ErrorCode.NOT_FOUND: lambda error: _(
        "That record was not found. It may have been typed wrongly."
    ),
    ErrorCode.INVALID_RANGE: _invalid_range,
    ErrorCode.SLOT_TAKEN: lambda error: _(
        "Someone else has just booked one of these time blocks. Choose other blocks."
    ),
    ErrorCode.FACILITY_CLOSED: _facility_closed,
    ErrorCode.BLOCK_NOT_OFFERED: lambda error: _(
        "One of the chosen time blocks is not offered on that day."
    ),
    ErrorCode.BLOCKS_NOT_CONSECUTIVE: lambda error: _(
        "Choose time blocks that follow one another, with no gap."
    ),
    ErrorCode.TOO_MANY_BLOCKS: lambda error: _(
        "One reservation can have at most %(maximum)s time blocks here.",
        maximum=error.params.get("maximum"),
    ),
    ErrorCode.IN_PAST: lambda error: _("That time has already started or passed."),
    ErrorCode.NOT_OPEN_YET: lambda error: _(
        "Booking for %(date)s opens at %(opens_at)s. Only an administrator may book it earlier, with a written reason.",
        date=_day(error.params.get("date")),
        opens_at=_moment(error.params.get("opens_at")),
    ),
    ErrorCode.BOOKING_CLOSED: lambda error: _(
        "Booking for %(date)s closed at %(closes_at)s. Only an administrator may book it now, with a written reason.",
        date=_day(error.params.get("date")),
        closes_at=_moment(error.params.get("closes_at")),
    ),
    ErrorCode.LIMIT_REACHED: lambda error: _(
        "This resident already holds %(maximum)s upcoming reservations of this kind of facility, the most allowed. Only an administrator may override this, with a written reason.",
        maximum=error.params.get("maximum"),
    ),
    ErrorCode.TOO_LATE_TO_CANCEL: lambda error: _("The cancellation deadline has passed."),
    ErrorCode.ALREADY_CANCELLED: lambda error: _("This reservation is already cancelled."),
    ErrorCode.INVALID_CREDENTIALS: lambda error: (
        _(
            "The username or password is not right. If the next try is wrong too, sign-in from this computer will have to wait a while."
        )
        if error.params.get("attempts_left") == 1
        else _("The username or password is not right.")
    ),
    ErrorCode.ACCOUNT_LOCKED: _account_locked,
    ErrorCode.TOO_MANY_ATTEMPTS: lambda error: _(
        "A wrong username or password was entered too many times from this computer. Try again after %(until)s.",
        until=_moment(error.params["until"]),
    ),
    ErrorCode.FORBIDDEN: lambda error: FORBIDDEN[error.params["action"]](),
    ErrorCode.REASON_REQUIRED: lambda error: REASON_REQUIRED[error.params["action"]](),
    ErrorCode.POSSIBLE_DUPLICATE: lambda error: _(
        "A resident with the same phone number, or the same name and kana, is already registered. Check the list below."
    ),
    ErrorCode.NOT_ALLOWED: lambda error: NOT_ALLOWED[error.params["problem"]](),
    # Staff act for the resident: a resident's own reservation is never someone else's.
    ErrorCode.NOT_YOUR_RESERVATION: _nothing_changed,
    ErrorCode.TOO_FEW_MEMBERS: lambda error: _(
        "A group needs at least %(minimum)s registered residents on its roster; this one has %(count)s. Add members from the resident search.",
        minimum=error.params.get("minimum"),
        count=error.params.get("count"),
    ),
    ErrorCode.NOT_REGISTERED: lambda error: _(
        "“%(number)s” is no registered resident's number. Find the person with the search, or register them first.",
        number=error.params.get("registration_no", ""),
    ),
    ErrorCode.ALREADY_A_MEMBER: lambda error: _(
        "The resident %(number)s is already on the roster.",
        number=error.params.get("registration_no", ""),
    ),
    ErrorCode.GROUP_NAME_TAKEN: lambda error: _(
        "A group with this name is already registered (group number %(number)s). Open that group instead, or choose another name.",
        number=error.params.get("number", ""),
    ),
    ErrorCode.GROUP_OVERLAP: lambda error: _(
        "This roster shares %(shared)s or more members with group %(groups)s. Check that it is a different group, then tick the box below to register it anyway.",
        shared=error.params.get("shared"),
        groups=", ".join(error.params.get("groups", [])),
    ),
    ErrorCode.OUTSIDE_RENEWAL_WINDOW: lambda error: _(
        "Renewal opens on %(opens_on)s for a registration valid until %(valid_until)s.",
        opens_on=_day(error.params.get("opens_on")),
        valid_until=_day(error.params.get("valid_until")),
    ),
    ErrorCode.LAST_REPRESENTATIVE: lambda error: _(
        "The group's only representative cannot be removed or given another role. Name another representative first."
    ),
    ErrorCode.GROUP_NOT_ACTIVE: _group_not_active,
    ErrorCode.GROUP_VALIDITY_ENDS: lambda error: _(
        "The registration of %(group)s ends on %(valid_until)s, before %(date)s. Book that date after renewing the group (renewal opens on %(renewal)s).",
        group=error.params.get("group"),
        valid_until=_day(error.params.get("valid_until")),
        date=_day(error.params.get("date")),
        renewal=_day(error.params.get("renewal_opens")),
    ),
    ErrorCode.NOT_A_MEMBER: lambda error: _(
        "This resident is not on the roster of %(group)s.", group=error.params.get("group")
    ),
    ErrorCode.GROUP_LIMIT_REACHED: lambda error: GROUP_LIMITS[error.params["limit"]](error.params),
    ErrorCode.GROUP_ROLE_REQUIRED: lambda error: _(
        "Only the representative or a contact of %(group)s may cancel this booking.",
        group=error.params.get("group"),
    ),
    ErrorCode.FEE_SETTLED: lambda error: _(
        "This booking's fee is already paid or settled, so its exemption cannot change."
    ),
    ErrorCode.SERIES_LAST_BEFORE_FIRST: lambda error: _(
        "The last date (%(last)s) is before the first (%(first)s). Check the dates.",
        last=_day(error.params.get("last")),
        first=_day(error.params.get("first")),
    ),
    ErrorCode.SERIES_TOO_LONG: lambda error: _(
        "A series stays within one season: its last date can be %(date)s at the latest.",
        date=_day(error.params.get("season_end")),
    ),
    ErrorCode.SERIES_WEEKDAY_CLOSED: lambda error: _(
        "The facility never opens these times on %(weekday)s. Choose other weekdays or times.",
        weekday=words.weekday_name(error.params.get("weekday", -1)),
    ),
    ErrorCode.SERIES_EMPTY: lambda error: _(
        "No date is left to book: all %(count)s dates would be skipped. "
        "Check the dates, the weekdays and the dates to skip.",
        count=error.params.get("skipped", 0),
    ),
    ErrorCode.SERIES_CONFLICT: lambda error: _(
        "Nothing was booked: since the preview, these dates can no longer be booked: "
        "%(dates)s. Look at the preview again.",
        dates=_skipped_dates(error.params.get("dates", [])),
    ),
    ErrorCode.SERIES_LIMIT_REACHED: lambda error: _(
        "%(group)s already has %(maximum)s series in the season from %(date)s, the most allowed.",
        group=error.params.get("group", ""),
        maximum=error.params.get("maximum", ""),
        date=_day(error.params.get("season_start")),
    ),
    ErrorCode.SERIES_OVERLAP: lambda error: _(
        "Prepared series want the same times: %(overlaps)s. Resolve them on the season's "
        "page, then commit the season.",
        overlaps=_overlaps(error.params.get("overlaps", [])),
    ),
    ErrorCode.SERIES_NOT_EDITABLE: lambda error: _(
        "Series %(series)s cannot be changed this way in its present state.",
        series=error.params.get("series", ""),
    ),
    ErrorCode.SERIES_OUTSIDE_SEASON: lambda error: _(
        "A series of %(season)s begins within it, from %(start)s to %(end)s.",
        season=error.params.get("season", ""),
        start=_day(error.params.get("start")),
        end=_day(error.params.get("end")),
    ),
    ErrorCode.SEASON_EXISTS: lambda error: _(
        "There is a season for that year or of that name already: %(season)s.",
        season=error.params.get("season", ""),
    ),
    ErrorCode.SEASON_CLOSED: lambda error: _(
        "%(season)s is committed already: its series are booked and it cannot change.",
        season=error.params.get("season", ""),
    ),
    ErrorCode.SEASON_EMPTY: lambda error: _(
        "%(season)s has no series to commit. Add the series first.",
        season=error.params.get("season", ""),
    ),
    ErrorCode.SEASON_CHANGED: lambda error: _(
        "Nothing was booked: the series of %(season)s changed since you looked at them. "
        "Check the season again, then commit it.",
        season=error.params.get("season", ""),
    ),
    ErrorCode.IN_THE_WAY: lambda error: _in_the_way(error.params),
    ErrorCode.UNAVAILABLE: lambda error: _unavailable(error.params),
    ErrorCode.USE_ALREADY_RECORDED: _use_already_recorded,
    ErrorCode.USE_NOT_YET: lambda error: _(
        "Use can be recorded from the booking's day, and a no-show only once it has started (%(starts_at)s).",
        starts_at=_moment(error.params.get("starts_at")),
    ),
    ErrorCode.ACCESS_CODE_WRONG: _access_code_wrong,
    ErrorCode.NO_SHOW_RESTRICTED: _no_show_restricted,
    ErrorCode.WAITLIST_LIMIT_REACHED: lambda error: _(
        "They already wait for %(maximum)d slots in %(month)s, the most allowed; they can "
        "leave one of those first.",
        maximum=error.params.get("maximum", 0),
        month=formatting.format_month(error.params["month"], current_locale())
        if error.params.get("month")
        else "",
    ),
    ErrorCode.WAITLIST_REFUSED: lambda error: _waitlist_refused(error.params.get("problem")),
    ErrorCode.OFFER_CLOSED: lambda error: (
        _("The offer's time to accept has passed; the slot went to the next waiter.")
        if error.params.get("status") == services.WaitlistStatus.EXPIRED
        else _("This waiting-list entry was closed: the resident may no longer book the slot.")
        if error.params.get("status") == services.WaitlistStatus.CLOSED
        else _("This offer has already been answered.")
    ),
    ErrorCode.LOTTERY_FIRST: lambda error: _(
        "This unit is allocated by lottery for %(date)s: first come first served opens at "
        "%(release)s (an administrator can override).",
        date=_day(error.params.get("date")),
        release=_moment(error.params.get("release_at")),
    ),
    ErrorCode.LOTTERY_CLOSED: lambda error: _(
        "The round takes applications from %(opens)s until %(closes)s only.",
        opens=_moment(error.params.get("opens_at")),
        closes=_moment(error.params.get("closes_at")),
    ),
    ErrorCode.LOTTERY_CHOICE_REFUSED: lambda error: _lottery_choice_refused(error.params),
    ErrorCode.LOTTERY_APPLICATION_REFUSED: lambda error: _lottery_application_refused(error.params),
    ErrorCode.LOTTERY_DRAW_REFUSED: lambda error: LOTTERY_DRAW[error.params["problem"]](
        error.params
    ),
    ErrorCode.LOTTERY_WIN_CLOSED: lambda error: _lottery_win_closed(error.params),
    ErrorCode.HOLD_EXPIRED: lambda error: _(
        "The payment for reservation %(number)s was due by %(due)s: it can no longer be "
        "paid. If it is not cancelled yet, an administrator can extend the due time first.",
        number=error.params.get("number", ""),
        due=_moment(error.params["due_at"]) if error.params.get("due_at") else "",
    ),
}


def _lottery_choice_refused(params) -> str:
    problem = params.get("problem")
    if problem == LotteryChoiceProblem.NONE:
        return _("Enter at least one choice.")
    if problem == LotteryChoiceProblem.TOO_MANY:
        return _(
            "An application has at most %(maximum)d choices.", maximum=params.get("maximum", 0)
        )
    if problem == LotteryChoiceProblem.NOT_IN_ROUND:
        return _("That unit is not in this lottery round.")
    if problem == LotteryChoiceProblem.OUTSIDE_MONTH:
        month = params.get("month")
        return _(
            "This round allocates %(month)s only.",
            month=formatting.format_month(month, current_locale()) if month else "",
        )
    return _("The same unit, date and blocks are chosen twice.")


def _lottery_application_refused(params) -> str:
    problem = params.get("problem")
    if problem == LotteryApplicationProblem.ALREADY_APPLIED:
        return _(
            "They have applied to this round already (receipt %(receipt)s): change that "
            "application instead.",
            receipt=params.get("receipt", ""),
        )
    if problem == LotteryApplicationProblem.WITHDRAWN:
        return _("This application was withdrawn: it cannot be made again or changed.")
    return _(
        "Only the representative or a contact of %(group)s may apply for it.",
        group=params.get("group", ""),
    )


LOTTERY_DRAW = {
    LotteryDrawProblem.NOT_CLOSED: lambda params: _(
        "The application period ends at %(closes)s: the round can be drawn after that.",
        closes=_moment(params.get("closes_at")),
    ),
    LotteryDrawProblem.ALREADY_DRAWN: lambda params: _(
        "This round was drawn at %(drawn)s: a draw runs once.",
        drawn=_moment(params.get("drawn_at")),
    ),
    LotteryDrawProblem.NO_COMMITMENT: lambda params: _(
        "No seed commitment was published for this round."
    ),
    LotteryDrawProblem.COMMITTED: lambda params: _(
        "The seed commitment is published already: it cannot change."
    ),
    LotteryDrawProblem.LATE_COMMITMENT: lambda params: _(
        "The application period has ended: it is too late to publish a commitment."
    ),
    LotteryDrawProblem.NOT_REVEALED: lambda params: _("The seed has not been revealed yet."),
    LotteryDrawProblem.REVEALED: lambda params: _("The seed is revealed already."),
    LotteryDrawProblem.REVEAL_TOO_EARLY: lambda params: _(
        "The seed is revealed only after the application period ends (%(closes)s).",
        closes=_moment(params.get("closes_at")),
    ),
    LotteryDrawProblem.SEED_MISMATCH: lambda params: _(
        "That seed's SHA-256 is not the published commitment."
    ),
}


def _lottery_win_closed(params) -> str:
    answer = params.get("answer")
    if answer == services.LotteryAnswer.EXPIRED:
        return _("The confirmation deadline of this win has passed; its hold was cancelled.")
    if answer in (services.LotteryAnswer.CONFIRMED, services.LotteryAnswer.DECLINED):
        return _("This win has already been confirmed or declined.")
    return _("This choice was not won.")


def _waitlist_refused(problem) -> str:
    if problem == services.WaitlistProblem.SLOT_FREE:
        return _("The slot is free: book it instead of joining the waiting list.")
    if problem == services.WaitlistProblem.OWN_SLOT:
        return _("They (or their group) hold this slot already.")
    return _("They are on the waiting list for this slot already.")


def _skipped_dates(dates: list[dict]) -> str:
    return _(", ").join(
        f"{_day(item['date'])} ({words.skip_text(item['reason'], None, item.get('number'))})"
        for item in dates
    )


def _overlaps(overlaps: list[dict]) -> str:
    return _(", ").join(
        _(
            "series %(first)s and %(second)s on %(dates)s",
            first=item["series"][0],
            second=item["series"][1],
            dates=_(", ").join(_day(day) for day in item["dates"][:3]),
        )
        for item in overlaps
    )


def _in_the_way(params: dict) -> str:
    if params.get("series"):
        return _(
            "Dates of a series stand in the way: %(numbers)s. A staff block never cancels "
            "them: cancel those dates on their series first, or choose other times.",
            numbers=_(", ").join(params["series"]),
        )
    return _(
        "Reservations stand in the way: %(numbers)s. Tick the box to cancel them (with a "
        "reason: the residents are told), or choose other times.",
        numbers=_(", ").join(params.get("numbers", [])),
    )


def _unavailable(params: dict) -> str:
    if params.get("note"):
        return _(
            "This time cannot be used on %(date)s: %(note)s",
            date=_day(params.get("date")),
            note=params["note"],
        )
    return _(
        "This time cannot be used on %(date)s (the town uses it).", date=_day(params.get("date"))
    )


def describe(error: ReservationError) -> str:
    """One sentence for staff, in the page's language."""
    return WORDINGS[error.code](error)
