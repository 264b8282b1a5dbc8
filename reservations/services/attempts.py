"""Wrong secrets counted per account and per source, so that an outsider's guesses slow
the outsider, not the account holder.

An account is named as it was typed ("resident:<registration no>",
"staff:<username>"), whether anyone holds that name or not, so the count and the wait
say nothing about whether an account exists. A source is where the attempts come from,
as the channel names it: "web:<address>", "counter:<address>", "phone:from:<number>",
"phone:call:<call id>".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from .. import rules
from ..db import db
from ..models import SignInFailure

ACCOUNT_LENGTH = SignInFailure.__table__.c.account.type.length
SOURCE_LENGTH = SignInFailure.__table__.c.source.type.length
# Rows whose last wrong secret is older than this are forgotten.
FORGET_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class SourcePolicy:
    """How many wrong secrets in a row a source gets before it waits, and how long."""

    free: int
    first_wait: timedelta
    longest_wait: timedelta

    def waits_until(self, record: SignInFailure | None) -> datetime | None:
        if record is None:
            return None
        return rules.source_waits_until(
            record.failures,
            record.last_failed_at,
            free=self.free,
            first_wait=self.first_wait,
            longest_wait=self.longest_wait,
        )


def account_key(kind: str, name: str) -> str:
    """The name as typed, without control or format characters (a NUL, which PostgreSQL
    refuses in text, or a bidirectional mark): no account's name has one."""
    return "".join(c for c in f"{kind}:{name}" if c.isprintable())[:ACCOUNT_LENGTH]


def source_key(source: str) -> str:
    return "".join(c for c in source if c.isprintable())[:SOURCE_LENGTH] or "unknown"


def record_of(account: str, source: str) -> SignInFailure | None:
    """The source's wrong secrets for the account, locked for this transaction."""
    return db.session.scalar(
        select(SignInFailure)
        .where(SignInFailure.account == account, SignInFailure.source == source)
        .with_for_update()
    )


def count_failure(
    record: SignInFailure | None, account: str, source: str, now: datetime
) -> SignInFailure:
    """One more wrong secret from the source (and old records forgotten)."""
    if record is not None and record.last_failed_at < now - FORGET_AFTER:
        db.session.delete(record)
        db.session.flush()
        record = None
    db.session.execute(
        delete(SignInFailure).where(SignInFailure.last_failed_at < now - FORGET_AFTER)
    )
    if record is None:
        record = SignInFailure(account=account, source=source, failures=0, last_failed_at=now)
        db.session.add(record)
    record.failures += 1
    record.last_failed_at = now
    db.session.flush()
    return record


def forget(record: SignInFailure | None) -> None:
    """A right secret from the source: its record starts clean."""
    if record is not None:
        db.session.delete(record)


def forget_account(account: str) -> None:
    """Staff unlocked the account or gave it a new secret: every source starts clean."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.account == account))
