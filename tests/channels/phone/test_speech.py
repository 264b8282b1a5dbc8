"""Dates and times as a clerk says them on the telephone: table-driven."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from channels.phone.speech import (
    Reading,
    Speech,
    compose,
    spoken_date,
    spoken_digits,
    spoken_moment,
    spoken_slot,
    spoken_time,
    spoken_time_range,
    spoken_weekdays,
    spoken_yen,
)

# Every day of the month: as written, and as the voice must say it.
DAYS = [
    (1, "1日", "ついたち"),
    (2, "2日", "ふつか"),
    (3, "3日", "みっか"),
    (4, "4日", "よっか"),
    (5, "5日", "いつか"),
    (6, "6日", "むいか"),
    (7, "7日", "なのか"),
    (8, "8日", "ようか"),
    (9, "9日", "ここのか"),
    (10, "10日", "とおか"),
    (11, "11日", "11日"),
    (12, "12日", "12日"),
    (13, "13日", "13日"),
    (14, "14日", "じゅうよっか"),
    (15, "15日", "15日"),
    (16, "16日", "16日"),
    (17, "17日", "17日"),
    (18, "18日", "18日"),
    (19, "19日", "19日"),
    (20, "20日", "はつか"),
    (21, "21日", "21日"),
    (22, "22日", "22日"),
    (23, "23日", "23日"),
    (24, "24日", "にじゅうよっか"),
    (25, "25日", "25日"),
    (26, "26日", "26日"),
    (27, "27日", "27日"),
    (28, "28日", "28日"),
    (29, "29日", "29日"),
    (30, "30日", "30日"),
    (31, "31日", "31日"),
]


@pytest.mark.parametrize(("dom", "written", "said"), DAYS)
def test_every_day_of_the_month(dom, written, said):
    speech = spoken_date(date(2026, 12, dom))
    weekday = "月火水木金土日"[date(2026, 12, dom).weekday()] + "曜日"
    assert speech.text == f"12月{written}、{weekday}"
    assert speech.spoken == f"12月{said}、{weekday}"


@pytest.mark.parametrize(
    ("day", "text", "spoken"),
    [
        (date(2026, 12, 3), "12月3日、木曜日", "12月みっか、木曜日"),
        (date(2027, 1, 1), "1月1日、金曜日", "1月ついたち、金曜日"),
        (date(2027, 4, 20), "4月20日、火曜日", "しがつはつか、火曜日"),
        (date(2027, 7, 7), "7月7日、水曜日", "しちがつなのか、水曜日"),
        (date(2027, 9, 14), "9月14日、火曜日", "くがつじゅうよっか、火曜日"),
        (date(2027, 2, 28), "2月28日、日曜日", "2月28日、日曜日"),
    ],
)
def test_months_with_their_own_reading(day, text, spoken):
    assert (spoken_date(day).text, spoken_date(day).spoken) == (text, spoken)


@pytest.mark.parametrize(
    ("moment", "text", "spoken"),
    [
        (time(0, 0), "午前0時", "午前0時"),
        (time(0, 30), "午前0時30分", "午前0時30分"),
        (time(8, 30), "午前8時30分", "午前8時30分"),
        (time(9, 0), "午前9時", "午前くじ"),
        (time(11, 45), "午前11時45分", "午前11時45分"),
        (time(12, 0), "正午", "正午"),
        (time(12, 30), "午後0時30分", "午後0時30分"),
        (time(13, 0), "午後1時", "午後1時"),
        (time(16, 0), "午後4時", "午後よじ"),
        (time(17, 15), "午後5時15分", "午後5時15分"),
        (time(19, 0), "午後7時", "午後しちじ"),
        (time(21, 0), "午後9時", "午後くじ"),
        (time(23, 59), "午後11時59分", "午後11時59分"),
    ],
)
def test_times_on_the_twelve_hour_clock(moment, text, spoken):
    assert (spoken_time(moment).text, spoken_time(moment).spoken) == (text, spoken)


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (time(14), time(16), "午後2時から午後4時まで"),
        (time(9), time(12), "午前9時から正午まで"),
        (time(13), time(17), "午後1時から午後5時まで"),
        (time(18), time(21), "午後6時から午後9時まで"),
        (time(8, 30), time(17, 15), "午前8時30分から午後5時15分まで"),
    ],
)
def test_time_ranges(start, end, text):
    assert spoken_time_range(start, end).text == text


def test_a_whole_slot_as_in_the_issue():
    slot = spoken_slot(date(2025, 12, 3), time(14), time(16))
    assert slot.text == "12月3日、水曜日、午後2時から午後4時まで"
    assert slot.spoken == "12月みっか、水曜日、午後2時から午後よじまで"


def test_a_moment_today_or_another_day():
    tz = ZoneInfo("Asia/Tokyo")
    today = date(2026, 12, 1)
    assert spoken_moment(datetime(2026, 12, 1, 15, 40, tzinfo=tz), today).text == "午後3時40分"
    assert spoken_moment(datetime(2026, 12, 2, 0, 10, tzinfo=tz), today).text == (
        "12月2日、水曜日、午前0時10分"
    )


@pytest.mark.parametrize(
    ("weekdays", "text"),
    [
        ("01234", "月曜日から金曜日"),
        ("0123456", "月曜日から日曜日"),
        ("56", "土曜日、日曜日"),
        ("024", "月曜日、水曜日、金曜日"),
        ("", ""),
    ],
)
def test_counter_days(weekdays, text):
    assert spoken_weekdays(weekdays) == text


def test_numbers_digit_by_digit_and_yen():
    assert spoken_digits("12345670") == "1、2、3、4、5、6、7、0"
    assert spoken_yen(1500) == "1500円"


def test_compose_keeps_readings_and_merges_text():
    name = Reading("町民体育館", "ちょうみん たいいくかん")
    speech = compose("%(place)sの、%(count)s件目です。", place=name, count=2)
    assert speech.segments == (name, "の、2件目です。")
    assert speech.text == "町民体育館の、2件目です。"
    assert speech.spoken == "ちょうみん たいいくかんの、2件目です。"
    assert Speech("a", "", "b") + "c" == Speech("abc")
    assert not Speech("")
