"""The core's settings: the town's time zone, lockout policy and hashing cost.

The app factory builds them from its configuration (`init_app`); outside an app
context the defaults apply, which is what the pure unit tests see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from flask import current_app, has_app_context


@dataclass(frozen=True)
class Settings:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    pin_max_failures: int = 5
    # None: a locked PIN stays locked until staff unlock it.
    pin_lockout: timedelta | None = timedelta(minutes=30)
    staff_max_failures: int = 5
    staff_lockout: timedelta | None = timedelta(minutes=15)
    # The longest range availability() computes in one call.
    availability_max_days: int = 93
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19_456

    @cached_property
    def hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.argon2_time_cost, memory_cost=self.argon2_memory_kib)

    @classmethod
    def from_mapping(cls, config) -> Settings:
        def minutes(key: str, default: int) -> timedelta | None:
            value = int(config.get(key, default))
            return timedelta(minutes=value) if value > 0 else None

        return cls(
            timezone=ZoneInfo(config.get("TOWN_TIMEZONE", "Asia/Tokyo")),
            pin_max_failures=int(config.get("PIN_MAX_FAILURES", 5)),
            pin_lockout=minutes("PIN_LOCKOUT_MINUTES", 30),
            staff_max_failures=int(config.get("STAFF_MAX_FAILURES", 5)),
            staff_lockout=minutes("STAFF_LOCKOUT_MINUTES", 15),
            argon2_time_cost=int(config.get("ARGON2_TIME_COST", 2)),
            argon2_memory_kib=int(config.get("ARGON2_MEMORY_KIB", 19_456)),
        )


DEFAULTS = Settings()


def init_app(app) -> None:
    app.extensions["reservations"] = Settings.from_mapping(app.config)


def now() -> datetime:
    """The current time in the town's zone, from the app's CLOCK when one is set
    (tests, demos of a given day), else from the system clock."""
    tz = get_settings().timezone
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return (clock() if clock is not None else datetime.now(tz)).astimezone(tz)


def get_settings() -> Settings:
    if has_app_context():
        return current_app.extensions.get("reservations", DEFAULTS)
    return DEFAULTS
