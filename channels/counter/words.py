"""The core's codes (channels, actions, statuses, evidence kinds) in staff words."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reservations import services

from ..i18n import current_locale
from ..ui import PURPOSES

CHANNELS = {
    "web": _l("Web"),
    "phone": _l("Telephone"),
    "counter": _l("Counter"),
    "cli": _l("System"),
}

ACTIONS = {
    "reservation.book": _l("Booked"),
    "reservation.change": _l("Changed"),
    "reservation.cancel": _l("Cancelled"),
    "reservation.payment": _l("Payment recorded"),
    "resident.register": _l("Resident registered"),
    "resident.pin_set": _l("PIN set"),
    "resident.unlock": _l("Sign-in unlocked"),
    "resident.sign_in_stop": _l("Sign-in stopped by staff"),
    "resident.callback_requested": _l("Sign-in callback asked for by phone"),
    "resident.callback_failed": _l("Sign-in callback could not be placed"),
    "resident.callback_disowned": _l("Sign-in callback answered: they had not asked for it"),
    "resident.sign_in_stop_lift": _l("Sign-in stop lifted"),
    "resident.locked": _l("Sign-in locked after wrong PINs"),
    "resident.sign_out": _l("Signed out on the web (every session ended)"),
    "resident.sessions_end": _l("Every web session ended"),
    "resident.session_expired": _l("Web session ended by its time limit"),
    "staff.create": _l("Staff account created"),
    "staff.locked": _l("Staff account locked after wrong passwords"),
    "staff.sign_in": _l("Signed in at the counter"),
    "staff.sign_out": _l("Signed out"),
    "staff.session_expired": _l("Signed out after a time without activity"),
    "staff.sessions_end": _l("Every session of the account ended"),
    "staff.password_change": _l("Own password changed"),
    "staff.password_reset": _l("Staff password reset (temporary)"),
    "staff.unlock": _l("Staff account unlocked"),
    "staff.role_change": _l("Staff role changed"),
    "staff.sign_in_stop": _l("Staff sign-in stopped"),
    "staff.sign_in_stop_lift": _l("Staff sign-in stop lifted"),
    "staff.deactivate": _l("Staff account deactivated"),
    "staff.reactivate": _l("Staff account reactivated"),
    "closure.add": _l("Closure added"),
    "reservation.use": _l("Use recorded (used or no-show)"),
    "caretaker.facilities": _l("Caretaker's facilities changed"),
    "reservation.exemption": _l("Exemption decided by staff"),
    "group.register": _l("Group registered"),
    "group.renew": _l("Group renewed"),
    "group.suspend": _l("Group suspended"),
    "group.dissolve": _l("Group dissolved"),
    "group.reinstate": _l("Group reinstated"),
    "group.member_add": _l("Member added to a group"),
    "group.member_remove": _l("Member removed from a group"),
    "group.member_role": _l("Member's role in a group changed"),
    "series.commit": _l("Series booked"),
    "series.extend": _l("Series extended"),
    "series.cancel_from": _l("Series cancelled from a date"),
    "series.draft": _l("Series prepared for a season"),
    "series.withdraw": _l("Prepared series withdrawn"),
    "season.create": _l("Allocation season opened"),
    "season.commit": _l("Allocation season committed"),
}

WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]

SERIES_FEE_RULES = {
    services.SeriesFeeRule.STANDARD: _l("As decided for each date (the category's exemption)"),
    services.SeriesFeeRule.GRANTED: _l("Grant an exemption category to every date"),
    services.SeriesFeeRule.REFUSED: _l("No exemption on any date"),
}

SERIES_STATUSES = {
    services.SeriesStatus.DRAFT: _l("Prepared (not booked yet)"),
    services.SeriesStatus.COMMITTED: _l("Booked"),
    services.SeriesStatus.CANCELLED: _l("Cancelled"),
}

SEASON_STATUSES = {
    services.SeasonStatus.PREPARING: _l("Being prepared (nothing booked yet)"),
    services.SeasonStatus.COMMITTED: _l("Committed (its series are booked)"),
}

SKIP_REASONS = {
    services.SkipReason.WEEKLY: _l("Regular closing day"),
    services.SkipReason.HOLIDAY: _l("National holiday"),
    services.SkipReason.MOVED_CLOSED_DAY: _l("Closing day moved after a holiday"),
    services.SkipReason.YEAR_END: _l("New Year holidays (年末年始)"),
    services.SkipReason.CLOSURE: _l("Closed"),
    services.SkipReason.NOT_OFFERED: _l("Outside the facility's opening"),
    services.SkipReason.TAKEN: _l("Already taken"),
    services.SkipReason.BLOCKED: _l("Used by the town (行政使用)"),
    services.SkipReason.PAST: _l("Already begun"),
    services.SkipReason.EXCEPTION: _l("Asked to be skipped"),
}

GROUP_STATUSES = {
    services.GroupStatus.ACTIVE: _l("Active"),
    services.GroupStatus.EXPIRED: _l("Expired (renewal needed)"),
    services.GroupStatus.SUSPENDED: _l("Suspended"),
    services.GroupStatus.DISSOLVED: _l("Dissolved"),
}

MEMBER_ROLES = {
    services.MemberRole.REPRESENTATIVE: _l("Representative"),
    services.MemberRole.CONTACT: _l("Contact"),
    services.MemberRole.MEMBER: _l("Member"),
}

EXEMPTION_BASES = {
    services.ExemptionBasis.NONE: _l("No exemption"),
    services.ExemptionBasis.CATEGORY: _l("From the category"),
    services.ExemptionBasis.EVIDENCE_EXPIRED: _l("None: the document seen has expired"),
    services.ExemptionBasis.PURPOSE_NOT_COVERED: _l(
        "None: the category does not cover the group's purpose"
    ),
    services.ExemptionBasis.STAFF_GRANTED: _l("Granted by staff"),
    services.ExemptionBasis.STAFF_REFUSED: _l("Refused by staff"),
}

EVIDENCE = {
    "disability_certificate": _l("Physical disability certificate (身体障害者手帳)"),
    "rehabilitation_certificate": _l("Intellectual disability certificate (療育手帳)"),
    "mental_health_certificate": _l("Mental health certificate (精神障害者保健福祉手帳)"),
    "group_registration": _l("Group registration form (団体登録書)"),
    "club_roster": _l("Club member list (名簿)"),
    "cohost_decision": _l("Co-hosting decision notice (共催決定通知)"),
    "other": _l("Another document"),
}

BLOCK_STATUSES = {
    services.BlockStatus.FREE: _l("Free"),
    services.BlockStatus.TAKEN: _l("Booked by someone else"),
    services.BlockStatus.YOURS: _l("Booked by this resident"),
    services.BlockStatus.CLOSED: _l("Closed"),
    services.BlockStatus.NOT_OFFERED: _l("Not offered on this day"),
    services.BlockStatus.PAST: _l("Already started"),
    services.BlockStatus.NOT_OPEN_YET: _l("Booking not open yet"),
    services.BlockStatus.BOOKING_CLOSED: _l("Booking closed"),
    services.BlockStatus.WAITLISTED: _l("Freed, offered to the waiting list"),
    services.BlockStatus.UNAVAILABLE: _l("Not available (town use or closure)"),
    services.BlockStatus.LOTTERY: _l("By lottery (抽選): not yet first come first served"),
}

# A staff block's kind (行政使用), as the counter names it.
BLOCK_KINDS = {
    services.StaffBlockKind.TOWN_EVENT: _l("Town event"),
    services.StaffBlockKind.SCHOOL: _l("School use"),
    services.StaffBlockKind.MAINTENANCE: _l("Maintenance"),
    services.StaffBlockKind.ELECTION: _l("Election"),
    services.StaffBlockKind.OTHER: _l("Other town use"),
}

PAYMENTS = {
    services.UNPAID: _l("Not paid yet"),
    services.PAID: _l("Paid"),
    services.EXEMPT: _l("Exempt (no fee)"),
}

# What staff choose when they record a payment (services.RECORDABLE_PAYMENTS).
PAYMENT_CHOICES = {
    services.PAID: _l("Paid at the counter"),
    services.EXEMPT: _l("Exempt: no fee to pay"),
}

# The languages of a resident's SMS and calls (services.MESSAGE_LANGUAGES).
MESSAGE_LANGUAGES = {"ja": _l("Japanese"), "ja@easy": _l("Easy Japanese"), "en": _l("English")}

# How a refund (還付) was paid out (services.REFUND_METHODS).
REFUND_METHODS = {
    services.CASH: _l("In cash at the counter"),
    services.TRANSFER: _l("By bank transfer"),
}

REFUND_STATUSES = {
    services.REFUND_OWED: _l("Owed"),
    services.REFUND_PAID: _l("Paid out"),
}

ROLES = {
    services.CLERK: _l("Clerk"),
    services.ADMIN: _l("Administrator"),
    services.CARETAKER: _l("Caretaker"),
    services.STATISTICS: _l("Statistics (read only)"),
}

USE_STATES = {
    services.UseState.USED: _l("Used"),
    services.UseState.NO_SHOW: _l("No-show"),
}


def word(table: dict, code: str | None) -> str:
    """The word for a code, or the code itself when the table lacks it (old data)."""
    if code is None:
        return ""
    return str(table.get(code, code))


def weekday_name(weekday: int) -> str:
    return str(WEEKDAYS[weekday]) if 0 <= weekday < 7 else ""


def weekdays_text(weekdays) -> str:
    return _(", ").join(weekday_name(int(day)) for day in weekdays)


def skip_text(reason: str, detail: str | None = None, number: str | None = None) -> str:
    """Why a series date was skipped, with the holiday, the closure or the booking."""
    text = word(SKIP_REASONS, reason)
    if number:
        return _("%(reason)s (reservation %(number)s)", reason=text, number=number)
    if detail:
        return _("%(reason)s: %(detail)s", reason=text, detail=detail)
    return text


def closed_text(closed: services.ClosedDay) -> str:
    if closed.reason == services.ClosedReason.CLOSURE:
        note = (
            closed.note_en if current_locale() == "en" and closed.note_en else closed.note
        ) or ""
        return _("Closed: %(note)s", note=note)
    return {
        services.ClosedReason.WEEKLY: _("Closed: regular closing day"),
        services.ClosedReason.HOLIDAY: _("Closed: national holiday"),
        services.ClosedReason.MOVED_CLOSED_DAY: _("Closed: closing day moved after a holiday"),
        services.ClosedReason.YEAR_END: _("Closed: New Year holidays"),
    }.get(closed.reason, _("Closed"))


def template_helpers() -> dict:
    return {
        "channel_name": lambda code: word(CHANNELS, code),
        "action_name": lambda code: word(ACTIONS, code),
        "evidence_name": lambda code: word(EVIDENCE, code),
        "block_status_name": lambda code: word(BLOCK_STATUSES, code),
        "block_kind_name": lambda code: word(BLOCK_KINDS, code),
        "payment_name": lambda code: word(PAYMENTS, code),
        "role_name": lambda code: word(ROLES, code),
        "use_state_name": lambda code: word(USE_STATES, code),
        "group_status_name": lambda code: word(GROUP_STATUSES, code),
        "member_role_name": lambda code: word(MEMBER_ROLES, code),
        "purpose_name": lambda code: word(PURPOSES, code),
        "exemption_basis_name": lambda code: word(EXEMPTION_BASES, code),
        "closed_text": closed_text,
        "skip_text": skip_text,
        "series_status_name": lambda code: word(SERIES_STATUSES, code),
        "season_status_name": lambda code: word(SEASON_STATUSES, code),
        "fee_rule_name": lambda code: word(SERIES_FEE_RULES, code),
        "weekday_name": weekday_name,
        "weekdays_text": weekdays_text,
    }
