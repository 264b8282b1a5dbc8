"""The rules of holds (仮予約), payment and refunds (還付), as pure functions.

Like rules.py: no database, no clock; the settings, the dates and `now` come in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .rules import is_year_end
from .settings import HoldRules, LatePayment


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The midnight that ends `day` (a due time "by 12月10日" is this, exclusive)."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tz)


def counter_day_on_or_before(day: date) -> date:
    """The counter takes payment on every day but 年末年始 (12/29–1/3): a due day in
    it moves back to 12/28."""
    while is_year_end(day):
        day -= timedelta(days=1)
    return day


def counter_day_on_or_after(day: date) -> date:
    while is_year_end(day):
        day += timedelta(days=1)
    return day


def payment_due(
    booked_at: datetime, use_date: date, use_start: datetime, hold_rules: HoldRules, tz: ZoneInfo
) -> datetime:
    """When a hold booked at `booked_at` for `use_date` must be paid by (exclusive).

    `pay_within_days` after booking, but not later than `due_days_before` days before
    the date, moved back out of 年末年始. A booking made inside that period (the due
    day would be before the booking day) is due at once (by the end of the booking
    day, or of the first counter day after 年末年始) or on the day of use, as the town
    sets it; never after the use starts.
    """
    booked_day = booked_at.astimezone(tz).date()
    latest = use_date - timedelta(days=hold_rules.due_days_before)
    due_day = counter_day_on_or_before(
        min(booked_day + timedelta(days=hold_rules.pay_within_days), latest)
    )
    if due_day >= booked_day:
        return min(end_of_day(due_day, tz), use_start)
    if hold_rules.late == LatePayment.ON_THE_DAY:
        return use_start
    return min(end_of_day(counter_day_on_or_after(booked_day), tz), use_start)


def due_day(due_at: datetime, tz: ZoneInfo) -> date:
    """The last day to pay, as a resident reads it: a midnight due time is the end of
    the day before; a due time during a day (the start of use) is that day."""
    local = due_at.astimezone(tz)
    if local.time() == time(0, 0):
        return local.date() - timedelta(days=1)
    return local.date()


def reminder_at(booked_at: datetime, due_at: datetime, hold_rules: HoldRules) -> datetime | None:
    """When to remind the resident of the due time: `reminder_hours` before it, or
    never when that is not after the booking (a hold due the same day)."""
    at = due_at - timedelta(hours=hold_rules.reminder_hours)
    return at if at > booked_at else None


def refund_percent(
    use_date: date, cancelled_on: date, *, town_reason: bool, hold_rules: HoldRules
) -> int:
    """The share of a paid fee refunded when a booking is cancelled: all of it for the
    town's reason; otherwise by the tiers of days before the date of use."""
    if town_reason:
        return 100
    days_before = (use_date - cancelled_on).days
    for days, percent in hold_rules.refund_tiers:
        if days_before >= days:
            return percent
    return 0


def refund_amount(paid_yen: int, percent: int) -> int:
    """The refund in whole yen, rounded down (the town never refunds more than paid)."""
    return paid_yen * percent // 100
