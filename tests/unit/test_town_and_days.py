"""The town's counter details (one source for every channel), whether the counter is
open, why a day has no free block, and the words for times and weekdays."""

from __future__ import annotations

from datetime import date, time

import pytest

from channels import formatting
from reservations import rules
from reservations.rules import BlockStatus, FullReason
from reservations.settings import CounterDetails
from tests.factories import at


def test_the_counter_defaults_are_the_phones_old_defaults():
    details = CounterDetails.from_mapping({})
    assert (details.weekdays, details.opens, details.closes) == ("01234", time(8, 30), time(17, 15))
    assert details.on_holidays is False and details.phone == "" and details.phone_uri == ""


def test_the_phones_older_names_are_still_read_and_the_new_names_win():
    older = {"PHONE_COUNTER_HOURS": "09:00-17:00", "PHONE_COUNTER_WEEKDAYS": "0123456"}
    assert CounterDetails.from_mapping(older).opens == time(9)
    assert CounterDetails.from_mapping(older).weekdays == "0123456"
    both = {**older, "COUNTER_HOURS": "08:00-12:00", "PHONE_COUNTER_ON_HOLIDAYS": "on"}
    details = CounterDetails.from_mapping(both)
    assert (details.opens, details.closes, details.on_holidays) == (time(8), time(12), True)


def test_the_counters_telephone_is_written_the_japanese_way_and_dialled_internationally():
    details = CounterDetails.from_mapping({"COUNTER_PHONE": "０１６６０００１１１"})
    assert details.phone == "0166-00-0111"
    assert details.phone_uri == "tel:+81166000111"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"COUNTER_PHONE": "12345"}, "COUNTER_PHONE"),
        ({"COUNTER_HOURS": "9 to 5"}, "COUNTER_HOURS"),
        ({"PHONE_COUNTER_HOURS": "17:00-09:00"}, "open before it closes"),
        ({"COUNTER_WEEKDAYS": "0-4"}, "COUNTER_WEEKDAYS"),
        ({"COUNTER_ON_HOLIDAYS": "sometimes"}, "on or off"),
        ({"COUNTER_MAP_URL": "javascript:alert(1)"}, "https://"),
    ],
)
def test_mistyped_counter_details_stop_the_app(config, message):
    with pytest.raises(RuntimeError, match=message):
        CounterDetails.from_mapping(config)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2026, 12, 1, 8, 29), False),  # Tuesday, before it opens
        (at(2026, 12, 1, 8, 30), True),
        (at(2026, 12, 1, 17, 15), False),  # closes at 17:15 exactly
        (at(2026, 12, 5, 10), False),  # Saturday
        (at(2026, 11, 23, 10), False),  # 勤労感謝の日
        (at(2026, 12, 29, 10), False),  # the year-end holidays
    ],
)
def test_the_counter_is_open_on_its_days_and_hours_but_not_on_holidays(moment, open_):
    tz = moment.tzinfo
    assert rules.counter_is_open(CounterDetails(), moment, tz) is open_


def test_a_counter_open_on_holidays_is_open_on_a_holiday_weekday():
    details = CounterDetails(on_holidays=True)
    assert rules.counter_is_open(details, at(2026, 11, 23, 10), at(2026, 11, 23, 10).tzinfo)


@pytest.mark.parametrize(
    ("statuses", "reason"),
    [
        ([BlockStatus.FREE, BlockStatus.TAKEN], None),
        ([BlockStatus.CLOSED] * 3, FullReason.CLOSED),
        ([BlockStatus.NOT_OPEN_YET] * 3, FullReason.NOT_OPEN_YET),
        ([BlockStatus.PAST, BlockStatus.TAKEN, BlockStatus.YOURS], FullReason.TAKEN),
        ([BlockStatus.TAKEN, BlockStatus.BOOKING_CLOSED], FullReason.TAKEN),
        ([BlockStatus.BOOKING_CLOSED, BlockStatus.NOT_OFFERED], FullReason.BOOKING_CLOSED),
        ([BlockStatus.PAST, BlockStatus.PAST], FullReason.ENDED),
        ([BlockStatus.NOT_OFFERED], FullReason.NOT_OFFERED),
        ([BlockStatus.UNAVAILABLE, BlockStatus.PAST], FullReason.UNAVAILABLE),
        ([BlockStatus.UNAVAILABLE, BlockStatus.TAKEN], FullReason.TAKEN),
        ([], FullReason.NOT_OFFERED),
    ],
)
def test_a_day_without_a_free_block_says_why(statuses, reason):
    assert rules.why_no_free_block(statuses) == reason


@pytest.mark.parametrize(
    ("value", "ja", "en"),
    [
        (time(8, 30), "午前8時30分", "8:30 am"),
        (time(12), "正午", "12:00 pm"),
        (time(17, 15), "午後5時15分", "5:15 pm"),
        (time(0, 5), "午前0時5分", "12:05 am"),
    ],
)
def test_times_in_a_sentence_say_morning_or_afternoon(value, ja, en):
    assert formatting.format_clock(value, "ja") == ja
    assert formatting.format_clock(value, "en") == en


@pytest.mark.parametrize(
    ("start", "end", "ja", "en"),
    [
        (time(14), time(16), "12月3日(木) 午後2時から4時まで", "Thu 3 Dec, 2:00 pm to 4:00 pm"),
        (time(9), time(12), "12月3日(木) 午前9時から正午まで", "Thu 3 Dec, 9:00 am to 12:00 pm"),
        (time(9), time(17), "12月3日(木) 午前9時から午後5時まで", "Thu 3 Dec, 9:00 am to 5:00 pm"),
        (
            time(12),
            time(13, 30),
            "12月3日(木) 正午から午後1時30分まで",
            "Thu 3 Dec, 12:00 pm to 1:30 pm",
        ),
    ],
)
def test_a_permit_says_the_time_of_use_in_a_sentence(start, end, ja, en):
    day = date(2026, 12, 3)
    assert formatting.format_use_period(day, start, end) == ja
    assert formatting.format_use_period(day, start, end, "en") == en
    assert formatting.format_use_period(day, start, end, era=True).startswith("令和8年12月3日")


def test_a_moment_on_its_own_has_am_or_pm_in_english():
    assert formatting.format_time(time(8, 50), "en") == "8:50 am"
    assert formatting.format_time(time(20, 50), "en") == "8:50 pm"
    assert formatting.format_time(time(20, 50)) == "20:50"


@pytest.mark.parametrize(
    ("weekdays", "ja", "en"),
    [
        ("01234", "月曜日から金曜日", "Monday to Friday"),
        ("024", "月・水・金", "Mon, Wed, Fri"),
        ("56", "土・日", "Sat, Sun"),
        ("", "", ""),
    ],
)
def test_weekdays_in_words(weekdays, ja, en):
    assert formatting.format_weekdays(weekdays, "ja") == ja
    assert formatting.format_weekdays(weekdays, "en") == en
