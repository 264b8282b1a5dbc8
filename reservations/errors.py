"""Errors the core raises: a stable code and parameters, never display text.

Every error has an `ErrorCode`, and so has every finer reason a channel words
(`InputProblem`, `NotAllowedProblem`, `ForbiddenAction`, `ReasonFor`). Each channel
turns them into its own wording (an error summary, a spoken re-prompt, a staff
notice), all through Babel, from one table per channel that a test keeps complete.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    """Why the core refused. The values are stable: the phone's call events and the
    logs keep them."""

    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    INVALID_RANGE = "invalid_range"
    SLOT_TAKEN = "slot_taken"
    FACILITY_CLOSED = "facility_closed"
    BLOCK_NOT_OFFERED = "block_not_offered"
    BLOCKS_NOT_CONSECUTIVE = "blocks_not_consecutive"
    TOO_MANY_BLOCKS = "too_many_blocks"
    IN_PAST = "in_past"
    NOT_OPEN_YET = "not_open_yet"
    BOOKING_CLOSED = "booking_closed"
    LIMIT_REACHED = "limit_reached"
    TOO_LATE_TO_CANCEL = "too_late_to_cancel"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_YOUR_RESERVATION = "not_your_reservation"
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_LOCKED = "account_locked"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    FORBIDDEN = "forbidden"
    REASON_REQUIRED = "reason_required"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    NOT_ALLOWED = "not_allowed"
    # Groups (団体) and exemptions per booking (減免).
    TOO_FEW_MEMBERS = "too_few_members"
    NOT_REGISTERED = "not_registered"
    ALREADY_A_MEMBER = "already_a_member"
    GROUP_NAME_TAKEN = "group_name_taken"
    GROUP_OVERLAP = "group_overlap"
    OUTSIDE_RENEWAL_WINDOW = "outside_renewal_window"
    LAST_REPRESENTATIVE = "last_representative"
    GROUP_NOT_ACTIVE = "group_not_active"
    GROUP_VALIDITY_ENDS = "group_validity_ends"
    NOT_A_MEMBER = "not_a_member"
    GROUP_LIMIT_REACHED = "group_limit_reached"
    GROUP_ROLE_REQUIRED = "group_role_required"
    FEE_SETTLED = "fee_settled"
    # Series (定期利用), allocation seasons, staff blocks (行政使用), partial closures.
    SERIES_LAST_BEFORE_FIRST = "series_last_before_first"
    SERIES_TOO_LONG = "series_too_long"
    SERIES_WEEKDAY_CLOSED = "series_weekday_closed"
    SERIES_EMPTY = "series_empty"
    SERIES_CONFLICT = "series_conflict"
    SERIES_LIMIT_REACHED = "series_limit_reached"
    SERIES_OVERLAP = "series_overlap"
    SERIES_NOT_EDITABLE = "series_not_editable"
    SERIES_OUTSIDE_SEASON = "series_outside_season"
    SEASON_EXISTS = "season_exists"
    SEASON_CLOSED = "season_closed"
    SEASON_EMPTY = "season_empty"
    SEASON_CHANGED = "season_changed"
    IN_THE_WAY = "in_the_way"
    UNAVAILABLE = "unavailable"
    # Use records (利用実績), keybox codes and the no-show rule.
    USE_ALREADY_RECORDED = "use_already_recorded"
    USE_NOT_YET = "use_not_yet"
    ACCESS_CODE_WRONG = "access_code_wrong"
    NO_SHOW_RESTRICTED = "no_show_restricted"
    # Holds (仮予約), payment, refunds.
    HOLD_EXPIRED = "hold_expired"
    # The waitlist (キャンセル待ち).
    WAITLIST_LIMIT_REACHED = "waitlist_limit_reached"
    WAITLIST_REFUSED = "waitlist_refused"
    OFFER_CLOSED = "offer_closed"
    # The lottery (抽選).
    LOTTERY_FIRST = "lottery_first"
    LOTTERY_CLOSED = "lottery_closed"
    LOTTERY_CHOICE_REFUSED = "lottery_choice_refused"
    LOTTERY_APPLICATION_REFUSED = "lottery_application_refused"
    LOTTERY_DRAW_REFUSED = "lottery_draw_refused"
    LOTTERY_WIN_CLOSED = "lottery_win_closed"


class InputProblem(StrEnum):
    """What is wrong with a value (`InvalidInput`'s ``problem``; ``field`` says which)."""

    REQUIRED = "required"  # empty
    UNKNOWN = "unknown"  # not one of the values the core knows
    INVALID = "invalid"  # not a valid value of its kind (a phone number)
    REPEATED = "repeated"  # the same time block twice
    FORMAT = "format"  # a PIN that is not four digits
    TOO_SIMPLE = "too_simple"  # 0000, 1234, 9876
    TOO_SHORT = "too_short"  # a password under the minimum (``minimum``)
    TOO_LONG = "too_long"  # longer than its column keeps (``maximum``, in characters)
    NOT_KANA = "not_kana"  # a reading that is not hiragana or katakana
    TOO_WEAK = "too_weak"  # a staff password zxcvbn scores under 3 (``weakness``)
    TAKEN = "taken"  # a username already in use
    UNCHANGED = "unchanged"  # a new password equal to the current one
    WRONG = "wrong"  # the current password, when changing it
    NAIVE = "naive"  # a time without a zone (a programming error)
    BOTH_RESIDENT_AND_STAFF = "both_resident_and_staff"  # an actor that is both
    OUT_OF_RANGE = "out_of_range"  # a count beyond what it can be (``minimum``, ``maximum``)


class PasswordWeakness(StrEnum):
    """Why a staff password is too easy to guess (``weakness`` of TOO_WEAK)."""

    COMMON = "common"  # a common password or word, or a small change of one
    NAME = "name"  # the username or the name, or close to them
    KEYBOARD = "keyboard"  # a row or pattern of keys (qwerty, 1qaz2wsx)
    REPEAT = "repeat"  # repeated characters or groups (aaaaaaaaaa, abcabc)
    SEQUENCE = "sequence"  # abcdef, 13579
    DATE = "date"  # a date or a recent year
    GUESSABLE = "guessable"  # nothing in particular: simply too short or too plain


class NotAllowedProblem(StrEnum):
    """A change the state of things does not allow (`NotAllowed`'s ``problem``)."""

    PAID_FEE_DIFFERS = "paid_fee_differs"  # a paid reservation moved to another fee
    NOT_UNPAID = "not_unpaid"  # a payment for a reservation not waiting for one
    OWN_ACCOUNT = "own_account"  # an administrator acting on their own account
    LAST_ADMIN = "last_admin"  # the last active administrator demoted or deactivated
    GROUP_STATUS = "group_status"  # a group's status change its status does not allow
    NOT_HELD = "not_held"  # extending the due time of a booking that is not a hold
    REFUND_PAID_OUT = "refund_paid_out"  # recording the payout of a refund paid out already


class WaitlistProblem(StrEnum):
    """Why a slot cannot be waited for (`WaitlistRefused`'s ``problem``)."""

    SLOT_FREE = "slot_free"  # it is free: book it instead
    OWN_SLOT = "own_slot"  # the waiter (or their group) holds it already
    ALREADY_WAITING = "already_waiting"  # the waiter is in line for it already


class LotteryChoiceProblem(StrEnum):
    """Why a lottery choice cannot be taken (`LotteryChoiceRefused`'s ``problem``)."""

    NONE = "none"  # an application with no choice at all
    TOO_MANY = "too_many"  # more choices than the round allows (``maximum``)
    NOT_IN_ROUND = "not_in_round"  # a unit the round does not allocate
    OUTSIDE_MONTH = "outside_month"  # a date outside the round's month (``month``)
    REPEATED = "repeated"  # the same unit, date and blocks twice


class LotteryApplicationProblem(StrEnum):
    """Why an application cannot be made or changed (`LotteryApplicationRefused`)."""

    ALREADY_APPLIED = "already_applied"  # one per person (or group) per round (``receipt``)
    WITHDRAWN = "withdrawn"  # withdrawn already: it cannot be made again or changed
    GROUP_ROLE = "group_role"  # only the group's representative or a contact (``group``)


class LotteryDrawProblem(StrEnum):
    """Why a round cannot be drawn, or its seed set (`LotteryDrawRefused`)."""

    NOT_CLOSED = "not_closed"  # the application period has not ended (``closes_at``)
    ALREADY_DRAWN = "already_drawn"  # the draw ran already (``drawn_at``)
    NO_COMMITMENT = "no_commitment"  # no seed commitment was published
    COMMITTED = "committed"  # the commitment is published already: it cannot change
    LATE_COMMITMENT = "late_commitment"  # the period has ended: too late to commit
    NOT_REVEALED = "not_revealed"  # the seed was not revealed yet
    REVEALED = "revealed"  # the seed is revealed already
    REVEAL_TOO_EARLY = "reveal_too_early"  # revealed only after the period ends
    SEED_MISMATCH = "seed_mismatch"  # the revealed seed's SHA-256 is not the commitment


class ForbiddenAction(StrEnum):
    """What the actor may not do (`Forbidden`'s ``action``)."""

    STAFF_ONLY = "staff_only"  # a resident (or nobody) asking for a staff operation
    ADMIN_ONLY = "admin"  # a clerk asking for an administrator's operation
    STAFF_INACTIVE = "staff_inactive"  # a deactivated account
    CHANGE_PASSWORD_FIRST = "change_password_first"  # a temporary password
    OTHER_RESIDENT = "other_resident"  # a resident acting for someone else
    OVERRIDE = "override"  # lifting the window or the limit without being an admin
    IDEMPOTENCY_KEY = "idempotency_key"  # a key that belongs to another resident's request
    OTHER_FACILITY = "other_facility"  # a caretaker at a facility that is not theirs
    STATISTICS_ONLY = "statistics_only"  # the figures, for admins and statistics staff


class ReasonFor(StrEnum):
    """What needs a written reason (`ReasonRequired`'s ``action``)."""

    OVERRIDE = "override"  # an administrator's override of the window or the limit
    STAFF_CHANGE = "staff_change"  # staff changing or cancelling for a resident
    EXEMPTION = "exemption"  # staff granting or refusing the exemption of one booking
    GROUP_STATUS = "group_status"  # staff suspending, dissolving or reinstating a group
    NO_SHOW_RESTRICTION = "no_show_restriction"  # the counter booking despite the no-show rule
    HOLD_EXTENSION = "hold_extension"  # an administrator extending a hold's due time
    SIGN_IN_STOP = "sign_in_stop"  # staff stopping an account's sign-in


class GroupLimit(StrEnum):
    """Which of a group's own limits a booking would exceed (`GroupLimitReached`'s
    ``limit``)."""

    CATEGORY = "category"  # active future bookings in one kind of facility (``category``)
    MONTH = "month"  # bookings dated in one calendar month (``month``: its first day)
    ACTIVE = "active"  # active future bookings in all


class ReservationError(Exception):
    """The base of every refusal; each subclass has its code."""

    code: ClassVar[ErrorCode]

    def __init__(self, **params: Any) -> None:
        if not isinstance(getattr(type(self), "code", None), ErrorCode):
            raise TypeError(f"{type(self).__name__} has no ErrorCode")
        self.params = params
        super().__init__(self.code, params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code.value!r}, {self.params!r})"

    def __reduce__(self):  # keyword parameters survive pickling (worker processes)
        return _rebuild, (type(self), self.params)


def _rebuild(cls: type[ReservationError], params: dict[str, Any]) -> ReservationError:
    return cls(**params)


class NotFound(ReservationError):
    """A facility, unit, block, resident or reservation that does not exist (``what``)."""

    code = ErrorCode.NOT_FOUND


class InvalidInput(ReservationError):
    """A value a channel passed that the core cannot accept (``field``, ``problem``: an
    InputProblem)."""

    code = ErrorCode.INVALID_INPUT

    def __init__(self, *, field: str, problem: InputProblem, **params: Any) -> None:
        if not isinstance(problem, InputProblem):
            raise TypeError("InvalidInput's problem is an InputProblem")
        super().__init__(field=field, problem=problem, **params)


class InvalidRange(ReservationError):
    """A date range that is reversed or longer than the core will compute (``max_days``)."""

    code = ErrorCode.INVALID_RANGE


class SlotTaken(ReservationError):
    """Someone else holds one of the requested blocks (``date``, ``block_ids``)."""

    code = ErrorCode.SLOT_TAKEN


class FacilityClosed(ReservationError):
    """The facility is closed on that date (``date``, ``reason``, ``note``)."""

    code = ErrorCode.FACILITY_CLOSED


class BlockNotOffered(ReservationError):
    """A time block that the facility does not offer on that date (``block_id``)."""

    code = ErrorCode.BLOCK_NOT_OFFERED


class BlocksNotConsecutive(ReservationError):
    code = ErrorCode.BLOCKS_NOT_CONSECUTIVE


class TooManyBlocks(ReservationError):
    """More blocks than the facility allows in one reservation (``maximum``)."""

    code = ErrorCode.TOO_MANY_BLOCKS


class InPast(ReservationError):
    """A block that has already started."""

    code = ErrorCode.IN_PAST


class OutsideWindow(ReservationError):
    """The date is outside its booking window: one of the two below."""

    code: ClassVar[ErrorCode]


class NotOpenYet(OutsideWindow):
    """Booking for the date has not opened yet (``date``, ``opens_at``)."""

    code = ErrorCode.NOT_OPEN_YET


class BookingClosed(OutsideWindow):
    """Booking for the date has closed (``date``, ``closes_at``)."""

    code = ErrorCode.BOOKING_CLOSED


class LimitReached(ReservationError):
    """The resident already holds the most active reservations allowed in the category
    (``maximum``, ``category``)."""

    code = ErrorCode.LIMIT_REACHED


class TooLateToCancel(ReservationError):
    """The resident's cancellation deadline has passed (``deadline``, ``last_day``, and
    ``days_before``: how many days before the date the facility takes cancellations)."""

    code = ErrorCode.TOO_LATE_TO_CANCEL


class AlreadyCancelled(ReservationError):
    code = ErrorCode.ALREADY_CANCELLED


class NotYourReservation(ReservationError):
    code = ErrorCode.NOT_YOUR_RESERVATION


class InvalidCredentials(ReservationError):
    """Wrong registration number, PIN, username or password. Deliberately says nothing
    about which part was wrong or whether the account exists (``attempts_left``, when
    given: 1 means one more wrong one from this source makes it wait)."""

    code = ErrorCode.INVALID_CREDENTIALS


class AccountLocked(ReservationError):
    """Too many failed attempts (``until``: when it unlocks by itself, or None when only
    staff can unlock it)."""

    code = ErrorCode.ACCOUNT_LOCKED


class TooManyAttempts(ReservationError):
    """Too many wrong secrets from this source (a web address, a phone line, a call) for
    this registration number or username: it must wait until ``until``. Said alike
    whether the account exists or not."""

    code = ErrorCode.TOO_MANY_ATTEMPTS


class Forbidden(ReservationError):
    """The actor may not do this (``action``: a ForbiddenAction)."""

    code = ErrorCode.FORBIDDEN

    def __init__(self, *, action: ForbiddenAction, **params: Any) -> None:
        if not isinstance(action, ForbiddenAction):
            raise TypeError("Forbidden's action is a ForbiddenAction")
        super().__init__(action=action, **params)


class ReasonRequired(ReservationError):
    """Staff overrides and staff cancellations need a written reason (``action``: a
    ReasonFor)."""

    code = ErrorCode.REASON_REQUIRED

    def __init__(self, *, action: ReasonFor, **params: Any) -> None:
        if not isinstance(action, ReasonFor):
            raise TypeError("ReasonRequired's action is a ReasonFor")
        super().__init__(action=action, **params)


class PossibleDuplicate(ReservationError):
    """A resident with the same phone, or the same name and kana, is already registered
    (``matches``: their registration numbers)."""

    code = ErrorCode.POSSIBLE_DUPLICATE


class NotAllowed(ReservationError):
    """A change the state of things does not allow (``problem``: a NotAllowedProblem)."""

    code = ErrorCode.NOT_ALLOWED

    def __init__(self, *, problem: NotAllowedProblem, **params: Any) -> None:
        if not isinstance(problem, NotAllowedProblem):
            raise TypeError("NotAllowed's problem is a NotAllowedProblem")
        super().__init__(problem=problem, **params)


# ------------------------------------------------------------------------ groups


class TooFewMembers(ReservationError):
    """A group registered or renewed with fewer members on its roster than the town
    requires (``minimum``, ``count``)."""

    code = ErrorCode.TOO_FEW_MEMBERS


class NotRegistered(ReservationError):
    """A registration number that is no registered resident's, given as a group's
    representative, contact or member (``role``: a MemberRole, ``registration_no``)."""

    code = ErrorCode.NOT_REGISTERED


class AlreadyAMember(ReservationError):
    """The same resident added to a roster twice (``registration_no``)."""

    code = ErrorCode.ALREADY_A_MEMBER


class GroupNameTaken(ReservationError):
    """An active group already has this name (``number``: its registration number)."""

    code = ErrorCode.GROUP_NAME_TAKEN


class GroupOverlap(ReservationError):
    """The new roster shares ``shared`` or more members with active groups (``groups``:
    their registration numbers, ``shared``: the threshold): staff confirm it is another
    group."""

    code = ErrorCode.GROUP_OVERLAP


class OutsideRenewalWindow(ReservationError):
    """Renewal opens on ``opens_on`` for a registration valid until ``valid_until``."""

    code = ErrorCode.OUTSIDE_RENEWAL_WINDOW


class LastRepresentative(ReservationError):
    """The group's only representative cannot be removed or made a plain member until
    another representative is named."""

    code = ErrorCode.LAST_REPRESENTATIVE


class GroupNotActive(ReservationError):
    """The group cannot book now (``status``: a GroupStatus: expired, suspended or
    dissolved; ``group``: its name; ``valid_until``; ``renewal_opens``)."""

    code = ErrorCode.GROUP_NOT_ACTIVE


class GroupValidityEnds(ReservationError):
    """The group's registration ends (``valid_until``) before the booking's ``date``:
    that date can be booked once the group is renewed, from ``renewal_opens``."""

    code = ErrorCode.GROUP_VALIDITY_ENDS


class NotAMember(ReservationError):
    """The person is not (or no longer) a member of the group (``group``: its name)."""

    code = ErrorCode.NOT_A_MEMBER


class GroupLimitReached(ReservationError):
    """The group holds the most bookings its limits allow (``limit``: a GroupLimit,
    ``group``: its name, ``maximum``, and ``category`` or ``month`` for those limits)."""

    code = ErrorCode.GROUP_LIMIT_REACHED

    def __init__(self, *, limit: GroupLimit, **params: Any) -> None:
        if not isinstance(limit, GroupLimit):
            raise TypeError("GroupLimitReached's limit is a GroupLimit")
        super().__init__(limit=limit, **params)


class GroupRoleRequired(ReservationError):
    """A member may cancel only the group bookings the town's rule lets them (their
    own, by default); the representative and contacts may cancel any (``group``: its
    name, ``members_may``: the rule, a MembersMayCancel)."""

    code = ErrorCode.GROUP_ROLE_REQUIRED


class FeeSettled(ReservationError):
    """The booking's fee is paid or settled: its exemption can no longer change."""

    code = ErrorCode.FEE_SETTLED


# ------------------------------------------------------- series, blocks, closures


class SeriesLastBeforeFirst(ReservationError):
    """A series whose last date (``last``) is before its first (``first``)."""

    code = ErrorCode.SERIES_LAST_BEFORE_FIRST


class SeriesTooLong(ReservationError):
    """A series reaches beyond its season: it may run at most to ``season_end``, the
    last day of the season (年度) of its first date."""

    code = ErrorCode.SERIES_TOO_LONG


class SeriesWeekdayClosed(ReservationError):
    """The facility never opens the series' blocks on ``weekday`` (Monday = 0)."""

    code = ErrorCode.SERIES_WEEKDAY_CLOSED


class SeriesEmpty(ReservationError):
    """No date of the series is left to book once the skipped ones are taken out
    (``skipped``: how many were skipped)."""

    code = ErrorCode.SERIES_EMPTY


class SeriesConflict(ReservationError):
    """Dates the clerk confirmed can no longer be booked (``dates``: each a dict of
    ``date``, ``reason`` (a SkipReason) and ``number``, the reservation now holding it):
    nothing was booked."""

    code = ErrorCode.SERIES_CONFLICT


class SeriesLimitReached(ReservationError):
    """The group already has the most series allowed in the season (``group``,
    ``maximum``, ``season_start``)."""

    code = ErrorCode.SERIES_LIMIT_REACHED


class SeriesOverlap(ReservationError):
    """Prepared series of a season want the same slots (``overlaps``: each a dict of
    ``series`` (two ids) and ``dates``): the season is not committed until they are
    resolved."""

    code = ErrorCode.SERIES_OVERLAP


class SeriesNotEditable(ReservationError):
    """The series (``series``) is not in a state that allows this (``status``): a draft
    is committed or withdrawn, a committed series cancelled or extended."""

    code = ErrorCode.SERIES_NOT_EDITABLE


class SeriesOutsideSeason(ReservationError):
    """A draft series of a season (``season``, its name) must begin within it
    (``start``, ``end``)."""

    code = ErrorCode.SERIES_OUTSIDE_SEASON


class SeasonExists(ReservationError):
    """An allocation season for that year (``start``) or of that name exists already
    (``season``, its name)."""

    code = ErrorCode.SEASON_EXISTS


class SeasonClosed(ReservationError):
    """The season (``season``, its name) is committed already (``committed_at``): its
    drafts can no longer change and it is not committed again."""

    code = ErrorCode.SEASON_CLOSED


class SeasonEmpty(ReservationError):
    """The season (``season``) has no draft series to commit."""

    code = ErrorCode.SEASON_EMPTY


class SeasonChanged(ReservationError):
    """The season's drafts changed since they were reviewed (``season``; ``added``,
    ``withdrawn``: series ids): it is reviewed again before it is committed."""

    code = ErrorCode.SEASON_CHANGED


class InTheWay(ReservationError):
    """Reservations stand where a staff block would go (``numbers``; ``series``: those
    that are dates of a series, which a block never cancels): the admin sees them and
    may cancel them with a reason."""

    code = ErrorCode.IN_THE_WAY


class Unavailable(ReservationError):
    """The slot cannot be used (使用できません): the town uses it (a staff block) or it is
    closed for this unit or block (``date``, ``note``: the closure's reason)."""

    code = ErrorCode.UNAVAILABLE


# ------------------------------------------------------------------- use records


class UseAlreadyRecorded(ReservationError):
    """The booking's use is already recorded (``state``: a UseState, ``recorded_at``)."""

    code = ErrorCode.USE_ALREADY_RECORDED


class UseNotYet(ReservationError):
    """Use is recorded from the booking's day, a no-show only once it has started
    (``starts_at``)."""

    code = ErrorCode.USE_NOT_YET


class AccessCodeWrong(ReservationError):
    """The keybox code typed at handover is not the booking's (``attempts_left``: 0 once
    it is locked, when the counter checks the slip instead)."""

    code = ErrorCode.ACCESS_CODE_WRONG


class NoShowRestricted(ReservationError):
    """The resident or group did not come to ``count`` bookings within ``months``
    months: no online booking until ``until`` (inclusive); the counter can still book,
    with a reason."""

    code = ErrorCode.NO_SHOW_RESTRICTED


# ------------------------------------------------------------------------- holds


class HoldExpired(ReservationError):
    """A hold's payment due time has passed (``number``, ``due_at``), or it was already
    cancelled as unpaid: it can no longer be paid (an administrator may extend a hold
    the worker has not cancelled yet)."""

    code = ErrorCode.HOLD_EXPIRED


# ---------------------------------------------------------------------- waitlist


class WaitlistLimitReached(ReservationError):
    """The waiter (a person, or a group) already waits for ``maximum`` slots dated in
    the month of ``month`` (its first day)."""

    code = ErrorCode.WAITLIST_LIMIT_REACHED


class WaitlistRefused(ReservationError):
    """The slot cannot be waited for (``problem``: a WaitlistProblem)."""

    code = ErrorCode.WAITLIST_REFUSED


class OfferClosed(ReservationError):
    """The waitlist offer can no longer be accepted or declined (``status``: the
    entry's WaitlistStatus now; ``expired_at`` when its deadline passed)."""

    code = ErrorCode.OFFER_CLOSED


# ----------------------------------------------------------------------- lottery


class LotteryFirst(ReservationError):
    """The unit is allocated by lottery for that month: first come first served opens
    only after the round (``date``, ``release_at``)."""

    code = ErrorCode.LOTTERY_FIRST


class LotteryClosed(ReservationError):
    """The round does not take applications (or changes, or withdrawals) now
    (``opens_at``, ``closes_at``)."""

    code = ErrorCode.LOTTERY_CLOSED


class LotteryChoiceRefused(ReservationError):
    """A choice that cannot be applied for (``problem``: a LotteryChoiceProblem;
    ``maximum``, ``month`` as the problem needs)."""

    code = ErrorCode.LOTTERY_CHOICE_REFUSED

    def __init__(self, *, problem: LotteryChoiceProblem, **params: Any) -> None:
        if not isinstance(problem, LotteryChoiceProblem):
            raise TypeError("LotteryChoiceRefused's problem is a LotteryChoiceProblem")
        super().__init__(problem=problem, **params)


class LotteryApplicationRefused(ReservationError):
    """An application that cannot be made or changed (``problem``: a
    LotteryApplicationProblem; ``receipt``, ``group`` as the problem needs)."""

    code = ErrorCode.LOTTERY_APPLICATION_REFUSED

    def __init__(self, *, problem: LotteryApplicationProblem, **params: Any) -> None:
        if not isinstance(problem, LotteryApplicationProblem):
            raise TypeError("LotteryApplicationRefused's problem is a LotteryApplicationProblem")
        super().__init__(problem=problem, **params)


class LotteryDrawRefused(ReservationError):
    """The draw (or the seed's commitment or reveal) is refused (``problem``: a
    LotteryDrawProblem; ``closes_at``, ``drawn_at`` as the problem needs)."""

    code = ErrorCode.LOTTERY_DRAW_REFUSED

    def __init__(self, *, problem: LotteryDrawProblem, **params: Any) -> None:
        if not isinstance(problem, LotteryDrawProblem):
            raise TypeError("LotteryDrawRefused's problem is a LotteryDrawProblem")
        super().__init__(problem=problem, **params)


class LotteryWinClosed(ReservationError):
    """A lottery choice that can no longer be confirmed or declined (``answer``: what
    became of it, a LotteryAnswer, or ``lost`` when it was not won; ``confirm_by``)."""

    code = ErrorCode.LOTTERY_WIN_CLOSED
