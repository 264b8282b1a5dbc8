"""Every booking rule at its edges, as pure functions: no database, no clock."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from reservations import rules
from reservations.errors import (
    BlockNotOffered,
    BlocksNotConsecutive,
    ErrorCode,
    FacilityClosed,
    InPast,
    InvalidInput,
    LimitReached,
    OutsideWindow,
    TooManyBlocks,
)
from reservations.models import Closure, Facility, TimeBlock
from tests.factories import TOKYO, at


def facility(**overrides) -> Facility:
    values = dict(
        id=1,
        closed_weekdays="",
        open_on_holidays=True,
        closed_day_moves_after_holiday=False,
        year_end_closure=True,
        window_months_ahead=2,
        window_opens_day=1,
        window_opens_time=time(9, 0),
        nonresident_delay_days=14,
        window_closes_days_before=1,
        cancel_days_before=3,
        max_blocks_per_reservation=3,
    )
    values.update(overrides)
    blocks = values.pop("time_blocks", None)
    result = Facility(**values)
    result.time_blocks = (
        blocks
        if blocks is not None
        else [
            TimeBlock(
                id=1,
                code="morning",
                position=0,
                start_time=time(9),
                end_time=time(12),
                weekdays="0123456",
                on_holidays=True,
            ),
            TimeBlock(
                id=2,
                code="afternoon",
                position=1,
                start_time=time(13),
                end_time=time(17),
                weekdays="0123456",
                on_holidays=True,
            ),
            TimeBlock(
                id=3,
                code="evening",
                position=2,
                start_time=time(18),
                end_time=time(21),
                weekdays="0123456",
                on_holidays=True,
            ),
        ]
    )
    return result


MONDAY_CLOSED = dict(closed_weekdays="0")
MONDAY_CLOSED_MOVES = dict(closed_weekdays="0", closed_day_moves_after_holiday=True)


# ------------------------------------------------------------------ opening days


def test_weekly_closed_day_is_closed():
    assert (
        rules.closed_reason(facility(**MONDAY_CLOSED), date(2026, 12, 7)).reason
        == rules.ClosedReason.WEEKLY
    )
    assert rules.closed_reason(facility(**MONDAY_CLOSED), date(2026, 12, 8)) is None


def test_holiday_monday_stays_closed_when_the_facility_does_not_move_its_closed_day():
    # 2026-11-23 (Mon) is 勤労感謝の日.
    closed = rules.closed_reason(facility(**MONDAY_CLOSED), date(2026, 11, 23))
    assert closed.reason == rules.ClosedReason.WEEKLY
    assert rules.closed_reason(facility(**MONDAY_CLOSED), date(2026, 11, 24)) is None


def test_holiday_monday_opens_and_moves_the_closed_day_to_tuesday():
    gym = facility(**MONDAY_CLOSED_MOVES)
    assert rules.closed_reason(gym, date(2026, 11, 23)) is None
    assert (
        rules.closed_reason(gym, date(2026, 11, 24)).reason == rules.ClosedReason.MOVED_CLOSED_DAY
    )
    assert rules.closed_reason(gym, date(2026, 11, 25)) is None


def test_closed_day_moves_past_a_run_of_holidays():
    # Golden Week 2027: Mon 5/3, Tue 5/4, Wed 5/5 are holidays; Thursday closes instead.
    gym = facility(**MONDAY_CLOSED_MOVES)
    for day in (3, 4, 5):
        assert rules.closed_reason(gym, date(2027, 5, day)) is None
    assert rules.closed_reason(gym, date(2027, 5, 6)).reason == rules.ClosedReason.MOVED_CLOSED_DAY
    assert rules.closed_reason(gym, date(2027, 5, 7)) is None


def test_a_holiday_on_an_open_weekday_moves_nothing():
    # 2026-11-03 (Tue) 文化の日: the gym is open, Wednesday too.
    gym = facility(**MONDAY_CLOSED_MOVES)
    assert rules.closed_reason(gym, date(2026, 11, 3)) is None
    assert rules.closed_reason(gym, date(2026, 11, 4)) is None


def test_facility_closed_on_holidays():
    hall = facility(open_on_holidays=False)
    assert rules.closed_reason(hall, date(2026, 11, 3)).reason == rules.ClosedReason.HOLIDAY
    assert rules.closed_reason(hall, date(2026, 11, 4)) is None


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2026, 12, 28), False),
        (date(2026, 12, 29), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), True),
        (date(2027, 1, 3), True),
        (date(2027, 1, 4), False),
    ],
)
def test_year_end_closure_runs_from_29_december_to_3_january(day, closed):
    result = rules.closed_reason(facility(), day)
    assert (result is not None and result.reason == rules.ClosedReason.YEAR_END) is closed


def test_year_end_closure_can_be_switched_off():
    assert rules.closed_reason(facility(year_end_closure=False), date(2026, 12, 30)) is None


def test_ad_hoc_closure_with_its_reason():
    closure = Closure(
        facility_id=1,
        start_date=date(2026, 12, 10),
        end_date=date(2026, 12, 11),
        reason="床の改修工事",
        reason_en="Floor repairs",
    )
    gym = facility()
    assert rules.closed_reason(gym, date(2026, 12, 9), [closure]) is None
    closed = rules.closed_reason(gym, date(2026, 12, 11), [closure])
    assert closed == rules.ClosedDay(rules.ClosedReason.CLOSURE, "床の改修工事", "Floor repairs")


def test_closure_for_all_facilities_and_not_for_another_one():
    everywhere = Closure(
        facility_id=None, start_date=date(2026, 12, 10), end_date=date(2026, 12, 10), reason="停電"
    )
    elsewhere = Closure(
        facility_id=99, start_date=date(2026, 12, 11), end_date=date(2026, 12, 11), reason="点検"
    )
    gym = facility()
    assert rules.closed_reason(gym, date(2026, 12, 10), [everywhere, elsewhere]).note == "停電"
    assert rules.closed_reason(gym, date(2026, 12, 11), [everywhere, elsewhere]) is None


def test_holiday_names_in_both_languages():
    assert rules.holiday_name(date(2026, 11, 23)) == "勤労感謝の日"
    assert rules.holiday_name(date(2026, 11, 23), "en") == "Labor Thanksgiving Day"
    assert rules.holiday_name(date(2026, 11, 24)) is None


def test_school_gym_blocks_offered_on_evenings_weekends_and_holidays():
    evening = TimeBlock(weekdays="0123456", on_holidays=True)
    weekend_day = TimeBlock(weekdays="56", on_holidays=True)
    assert rules.block_offered(evening, date(2026, 12, 2))  # Wednesday
    assert not rules.block_offered(weekend_day, date(2026, 12, 2))
    assert rules.block_offered(weekend_day, date(2026, 12, 5))  # Saturday
    assert rules.block_offered(weekend_day, date(2026, 11, 23))  # a holiday Monday
    assert not rules.block_offered(
        TimeBlock(weekdays="01234", on_holidays=False), date(2026, 11, 23)
    )


# --------------------------------------------------------------- booking window


def test_window_opens_on_the_first_two_months_ahead_at_nine_exactly():
    window = rules.booking_window(facility(), date(2027, 2, 10), True, TOKYO)
    assert window.opens_at == at(2026, 12, 1, 9)
    assert window.status(at(2026, 12, 1, 8, 59, 59)) == rules.BlockStatus.NOT_OPEN_YET
    assert window.status(at(2026, 12, 1, 9, 0, 0)) is None
    assert (
        window.status(at(2026, 12, 1, 9, 0, 0) - timedelta(microseconds=1))
        == rules.BlockStatus.NOT_OPEN_YET
    )


def test_window_opens_later_for_non_residents():
    window = rules.booking_window(facility(), date(2027, 2, 10), False, TOKYO)
    assert window.opens_at == at(2026, 12, 15, 9)


def test_window_across_the_new_year():
    window = rules.booking_window(facility(), date(2027, 1, 20), True, TOKYO)
    assert window.opens_at == at(2026, 11, 1, 9)


def test_window_closes_at_the_end_of_the_day_before():
    window = rules.booking_window(facility(), date(2026, 12, 10), True, TOKYO)
    assert window.status(at(2026, 12, 9, 23, 59, 59)) is None
    assert window.status(at(2026, 12, 10, 0, 0, 0)) == rules.BlockStatus.BOOKING_CLOSED


def test_window_with_same_day_booking():
    window = rules.booking_window(
        facility(window_closes_days_before=0), date(2026, 12, 10), True, TOKYO
    )
    assert window.status(at(2026, 12, 10, 8)) is None


# ----------------------------------------------------------- cancellation deadline


def test_cancellation_deadline_is_the_end_of_the_last_day():
    deadline = rules.cancel_deadline(facility(cancel_days_before=3), date(2026, 12, 10), TOKYO)
    assert deadline.last_day == date(2026, 12, 7)
    assert deadline.deadline == at(2026, 12, 8)
    assert at(2026, 12, 7, 23, 59, 59) < deadline.deadline


# ------------------------------------------------------------------------ blocks


def test_blocks_are_put_in_day_order():
    blocks = rules.order_blocks(facility(), date(2026, 12, 10), [2, 1])
    assert [b.code for b in blocks] == ["morning", "afternoon"]


def test_blocks_must_be_consecutive():
    with pytest.raises(BlocksNotConsecutive):
        rules.order_blocks(facility(), date(2026, 12, 10), [1, 3])


def test_blocks_are_consecutive_among_those_offered_that_day():
    school = facility(
        time_blocks=[
            TimeBlock(
                id=1,
                code="morning",
                position=0,
                start_time=time(9),
                end_time=time(12),
                weekdays="56",
                on_holidays=True,
            ),
            TimeBlock(
                id=2,
                code="afternoon",
                position=1,
                start_time=time(13),
                end_time=time(17),
                weekdays="56",
                on_holidays=True,
            ),
            TimeBlock(
                id=3,
                code="evening",
                position=2,
                start_time=time(18),
                end_time=time(21),
                weekdays="0123456",
                on_holidays=True,
            ),
        ]
    )
    with pytest.raises(BlockNotOffered):
        rules.order_blocks(school, date(2026, 12, 2), [2, 3])  # Wednesday: no afternoon
    assert len(rules.order_blocks(school, date(2026, 12, 5), [2, 3])) == 2  # Saturday


def test_at_most_the_facilitys_blocks_per_reservation():
    with pytest.raises(TooManyBlocks) as error:
        rules.order_blocks(facility(max_blocks_per_reservation=2), date(2026, 12, 10), [1, 2, 3])
    assert error.value.params == {"maximum": 2}


def test_unknown_repeated_or_no_blocks_are_refused():
    with pytest.raises(BlockNotOffered):
        rules.order_blocks(facility(), date(2026, 12, 10), [42])
    with pytest.raises(InvalidInput):
        rules.order_blocks(facility(), date(2026, 12, 10), [1, 1])
    with pytest.raises(InvalidInput):
        rules.order_blocks(facility(), date(2026, 12, 10), [])


# ---------------------------------------------------------------- check_bookable


def _check(day: date, now, **kwargs):
    gym = kwargs.pop("gym", facility(**MONDAY_CLOSED))
    blocks = rules.order_blocks(gym, day, kwargs.pop("blocks", [1]))
    rules.check_bookable(
        gym,
        day,
        blocks,
        now=now,
        tz=TOKYO,
        closures=[],
        is_resident=kwargs.pop("is_resident", True),
        **kwargs,
    )


def test_bookable_inside_the_window():
    _check(date(2027, 2, 10), at(2026, 12, 1, 9))


def test_not_bookable_before_the_window_opens():
    with pytest.raises(OutsideWindow) as error:
        _check(date(2027, 2, 10), at(2026, 12, 1, 8, 59, 59))
    assert error.value.code == ErrorCode.NOT_OPEN_YET
    assert error.value.params["opens_at"] == at(2026, 12, 1, 9)


def test_not_bookable_after_the_window_closes():
    with pytest.raises(OutsideWindow) as error:
        _check(date(2026, 12, 10), at(2026, 12, 10, 0, 0))
    assert error.value.code == ErrorCode.BOOKING_CLOSED


def test_not_bookable_on_a_closed_day_even_by_override():
    with pytest.raises(FacilityClosed) as error:
        _check(date(2026, 12, 7), at(2026, 12, 1, 10), window_override=True)
    assert error.value.params["reason"] == rules.ClosedReason.WEEKLY


def test_override_lifts_the_window_but_not_the_past():
    _check(date(2027, 3, 10), at(2026, 12, 1, 10), window_override=True)
    with pytest.raises(InPast):
        _check(date(2026, 12, 1), at(2026, 12, 1, 10), window_override=True)


# ------------------------------------------------------------------ limits, fees


def test_limit_per_resident():
    rules.check_limit(3, 4, "gym")
    with pytest.raises(LimitReached) as error:
        rules.check_limit(4, 4, "gym")
    assert error.value.params == {"maximum": 4, "category": "gym"}


@pytest.mark.parametrize(
    ("rates", "percent", "fee"),
    [
        ([1500, 2000], 0, 3500),
        ([1500, 2000], 100, 0),
        ([1500, 2000], 50, 1750),
        ([333], 50, 166),  # half of 333 yen is 166.5: the resident pays 166
    ],
)
def test_fee_with_exemptions(rates, percent, fee):
    quote = rules.fee(rates, percent)
    assert quote.fee_yen == fee
    assert quote.base_yen == sum(rates)
    assert quote.waived_yen == sum(rates) - fee


# ----------------------------------------------------------------------- lockout


LOCKOUT = timedelta(minutes=30)


def test_fifth_failure_locks():
    state = rules.LockState(0, None)
    now = at(2026, 12, 1, 10)
    for _ in range(4):
        state = rules.after_failed_attempt(state, now, 5, LOCKOUT)
        assert not rules.is_locked(state, now, LOCKOUT)
    state = rules.after_failed_attempt(state, now, 5, LOCKOUT)
    assert rules.is_locked(state, now, LOCKOUT)
    assert rules.unlocks_at(state, LOCKOUT) == now + LOCKOUT


def test_lockout_expires_after_its_timeout():
    locked = rules.LockState(5, at(2026, 12, 1, 10))
    assert rules.is_locked(locked, at(2026, 12, 1, 10, 29, 59), LOCKOUT)
    assert not rules.is_locked(locked, at(2026, 12, 1, 10, 30), LOCKOUT)
    # The next failure after expiry starts a new count.
    again = rules.after_failed_attempt(locked, at(2026, 12, 1, 11), 5, LOCKOUT)
    assert again == rules.LockState(1, None)


def test_lockout_without_timeout_waits_for_staff():
    locked = rules.LockState(5, at(2026, 12, 1, 10))
    assert rules.is_locked(locked, at(2027, 12, 1, 10), None)
    assert rules.unlocks_at(locked, None) is None


# ------------------------------------------------------ when the table changes by time


def test_next_change_is_the_next_block_start_or_window_edge():
    gym = facility()
    day = date(2026, 12, 16)
    # At 10:00 on the 16th the afternoon block starts next; booking that day has closed.
    assert rules.next_change_by_time(
        gym, day, day, now=at(2026, 12, 16, 10), tz=TOKYO, is_resident=True
    ) == at(2026, 12, 16, 13)
    # The day before, the window closes at midnight, before the morning block starts.
    assert rules.next_change_by_time(
        gym, day, day, now=at(2026, 12, 15, 10), tz=TOKYO, is_resident=True
    ) == at(2026, 12, 16, 0)
    # February opens at 9:00 on 1 December; a non-resident's on the 15th.
    february = date(2027, 2, 10)
    assert rules.next_change_by_time(
        gym, february, february, now=at(2026, 11, 30, 12), tz=TOKYO, is_resident=True
    ) == at(2026, 12, 1, 9)
    assert rules.next_change_by_time(
        gym, february, february, now=at(2026, 12, 1, 9), tz=TOKYO, is_resident=False
    ) == at(2026, 12, 15, 9)


def test_nothing_changes_by_time_once_every_block_has_started():
    day = date(2026, 12, 16)
    assert (
        rules.next_change_by_time(
            facility(), day, day, now=at(2026, 12, 16, 19), tz=TOKYO, is_resident=True
        )
        is None
    )
