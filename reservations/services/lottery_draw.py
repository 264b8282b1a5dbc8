"""The lottery's draw (抽選), its verification, the wins and the public results.

The draw is one transaction that locks its round first, so a second draw, even one
started at the same moment by another member of staff, finds it drawn and is refused.
It marks every choice whose slot was already unavailable (a series date, a staff block,
a closure), runs lottery_rules.draw with a `fits` that compares the claims' keys (parts,
date, blocks: the whole court against its halves), records each choice's place and
result, and makes each win a hold through the same claims as every booking, due by
the round's confirmation deadline. `verify_round` re-runs the draw from what was
recorded and reports every difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import lottery_rules, notify, payment_rules, rules
from ..db import db, write_transaction
from ..errors import (
    Forbidden,
    ForbiddenAction,
    LotteryDrawProblem,
    LotteryDrawRefused,
    LotteryWinClosed,
    NotFound,
)
from ..models import (
    ADMIN,
    HELD,
    PENDING,
    CancelReasonKind,
    LotteryAnswer,
    LotteryApplication,
    LotteryApplicationStatus,
    LotteryChoice,
    LotteryRound,
    Notification,
    Reservation,
    ReservationOrigin,
    Resident,
    Unit,
)
from ..settings import get_settings
from . import audit, booking, claims, holds, lottery, lottery_offer
from .actors import Actor, require_aware, require_staff
from .catalog import closures_between
from .groups import get_group
from .lookup import reservation_snapshot
from .lottery import *  # noqa: F403 - re-exported with this module's names
from .lottery import _with_choices, get_round, get_round_by_id
from .lottery_offer import *  # noqa: F403 - re-exported with this module's names
from .quotes import Party, quote_for
from .residents import get_resident

Slot = tuple[int, date, tuple[int, ...]]

# The outbox's kind for an application's draw (worded by the channels like notify's).
LOTTERY_RESULT = "lottery_result"


def _tz():
    return get_settings().timezone


@dataclass(frozen=True)
class DrawSummary:
    code: str
    applications: int
    choices: int
    wins: int
    unavailable: int
    fingerprint: str


@dataclass
class Verification:
    """What `lottery verify` found: `problems` empty means the stored result is exactly
    what the algorithm gives from the recorded seed and applications."""

    code: str
    fingerprint: str | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _submitted(found: LotteryRound) -> list[LotteryApplication]:
    return list(
        db.session.scalars(
            _with_choices(
                select(LotteryApplication)
                .where(
                    LotteryApplication.round_id == found.id,
                    LotteryApplication.status == LotteryApplicationStatus.SUBMITTED,
                )
                .order_by(LotteryApplication.id)
            ).options(
                selectinload(LotteryApplication.choices)
                .selectinload(LotteryChoice.unit)
                .selectinload(Unit.parts)
            )
        )
    )


def _slot(choice: LotteryChoice) -> Slot:
    return (choice.unit_id, choice.date, tuple(block.id for block in choice.time_blocks))


def _as_drawn(applications: Sequence[LotteryApplication]) -> list[lottery_rules.Application]:
    return [
        lottery_rules.Application(
            application.id,
            tuple(
                lottery_rules.Choice(choice.rank, *_slot(choice)) for choice in application.choices
            ),
        )
        for application in applications
    ]


def _fits(applications: Sequence[LotteryApplication], unavailable: set[Slot]):
    """Whether a choice fits beside those won before it: its slot was not unavailable
    before the draw, and none of its claim keys (part, date, block) is won already."""
    parts = {
        choice.unit_id: frozenset(part.id for part in choice.unit.parts)
        for application in applications
        for choice in application.choices
    }

    def keys(choice: lottery_rules.Choice) -> set[tuple]:
        return {(p, choice.day, b) for p in parts[choice.unit_id] for b in choice.block_ids}

    def fits(won: Sequence[lottery_rules.Choice], choice: lottery_rules.Choice) -> bool:
        if choice.slot in unavailable:
            return False
        taken = set().union(*(keys(other) for other in won)) if won else set()
        return not keys(choice) & taken

    return fits


def _is_unavailable(choice: LotteryChoice) -> bool:
    """Closed that day, or a part of its slot claimed already (a series, a staff block)."""
    facility = choice.unit.facility
    closures = closures_between(facility, choice.date, choice.date)
    if rules.closed_reason(facility, choice.date, closures) is not None:
        return True
    part_ids = frozenset(part.id for part in choice.unit.parts)
    if any(
        rules.partial_closure(closures, facility, part_ids, choice.date, block)
        for block in choice.time_blocks
    ):
        return True
    block_ids = [block.id for block in choice.time_blocks]
    return claims.count_taken(part_ids, choice.date, block_ids) > 0


def _max_wins(found: LotteryRound) -> int | None:
    return found.max_wins or None


def draw_round(actor: Actor, *, code: str, now: datetime) -> DrawSummary:
    """Draw the round once, after its period closed and its seed was revealed: every
    won choice becomes a hold due by the round's confirmation deadline."""
    require_aware(now)
    with write_transaction():
        require_staff(actor, ADMIN)
        found = get_round_by_id(get_round(code).id, for_update=True)
        if found.drawn_at is not None:
            raise LotteryDrawRefused(
                problem=LotteryDrawProblem.ALREADY_DRAWN, drawn_at=found.drawn_at
            )
        if now < found.closes_at:
            raise LotteryDrawRefused(
                problem=LotteryDrawProblem.NOT_CLOSED, closes_at=found.closes_at
            )
        if found.seed_commitment is None:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.NO_COMMITMENT)
        if found.seed is None:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.NOT_REVEALED)
        applications = _submitted(found)
        unavailable: set[Slot] = set()
        by_key: dict[tuple[int, int], LotteryChoice] = {}
        for application in applications:
            for choice in application.choices:
                choice.unavailable = _is_unavailable(choice)
                if choice.unavailable:
                    unavailable.add(_slot(choice))
                by_key[(application.id, choice.rank)] = choice
        drawn = _as_drawn(applications)
        result = lottery_rules.draw(
            found.seed, drawn, _fits(applications, unavailable), max_wins=_max_wins(found)
        )
        applications_by_id = {application.id: application for application in applications}
        for outcome in result.outcomes:
            choice = by_key[(outcome.application_id, outcome.rank)]
            choice.position = outcome.position
            choice.won = outcome.won
            if outcome.won:
                choice.reservation = _hold_for(
                    actor, found, applications_by_id[outcome.application_id], choice, now
                )
        for application in applications:
            # The draw runs once (refused when drawn), so each applicant is told once.
            wins = [c.reservation for c in application.choices if c.won]
            lottery_message(application.applied_by, application.receipt_number, wins, now)
        found.drawn_at = now
        found.fingerprint = lottery_rules.fingerprint(found.seed, drawn, result)
        summary = DrawSummary(
            code=found.code,
            applications=len(applications),
            choices=len(result.outcomes),
            wins=len(result.wins()),
            unavailable=sum(1 for choice in by_key.values() if choice.unavailable),
            fingerprint=found.fingerprint,
        )
        audit.record(
            actor,
            now,
            "lottery.draw",
            f"lottery:{found.code}",
            after={
                "fingerprint": found.fingerprint,
                "wins": summary.wins,
                "unavailable": sorted(
                    [app_id, rank] for (app_id, rank), c in by_key.items() if c.unavailable
                ),
            },
        )
    return summary


def lottery_message(
    resident: Resident, receipt_number: str, wins: list[Reservation], now: datetime
) -> Notification:
    """Tell the applicant `resident` the draw's result for their application, in the
    caller's (the draw's) transaction and the medium they have (`notify.medium_for`):
    each win's slot as a hold and its due day (`wins`, the first also as the row's
    reservation), or that nothing was drawn."""
    medium, phone = notify.medium_for(resident)
    notification = Notification(
        kind=LOTTERY_RESULT,
        resident_id=resident.id,
        reservation_id=wins[0].id if wins else None,
        medium=medium,
        to_phone=phone,
        params={
            "receipt_number": receipt_number,
            "wins": [notify.reservation_params(win) for win in wins],
            "language": resident.preferred_language,
        },
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(notification)
    return notification


def _hold_for(
    actor: Actor,
    found: LotteryRound,
    application: LotteryApplication,
    choice: LotteryChoice,
    now: datetime,
) -> Reservation:
    """The win as a hold through the claims, due by the round's deadline."""
    booker = (
        Party(application.applied_by, get_group(application.group_id))
        if application.group_id is not None
        else Party(get_resident(application.resident_id))
    )
    blocks = list(choice.time_blocks)
    quoted = quote_for(choice.unit, choice.date, [block.id for block in blocks], booker)
    keys = claims.lock_slots(choice.unit.parts, choice.date, blocks)
    reservation = booking.new_reservation(
        booker,
        choice.unit,
        quoted,
        now,
        status=HELD,
        channel=actor.channel,
        origin=ReservationOrigin.LOTTERY,
        created_by_staff_id=actor.staff_id,
    )
    reservation.payment_due_at = min(found.confirm_by, quoted.start_at)
    db.session.add(reservation)
    db.session.flush()
    claims.claim(reservation, keys)
    audit.record(
        actor,
        now,
        "lottery.win",
        f"reservation:{reservation.number}",
        after=reservation_snapshot(reservation),
        reservation=reservation,
        resident_id=application.resident_id or application.applied_by_id,
        group_id=application.group_id,
    )
    return reservation


def verify_round(code: str) -> Verification:
    """Re-run the draw from the recorded seed, applications and unavailable slots, and
    compare it with the stored result and fingerprint."""
    found = get_round(code)
    report = Verification(code=found.code, fingerprint=found.fingerprint)
    if found.drawn_at is None or found.seed is None:
        report.problems.append("the round has not been drawn")
        return report
    if not lottery_rules.reveal_matches(found.seed_commitment or "", found.seed):
        report.problems.append("the seed's SHA-256 is not the published commitment")
    applications = _submitted(found)
    unavailable = {
        _slot(choice)
        for application in applications
        for choice in application.choices
        if choice.unavailable
    }
    drawn = _as_drawn(applications)
    result = lottery_rules.draw(
        found.seed, drawn, _fits(applications, unavailable), max_wins=_max_wins(found)
    )
    stored = [
        (application.id, choice.rank, bool(choice.won), choice.position)
        for application in applications
        for choice in application.choices
        if choice.position is not None
    ]
    report.problems.extend(lottery_rules.differences(stored, result))
    for application in applications:
        for choice in application.choices:
            if bool(choice.won) != (choice.reservation_id is not None):
                report.problems.append(
                    f"application {application.id} choice {choice.rank}: "
                    + ("won without a hold" if choice.won else "a hold without a win")
                )
    recomputed = lottery_rules.fingerprint(found.seed, drawn, result)
    if recomputed != found.fingerprint:
        report.problems.append(
            f"fingerprint {found.fingerprint} recorded, {recomputed} recomputed: the "
            "applications or the result changed after the draw"
        )
    return report


# ------------------------------------------------------------------------ wins


def _choice_for(actor: Actor, choice_id: int) -> LotteryChoice:
    choice = db.session.scalar(
        select(LotteryChoice)
        .where(LotteryChoice.id == choice_id)
        .options(selectinload(LotteryChoice.application).selectinload(LotteryApplication.round))
        .with_for_update(of=LotteryChoice)
    )
    if choice is None:
        raise NotFound(what="lottery_choice", id=choice_id)
    application = choice.application
    if actor.resident_id is not None:
        if actor.resident_id not in (application.resident_id, application.applied_by_id):
            raise Forbidden(action=ForbiddenAction.OTHER_RESIDENT)
    else:
        require_staff(actor)
    return choice


def _open_win(choice: LotteryChoice, now: datetime) -> Reservation:
    found = choice.application.round
    if not choice.won or choice.reservation_id is None:
        raise LotteryWinClosed(answer=None)
    if choice.answer is not None:
        raise LotteryWinClosed(answer=choice.answer, confirm_by=found.confirm_by)
    reservation = db.session.scalar(
        select(Reservation).where(Reservation.id == choice.reservation_id).with_for_update()
    )
    if reservation.status != HELD or now >= reservation.payment_due_at:
        raise LotteryWinClosed(answer=LotteryAnswer.EXPIRED, confirm_by=found.confirm_by)
    return reservation


def confirm_win(actor: Actor, *, choice_id: int, now: datetime) -> Reservation:
    """The winner takes the slot by the round's deadline: the hold becomes an ordinary
    booking, due by the usual payment rule counted from now (confirmed at once when
    there is nothing to pay)."""
    require_aware(now)
    with write_transaction():
        choice = _choice_for(actor, choice_id)
        reservation = _open_win(choice, now)
        before = reservation_snapshot(reservation)
        holds.settle_status(reservation, now)
        if reservation.status == HELD:
            reservation.payment_due_at = payment_rules.payment_due(
                now, reservation.date, reservation.start_at, get_settings().holds, _tz()
            )
        choice.answer = LotteryAnswer.CONFIRMED
        choice.answered_at = now
        audit.record(
            actor,
            now,
            "lottery.confirm",
            f"reservation:{reservation.number}",
            before=before,
            after=reservation_snapshot(reservation),
            reservation=reservation,
            resident_id=choice.application.resident_id or choice.application.applied_by_id,
            group_id=choice.application.group_id,
        )
    return reservation


def decline_win(actor: Actor, *, choice_id: int, now: datetime) -> LotteryChoice:
    """The winner does not want the slot: its hold is cancelled and the slot is free
    (to the waitlist, or first come first served after the release)."""
    require_aware(now)
    with write_transaction():
        choice = _choice_for(actor, choice_id)
        reservation = _open_win(choice, now)
        booking.cancel_in_transaction(
            actor,
            reservation,
            now=now,
            reason=None,
            kind=CancelReasonKind.RESIDENT if actor.resident_id else CancelReasonKind.STAFF,
            tell=False,
        )
        choice.answer = LotteryAnswer.DECLINED
        choice.answered_at = now
        application = choice.application
        audit.record(
            actor,
            now,
            "lottery.decline",
            f"lottery_application:{application.receipt_number}",
            after={"rank": choice.rank, "reservation": reservation.number},
            reservation=reservation,
            resident_id=application.resident_id or application.applied_by_id,
            group_id=application.group_id,
        )
    return choice


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class SlotDemand:
    """The public result for one slot (a unit, a date, a block): how many applications
    chose it and whether it was allocated. No names (open data)."""

    unit: Unit
    day: date
    block_id: int
    applicants: int
    allocated: bool


def round_results(code: str) -> list[SlotDemand]:
    """Per slot of the round's choices: applicants and whether it was allocated (a win
    covers it; before the draw, never)."""
    found = get_round(code)
    counts: dict[tuple[int, date, int], list] = {}
    units: dict[int, Unit] = {}
    for application in _submitted(found):
        for choice in application.choices:
            units[choice.unit_id] = choice.unit
            for block in choice.time_blocks:
                entry = counts.setdefault((choice.unit_id, choice.date, block.id), [0, False])
                entry[0] += 1
                entry[1] = entry[1] or bool(choice.won)
    return [
        SlotDemand(units[unit_id], day, block_id, applicants, allocated)
        for (unit_id, day, block_id), (applicants, allocated) in sorted(counts.items())
    ]


__all__ = [
    *lottery.__all__,
    *lottery_offer.__all__,
    "LOTTERY_RESULT",
    "DrawSummary",
    "SlotDemand",
    "Verification",
    "confirm_win",
    "decline_win",
    "draw_round",
    "lottery_message",
    "round_results",
    "verify_round",
]
