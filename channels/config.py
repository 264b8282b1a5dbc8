"""Configuration from environment variables (documented in the README's table)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET_KEY = "development-only-not-secret"

# Every setting the app reads, with its default: name -> (default, parser).
_ENV = {
    "MACHI_ENV": ("development", str),
    "DATABASE_URL": (None, str),
    "SECRET_KEY": (None, str),
    "TOWN_TIMEZONE": ("Asia/Tokyo", str),
    "PIN_MAX_FAILURES": ("5", int),
    "PIN_LOCKOUT_MINUTES": ("30", int),
    "STAFF_MAX_FAILURES": ("5", int),
    "STAFF_LOCKOUT_MINUTES": ("15", int),
    # Sign-in limits (README "Sign-in limits"): the core's per account and source...
    "PIN_ACCOUNT_LOCK_FAILURES": ("20", int),
    "STAFF_ACCOUNT_LOCK_FAILURES": ("20", int),
    "SIGN_IN_FIRST_WAIT_SECONDS": ("60", int),
    # ...and the channels' per source, whatever the account (channels/ratelimit.py).
    "SIGN_IN_SOURCE_LIMITS": ("3 per minute; 6 per 15 minutes; 10 per hour; 20 per day", str),
    "PHONE_SIGN_IN_ATTEMPTS_PER_CALL": ("3", int),
    # The sign-in callback to a resident's registered number (services/callbacks.py),
    # placed through the notification calls' caller (CALL_BACKEND, TWILIO_CALL_FROM).
    "SIGN_IN_CALLBACK_GAP_MINUTES": ("5", int),
    "SIGN_IN_CALLBACKS_PER_DAY": ("3", int),
    "RATELIMIT_STORAGE_URI": ("memory://", str),
    "RATELIMIT_KEY_PREFIX": ("machi-yoyaku", str),
    "COUNTER_IDLE_MINUTES": ("20", int),
    "COUNTER_SESSION_HOURS": ("12", int),
    "ARGON2_TIME_COST": ("2", int),
    "ARGON2_MEMORY_KIB": ("19456", int),
    # Groups (団体): the town's rules (reservations/settings.py, GroupRules).
    "GROUP_MIN_MEMBERS": ("5", int),
    "GROUP_RESIDENT_SHARE_PERCENT": ("50", int),
    "GROUP_VALIDITY_YEARS": ("1", int),
    "GROUP_VALIDITY_ENDS": ("03-31", str),
    "GROUP_RENEWAL_OPENS": ("02-01", str),
    "GROUP_OVERLAP_MEMBERS": ("3", int),
    "GROUP_MAX_PER_MONTH": ("12", int),
    "GROUP_MAX_ACTIVE": ("20", int),
    "GROUP_MEMBERS_MAY_CANCEL": ("own", str),
    "GROUP_REMINDER_DAYS": ("60", int),
    # Use records and statistics (reservations/settings.py, NoShowRule).
    "NO_SHOW_LIMIT": ("0", int),
    "NO_SHOW_MONTHS": ("6", int),
    "NO_SHOW_DAYS": ("30", int),
    "STATISTICS_MAX_DAYS": ("731", int),
    "OPEN_DATA_MIN_COUNT": ("5", int),
    "TOWN_CODE": ("", str),
    "TOWN_PREFECTURE": ("", str),
    # Holds (仮予約) and refunds (reservations/settings.py, HoldRules).
    "HOLD_PAY_WITHIN_DAYS": ("7", int),
    "HOLD_DUE_DAYS_BEFORE": ("3", int),
    "HOLD_LATE_PAYMENT": ("at_once", str),
    "HOLD_REMINDER_HOURS": ("24", int),
    "REFUND_TIERS": ("7:100,1:50", str),
    # The waitlist (キャンセル待ち) (reservations/settings.py, WaitlistRules).
    "WAITLIST_OFFER_HOURS": ("48", int),
    "WAITLIST_MAX_PER_MONTH": ("2", int),
    "WAITLIST_ORDER": ("first_come", str),
    # Notification calls to landlines (reservations/settings.py, CallRules).
    "CALL_HOURS_FROM": ("09:00", str),
    "CALL_HOURS_UNTIL": ("19:00", str),
    "CALL_MAX_ATTEMPTS": ("3", int),
    "CALL_RETRY_MINUTES": ("60", int),
    "CALL_RING_SECONDS": ("30", int),
    "CALL_BACKEND": ("log", str),
    "TWILIO_CALL_FROM": ("", str),
    "PUBLIC_BASE_URL": ("http://127.0.0.1:5000", str),
    "TWILIO_ACCOUNT_SID": ("", str),
    "TWILIO_AUTH_TOKEN": ("", str),
    "WEB_SESSION_MINUTES": ("20", int),
    "WEB_SESSION_HOURS": ("2", int),
    # Reverse proxies in front of the app that append to X-Forwarded-For/-Proto; 0 trusts
    # no such header (anyone could forge it), so the client is the TCP peer.
    "PROXY_HOPS": ("0", int),
    "WEB_AVAILABILITY_FRESHNESS_SECONDS": ("1", float),
    # The town and its counter, shown and spoken by every channel
    # (reservations/settings.py, CounterDetails, checks them when the app starts).
    "TOWN_NAME": ("", str),
    "TOWN_NAME_EN": ("", str),
    "COUNTER_NAME": ("", str),
    "COUNTER_NAME_EN": ("", str),
    "COUNTER_PHONE": ("", str),
    "COUNTER_WEEKDAYS": ("", str),
    "COUNTER_HOURS": ("", str),
    "COUNTER_ON_HOLIDAYS": ("", str),
    "COUNTER_ADDRESS": ("", str),
    "COUNTER_ADDRESS_EN": ("", str),
    "COUNTER_MAP_URL": ("", str),
    # The phone channel (channels/phone/settings.py checks these when the app starts).
    "PHONE_SIGNATURE_CHECK": ("on", str),
    "PHONE_OPERATOR_NUMBER": ("", str),
    # The counter's hours' older names, read when COUNTER_WEEKDAYS, _HOURS and
    # _ON_HOLIDAYS are not set.
    "PHONE_COUNTER_WEEKDAYS": ("", str),
    "PHONE_COUNTER_HOURS": ("", str),
    "PHONE_COUNTER_ON_HOLIDAYS": ("", str),
    "PHONE_VOICE": ("Polly.Mizuki", str),
    "PHONE_SPEECH_RATE": ("90%", str),
    "PHONE_GATHER_TIMEOUT": ("8", int),
    # Confirmation SMS (reservations/notify.py, channels/notifications.py).
    "SMS_BACKEND": ("log", str),
    "TWILIO_SMS_FROM": ("", str),
    "TWILIO_MESSAGING_SERVICE_SID": ("", str),
    "TWILIO_API_BASE_URL": ("", str),
}


def sqlalchemy_url(url: str) -> str:
    """Accept the URLs hosting providers hand out and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # pysqlite's own timeout, on top of the busy_timeout pragma set on connect.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10, "pool_recycle": 1800}


class ConfigError(RuntimeError):
    """A setting the app refuses to start with; the message names the variable."""


ENVIRONMENTS = ("development", "production", "test")
# In production the key signs every session: at least this many bytes (`python -c
# "import secrets; print(secrets.token_urlsafe(32))"` makes one of 43 characters).
SECRET_KEY_MIN_BYTES = 32

# The least each numeric setting may be: counts of at least one, durations and costs
# that mean nothing at zero; the rest may be 0 (a lockout of 0 minutes lasts until staff
# unlock it; PROXY_HOPS=0 trusts no forwarded header) but never negative.
_AT_LEAST_ONE = {
    "PIN_MAX_FAILURES",
    "STAFF_MAX_FAILURES",
    "COUNTER_IDLE_MINUTES",
    "COUNTER_SESSION_HOURS",
    "ARGON2_TIME_COST",
    "ARGON2_MEMORY_KIB",
    "WEB_SESSION_MINUTES",
    "PIN_ACCOUNT_LOCK_FAILURES",
    "STAFF_ACCOUNT_LOCK_FAILURES",
    "SIGN_IN_FIRST_WAIT_SECONDS",
    "PHONE_SIGN_IN_ATTEMPTS_PER_CALL",
    "SIGN_IN_CALLBACK_GAP_MINUTES",
    "WEB_SESSION_HOURS",
    "PHONE_GATHER_TIMEOUT",
    "GROUP_MIN_MEMBERS",
    "GROUP_VALIDITY_YEARS",
    "GROUP_OVERLAP_MEMBERS",
}


def _parsed(name: str, raw, parse):
    """`raw` (an environment string, or a value a test passed) as its setting's type,
    or ConfigError naming the variable."""
    if parse is str or raw is None:
        return raw
    try:
        value = parse(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or (parse is float and value != value):  # NaN
        kind = "a whole number" if parse is int else "a number"
        raise ConfigError(f"{name} must be {kind}, not {raw!r}")
    least = 1 if name in _AT_LEAST_ONE else 0
    if value < least:
        raise ConfigError(f"{name} must be {least} or more, not {raw!r}")
    return value


def check_secret_key(config: dict, production: bool) -> None:
    key = config.get("SECRET_KEY")
    if not key:
        if production:
            raise ConfigError("SECRET_KEY must be set when MACHI_ENV=production")
        log.warning("SECRET_KEY is not set: using the development key (never in production)")
        config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
        return
    if not production:
        return
    if key == DEVELOPMENT_SECRET_KEY:
        raise ConfigError("the development SECRET_KEY cannot be used when MACHI_ENV=production")
    size = len(key.encode() if isinstance(key, str) else key)
    if size < SECRET_KEY_MIN_BYTES or len(set(key)) < 8:
        raise ConfigError(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_BYTES} random bytes when "
            f"MACHI_ENV=production (it has {size}); make one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
        )


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """The configuration: environment variables, then `overrides` (tests, scripts).

    Refuses to start (ConfigError, naming the variable) on a MACHI_ENV that is not
    exactly one of ENVIRONMENTS, a weak SECRET_KEY in production, and a numeric
    setting that is not a number or is below what it can mean.
    """
    config: dict = {}
    for name, (default, _parse) in _ENV.items():
        config[name] = os.environ.get(name, default)
    config.update(overrides or {})
    for name, (_default, parse) in _ENV.items():
        config[name] = _parsed(name, config[name], parse)

    if config["MACHI_ENV"] not in ENVIRONMENTS:
        raise ConfigError(
            f"MACHI_ENV must be exactly one of {', '.join(ENVIRONMENTS)}, "
            f"not {config['MACHI_ENV']!r}"
        )
    production = config["MACHI_ENV"] == "production"
    check_secret_key(config, production)

    url = config.get("SQLALCHEMY_DATABASE_URI") or config.get("DATABASE_URL")
    if not url:
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(instance_path) / "machi-yoyaku.db")
    config["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(url)
    config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(config["SQLALCHEMY_DATABASE_URI"])
    )

    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("SESSION_COOKIE_SECURE", production)
    config["PRODUCTION"] = production
    return config
