"""The core's settings: the town's time zone, lockout policy, hashing cost and the
rules for groups (団体).

The app factory builds them from its configuration (`init_app`); outside an app
context the defaults apply, which is what the pure unit tests see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from flask import current_app, has_app_context


class MembersMayCancel(StrEnum):
    """Which of a group's bookings a plain member may cancel (the representative and
    contacts may cancel any)."""

    OWN = "own"  # those they booked themselves
    ALL = "all"  # every booking of the group
    NONE = "none"  # none: only the representative and contacts


def _month_day(text: str) -> tuple[int, int]:
    """'03-31' as (3, 31): a day every year has (a non-leap year refuses 29 February)."""
    month, day = (int(part) for part in str(text).split("-"))
    date(2001, month, day)
    return month, day


@dataclass(frozen=True)
class GroupRules:
    """The town's rules for groups. The defaults are a small Japanese town's."""

    # Registered residents on the roster, at registration and at each renewal.
    min_members: int = 5
    # The share of declared members living in town for the resident fee (and booking
    # window), in percent: 50 means at least half.
    resident_share_percent: int = 50
    # A registration is valid for this many years, ending on `validity_ends` (31 March,
    # with the school year); renewal opens on `renewal_opens` before that end.
    validity_years: int = 1
    validity_ends: tuple[int, int] = (3, 31)
    renewal_opens: tuple[int, int] = (2, 1)
    # A new group sharing this many members with an active group is flagged for staff.
    overlap_members: int = 3
    # The group's own limits: bookings dated in one month, and active future bookings
    # in all (the limit per kind of facility is each category's max_active_per_group).
    max_per_month: int = 12
    max_active: int = 20
    members_may_cancel: MembersMayCancel = MembersMayCancel.OWN
    # The counter's list of registrations ending soon, so staff can remind the groups.
    reminder_days: int = 60

    def __post_init__(self) -> None:
        if self.min_members < 1 or self.overlap_members < 1 or self.validity_years < 1:
            raise ValueError("group minimums and validity must be at least 1")
        if not 0 <= self.resident_share_percent <= 100:
            raise ValueError("GROUP_RESIDENT_SHARE_PERCENT must be between 0 and 100")
        if self.max_per_month < 0 or self.max_active < 0 or self.reminder_days < 0:
            raise ValueError("group limits must not be negative")

    @classmethod
    def from_mapping(cls, config) -> GroupRules:
        defaults = cls()
        return cls(
            min_members=int(config.get("GROUP_MIN_MEMBERS", defaults.min_members)),
            resident_share_percent=int(
                config.get("GROUP_RESIDENT_SHARE_PERCENT", defaults.resident_share_percent)
            ),
            validity_years=int(config.get("GROUP_VALIDITY_YEARS", defaults.validity_years)),
            validity_ends=_month_day(config.get("GROUP_VALIDITY_ENDS", "03-31")),
            renewal_opens=_month_day(config.get("GROUP_RENEWAL_OPENS", "02-01")),
            overlap_members=int(config.get("GROUP_OVERLAP_MEMBERS", defaults.overlap_members)),
            max_per_month=int(config.get("GROUP_MAX_PER_MONTH", defaults.max_per_month)),
            max_active=int(config.get("GROUP_MAX_ACTIVE", defaults.max_active)),
            members_may_cancel=MembersMayCancel(
                config.get("GROUP_MEMBERS_MAY_CANCEL", defaults.members_may_cancel)
            ),
            reminder_days=int(config.get("GROUP_REMINDER_DAYS", defaults.reminder_days)),
        )


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
    groups: GroupRules = field(default_factory=GroupRules)
    # Series (定期利用): a season (年度) starts on this month-day; a group may have this
    # many series in one season.
    season_starts: tuple[int, int] = (4, 1)
    series_max_per_group: int = 4

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
            groups=GroupRules.from_mapping(config),
            season_starts=_month_day(config.get("SEASON_STARTS", "04-01")),
            series_max_per_group=int(config.get("SERIES_MAX_PER_GROUP", 4)),
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
