"""Small pieces of the web channel on their own: the short dates of the availability rows and the date field's parsing."""

from __future__ import annotations

from datetime import date

from channels.formatting import format_short_date
from channels.web.forms import parse_date


def test_short_dates_for_table_rows():
    assert format_short_date(date(2026, 12, 3), "ja") == "12月3日(木)"
    assert format_short_date(date(2026, 12, 3), "en") == "Thu 3 Dec"


def test_the_date_field_reads_the_ways_people_write_dates():
    assert parse_date("2026-12-16") == date(2026, 12, 16)
    assert parse_date("2026/1/5") == date(2026, 1, 5)
    assert parse_date("２０２６年１２月１６日") == date(2026, 12, 16)
    assert parse_date("2026-02-30") is None
    assert parse_date("next week") is None
    assert parse_date("") is None


def test_the_date_field_takes_years_from_1900_to_2999_only():
    assert parse_date("2999-12-31") == date(2999, 12, 31)
    assert parse_date("1900-01-01") == date(1900, 1, 1)
    for text in ("9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"):
        assert parse_date(text) is None, text
