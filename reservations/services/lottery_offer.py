"""What a lottery round offers on an application form, and what an applicant may still
do with an application: the channels ask here rather than compare the round's dates
themselves (the services that act, lottery.py and lottery_draw.py, refuse the same
cases with their error codes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import rules
from ..models import HELD, LotteryApplication, LotteryApplicationStatus, LotteryChoice
from ..settings import get_settings
from .actors import require_aware
from .catalog import closures_between
from .lottery import get_round


@dataclass(frozen=True)
class RoundOffer:
    """A round's form: the days of its month on which at least one of its units'
    facilities is open, and whether the town shows the number of applications per
    slot while the period is open (LOTTERY_SHOW_APPLICANTS)."""

    days: list[date]
    show_applicants: bool


def round_offer(code: str) -> RoundOffer:
    found = get_round(code)
    first = found.month
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    facilities = {unit.facility.id: unit.facility for unit in found.units}
    closures = {fid: closures_between(f, first, last) for fid, f in facilities.items()}
    days = [
        first + timedelta(days=offset)
        for offset in range((last - first).days + 1)
        if any(
            rules.closed_reason(facility, first + timedelta(days=offset), closures[fid]) is None
            for fid, facility in facilities.items()
        )
    ]
    return RoundOffer(days=days, show_applicants=get_settings().lottery.show_applicants)


def application_open(application: LotteryApplication, now: datetime) -> bool:
    """Whether the application can still be changed or withdrawn: it is not withdrawn
    and its round's period has not ended."""
    require_aware(now)
    found = application.round
    return (
        application.status == LotteryApplicationStatus.SUBMITTED
        and found.opens_at <= now < found.closes_at
    )


def win_open(choice: LotteryChoice, now: datetime) -> bool:
    """Whether a won choice can still be confirmed or declined: not answered, its hold
    still held and not past its deadline."""
    require_aware(now)
    reservation = choice.reservation
    return bool(
        choice.won
        and choice.answer is None
        and reservation is not None
        and reservation.status == HELD
        and now < reservation.payment_due_at
    )


__all__ = ["RoundOffer", "application_open", "round_offer", "win_open"]
