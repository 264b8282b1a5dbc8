"""The phone channel's settings, read from the app's configuration and checked when
the app starts, so that a mistyped hour or number stops the app instead of a call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from flask import current_app

from reservations import services
from reservations.errors import InvalidInput

ON = ("on", "true", "yes", "1")
OFF = ("off", "false", "no", "0")
GATHER_TIMEOUTS = range(8, 11)  # seconds: long enough for an unhurried caller
DIAL_TIMEOUT = 25  # seconds the counter's telephone rings before we give up


def _flag(name: str, value: str) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ON:
        return True
    if lowered in OFF:
        return False
    raise RuntimeError(f"{name} must be on or off, not {value!r}")


def _hours(value: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise RuntimeError(f"PHONE_COUNTER_HOURS must look like 08:30-17:15, not {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError as error:
        raise RuntimeError(f"PHONE_COUNTER_HOURS: {error}") from error
    if opens >= closes:
        raise RuntimeError("PHONE_COUNTER_HOURS must open before it closes")
    return opens, closes


@dataclass(frozen=True)
class PhoneSettings:
    public_base_url: str
    auth_token: str
    check_signature: bool
    operator_number: str  # E.164; empty when no one can be reached by phone
    counter_weekdays: str  # Monday = 0
    counter_opens: time
    counter_closes: time
    counter_on_holidays: bool
    voice: str
    rate: str
    gather_timeout: int

    @classmethod
    def from_config(cls, config) -> PhoneSettings:
        production = config.get("MACHI_ENV") == "production"
        check = _flag("PHONE_SIGNATURE_CHECK", config.get("PHONE_SIGNATURE_CHECK", "on"))
        if not check and production:
            raise RuntimeError("PHONE_SIGNATURE_CHECK=off is for development only")
        operator = (config.get("PHONE_OPERATOR_NUMBER") or "").strip()
        if operator:
            try:
                operator, _ = services.normalize_phone(operator)
            except InvalidInput as error:
                raise RuntimeError("PHONE_OPERATOR_NUMBER is not a valid number") from error
        weekdays = str(config.get("PHONE_COUNTER_WEEKDAYS", "01234")).strip()
        if not re.fullmatch(r"[0-6]*", weekdays):
            raise RuntimeError("PHONE_COUNTER_WEEKDAYS is digits 0 (Monday) to 6 (Sunday)")
        opens, closes = _hours(str(config.get("PHONE_COUNTER_HOURS", "08:30-17:15")))
        timeout = int(config.get("PHONE_GATHER_TIMEOUT", 8))
        if timeout not in GATHER_TIMEOUTS:
            raise RuntimeError("PHONE_GATHER_TIMEOUT must be 8, 9 or 10 seconds")
        rate = str(config.get("PHONE_SPEECH_RATE", "90%")).strip()
        if not re.fullmatch(r"\d{2,3}%|x-slow|slow|medium", rate):
            raise RuntimeError("PHONE_SPEECH_RATE is a percentage such as 90% or slow")
        return cls(
            public_base_url=str(config.get("PUBLIC_BASE_URL", "")).rstrip("/"),
            auth_token=config.get("TWILIO_AUTH_TOKEN") or "",
            check_signature=check,
            operator_number=operator,
            counter_weekdays="".join(sorted(set(weekdays))),
            counter_opens=opens,
            counter_closes=closes,
            counter_on_holidays=_flag(
                "PHONE_COUNTER_ON_HOLIDAYS", config.get("PHONE_COUNTER_ON_HOLIDAYS", "off")
            ),
            voice=str(config.get("PHONE_VOICE", "Polly.Mizuki")).strip(),
            rate=rate,
            gather_timeout=timeout,
        )

    def counter_open(self, now: datetime) -> bool:
        """Whether the counter's staff answer the telephone at `now` (town time)."""
        now = now.astimezone(services.town_timezone())
        day = now.date()
        if not self.counter_on_holidays and (services.is_holiday(day) or services.is_year_end(day)):
            return False
        if str(day.weekday()) not in self.counter_weekdays:
            return False
        return self.counter_opens <= now.time() < self.counter_closes


def get_phone_settings() -> PhoneSettings:
    return current_app.extensions["phone"]
