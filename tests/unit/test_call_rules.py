"""When a notification call may ring: daytime hours, never 年末年始, retries later."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from reservations.call_rules import may_call, next_attempt, next_call_time
from reservations.settings import CallRules

TZ = ZoneInfo("Asia/Tokyo")
RULES = CallRules()


def at(month, day, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(12, 2, 8, 59), False),
        (at(12, 2, 9), True),
        (at(12, 2, 18, 59), True),
        (at(12, 2, 19), False),
        (at(12, 28, 12), True),
        (at(12, 29, 12), False),  # 年末年始
        (at(1, 3, 12, year=2027), False),
        (at(1, 4, 9, year=2027), True),
    ],
)
def test_calls_ring_only_in_daytime_hours_and_never_in_the_year_end(moment, allowed):
    assert may_call(moment, RULES, TZ) is allowed


def test_the_hours_are_town_time_whatever_zone_now_is_in():
    utc_noon = datetime(2026, 12, 2, 3, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in Tokyo
    assert may_call(utc_noon, RULES, TZ)


@pytest.mark.parametrize(
    ("moment", "rings"),
    [
        (at(12, 2, 10), at(12, 2, 10)),  # now
        (at(12, 2, 7, 30), at(12, 2, 9)),  # later the same morning
        (at(12, 2, 19, 30), at(12, 3, 9)),  # the next morning
        (at(12, 28, 19, 0), at(1, 4, 9, year=2027)),  # over 年末年始
        (at(12, 30, 10), at(1, 4, 9, year=2027)),
    ],
)
def test_a_call_outside_the_hours_waits_for_the_next_hour_it_may_ring(moment, rings):
    assert next_call_time(moment, RULES, TZ) == rings


def test_an_unanswered_call_is_tried_again_after_the_retry_delay_inside_the_hours():
    assert next_attempt(at(12, 2, 10), RULES, TZ) == at(12, 2, 11)
    assert next_attempt(at(12, 2, 18, 30), RULES, TZ) == at(12, 3, 9)


def test_the_hours_and_retries_are_configurable():
    rules = CallRules.from_mapping(
        {"CALL_HOURS_FROM": "10:00", "CALL_HOURS_UNTIL": "17:30", "CALL_RETRY_MINUTES": "15"}
    )
    assert (rules.hours_from, rules.hours_until) == (time(10), time(17, 30))
    assert not may_call(at(12, 2, 9, 30), rules, TZ) and not may_call(at(12, 2, 17, 30), rules, TZ)
    assert next_attempt(at(12, 2, 10), rules, TZ) == at(12, 2, 10, 15)


@pytest.mark.parametrize(
    "config",
    [
        {"CALL_HOURS_FROM": "19:00", "CALL_HOURS_UNTIL": "09:00"},
        {"CALL_MAX_ATTEMPTS": "0"},
        {"CALL_RETRY_MINUTES": "0"},
        {"CALL_RING_SECONDS": "1"},
    ],
)
def test_impossible_call_settings_are_refused(config):
    with pytest.raises(ValueError):
        CallRules.from_mapping(config)
