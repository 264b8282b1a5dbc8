"""The time-driven work the worker runs (``flask --app channels worker``): ending
waitlist offers not accepted in time, expiring holds whose due time passed, offering
the slots that freed to the first waiter in line, and reminding residents of a due
time. Each piece of work
is its own transaction that claims its row with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (SQLite's write lock lets one worker in at a time), so several workers on
several machines never do the same work twice, and a worker killed mid-run leaves
nothing half done: what it had not committed is done by the next run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import holds, waitlist, waitlist_offers
from .actors import require_aware


@dataclass
class JobReport:
    expired_holds: int = 0
    reminders: int = 0
    settled_offers: int = 0
    offers: int = 0

    @property
    def total(self) -> int:
        return self.expired_holds + self.reminders + self.settled_offers + self.offers


def run_due_jobs(now: datetime, *, limit: int = 100) -> JobReport:
    """Do what is due at `now`, at most `limit` of each kind: first what frees slots
    (offers and holds ended), then the offers of the freed slots."""
    require_aware(now)
    settled = len(waitlist.settle_offers(now, limit))
    expired = len(holds.expire_holds(now, limit))
    return JobReport(
        settled_offers=settled,
        expired_holds=expired,
        offers=len(waitlist_offers.offer_freed_slots(now, limit)),
        reminders=len(holds.remind_holds(now, limit)),
    )
