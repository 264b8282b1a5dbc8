"""Dates as staff type them."""

from __future__ import annotations

from datetime import date

import pytest

from channels.counter.parsing import parse_day

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2026-12-16", date(2026, 12, 16)),
        ("2026/12/16", date(2026, 12, 16)),
        ("２０２６／１２／１６", date(2026, 12, 16)),
        ("2026年12月16日", date(2026, 12, 16)),
        ("2026年12月16日(水)", date(2026, 12, 16)),
        ("20261216", date(2026, 12, 16)),
        ("12/16", date(2026, 12, 16)),
        ("12月1日", date(2026, 12, 1)),  # today
        ("1/20", date(2027, 1, 20)),  # the next 20 January
        ("11/30", date(2027, 11, 30)),
    ],
)
def test_dates_in_the_forms_the_town_writes_them(typed, expected):
    assert parse_day(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["", "  ", "x", "13/45", "2026-02-30", "2026-12", "12"])
def test_what_is_no_date(typed):
    assert parse_day(typed, TODAY) is None
