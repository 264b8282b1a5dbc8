"""Secrets, and the lockout after wrong ones.

Residents' PINs and staff passwords are hashed, checked, counted and locked by one
mechanism; each kind of secret has its own policy (how many wrong ones in a row lock
the account, and for how long).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError

from .. import rules
from ..errors import AccountLocked, ReservationError
from ..settings import get_settings


@dataclass(frozen=True)
class SecretKind:
    """Where an account keeps one kind of secret, and its lockout policy."""

    hash_field: str
    failures_field: str
    max_failures: int
    lockout: timedelta | None  # None: locked until staff unlock it


def pin() -> SecretKind:
    """A resident's PIN (`Resident`)."""
    settings = get_settings()
    return SecretKind(
        "pin_hash", "failed_pin_attempts", settings.pin_max_failures, settings.pin_lockout
    )


def password() -> SecretKind:
    """A staff member's password (`Staff`)."""
    settings = get_settings()
    return SecretKind(
        "password_hash", "failed_attempts", settings.staff_max_failures, settings.staff_lockout
    )


def hash_secret(secret: str) -> str:
    return get_settings().hasher.hash(secret)


def _verify(secret_hash: str | None, secret: str) -> bool:
    hasher = get_settings().hasher
    try:
        return hasher.verify(secret_hash or _dummy_hash(), secret) and secret_hash is not None
    except (VerificationError, InvalidHashError):
        return False


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
