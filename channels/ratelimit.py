"""Limits on wrong sign-ins per source, whatever the account, shared by the channels.

The core limits wrong secrets per account and source (reservations/services/
attempts.py); this one stops one source (a web or counter client address, a calling
number) trying many registration numbers or usernames. Only wrong sign-ins count: a
resident who signs in at the first try uses nothing up.

The counts live in Flask-Limiter's storage (on the `limits` library): in the process's
memory by default, which holds for one worker process only, and in Redis when
`RATELIMIT_STORAGE_URI` names one (``redis://127.0.0.1:6379``), so that the limits hold
across worker processes and app servers. `SIGN_IN_SOURCE_LIMITS` says how many, in
`limits`' words ("3 per minute; 6 per 15 minutes; ..."); `RATELIMIT_KEY_PREFIX` keeps
apps sharing one Redis apart.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_limiter import Limiter
from limits import parse_many

from .config import ConfigError

NAMESPACE = "sign-in"


class SignInLimits:
    """Wrong sign-ins per source, in the app's Flask-Limiter storage."""

    def __init__(self, app: Flask) -> None:
        raw = app.config["SIGN_IN_SOURCE_LIMITS"]
        try:
            self.items = parse_many(raw)
        except ValueError as error:
            raise ConfigError(f"SIGN_IN_SOURCE_LIMITS is not a list of limits: {raw!r}") from error
        if not self.items:
            raise ConfigError("SIGN_IN_SOURCE_LIMITS must name at least one limit")
        app.config.setdefault("RATELIMIT_ENABLED", True)
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        self.prefix = app.config.get("RATELIMIT_KEY_PREFIX") or ""
        # No limit on any page: only the sign-in forms ask, through this object.
        self.limiter = Limiter(key_func=lambda: "", app=app, default_limits=[])

    @property
    def _strategy(self):
        return self.limiter.limiter

    def _identifiers(self, source: str) -> tuple[str, ...]:
        return (self.prefix, NAMESPACE, source)

    def retry_after(self, source: str) -> int | None:
        """Seconds `source` must wait before it may try again, or None."""
        waits = []
        for item in self.items:
            if not self._strategy.test(item, *self._identifiers(source)):
                reset = self._strategy.get_window_stats(item, *self._identifiers(source)).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def count_failure(self, source: str) -> int:
        """One more wrong sign-in from `source`; returns how many more it may make
        before it must wait (0: the next one waits)."""
        for item in self.items:
            self._strategy.hit(item, *self._identifiers(source))
        return min(
            self._strategy.get_window_stats(item, *self._identifiers(source)).remaining
            for item in self.items
        )

    def reset(self) -> None:
        """Forget every count (tests, and `flask` commands after an incident)."""
        self.limiter.reset()


def until_after(now: datetime, seconds: int) -> datetime:
    """The moment a wait of `seconds` from `now` ends, rounded up to the whole minute
    (what the pages and the phone say)."""
    end = now + timedelta(seconds=seconds)
    if end.second or end.microsecond:
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return end


def init_app(app: Flask) -> None:
    app.extensions["sign_in_limits"] = SignInLimits(app)


def sign_in_limits() -> SignInLimits:
    return current_app.extensions["sign_in_limits"]
