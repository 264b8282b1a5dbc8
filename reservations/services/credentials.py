"""Secrets, and the limits on wrong ones.

Residents' PINs and staff passwords are hashed, checked and counted by one mechanism;
each kind of secret has its own policy. Signing in (`sign_in`) counts wrong secrets
per account and per source (see `attempts`): a source that gave too many waits, with
growing delays, while every other source is untouched; the account-wide lock is a
last resort that a right secret from a source with a clean record still passes. So an
outsider who knows a resident's registration number cannot lock the resident out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError

from .. import rules
from ..errors import AccountLocked, InvalidCredentials, ReservationError, TooManyAttempts
from ..settings import get_settings
from . import attempts


@dataclass(frozen=True)
class SecretKind:
    """Where an account keeps one kind of secret, and its lockout policy."""

    hash_field: str
    failures_field: str
    max_failures: int  # per source at sign-in; per account for `attempt`
    lockout: timedelta | None  # None: locked until staff unlock it
    account_lock_failures: int = 20
    first_wait: timedelta = timedelta(minutes=1)

    @property
    def source_policy(self) -> attempts.SourcePolicy:
        return attempts.SourcePolicy(
            free=self.max_failures,
            first_wait=self.first_wait,
            longest_wait=self.lockout or timedelta(days=1),
        )


def pin() -> SecretKind:
    """A resident's PIN (`Resident`)."""
    settings = get_settings()
    return SecretKind(
        "pin_hash",
        "failed_pin_attempts",
        settings.pin_max_failures,
        settings.pin_lockout,
        settings.pin_account_lock_failures,
        settings.sign_in_first_wait,
    )


def password() -> SecretKind:
    """A staff member's password (`Staff`)."""
    settings = get_settings()
    return SecretKind(
        "password_hash",
        "failed_attempts",
        settings.staff_max_failures,
        settings.staff_lockout,
        settings.staff_account_lock_failures,
        settings.sign_in_first_wait,
    )


def hash_secret(secret: str) -> str:
    return get_settings().hasher.hash(secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    hasher = get_settings().hasher
    try:
        return hasher.verify(secret_hash or _dummy_hash(), secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def matches(secret_hash: str | None, secret: str) -> bool:
    """Whether `secret` is the one hashed in `secret_hash`, counting nothing (one hash
    check, however it ends)."""
    return _verify(secret_hash, secret)


def verify_nothing(secret: str) -> None:
    """Spend the time a check takes when there is no account to check against, so
    that a wrong number or username takes as long as a wrong secret."""
    _verify(None, secret)


_DUMMY_HASHES: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone can type, for verify_nothing."""
    settings = get_settings()
    key = (settings.argon2_time_cost, settings.argon2_memory_kib)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = settings.hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


def _state(account, kind: SecretKind) -> rules.LockState:
    return rules.LockState(getattr(account, kind.failures_field), account.locked_at)


def is_locked(account, kind: SecretKind, now: datetime) -> bool:
    """Locked after wrong secrets, and the lockout not yet over."""
    return rules.is_locked(_state(account, kind), now, kind.lockout)


def clear_lock(account, kind: SecretKind) -> None:
    """Forget the wrong secrets and any lock (a right secret, a reset, an unlock)."""
    if getattr(account, kind.failures_field) or account.locked_at is not None:
        setattr(account, kind.failures_field, 0)
        account.locked_at = None


def lift_stop(account, account_name: str) -> dict:
    """Inside the caller's transaction: a stop of the account's sign-in by staff
    (sign_in_stops) ends, by a lift or a new secret, and the wrong secrets counted while
    it held are forgotten. Returns what the audit row says of it."""
    if account.sign_in_stopped_at is None:
        return {}
    lifted = {
        "sign_in_stop_lifted": {
            "since": account.sign_in_stopped_at.isoformat(),
            "reason": account.sign_in_stop_reason,
        }
    }
    account.sign_in_stopped_at = None
    account.sign_in_stop_reason = None
    attempts.forget_account(account_name)
    return lifted


def set_secret(account, kind: SecretKind, secret: str) -> None:
    """A new secret, which also clears the lock."""
    setattr(account, kind.hash_field, hash_secret(secret))
    clear_lock(account, kind)


@dataclass(frozen=True)
class Attempt:
    """How a check went: right, or wrong and counted (`locked_now`: this wrong secret
    locked the account; `until`: when it unlocks by itself)."""

    verified: bool
    locked_now: bool = False
    failed_attempts: int = 0
    until: datetime | None = None

    def refusal(self, wrong: ReservationError) -> ReservationError:
        """What a wrong secret is told: AccountLocked when it locked, else `wrong`."""
        return AccountLocked(until=self.until) if self.locked_now else wrong


def attempt(account, kind: SecretKind, secret: str, *, now: datetime) -> Attempt:
    """Check `secret` against the account, inside the caller's write transaction.

    A locked account raises AccountLocked without a check. A right secret clears the
    count (and is hashed again when the hashing cost has changed); a wrong one is
    counted, and the `max_failures`-th in a row locks. The caller raises the refusal
    after its transaction has committed the count.
    """
    state = _state(account, kind)
    if rules.is_locked(state, now, kind.lockout):
        raise AccountLocked(until=rules.unlocks_at(state, kind.lockout))
    stored = getattr(account, kind.hash_field)
    if _verify(stored, secret):
        clear_lock(account, kind)
        if get_settings().hasher.check_needs_rehash(stored):
            setattr(account, kind.hash_field, hash_secret(secret))
        return Attempt(verified=True)
    after = rules.after_failed_attempt(state, now, kind.max_failures, kind.lockout)
    setattr(account, kind.failures_field, after.failed_attempts)
    account.locked_at = after.locked_at
    return Attempt(
        verified=False,
        locked_now=after.locked_at is not None and state.locked_at != after.locked_at,
        failed_attempts=after.failed_attempts,
        until=rules.unlocks_at(after, kind.lockout),
    )


@dataclass(frozen=True)
class SignIn:
    """How a sign-in went. `verified`: the account is signed in. Otherwise `refusal` is
    what the visitor is told, once the caller's transaction has committed the count;
    `locked_now`: this wrong secret locked the account as a last resort."""

    verified: bool
    refusal: ReservationError | None = None
    locked_now: bool = False
    failed_attempts: int = 0


def sign_in(
    account, name: str, kind: SecretKind, secret: str, *, source: str, now: datetime
) -> SignIn:
    """Check `secret` for the account named `name` (None: nobody has that name) from
    `source`, inside the caller's write transaction.

    Every path runs exactly one hash check, so a wrong secret, an unknown name, a
    waiting source and a locked account take the same time. A source that gave
    `max_failures` wrong secrets in a row for this name waits (TooManyAttempts, said
    alike for names nobody holds); the one before its wait is warned
    (InvalidCredentials with attempts_left=1). An account locked as a last resort
    answers a source with wrong secrets on record exactly as a wrong secret; a right
    secret from a source with a clean record still signs in.
    """
    account_name = name[: attempts.ACCOUNT_LENGTH]
    source = attempts.source_key(source)
    policy = kind.source_policy
    record = attempts.record_of(account_name, source)
    stored = getattr(account, kind.hash_field) if account is not None else None
    right = _verify(stored, secret)  # the one check, whatever follows
    waits_until = policy.waits_until(record)
    if waits_until is not None and now < waits_until:
        return SignIn(verified=False, refusal=TooManyAttempts(until=waits_until))
    state = _state(account, kind) if account is not None else rules.LockState(0, None)
    clean = record is None or record.failures == 0
    locked = rules.is_locked(state, now, kind.lockout)
    if right and (clean or not locked):
        attempts.forget(record)
        clear_lock(account, kind)
        if get_settings().hasher.check_needs_rehash(stored):
            setattr(account, kind.hash_field, hash_secret(secret))
        return SignIn(verified=True)
    record = attempts.count_failure(record, account_name, source, now)
    locked_now = False
    failed = 0
    if account is not None:
        after = rules.after_failed_attempt(state, now, kind.account_lock_failures, kind.lockout)
        setattr(account, kind.failures_field, after.failed_attempts)
        account.locked_at = after.locked_at
        locked_now = after.locked_at is not None and state.locked_at != after.locked_at
        failed = after.failed_attempts
    waits_until = policy.waits_until(record)
    if waits_until is not None:
        refusal: ReservationError = TooManyAttempts(until=waits_until)
    elif record.failures == policy.free - 1:
        refusal = InvalidCredentials(attempts_left=1)
    else:
        refusal = InvalidCredentials()
    return SignIn(verified=False, refusal=refusal, locked_now=locked_now, failed_attempts=failed)
