"""The time-driven work the worker runs (``flask --app channels worker``): expiring
holds whose due time passed and reminding residents of a due time. Each piece of work
is its own transaction that claims its row with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite's write lock lets one worker in at a time), so several workers on
several machines never do the same work twice, and a worker killed mid-run leaves
nothing half done: what it had not committed is done by the next run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import holds
from .actors import require_aware


@dataclass
class JobReport:
    expired_holds: int = 0
    reminders: int = 0

    @property
    def total(self) -> int:
        return self.expired_holds + self.reminders


def run_due_jobs(now: datetime, *, limit: int = 100) -> JobReport:
    """Do what is due at `now`, at most `limit` of each kind."""
    require_aware(now)
    return JobReport(
        expired_holds=len(holds.expire_holds(now, limit)),
        reminders=len(holds.remind_holds(now, limit)),
    )
