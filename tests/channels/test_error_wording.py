"""Every channel words every error code: each has one table from ErrorCode to a
wording, and a code a table lacks fails here before a resident or a clerk meets it.
Each wording is said in Japanese and in English for an error of that code."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from channels.counter import messages as counter_messages
from channels.phone import prompts
from channels.web import messages as web_messages
from reservations import services
from reservations.errors import (
    AccessCodeWrong,
    AccountLocked,
    AlreadyAMember,
    AlreadyCancelled,
    BlockNotOffered,
    BlocksNotConsecutive,
    BookingClosed,
    ErrorCode,
    FacilityClosed,
    FeeSettled,
    Forbidden,
    ForbiddenAction,
    GroupLimit,
    GroupLimitReached,
    GroupNameTaken,
    GroupNotActive,
    GroupOverlap,
    GroupRoleRequired,
    GroupValidityEnds,
    HoldExpired,
    InPast,
    InputProblem,
    InTheWay,
    InvalidCredentials,
    InvalidInput,
    InvalidRange,
    LastRepresentative,
    LimitReached,
    LotteryApplicationProblem,
    LotteryApplicationRefused,
    LotteryChoiceProblem,
    LotteryChoiceRefused,
    LotteryClosed,
    LotteryDrawProblem,
    LotteryDrawRefused,
    LotteryFirst,
    LotteryWinClosed,
    NoShowRestricted,
    NotAllowed,
    NotAllowedProblem,
    NotAMember,
    NotFound,
    NotOpenYet,
    NotRegistered,
    NotYourReservation,
    OfferClosed,
    OutsideRenewalWindow,
    PasswordWeakness,
    PossibleDuplicate,
    ReasonFor,
    ReasonRequired,
    SeasonChanged,
    SeasonClosed,
    SeasonEmpty,
    SeasonExists,
    SeriesConflict,
    SeriesEmpty,
    SeriesLastBeforeFirst,
    SeriesLimitReached,
    SeriesNotEditable,
    SeriesOutsideSeason,
    SeriesOverlap,
    SeriesTooLong,
    SeriesWeekdayClosed,
    SlotTaken,
    TooFewMembers,
    TooLateToCancel,
    TooManyAttempts,
    TooManyBlocks,
    Unavailable,
    UseAlreadyRecorded,
    UseNotYet,
    WaitlistLimitReached,
    WaitlistProblem,
    WaitlistRefused,
)
from tests.factories import at

DAY = date(2026, 12, 16)
NOW = at(2026, 12, 1, 10)

# One error of each code, with the parameters the core gives it.
SAMPLES = [
    NotFound(what="reservation", id=1),
    InvalidInput(field="blocks", problem=InputProblem.REQUIRED),
    InvalidRange(max_days=93),
    SlotTaken(date=DAY, block_ids=[1]),
    FacilityClosed(date=DAY, reason=services.ClosedReason.CLOSURE, note="停電"),
    BlockNotOffered(block_id=1, date=DAY),
    BlocksNotConsecutive(date=DAY),
    TooManyBlocks(maximum=3),
    InPast(date=DAY),
    NotOpenYet(opens_at=at(2026, 12, 15, 9), date=date(2027, 2, 3)),
    BookingClosed(closes_at=at(2026, 12, 15, 0), date=DAY),
    LimitReached(maximum=2, category="ground"),
    TooLateToCancel(deadline=at(2026, 12, 14, 0), last_day=date(2026, 12, 13), days_before=3),
    AlreadyCancelled(number="12345674"),
    NotYourReservation(),
    InvalidCredentials(),
    AccountLocked(until=at(2026, 12, 1, 10, 30)),
    TooManyAttempts(until=at(2026, 12, 1, 10, 1)),
    Forbidden(action=ForbiddenAction.OVERRIDE),
    ReasonRequired(action=ReasonFor.STAFF_CHANGE),
    PossibleDuplicate(matches=["123455"]),
    NotAllowed(problem=NotAllowedProblem.PAID_FEE_DIFFERS),
    TooFewMembers(minimum=5, count=3),
    NotRegistered(role=services.MemberRole.MEMBER, registration_no="123455"),
    AlreadyAMember(registration_no="123455"),
    GroupNameTaken(number="9123452"),
    GroupOverlap(groups=["9123452"], shared=3),
    OutsideRenewalWindow(opens_on=date(2027, 2, 1), valid_until=date(2027, 3, 31)),
    LastRepresentative(),
    GroupNotActive(
        status=services.GroupStatus.EXPIRED,
        group="青葉スポーツ少年団",
        valid_until=date(2026, 3, 31),
        renewal_opens=date(2026, 2, 1),
    ),
    GroupValidityEnds(
        group="青葉スポーツ少年団",
        date=date(2027, 4, 7),
        valid_until=date(2027, 3, 31),
        renewal_opens=date(2027, 2, 1),
    ),
    NotAMember(group="青葉スポーツ少年団"),
    GroupLimitReached(limit=GroupLimit.MONTH, group="寿会", maximum=12, month=date(2026, 12, 1)),
    GroupRoleRequired(group="寿会", members_may=services.MembersMayCancel.OWN),
    FeeSettled(),
    SeriesLastBeforeFirst(first=date(2027, 4, 5), last=date(2027, 4, 1)),
    SeriesTooLong(season_end=date(2028, 3, 31)),
    SeriesWeekdayClosed(weekday=0),
    SeriesEmpty(skipped=3),
    SeriesConflict(
        dates=[
            {"date": date(2027, 4, 6), "reason": services.SkipReason.TAKEN, "number": "12345674"}
        ]
    ),
    SeriesLimitReached(group="寿会", maximum=4, season_start=date(2027, 4, 1)),
    SeriesOverlap(overlaps=[{"series": [1, 2], "dates": [date(2027, 4, 6)]}]),
    SeriesNotEditable(series=3, status=services.SeriesStatus.CANCELLED),
    SeriesOutsideSeason(season="2027年度", start=date(2027, 4, 1), end=date(2028, 3, 31)),
    SeasonExists(season="2027年度", start=date(2027, 4, 1)),
    SeasonClosed(season="2027年度", committed_at=at(2027, 2, 1, 10)),
    SeasonEmpty(season="2027年度"),
    SeasonChanged(season="2027年度", added=[4], withdrawn=[]),
    InTheWay(numbers=["12345674"], series=[]),
    Unavailable(date=DAY, note=None),
    UseAlreadyRecorded(state=services.UseState.NO_SHOW, recorded_at=at(2026, 12, 1, 10)),
    UseNotYet(starts_at=at(2026, 12, 16, 9)),
    AccessCodeWrong(attempts_left=2),
    NoShowRestricted(until=date(2026, 12, 31), count=3, months=6),
    HoldExpired(number="12345674", due_at=at(2026, 12, 9)),
    WaitlistLimitReached(maximum=2, month=date(2026, 12, 1)),
    WaitlistRefused(problem=WaitlistProblem.SLOT_FREE),
    OfferClosed(status=services.WaitlistStatus.EXPIRED, expired_at=at(2026, 12, 3, 10)),
    LotteryFirst(date=date(2027, 2, 6), release_at=at(2026, 12, 21, 9)),
    LotteryClosed(opens_at=at(2026, 12, 1, 9), closes_at=at(2026, 12, 11)),
    LotteryChoiceRefused(problem=LotteryChoiceProblem.TOO_MANY, maximum=5),
    LotteryApplicationRefused(problem=LotteryApplicationProblem.ALREADY_APPLIED, receipt="1234567"),
    LotteryDrawRefused(problem=LotteryDrawProblem.NOT_CLOSED, closes_at=at(2026, 12, 11)),
    LotteryWinClosed(answer=services.LotteryAnswer.EXPIRED, confirm_by=at(2026, 12, 21)),
]

# The variants a code is worded in, by its parameters: each said in both languages too.
VARIANTS = [
    AccessCodeWrong(attempts_left=0),
    UseAlreadyRecorded(state=services.UseState.USED, recorded_at=at(2026, 12, 1, 10)),
    InvalidRange(max_days=None),
    *(
        GroupNotActive(
            status=status, group="寿会", valid_until=date(2026, 3, 31), renewal_opens=None
        )
        for status in (services.GroupStatus.SUSPENDED, services.GroupStatus.DISSOLVED)
    ),
    GroupLimitReached(limit=GroupLimit.CATEGORY, group="寿会", maximum=8, category="gym"),
    GroupLimitReached(limit=GroupLimit.ACTIVE, group="寿会", maximum=20),
    GroupRoleRequired(group="寿会", members_may=services.MembersMayCancel.NONE),
    InvalidInput(field="name", problem=InputProblem.TOO_LONG, maximum=100),
    InvalidInput(field="name_kana", problem=InputProblem.NOT_KANA),
    *(
        InvalidInput(field="password", problem=InputProblem.TOO_WEAK, weakness=weakness)
        for weakness in PasswordWeakness
    ),
    InvalidInput(field="declared_members", problem=InputProblem.OUT_OF_RANGE, minimum=5),
    InvalidInput(field="resident_members", problem=InputProblem.OUT_OF_RANGE, maximum=20),
    InTheWay(numbers=[], series=["12345674"]),
    Unavailable(date=DAY, note="照明の修理"),
    NotAllowed(problem=NotAllowedProblem.NOT_HELD),
    InvalidInput(field="last_day", problem=InputProblem.OUT_OF_RANGE, maximum=DAY),
    ReasonRequired(action=ReasonFor.HOLD_EXTENSION),
    WaitlistRefused(problem=WaitlistProblem.OWN_SLOT),
    WaitlistRefused(problem=WaitlistProblem.ALREADY_WAITING),
    OfferClosed(status=services.WaitlistStatus.ACCEPTED),
    LotteryChoiceRefused(problem=LotteryChoiceProblem.NONE),
    LotteryChoiceRefused(problem=LotteryChoiceProblem.NOT_IN_ROUND),
    LotteryChoiceRefused(problem=LotteryChoiceProblem.OUTSIDE_MONTH, month=date(2027, 2, 1)),
    LotteryChoiceRefused(problem=LotteryChoiceProblem.REPEATED),
    LotteryApplicationRefused(problem=LotteryApplicationProblem.WITHDRAWN),
    LotteryApplicationRefused(problem=LotteryApplicationProblem.GROUP_ROLE, group="寿会"),
    *(
        LotteryDrawRefused(
            problem=problem, closes_at=at(2026, 12, 11), drawn_at=at(2026, 12, 11, 9)
        )
        for problem in LotteryDrawProblem
    ),
    LotteryWinClosed(answer=services.LotteryAnswer.CONFIRMED),
    LotteryWinClosed(answer=None),
]


def _phone(error) -> str:
    return prompts.refusal(error, NOW).text


# Each channel: a page of its own (its Babel domain), its table, its wording.
CHANNELS = {
    "web": ("/", web_messages.WORDINGS, web_messages.error_message),
    "counter": ("/counter/sign-in", counter_messages.WORDINGS, counter_messages.describe),
    "phone": ("/phone/fallback", prompts.REFUSALS, _phone),
}
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_there_is_a_sample_of_every_code():
    assert sorted(error.code for error in SAMPLES) == sorted(ErrorCode)


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_has_a_wording_for_every_code(channel):
    _, table, _ = CHANNELS[channel]
    assert sorted(table) == sorted(ErrorCode)
    assert all(isinstance(code, ErrorCode) for code in table)  # never a bare string


def test_the_counter_words_every_reason_staff_can_be_refused_for():
    assert sorted(counter_messages.FORBIDDEN) == sorted(ForbiddenAction)
    assert sorted(counter_messages.REASON_REQUIRED) == sorted(ReasonFor)
    assert sorted(counter_messages.NOT_ALLOWED) == sorted(NotAllowedProblem)
    assert sorted(counter_messages.GROUP_LIMITS) == sorted(GroupLimit)
    assert sorted(counter_messages.PASSWORD_WEAKNESS) == sorted(PasswordWeakness)


def _said(app, channel: str, error, locale: str) -> str:
    path, _, word = CHANNELS[channel]
    with app.test_request_context(path):
        with suppress(HTTPException):  # the phone's refusal of an unsigned request
            app.preprocess_request()  # the channel's catalog, as for a real request
        with force_locale(locale):  # the phone speaks Japanese: English is its catalog's
            return word(error)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    "error",
    SAMPLES + VARIANTS,
    ids=lambda error: f"{error.code.value}-{sorted(error.params.items())}",
)
def test_every_wording_is_said_in_japanese_and_in_english(app, channel, error):
    japanese = _said(app, channel, error, "ja")
    english = _said(app, channel, error, "en")
    assert JAPANESE.search(japanese), japanese
    assert english != japanese and english.strip()


@pytest.mark.parametrize(
    "error",
    [Forbidden(action=action) for action in ForbiddenAction]
    + [ReasonRequired(action=reason) for reason in ReasonFor]
    + [NotAllowed(problem=problem) for problem in NotAllowedProblem],
    ids=repr,
)
def test_every_reason_is_worded_for_staff(app, error):
    assert JAPANESE.search(_said(app, "counter", error, "ja"))


def test_the_phone_says_when_booking_opens_and_that_the_counter_helps_once_it_closed(app):
    opens = _said(app, "phone", SAMPLES[9], "ja")
    assert (
        opens
        == "その日のご予約は、まだ受付を始めていません。12月15日、火曜日、午前9時から受け付けます。"
    )
    closed = _said(app, "phone", SAMPLES[10], "ja")
    # Booking closed at the midnight that ended 14 December.
    assert closed == (
        "その日のご予約の受付は終了しました。受付は12月14日、月曜日まででした。"
        "窓口の担当者へのご相談は0を押してください。"
    )


def test_an_error_without_its_code_or_with_a_bare_string_reason_is_refused():
    from reservations.errors import OutsideWindow, ReservationError

    with pytest.raises(TypeError):
        ReservationError()
    with pytest.raises(TypeError):
        OutsideWindow(date=DAY)
    with pytest.raises(TypeError):
        InvalidInput(field="pin", problem="format")
    with pytest.raises(TypeError):
        Forbidden(action="override")
    with pytest.raises(TypeError):
        NotAllowed(problem="last_admin")
    with pytest.raises(TypeError):
        ReasonRequired(action="override")


def test_an_error_keeps_its_parameters_through_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(SAMPLES[9]))
    assert (type(error), error.code, error.params) == (
        NotOpenYet,
        ErrorCode.NOT_OPEN_YET,
        SAMPLES[9].params,
    )
    assert isinstance(error.params["opens_at"], datetime)
