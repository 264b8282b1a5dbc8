"""Speech: what the voice says, composed for the ear from data.

A `Speech` is a sequence of plain text and `Reading`s (text as written with the kana
the voice must say, rendered as SSML ``<sub alias="...">``): facility names carry
their yomi, and dates carry the readings a clerk uses (1日 ついたち, 20日 はつか).

Dates and times are built here from `date` and `time` values, never from display
strings: 「12月3日、水曜日、午後2時から午後4時まで」. Like channels/formatting.py, this
is Japanese grammar, not sentences: the sentences are in prompts.py, through Babel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import has_request_context
from flask_babel import get_locale

from .. import formatting
from ..formatting import DAY_READINGS

WEEKDAYS = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")

# Months and hours whose numbers change their reading (4月 しがつ, 9時 くじ).
MONTH_READINGS = {4: "しがつ", 7: "しちがつ", 9: "くがつ"}
HOUR_READINGS = {4: "よじ", 7: "しちじ", 9: "くじ"}


@dataclass(frozen=True)
class Reading:
    """Text as written, and the kana the voice should say for it (and what an English
    voice says for it, when that is not the text itself)."""

    text: str
    yomi: str
    en: str = ""


Segment = str | Reading


@dataclass(frozen=True)
class Silence:
    """A pause in what the caller hears (TwiML ``<Pause>``), e.g. time to find a pen
    before the reservation number."""

    seconds: int


class Speech:
    """An immutable run of text and readings; adjacent text is merged."""

    __slots__ = ("segments",)

    def __init__(self, *parts: Segment | Speech | int) -> None:
        segments: list[Segment] = []
        for part in parts:
            items = part.segments if isinstance(part, Speech) else (part,)
            for item in items:
                if isinstance(item, int):
                    item = str(item)
                if isinstance(item, str):
                    if not item:
                        continue
                    if segments and isinstance(segments[-1], str):
                        segments[-1] += item
                        continue
                segments.append(item)
        self.segments: tuple[Segment, ...] = tuple(segments)

    def __add__(self, other: Segment | Speech) -> Speech:
        return Speech(self, other)

    def __radd__(self, other: Segment) -> Speech:
        return Speech(other, self)

    def __bool__(self) -> bool:
        return bool(self.segments)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Speech) and self.segments == other.segments

    def __hash__(self) -> int:
        return hash(self.segments)

    def __repr__(self) -> str:
        return f"Speech({self.text!r})"

    @property
    def text(self) -> str:
        """As written: 「12月3日、水曜日」."""
        return "".join(s if isinstance(s, str) else s.text for s in self.segments)

    @property
    def spoken(self) -> str:
        """As the voice says it: 「12月みっか、水曜日」."""
        return "".join(s if isinstance(s, str) else s.yomi for s in self.segments)

    @classmethod
    def join(cls, parts: Iterable[Segment | Speech], separator: str = "") -> Speech:
        joined: list[Segment | Speech] = []
        for index, part in enumerate(parts):
            if index:
                joined.append(separator)
            joined.append(part)
        return cls(*joined)


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def compose(template: str, **parts: Segment | Speech | int) -> Speech:
    """Fill a (translated) template's %(name)s placeholders with text, numbers,
    readings or speech, keeping the readings."""
    pieces: list[Segment | Speech | int] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(template[position : match.start()])
        pieces.append(parts[match.group(1)])
        position = match.end()
    pieces.append(template[position:])
    return Speech(*pieces)


# ---------------------------------------------------------------------- dates, times
#
# In English (a notification call to a resident who chose English, spoken in en-US)
# the same functions say dates, times and numbers as channels/formatting writes them
# in English: "Wednesday 3 December", "2:00 pm to 4:00 pm", "1, 2, 3, 4".


def english() -> bool:
    """Whether the speech is being worded in English (the request's Babel locale)."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "en" and not locale.variant


def _en_weekday(day: date) -> str:
    return formatting.WEEKDAY_NAMES_EN[day.weekday()]


def _en_date(day: date) -> str:
    return f"{_en_weekday(day)} {day.day} {formatting.MONTHS_EN[day.month - 1]}"


def spoken_month_day(day: date) -> Speech:
    """12月3日 (12月みっか), 4月20日 (しがつはつか)."""
    month = f"{day.month}月"
    dom = f"{day.day}日"
    return Speech(
        Reading(month, MONTH_READINGS[day.month]) if day.month in MONTH_READINGS else month,
        Reading(dom, DAY_READINGS[day.day]) if day.day in DAY_READINGS else dom,
    )


def spoken_weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def spoken_date(day: date) -> Speech:
    """「12月3日、水曜日」 / "Wednesday 3 December"."""
    if english():
        return Speech(_en_date(day))
    return Speech(spoken_month_day(day), "、", spoken_weekday(day))


def spoken_time(moment: time | datetime) -> Speech:
    """午前9時, 正午, 午後1時30分, 午前0時: the twelve-hour clock, as a clerk says it."""
    if english():
        return Speech(formatting.format_time(moment, "en"))
    hour, minute = moment.hour, moment.minute
    if (hour, minute) == (12, 0):
        return Speech("正午")
    half = "午前" if hour < 12 else "午後"
    hour12 = hour % 12
    hour_text = f"{hour12}時"
    hour_part = Reading(hour_text, HOUR_READINGS[hour12]) if hour12 in HOUR_READINGS else hour_text
    return Speech(half, hour_part, f"{minute}分" if minute else "")


def spoken_time_range(start: time | datetime, end: time | datetime) -> Speech:
    """「午後2時から午後4時まで」 / "2:00 pm to 4:00 pm"."""
    if english():
        return Speech(spoken_time(start), " to ", spoken_time(end))
    return Speech(spoken_time(start), "から", spoken_time(end), "まで")


def spoken_slot(day: date, start: time, end: time) -> Speech:
    """「12月3日、水曜日、午後2時から午後4時まで」."""
    return Speech(spoken_date(day), _comma(), spoken_time_range(start, end))


def spoken_moment(moment: datetime, today: date) -> Speech:
    """A time today (「午後3時40分」) or on another day (「12月4日、木曜日、午前0時10分」)."""
    if moment.date() == today:
        return spoken_time(moment)
    return Speech(spoken_date(moment.date()), _comma(), spoken_time(moment))


def _comma() -> str:
    return ", " if english() else "、"


def spoken_digits(number: str) -> str:
    """A number read digit by digit: 「1、2、3、4」."""
    return _comma().join(number)


def spoken_digit_groups(number: str, size: int = 4) -> str:
    """A long number read in groups, digit by digit: 「1、2、3、4の、5、6、7、8」 (as
    telephone numbers are read), so that it can be written down in two breaths."""
    groups = [number[i : i + size] for i in range(0, len(number), size)]
    if english():
        return "; ".join(spoken_digits(group) for group in groups)
    return "の、".join(spoken_digits(group) for group in groups)


def spoken_yen(amount: int) -> str:
    """「1500円」: the voice reads the number as an amount (せんごひゃく えん)."""
    if english():
        return f"{amount:,} yen"
    return f"{amount}円"


def spoken_weekdays(weekdays: str) -> str:
    """Days given as digits, Monday = 0: 「月曜日から金曜日」 for a run of three or more,
    「月曜日、水曜日」 otherwise."""
    if english():
        return formatting.format_weekdays(weekdays, "en")
    days = sorted({int(d) for d in weekdays})
    if not days:
        return ""
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]}から{WEEKDAYS[days[-1]]}"
    return "、".join(WEEKDAYS[d] for d in days)
