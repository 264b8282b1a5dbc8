"""Dates, times and money as residents read them, in Japanese or English.

Display wording only; the phone channel composes its spoken dates itself.
"""

from __future__ import annotations

from datetime import date, datetime, time

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
REIWA_START = date(2019, 5, 1)
# The years a typed date may name. Any other (0001, 9999) is a typing mistake, and
# at the ends of Python's calendar a day before or after it does not even exist.
TYPED_YEARS = range(1900, 3000)


def era_year(day: date) -> str:
    """令和8年 for 2026; 令和元年 for 2019 (from 1 May); the Western year before that."""
    if day < REIWA_START:
        return f"{day.year}年"
    year = day.year - 2018
    return "令和元年" if year == 1 else f"令和{year}年"


def format_date(day: date, locale: str = "ja", *, era: bool = False) -> str:
    """2026年12月3日(木) / Thu 3 December 2026."""
    if locale == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    year = era_year(day) if era else f"{day.year}年"
    return f"{year}{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def format_short_date(day: date, locale: str = "ja") -> str:
    """12月3日(木) / Thu 3 Dec: for table rows whose caption gives the year."""
    if locale == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1][:3]}"
    return f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def format_month(day: date, locale: str = "ja") -> str:
    if locale == "en":
        return f"{MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月"


def format_time(value: time | datetime) -> str:
    return f"{value.hour}:{value.minute:02d}"


def format_time_range(start: time | datetime, end: time | datetime, locale: str = "ja") -> str:
    """9:00〜12:00 / 9:00–12:00."""
    separator = "–" if locale == "en" else "〜"
    return f"{format_time(start)}{separator}{format_time(end)}"


def format_datetime(moment: datetime, locale: str = "ja") -> str:
    return f"{format_date(moment.date(), locale)} {format_time(moment)}"


def format_yen(amount: int, locale: str = "ja") -> str:
    """1,200円 / ¥1,200."""
    return f"¥{amount:,}" if locale == "en" else f"{amount:,}円"
