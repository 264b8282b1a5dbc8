"""The core's settings: the town's time zone, lockout policy, hashing cost, the rules
for groups (団体) and the town's and counter's details (name, telephone, hours,
address), which every channel shows or speaks from this one place.

The app factory builds them from its configuration (`init_app`); outside an app
context the defaults apply, which is what the pure unit tests see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from flask import current_app, has_app_context

from .errors import InvalidInput
from .text import format_phone_national, normalize_phone


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


ON = ("on", "true", "yes", "1")
OFF = ("off", "false", "no", "0")


def _flag(name: str, value) -> bool:
    lowered = str(value).strip().lower()
    if lowered in ON:
        return True
    if lowered in OFF:
        return False
    raise RuntimeError(f"{name} must be on or off, not {value!r}")


def _hours(name: str, value: str) -> tuple[time, time]:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise RuntimeError(f"{name} must look like 08:30-17:15, not {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError as error:
        raise RuntimeError(f"{name}: {error}") from error
    if opens >= closes:
        raise RuntimeError(f"{name} must open before it closes")
    return opens, closes


def _pick(config, name: str, older: str | None, default: str) -> tuple[str, str]:
    """A setting by its name, else by the older name it had (the phone's), else the
    default: (the name that gave it, its value)."""
    if config.get(name) not in (None, ""):
        return name, str(config.get(name))
    if older and config.get(older) not in (None, ""):
        return older, str(config.get(older))
    return name, default


@dataclass(frozen=True)
class CounterDetails:
    """The town and its counter (窓口), where every channel sends a resident who needs
    a person: its name, telephone, hours, address and map. One source for the web's
    footer and messages, the phone's transfers and spoken hours, and the counter."""

    town_name: str = ""  # empty: the service is named without the town's name
    town_name_en: str = ""
    name: str = "教育委員会の窓口"
    name_en: str = "the Board of Education counter"
    phone: str = ""  # written the Japanese way, 0166-00-0111; empty: none published
    weekdays: str = "01234"  # days the counter is open, Monday = 0
    opens: time = time(8, 30)
    closes: time = time(17, 15)
    on_holidays: bool = False  # open on national holidays and 12/29-1/3 too
    address: str = ""
    address_en: str = ""
    map_url: str = ""

    @classmethod
    def from_mapping(cls, config) -> CounterDetails:
        """COUNTER_* settings; the phone's older PHONE_COUNTER_WEEKDAYS, _HOURS and
        _ON_HOLIDAYS are still read when the new names are not set."""
        defaults = cls()
        name, weekdays = _pick(config, "COUNTER_WEEKDAYS", "PHONE_COUNTER_WEEKDAYS", "01234")
        weekdays = weekdays.strip()
        if not re.fullmatch(r"[0-6]*", weekdays):
            raise RuntimeError(f"{name} is digits 0 (Monday) to 6 (Sunday)")
        opens, closes = _hours(
            *_pick(config, "COUNTER_HOURS", "PHONE_COUNTER_HOURS", "08:30-17:15")
        )
        on_holidays = _flag(
            *_pick(config, "COUNTER_ON_HOLIDAYS", "PHONE_COUNTER_ON_HOLIDAYS", "off")
        )
        phone = str(config.get("COUNTER_PHONE") or "").strip()
        if phone:
            try:
                phone_e164, _ = normalize_phone(phone)
            except InvalidInput as error:
                raise RuntimeError(f"COUNTER_PHONE is not a valid number: {phone!r}") from error
            phone = format_phone_national(phone_e164)
        map_url = str(config.get("COUNTER_MAP_URL") or "").strip()
        if map_url and not re.fullmatch(r"https://\S+", map_url):
            raise RuntimeError("COUNTER_MAP_URL must be an https:// address")

        def text(key: str, default: str) -> str:
            return str(config.get(key) or default).strip()

        return cls(
            town_name=text("TOWN_NAME", defaults.town_name),
            town_name_en=text("TOWN_NAME_EN", defaults.town_name_en),
            name=text("COUNTER_NAME", defaults.name),
            name_en=text("COUNTER_NAME_EN", defaults.name_en),
            phone=phone,
            weekdays="".join(sorted(set(weekdays))),
            opens=opens,
            closes=closes,
            on_holidays=on_holidays,
            address=text("COUNTER_ADDRESS", ""),
            address_en=text("COUNTER_ADDRESS_EN", ""),
            map_url=map_url,
        )

    @property
    def phone_uri(self) -> str:
        """The telephone as a tel: URI in international form (tel:+81166000111)."""
        return "tel:" + normalize_phone(self.phone)[0] if self.phone else ""


@dataclass(frozen=True)
class NoShowRule:
    """After `limit` no-shows (無断不使用) dated within `months` months, a resident or
    group may not book online for `days` days from the last of them. Off (limit 0) by
    default; the counter can always book, with a reason."""

    limit: int = 0
    months: int = 6
    days: int = 30

    def __post_init__(self) -> None:
        if self.limit < 0 or self.months < 1 or self.days < 1:
            raise ValueError("NO_SHOW_LIMIT >= 0, NO_SHOW_MONTHS and NO_SHOW_DAYS >= 1")

    @property
    def is_on(self) -> bool:
        return self.limit > 0

    @classmethod
    def from_mapping(cls, config) -> NoShowRule:
        return cls(
            limit=int(config.get("NO_SHOW_LIMIT", 0)),
            months=int(config.get("NO_SHOW_MONTHS", 6)),
            days=int(config.get("NO_SHOW_DAYS", 30)),
        )


class LatePayment(StrEnum):
    """When a hold booked inside the payment period (fewer than HOLD_DUE_DAYS_BEFORE
    days before its date) must be paid."""

    AT_ONCE = "at_once"  # by the end of the day it was booked, at the counter
    ON_THE_DAY = "on_the_day"  # on the day of use, before its start


def _refund_tiers(text: str) -> tuple[tuple[int, int], ...]:
    """'7:100,1:50' as ((7, 100), (1, 50)): cancelled at least 7 days before the date,
    100 %; at least 1 day before, 50 %; later, nothing."""
    tiers = []
    for item in str(text).split(","):
        if item.strip():
            days, percent = (int(part) for part in item.split(":"))
            if days < 0 or not 0 <= percent <= 100:
                raise ValueError("REFUND_TIERS: days >= 0 and 0 <= percent <= 100")
            tiers.append((days, percent))
    return tuple(sorted(tiers, reverse=True))


@dataclass(frozen=True)
class HoldRules:
    """The town's rules for holds (仮予約) and their payment, and for refunds (還付)."""

    # Pay within this many days of booking, and at the latest this many days before
    # the date of use (a due day in 年末年始 moves to the last counter day before it).
    pay_within_days: int = 7
    due_days_before: int = 3
    late: LatePayment = LatePayment.AT_ONCE
    # The reminder goes out this many hours before the due time.
    reminder_hours: int = 24
    # Refund percent by days before the date of use, for the resident's own
    # cancellation (the town's reason is always 100 %).
    refund_tiers: tuple[tuple[int, int], ...] = ((7, 100), (1, 50))

    def __post_init__(self) -> None:
        if self.pay_within_days < 0 or self.due_days_before < 0 or self.reminder_hours < 0:
            raise ValueError("hold periods must not be negative")

    @classmethod
    def from_mapping(cls, config) -> HoldRules:
        defaults = cls()
        return cls(
            pay_within_days=int(config.get("HOLD_PAY_WITHIN_DAYS", defaults.pay_within_days)),
            due_days_before=int(config.get("HOLD_DUE_DAYS_BEFORE", defaults.due_days_before)),
            late=LatePayment(config.get("HOLD_LATE_PAYMENT", defaults.late)),
            reminder_hours=int(config.get("HOLD_REMINDER_HOURS", defaults.reminder_hours)),
            refund_tiers=_refund_tiers(config.get("REFUND_TIERS", "7:100,1:50")),
        )


class WaitlistOrder(StrEnum):
    """Whom a freed slot is offered to among the waiters it fits."""

    FIRST_COME = "first_come"  # the one who joined first
    RANDOM = "random"  # one drawn at random


def _waitlist_order(value) -> WaitlistOrder:
    try:
        return WaitlistOrder(str(value).strip())
    except ValueError:
        choices = " or ".join(order.value for order in WaitlistOrder)
        raise RuntimeError(f"WAITLIST_ORDER must be {choices}, not {value!r}") from None


@dataclass(frozen=True)
class WaitlistRules:
    """The town's rules for the waitlist (キャンセル待ち)."""

    # A waiter has this many hours to accept an offer (never past the usual payment
    # due time of a hold booked at the moment of the offer, nor the start of use).
    offer_hours: int = 48
    # Open entries of one person (or one group) for slots dated in one month.
    max_per_month: int = 2
    # Whom a freed slot is offered to: the first waiter it fits, or one drawn at random.
    order: WaitlistOrder = WaitlistOrder.FIRST_COME

    def __post_init__(self) -> None:
        if self.offer_hours < 1 or self.max_per_month < 0:
            raise ValueError("WAITLIST_OFFER_HOURS >= 1 and WAITLIST_MAX_PER_MONTH >= 0")

    @classmethod
    def from_mapping(cls, config) -> WaitlistRules:
        defaults = cls()
        return cls(
            offer_hours=int(config.get("WAITLIST_OFFER_HOURS", defaults.offer_hours)),
            max_per_month=int(config.get("WAITLIST_MAX_PER_MONTH", defaults.max_per_month)),
            order=_waitlist_order(config.get("WAITLIST_ORDER", defaults.order)),
        )


@dataclass(frozen=True)
class CallRules:
    """Notification calls to landlines (reservations/calls.py): placed only between
    `hours_from` and `hours_until` town time and never in 年末年始; a busy, unanswered
    or failed call is tried again `retry_minutes` later, at most `max_attempts` calls in
    all, then the notification goes to the counter's call list."""

    hours_from: time = time(9, 0)
    hours_until: time = time(19, 0)
    max_attempts: int = 3
    retry_minutes: int = 60
    ring_seconds: int = 30

    def __post_init__(self) -> None:
        if not self.hours_from < self.hours_until:
            raise ValueError("CALL_HOURS_FROM must be before CALL_HOURS_UNTIL")
        if self.max_attempts < 1 or self.retry_minutes < 1 or not 5 <= self.ring_seconds <= 600:
            raise ValueError(
                "CALL_MAX_ATTEMPTS >= 1, CALL_RETRY_MINUTES >= 1, CALL_RING_SECONDS 5-600"
            )

    @classmethod
    def from_mapping(cls, config) -> CallRules:
        defaults = cls()
        return cls(
            hours_from=_clock("CALL_HOURS_FROM", config.get("CALL_HOURS_FROM", "09:00")),
            hours_until=_clock("CALL_HOURS_UNTIL", config.get("CALL_HOURS_UNTIL", "19:00")),
            max_attempts=int(config.get("CALL_MAX_ATTEMPTS", defaults.max_attempts)),
            retry_minutes=int(config.get("CALL_RETRY_MINUTES", defaults.retry_minutes)),
            ring_seconds=int(config.get("CALL_RING_SECONDS", defaults.ring_seconds)),
        )


def _clock(name: str, value) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not match:
        raise RuntimeError(f"{name} must look like 09:00, not {value!r}")
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError as error:
        raise RuntimeError(f"{name}: {error}") from error


class GroupAppliers(StrEnum):
    """Who may apply to a lottery round for a group."""

    CONTACTS = "contacts"  # its representative and contacts
    MEMBERS = "members"  # any member on its roster


@dataclass(frozen=True)
class LotteryRules:
    """The town's rules for the lottery (抽選): the round calendar (the fields of
    lottery_rules.RoundRule, which the lottery service builds and checks), choices per
    application, wins per application, who applies for a group."""

    # When a round's steps fall, counted in the month `months_ahead` before the month
    # of use (see lottery_rules.RoundRule): the default common Japanese cycle.
    months_ahead: int = 2
    opens_day: int = 1
    opens_at: time = time(9, 0)
    closes_day: int = 10
    draw_day: int = 11
    draw_at: time = time(9, 0)
    confirm_day: int = 20
    release_day: int = 21
    release_at: time = time(9, 0)
    max_choices: int = 5
    # Wins one application can have in a round (0: every choice can be won).
    max_wins: int = 2
    group_appliers: GroupAppliers = GroupAppliers.CONTACTS
    # Whether the number of applications per slot is shown while the period is open
    # (on the web's form and the public results page); after the draw it always is.
    show_applicants: bool = False

    def __post_init__(self) -> None:
        if self.max_choices < 1 or self.max_wins < 0:
            raise ValueError("LOTTERY_MAX_CHOICES >= 1 and LOTTERY_MAX_WINS >= 0")

    @property
    def calendar(self) -> dict:
        """The round rule's fields, for lottery_rules.RoundRule(**calendar)."""
        names = ("months_ahead", "opens_day", "opens_at", "closes_day", "draw_day")
        names += ("draw_at", "confirm_day", "release_day", "release_at")
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_mapping(cls, config) -> LotteryRules:
        defaults = cls()

        def day(key: str, default: int) -> int:
            return int(config.get(key, default))

        def clock(key: str, default: time) -> time:
            return _clock(key, config.get(key, default.strftime("%H:%M")))

        return cls(
            months_ahead=day("LOTTERY_MONTHS_AHEAD", defaults.months_ahead),
            opens_day=day("LOTTERY_OPENS_DAY", defaults.opens_day),
            opens_at=clock("LOTTERY_OPENS_AT", defaults.opens_at),
            closes_day=day("LOTTERY_CLOSES_DAY", defaults.closes_day),
            draw_day=day("LOTTERY_DRAW_DAY", defaults.draw_day),
            draw_at=clock("LOTTERY_DRAW_AT", defaults.draw_at),
            confirm_day=day("LOTTERY_CONFIRM_DAY", defaults.confirm_day),
            release_day=day("LOTTERY_RELEASE_DAY", defaults.release_day),
            release_at=clock("LOTTERY_RELEASE_AT", defaults.release_at),
            max_choices=int(config.get("LOTTERY_MAX_CHOICES", defaults.max_choices)),
            max_wins=int(config.get("LOTTERY_MAX_WINS", defaults.max_wins)),
            group_appliers=GroupAppliers(config.get("LOTTERY_GROUP_APPLIERS", "contacts")),
            show_applicants=_flag(
                "LOTTERY_SHOW_APPLICANTS", config.get("LOTTERY_SHOW_APPLICANTS", "off")
            ),
        )


@dataclass(frozen=True)
class Settings:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Tokyo"))
    # Wrong PINs (passwords) in a row from one source for one account before that
    # source must wait: first `sign_in_first_wait`, doubled for each further wrong one,
    # at most the lockout (a day when the lockout is None).
    pin_max_failures: int = 5
    # The account-wide last resort: this many wrong PINs in a row from all sources lock
    # the account for `pin_lockout` against every source that has a wrong one on record;
    # a source with a clean record still signs in with the right PIN.
    # None: a locked PIN stays locked until staff unlock it.
    pin_lockout: timedelta | None = timedelta(minutes=30)
    pin_account_lock_failures: int = 20
    staff_max_failures: int = 5
    staff_lockout: timedelta | None = timedelta(minutes=15)
    staff_account_lock_failures: int = 20
    sign_in_first_wait: timedelta = timedelta(minutes=1)
    # Sign-in callbacks to a resident's registered number (services/callbacks.py): at
    # most one in `callback_gap`, and `callbacks_per_day` in 24 hours.
    callback_gap: timedelta = timedelta(minutes=5)
    callbacks_per_day: int = 3
    # The longest a sign-in lasts from when it began, however active (beside each
    # channel's idle timeout): a resident's on the web, a staff member's at the counter.
    web_session_lifetime: timedelta = timedelta(hours=2)
    counter_session_lifetime: timedelta = timedelta(hours=12)
    # The longest range availability() computes in one call.
    availability_max_days: int = 93
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19_456
    groups: GroupRules = field(default_factory=GroupRules)
    # Series (定期利用): a season (年度) starts on this month-day; a group may have this
    # many series in one season.
    season_starts: tuple[int, int] = (4, 1)
    series_max_per_group: int = 4
    counter: CounterDetails = field(default_factory=CounterDetails)
    no_shows: NoShowRule = field(default_factory=NoShowRule)
    # Keybox codes: wrong ones in a row that lock a booking's code.
    access_code_max_failures: int = 3
    # The longest period the statistics compute in one request, in days.
    statistics_max_days: int = 731
    # Open data: a figure resting on fewer bookings than this is suppressed.
    open_data_min_count: int = 5
    # Open data's publisher: the town's 全国地方公共団体コード (6 digits) and prefecture.
    town_code: str = ""
    prefecture: str = ""
    holds: HoldRules = field(default_factory=HoldRules)
    waitlist: WaitlistRules = field(default_factory=WaitlistRules)
    lottery: LotteryRules = field(default_factory=LotteryRules)
    calls: CallRules = field(default_factory=CallRules)

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
            pin_account_lock_failures=int(config.get("PIN_ACCOUNT_LOCK_FAILURES", 20)),
            staff_account_lock_failures=int(config.get("STAFF_ACCOUNT_LOCK_FAILURES", 20)),
            sign_in_first_wait=timedelta(seconds=int(config.get("SIGN_IN_FIRST_WAIT_SECONDS", 60))),
            callback_gap=timedelta(minutes=int(config.get("SIGN_IN_CALLBACK_GAP_MINUTES", 5))),
            callbacks_per_day=int(config.get("SIGN_IN_CALLBACKS_PER_DAY", 3)),
            web_session_lifetime=timedelta(hours=int(config.get("WEB_SESSION_HOURS", 2))),
            counter_session_lifetime=timedelta(hours=int(config.get("COUNTER_SESSION_HOURS", 12))),
            argon2_time_cost=int(config.get("ARGON2_TIME_COST", 2)),
            argon2_memory_kib=int(config.get("ARGON2_MEMORY_KIB", 19_456)),
            groups=GroupRules.from_mapping(config),
            season_starts=_month_day(config.get("SEASON_STARTS", "04-01")),
            series_max_per_group=int(config.get("SERIES_MAX_PER_GROUP", 4)),
            counter=CounterDetails.from_mapping(config),
            no_shows=NoShowRule.from_mapping(config),
            statistics_max_days=int(config.get("STATISTICS_MAX_DAYS", 731)),
            open_data_min_count=int(config.get("OPEN_DATA_MIN_COUNT", 5)),
            town_code=str(config.get("TOWN_CODE", "")),
            prefecture=str(config.get("TOWN_PREFECTURE", "")),
            holds=HoldRules.from_mapping(config),
            waitlist=WaitlistRules.from_mapping(config),
            lottery=LotteryRules.from_mapping(config),
            calls=CallRules.from_mapping(config),
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
