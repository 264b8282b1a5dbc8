"""Holds' due times (仮予約の支払期限) and refund tiers (還付), pure."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reservations.payment_rules import (
    due_day,
    payment_due,
    refund_amount,
    refund_percent,
    reminder_at,
)
from reservations.settings import HoldRules, LatePayment

TOKYO = ZoneInfo("Asia/Tokyo")
RULES = HoldRules()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def due(booked, use_date, start_hour=9, rules=RULES):
    start = at(use_date.year, use_date.month, use_date.day, start_hour)
    return payment_due(booked, use_date, start, rules, TOKYO)


def test_a_hold_is_due_seven_days_after_booking():
    assert due(at(2026, 12, 1, 10), date(2026, 12, 26)) == at(2026, 12, 9)
    assert due_day(at(2026, 12, 9), TOKYO) == date(2026, 12, 8)


def test_but_not_later_than_three_days_before_the_date():
    assert due(at(2026, 12, 1, 10), date(2026, 12, 6)) == at(2026, 12, 4)
    assert due_day(at(2026, 12, 4), TOKYO) == date(2026, 12, 3)


def test_a_booking_two_days_before_the_date_is_due_at_once():
    assert due(at(2026, 12, 4, 10), date(2026, 12, 6)) == at(2026, 12, 5)


def test_a_booking_for_today_is_due_before_it_starts():
    assert due(at(2026, 12, 6, 7), date(2026, 12, 6), start_hour=9) == at(2026, 12, 6, 9)


def test_a_town_that_takes_late_payment_on_the_day_is_due_at_the_start():
    rules = HoldRules(late=LatePayment.ON_THE_DAY)
    assert due(at(2026, 12, 4, 10), date(2026, 12, 6), rules=rules) == at(2026, 12, 6, 9)
    # Bookings made early keep the ordinary rule.
    assert due(at(2026, 12, 1, 10), date(2026, 12, 26), rules=rules) == at(2026, 12, 9)


def test_a_due_day_in_the_year_end_holidays_moves_back_to_28_december():
    # 7 days after 12/24 is 12/31, the counter is closed from 12/29 to 1/3.
    assert due(at(2026, 12, 24, 10), date(2027, 1, 20)) == at(2026, 12, 29)
    # 3 days before 1/4 is 1/1: also moved back.
    assert due(at(2026, 12, 20, 10), date(2027, 1, 4)) == at(2026, 12, 28)
    assert due(at(2026, 12, 23, 10), date(2027, 1, 4)) == at(2026, 12, 29)


def test_a_booking_made_during_the_year_end_holidays_is_due_when_the_counter_opens():
    # Booked on 12/30 for 1/6: 3 days before is 1/3 (closed), moved back before booking.
    assert due(at(2026, 12, 30, 10), date(2027, 1, 6)) == at(2027, 1, 5)
    # …but never after the use starts.
    assert due(at(2026, 12, 30, 10), date(2027, 1, 4), start_hour=13) == at(2027, 1, 4, 13)


def test_the_reminder_is_the_day_before_and_never_before_the_booking():
    assert reminder_at(at(2026, 12, 1, 10), at(2026, 12, 9), RULES) == at(2026, 12, 8)
    assert reminder_at(at(2026, 12, 4, 10), at(2026, 12, 5), RULES) is None


@pytest.mark.parametrize(
    ("cancelled_on", "percent"),
    [
        (date(2026, 12, 9), 100),  # 7 days before
        (date(2026, 12, 10), 50),  # 6 days before
        (date(2026, 12, 15), 50),  # the day before
        (date(2026, 12, 16), 0),  # the day itself
    ],
)
def test_refund_tiers_by_days_before_the_date(cancelled_on, percent):
    assert refund_percent(
        date(2026, 12, 16), cancelled_on, town_reason=False, hold_rules=RULES
    ) == (percent)


def test_the_towns_reason_refunds_everything_even_on_the_day():
    assert (
        refund_percent(date(2026, 12, 16), date(2026, 12, 16), town_reason=True, hold_rules=RULES)
        == 100
    )


def test_a_refund_is_whole_yen_rounded_down():
    assert refund_amount(1500, 50) == 750
    assert refund_amount(1001, 50) == 500
