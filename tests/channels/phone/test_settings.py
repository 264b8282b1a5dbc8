"""The phone settings are checked when the app starts; counter hours decide transfers."""

from __future__ import annotations

from datetime import time

import pytest

from channels.phone.settings import PhoneSettings
from tests.factories import at

BASE = {"PUBLIC_BASE_URL": "https://yoyaku.example.jp/", "TWILIO_AUTH_TOKEN": "t"}


def settings(**config) -> PhoneSettings:
    return PhoneSettings.from_config({**BASE, **config})


def test_defaults():
    s = settings()
    assert s.public_base_url == "https://yoyaku.example.jp"
    assert (s.check_signature, s.voice, s.rate, s.gather_timeout) == (
        True,
        "Polly.Mizuki",
        "90%",
        8,
    )
    assert (s.counter_weekdays, s.counter_opens, s.counter_closes) == (
        "01234",
        time(8, 30),
        time(17, 15),
    )
    assert s.operator_number == "" and s.counter_on_holidays is False


def test_the_operator_number_is_normalised():
    assert settings(PHONE_OPERATOR_NUMBER="0166-00-0111").operator_number == "+81166000111"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"PHONE_OPERATOR_NUMBER": "12345"}, "PHONE_OPERATOR_NUMBER"),
        ({"PHONE_COUNTER_HOURS": "8:30 to 17:15"}, "PHONE_COUNTER_HOURS"),
        ({"PHONE_COUNTER_HOURS": "17:00-09:00"}, "open before it closes"),
        ({"PHONE_COUNTER_HOURS": "08:30-25:00"}, "PHONE_COUNTER_HOURS"),
        ({"PHONE_COUNTER_WEEKDAYS": "12345-7"}, "PHONE_COUNTER_WEEKDAYS"),
        ({"PHONE_GATHER_TIMEOUT": 5}, "8, 9 or 10"),
        ({"PHONE_SPEECH_RATE": "fast please"}, "PHONE_SPEECH_RATE"),
        ({"PHONE_COUNTER_ON_HOLIDAYS": "maybe"}, "on or off"),
        ({"PHONE_SIGNATURE_CHECK": "off", "MACHI_ENV": "production"}, "development only"),
    ],
)
def test_mistakes_stop_the_app(config, message):
    with pytest.raises(RuntimeError, match=message):
        settings(**config)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2026, 12, 1, 8, 29), False),
        (at(2026, 12, 1, 8, 30), True),
        (at(2026, 12, 1, 17, 14, 59), True),
        (at(2026, 12, 1, 17, 15), False),
        (at(2026, 12, 5, 10), False),  # Saturday
        (at(2026, 11, 23, 10), False),  # 勤労感謝の日
        (at(2026, 12, 29, 10), False),  # 年末
        (at(2027, 1, 4, 10), True),  # the first working day
    ],
)
def test_counter_hours(moment, open_):
    assert settings().counter_open(moment) is open_


def test_a_counter_that_answers_on_holidays_and_saturdays():
    s = settings(PHONE_COUNTER_WEEKDAYS="012345", PHONE_COUNTER_ON_HOLIDAYS="on")
    assert s.counter_open(at(2026, 11, 23, 10)) and s.counter_open(at(2026, 12, 5, 10))


def test_hours_are_read_in_the_towns_zone():
    from datetime import UTC

    assert settings().counter_open(at(2026, 12, 1, 9).astimezone(UTC))
