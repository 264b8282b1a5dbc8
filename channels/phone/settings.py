"""The phone channel's settings, read from the app's configuration and checked when
the app starts, so that a mistyped hour or number stops the app instead of a call.

The counter's days and hours are the town's one source (`services.CounterDetails`,
COUNTER_* or the older PHONE_COUNTER_* settings), shared with the web and the counter."""

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


@dataclass(frozen=True)
class PhoneSettings:
    public_base_url: str
    auth_token: str
    check_signature: bool
    operator_number: str  # E.164; empty when no one can be reached by phone
    counter: services.CounterDetails
    voice: str
    rate: str
    gather_timeout: int
    # Wrong PINs one call may enter before its sign-in ends (README "Sign-in limits").
    sign_in_attempts_per_call: int = 3

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
            counter=services.CounterDetails.from_mapping(config),
            voice=str(config.get("PHONE_VOICE", "Polly.Mizuki")).strip(),
            rate=rate,
            gather_timeout=timeout,
            sign_in_attempts_per_call=int(config.get("PHONE_SIGN_IN_ATTEMPTS_PER_CALL", 3)),
        )

    @property
    def counter_weekdays(self) -> str:  # Monday = 0
        return self.counter.weekdays

    @property
    def counter_opens(self) -> time:
        return self.counter.opens

    @property
    def counter_closes(self) -> time:
        return self.counter.closes

    @property
    def counter_on_holidays(self) -> bool:
        return self.counter.on_holidays

    def counter_open(self, now: datetime) -> bool:
        """Whether the counter's staff answer the telephone at `now` (town time)."""
        return services.counter_open(now, self.counter)


def get_phone_settings() -> PhoneSettings:
    return current_app.extensions["phone"]
