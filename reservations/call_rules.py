"""When a notification call may ring a resident: pure functions over CallRules.

A call is placed only in daytime hours (CALL_HOURS_FROM to CALL_HOURS_UNTIL, town time)
and never in 年末年始 (12/29–1/3, the core's year-end rule); outside them it waits for
the next hour a call may ring. A busy, unanswered or failed call is tried again
CALL_RETRY_MINUTES later (again only inside the hours), at most CALL_MAX_ATTEMPTS calls
in all; after that the notification goes to the counter's call list."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .rules import is_year_end
from .settings import CallRules


def may_call(at: datetime, rules: CallRules, tz: ZoneInfo) -> bool:
    """Whether a call may ring at `at`: inside the hours, not in 年末年始."""
    local = at.astimezone(tz)
    return not is_year_end(local.date()) and rules.hours_from <= local.time() < rules.hours_until


def next_call_time(at: datetime, rules: CallRules, tz: ZoneInfo) -> datetime:
    """`at` itself when a call may ring then, else the next start of the hours on a
    day outside 年末年始 (a call due at 19:30 rings at 9:00 the next morning; one due on
    12月30日 at 9:00 on 1月4日)."""
    if may_call(at, rules, tz):
        return at
    local = at.astimezone(tz)
    day = local.date()
    if local.time() >= rules.hours_until:
        day += timedelta(days=1)
    while is_year_end(day):
        day += timedelta(days=1)
    return datetime.combine(day, rules.hours_from, tzinfo=tz)


def next_attempt(at: datetime, rules: CallRules, tz: ZoneInfo) -> datetime:
    """When a call that went unanswered at `at` is tried again."""
    return next_call_time(at + timedelta(minutes=rules.retry_minutes), rules, tz)
