"""Dates, times and money as residents read them, in Japanese or English.

Display wording only; the phone channel composes its spoken dates itself.
"""

from __future__ import annotations

from datetime import date, datetime, time

# Days of the month with their own reading; the others are read regularly
# (11日 じゅういちにち, 17日 じゅうしちにち).
DAY_READINGS = {
    1: "ついたち",
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}

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


def format_time(value: time | datetime, locale: str = "ja") -> str:
    """A moment on its own: 8:50 in Japanese, 8:50 am in English (a range keeps the
    24-hour clock, where 13:00 says itself)."""
    if locale == EASY_JAPANESE:
        return format_clock(value)
    if locale == "en":
        hour = value.hour % 12 or 12
        return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"
    return f"{value.hour}:{value.minute:02d}"


def format_clock(value: time, locale: str = "ja") -> str:
    """A time as said in a sentence: 午前8時30分, 午後5時, 正午 / 8:30 am."""
    if locale == "en":
        return format_time(value, "en")
    if value.hour == 12 and value.minute == 0:
        return "正午"
    half, hour = ("午前", value.hour) if value.hour < 12 else ("午後", value.hour - 12)
    return f"{half}{hour}時" + (f"{value.minute}分" if value.minute else "")


WEEKDAY_NAMES_JA = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_weekdays(weekdays: str, locale: str = "ja") -> str:
    """Days of the week ("01234", Monday = 0) in words: 月曜日から金曜日 / Monday to
    Friday for a run of three or more, otherwise each day (月・水・金 / Mon, Wed, Fri)."""
    days = sorted({int(d) for d in weekdays})
    if not days:
        return ""
    names = WEEKDAY_NAMES_EN if locale == "en" else WEEKDAY_NAMES_JA
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        joiner = " to " if locale == "en" else "から"
        return f"{names[days[0]]}{joiner}{names[days[-1]]}"
    if locale == "en":
        return ", ".join(WEEKDAYS_EN[d] for d in days)
    return "・".join(WEEKDAYS_JA[d] for d in days)


# Easy Japanese (the locale ja@easy) says its times as words: 午後1時, not 13:00.
EASY_JAPANESE = "ja@easy"


def clock_range(start: time | datetime, end: time | datetime) -> str:
    """午後2時から4時まで: the half of the day said once when both ends share it."""
    first, last = format_clock(start), format_clock(end)
    for half in ("午前", "午後"):
        if first.startswith(half) and last.startswith(half):
            last = last.removeprefix(half)
    return f"{first}から{last}まで"


def format_time_range(start: time | datetime, end: time | datetime, locale: str = "ja") -> str:
    """9:00〜12:00 / 9:00–12:00 / 午前9時から正午まで (easy Japanese)."""
    if locale == EASY_JAPANESE:
        return clock_range(start, end)
    separator = "–" if locale == "en" else "〜"
    return f"{format_time(start)}{separator}{format_time(end)}"


def format_use_period(
    day: date, start: time, end: time, locale: str = "ja", *, era: bool = False
) -> str:
    """When a booking is used, as a permit says it: 12月3日(水) 午後2時から4時まで (the
    half of the day said once when both ends share it; the year first with `era`) /
    Wed 3 Dec, 2:00 pm to 4:00 pm."""
    if locale == "en":
        year = f" {day.year}" if era else ""
        return (
            f"{format_short_date(day, 'en')}{year}, "
            f"{format_time(start, 'en')} to {format_time(end, 'en')}"
        )
    year = era_year(day) if era else ""
    return f"{year}{format_short_date(day)} {clock_range(start, end)}"


def format_moment(moment: datetime, locale: str = "ja") -> str:
    """A day and time in a sentence: 12月1日(火) 午前9時 / Tue 1 Dec, 9:00 am."""
    if locale == "en":
        return f"{format_short_date(moment.date(), 'en')}, {format_time(moment, 'en')}"
    return f"{format_short_date(moment.date())} {format_clock(moment.time())}"


def format_datetime(moment: datetime, locale: str = "ja") -> str:
    return f"{format_date(moment.date(), locale)} {format_time(moment, locale)}"


def format_yen(amount: int, locale: str = "ja") -> str:
    """1,200円 / ¥1,200."""
    return f"¥{amount:,}" if locale == "en" else f"{amount:,}円"
