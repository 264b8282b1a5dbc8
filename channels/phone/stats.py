"""How phone calls ended, as grouped counts (the counter's statistics page and
`phone-stats`): the call state lives in the phone channel's own tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from reservations.db import db

from .models import PhoneCall

# A call's outcomes (calls.outcome_of), completed tasks first.
COMPLETED = ("booked", "cancelled", "heard")
OUTCOMES = (*COMPLETED, "transferred", "transfer_unanswered", "locked", "unresolved", "abandoned")


@dataclass(frozen=True)
class CallFigures:
    outcomes: dict[str, int]  # every outcome, 0 when none; None (no status yet) apart
    in_progress: int
    abandoned_at: dict[str, int]  # the menu (node) abandoned calls were left at

    @property
    def calls(self) -> int:
        return sum(self.outcomes.values()) + self.in_progress

    @property
    def completed(self) -> int:
        return sum(self.outcomes[kind] for kind in COMPLETED)


def call_figures(since: datetime, until: datetime) -> CallFigures:
    """Calls started from `since` until before `until`: two grouped statements."""
    started = (PhoneCall.started_at >= since, PhoneCall.started_at < until)
    outcomes = dict.fromkeys(OUTCOMES, 0)
    in_progress = 0
    for outcome, count in db.session.execute(
        select(PhoneCall.outcome, func.count()).where(*started).group_by(PhoneCall.outcome)
    ):
        if outcome in outcomes:
            outcomes[outcome] += count
        else:
            in_progress += count
    abandoned = dict(
        db.session.execute(
            select(PhoneCall.abandoned_at, func.count())
            .where(*started, PhoneCall.abandoned_at.is_not(None))
            .group_by(PhoneCall.abandoned_at)
            .order_by(func.count().desc())
        ).all()
    )
    return CallFigures(outcomes, in_progress, abandoned)
