"""The lottery (抽選), its rounds and applications: an administrator defines a round (the
units it allocates for one month; its dates from the town's round rule) and publishes
the seed's commitment; a resident, or a group through its representative or a contact,
applies once per round with ranked choices, and may change or withdraw the application
until the period ends. The draw, its verification and the wins are in lottery_draw.py.

While a round is under way its units refuse first come first served booking for its
month (LotteryFirst), until the round's release: series, lottery and first come first
served never compete for one slot at one time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import lottery_rules, rules
from ..db import db, write_transaction
from ..errors import (
    FacilityClosed,
    Forbidden,
    ForbiddenAction,
    InputProblem,
    InvalidInput,
    LotteryApplicationProblem,
    LotteryApplicationRefused,
    LotteryChoiceProblem,
    LotteryChoiceRefused,
    LotteryClosed,
    LotteryDrawProblem,
    LotteryDrawRefused,
    NotFound,
)
from ..models import (
    ADMIN,
    LotteryAnswer,
    LotteryApplication,
    LotteryApplicationStatus,
    LotteryChoice,
    LotteryRound,
    MemberRole,
    Unit,
    lottery_round_units,
)
from ..settings import GroupAppliers, get_settings
from ..text import clean_text, column_maximum, column_text
from . import audit
from .actors import Actor, require_acting_for, require_aware, require_staff
from .catalog import closures_between, get_unit
from .groups import locked_group, require_member
from .numbers import new_unique_number
from .residents import locked_resident

RECEIPT_NUMBER_LENGTH = 7


def _tz():
    return get_settings().timezone


def lottery_rules_in_force():
    """The town's lottery settings (LotteryRules)."""
    return get_settings().lottery


def round_rule() -> lottery_rules.RoundRule:
    """The town's round rule, from its settings (LOTTERY_* in the README)."""
    try:
        return lottery_rules.RoundRule(**get_settings().lottery.calendar)
    except ValueError as error:
        raise RuntimeError(f"the LOTTERY_* round settings: {error}") from error


def seed_commitment(seed: str) -> str:
    """The SHA-256 (hex) of a seed text: what is published before the period ends."""
    return lottery_rules.commitment(seed)


@dataclass(frozen=True)
class ChoiceRequest:
    """One ranked choice as a channel passes it: a unit, a day, its blocks (rank is
    its place in the list, first = 1)."""

    unit_id: int
    day: date
    block_ids: tuple[int, ...]


# ------------------------------------------------------------------------- rounds


def _loaded():
    return (selectinload(LotteryRound.units).selectinload(Unit.facility),)


def get_round(code: str) -> LotteryRound:
    # A code no round can have (a control character, NUL included, which PostgreSQL
    # refuses in text; or longer than the column) finds nothing without a query.
    if code != clean_text(code) or len(code) > (column_maximum(LotteryRound.code) or 0):
        raise NotFound(what="lottery_round", id=code)
    found = db.session.scalar(
        select(LotteryRound).where(LotteryRound.code == code).options(*_loaded())
    )
    if found is None:
        raise NotFound(what="lottery_round", id=code)
    return found


def get_round_by_id(round_id: int, *, for_update: bool = False) -> LotteryRound:
    query = select(LotteryRound).where(LotteryRound.id == round_id).options(*_loaded())
    if for_update:
        query = query.with_for_update(of=LotteryRound)
    found = db.session.scalar(query)
    if found is None:
        raise NotFound(what="lottery_round", id=round_id)
    return found


def list_rounds() -> list[LotteryRound]:
    return list(
        db.session.scalars(
            select(LotteryRound)
            .order_by(LotteryRound.month.desc(), LotteryRound.id)
            .options(*_loaded())
        )
    )


def rounds_open(now: datetime) -> list[LotteryRound]:
    """The rounds taking applications at `now`."""
    require_aware(now)
    return list(
        db.session.scalars(
            select(LotteryRound)
            .where(LotteryRound.opens_at <= now, LotteryRound.closes_at > now)
            .order_by(LotteryRound.closes_at, LotteryRound.id)
            .options(*_loaded())
        )
    )


def _round_snapshot(found: LotteryRound) -> dict:
    return {
        "code": found.code,
        "month": found.month.isoformat(),
        "units": [unit.id for unit in found.units],
        "opens_at": found.opens_at.isoformat(),
        "closes_at": found.closes_at.isoformat(),
        "draw_at": found.draw_at.isoformat(),
        "confirm_by": found.confirm_by.isoformat(),
        "release_at": found.release_at.isoformat(),
        "max_choices": found.max_choices,
        "max_wins": found.max_wins,
        "seed_commitment": found.seed_commitment,
        "seed": found.seed,
        "drawn_at": found.drawn_at.isoformat() if found.drawn_at else None,
        "fingerprint": found.fingerprint,
    }


def define_round(
    actor: Actor,
    *,
    code: str,
    month: date,
    unit_ids: Sequence[int],
    now: datetime,
    max_choices: int | None = None,
    max_wins: int | None = None,
    dates: lottery_rules.RoundDates | None = None,
) -> LotteryRound:
    """An administrator defines a round: the units it allocates by lottery in the month
    of `month`, its dates from the town's round rule (or `dates`, for a round off the
    usual calendar), kept with the round, and its limits (the settings' unless given)."""
    require_aware(now)
    code = column_text(LotteryRound.code, "code", code)
    if not code:
        raise InvalidInput(field="code", problem=InputProblem.REQUIRED)
    if not unit_ids:
        raise InvalidInput(field="units", problem=InputProblem.REQUIRED)
    settings = get_settings().lottery
    max_choices = settings.max_choices if max_choices is None else max_choices
    max_wins = settings.max_wins if max_wins is None else max_wins
    if max_choices < 1 or max_wins < 0:
        raise InvalidInput(field="max_choices", problem=InputProblem.OUT_OF_RANGE, minimum=1)
    dates = dates or lottery_rules.round_dates(month, round_rule(), _tz())
    if not (
        dates.opens_at < dates.closes_at <= dates.draw_at <= dates.confirm_by <= dates.release_at
    ):
        raise InvalidInput(field="dates", problem=InputProblem.INVALID)
    with write_transaction():
        require_staff(actor, ADMIN)
        if db.session.scalar(select(LotteryRound.id).where(LotteryRound.code == code)):
            raise InvalidInput(field="code", problem=InputProblem.TAKEN)
        units = [get_unit(unit_id) for unit_id in sorted(set(unit_ids))]
        new = LotteryRound(
            code=code,
            month=dates.month,
            opens_at=dates.opens_at,
            closes_at=dates.closes_at,
            draw_at=dates.draw_at,
            confirm_by=dates.confirm_by,
            release_at=dates.release_at,
            max_choices=max_choices,
            max_wins=max_wins,
            created_at=now,
            created_by_staff_id=actor.staff_id,
            units=units,
        )
        db.session.add(new)
        db.session.flush()
        audit.record(actor, now, "lottery.define", f"lottery:{code}", after=_round_snapshot(new))
    return new


def commit_seed(actor: Actor, *, code: str, commitment: str, now: datetime) -> LotteryRound:
    """An administrator publishes the SHA-256 (hex) of the seed text they keep, before
    the period ends; it cannot change afterwards."""
    require_aware(now)
    commitment = (commitment or "").strip().lower()
    if len(commitment) != 64 or any(c not in "0123456789abcdef" for c in commitment):
        raise InvalidInput(field="commitment", problem=InputProblem.INVALID)
    with write_transaction():
        require_staff(actor, ADMIN)
        found = get_round_by_id(get_round(code).id, for_update=True)
        if found.seed_commitment is not None:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.COMMITTED)
        if now >= found.closes_at:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.LATE_COMMITMENT)
        found.seed_commitment = commitment
        found.committed_at = now
        audit.record(
            actor, now, "lottery.commit", f"lottery:{code}", after={"commitment": commitment}
        )
    return found


def reveal_seed(actor: Actor, *, code: str, seed: str, now: datetime) -> LotteryRound:
    """An administrator reveals the seed after the period ends; its SHA-256 must be the
    published commitment (anyone can check it: lottery_rules.reveal_matches)."""
    require_aware(now)
    seed = column_text(LotteryRound.seed, "seed", seed)
    if not seed:
        raise InvalidInput(field="seed", problem=InputProblem.REQUIRED)
    with write_transaction():
        require_staff(actor, ADMIN)
        found = get_round_by_id(get_round(code).id, for_update=True)
        if found.seed_commitment is None:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.NO_COMMITMENT)
        if found.seed is not None:
            raise LotteryDrawRefused(problem=LotteryDrawProblem.REVEALED)
        if now < found.closes_at:
            raise LotteryDrawRefused(
                problem=LotteryDrawProblem.REVEAL_TOO_EARLY, closes_at=found.closes_at
            )
        if not lottery_rules.reveal_matches(found.seed_commitment, seed):
            raise LotteryDrawRefused(problem=LotteryDrawProblem.SEED_MISMATCH)
        found.seed = seed
        found.revealed_at = now
        audit.record(actor, now, "lottery.reveal", f"lottery:{code}", after={"seed": seed})
    return found


# ------------------------------------------------------------ the booking window


def pending_release(unit_id: int, day: date, now: datetime):
    """The release of the round that allocates the unit for the month of `day`, when it
    has not come (a query of one value, or none): booking_rules refuses the booking
    with LotteryFirst until then."""
    return (
        select(LotteryRound.release_at)
        .join(lottery_round_units, lottery_round_units.c.round_id == LotteryRound.id)
        .where(
            lottery_round_units.c.unit_id == unit_id,
            LotteryRound.month == day.replace(day=1),
            LotteryRound.release_at > now,
        )
        .order_by(LotteryRound.release_at.desc())
        .limit(1)
    )


def lottery_releases(
    unit_ids, start: date, end: date, now: datetime
) -> dict[tuple[int, date], datetime]:
    """{(unit id, first of a month): the round's release} for the units and the months
    of `start`..`end` that a round allocates and has not released yet: availability
    shows their blocks as LOTTERY (抽選) rather than free, as booking_rules refuses
    booking them."""
    rows = db.session.execute(
        select(lottery_round_units.c.unit_id, LotteryRound.month, LotteryRound.release_at)
        .join(LotteryRound, lottery_round_units.c.round_id == LotteryRound.id)
        .where(
            lottery_round_units.c.unit_id.in_(list(unit_ids)),
            LotteryRound.month >= start.replace(day=1),
            LotteryRound.month <= end.replace(day=1),
            LotteryRound.release_at > now,
        )
    )
    found: dict[tuple[int, date], datetime] = {}
    for unit_id, month, release_at in rows:
        key = (unit_id, month)
        found[key] = max(found.get(key, release_at), release_at)
    return found


# ------------------------------------------------------------------- applications


def _with_choices(query):
    return query.options(
        selectinload(LotteryApplication.choices).selectinload(LotteryChoice.time_blocks),
        selectinload(LotteryApplication.choices)
        .selectinload(LotteryChoice.unit)
        .selectinload(Unit.facility),
        selectinload(LotteryApplication.choices).selectinload(LotteryChoice.reservation),
        selectinload(LotteryApplication.round),
        selectinload(LotteryApplication.resident),
        selectinload(LotteryApplication.group),
        selectinload(LotteryApplication.applied_by),
    )


def _check_open(found: LotteryRound, now: datetime) -> None:
    if not found.opens_at <= now < found.closes_at:
        raise LotteryClosed(opens_at=found.opens_at, closes_at=found.closes_at)


def _checked_choices(found: LotteryRound, requests: Sequence[ChoiceRequest]) -> list[LotteryChoice]:
    """The choices, ranked in the order given, each in the round's units and month, on
    a day and blocks the facility offers, none twice."""
    if not requests:
        raise LotteryChoiceRefused(problem=LotteryChoiceProblem.NONE)
    if len(requests) > found.max_choices:
        raise LotteryChoiceRefused(problem=LotteryChoiceProblem.TOO_MANY, maximum=found.max_choices)
    unit_ids = {unit.id for unit in found.units}
    dates = lottery_rules.round_dates(found.month, round_rule(), _tz())
    seen = set()
    choices = []
    for rank, request in enumerate(requests, start=1):
        if request.unit_id not in unit_ids:
            raise LotteryChoiceRefused(problem=LotteryChoiceProblem.NOT_IN_ROUND)
        if not dates.covers(request.day):
            raise LotteryChoiceRefused(
                problem=LotteryChoiceProblem.OUTSIDE_MONTH, month=found.month
            )
        unit = get_unit(request.unit_id)
        facility = unit.facility
        blocks = rules.order_blocks(facility, request.day, list(request.block_ids))
        closed = rules.closed_reason(
            facility, request.day, closures_between(facility, request.day, request.day)
        )
        if closed is not None:
            raise FacilityClosed(date=request.day, reason=closed.reason, note=closed.note)
        slot = (unit.id, request.day, tuple(block.id for block in blocks))
        if slot in seen:
            raise LotteryChoiceRefused(problem=LotteryChoiceProblem.REPEATED)
        seen.add(slot)
        choices.append(LotteryChoice(rank=rank, unit=unit, date=request.day, time_blocks=blocks))
    return choices


def _applicant(found: LotteryRound, resident_id: int, group_id: int | None):
    """The person who applies, and the group it is for: the town's rule says who may
    apply for a group (its representative and contacts, by default)."""
    person = locked_resident(resident_id)
    if group_id is None:
        return person, None
    group = locked_group(group_id)
    membership = require_member(group, person.id)
    appliers = get_settings().lottery.group_appliers
    if appliers == GroupAppliers.CONTACTS and membership.role == MemberRole.MEMBER:
        raise LotteryApplicationRefused(
            problem=LotteryApplicationProblem.GROUP_ROLE, group=group.name
        )
    return person, group


def _existing(found: LotteryRound, person, group) -> LotteryApplication | None:
    holder = (
        LotteryApplication.group_id == group.id
        if group is not None
        else LotteryApplication.resident_id == person.id
    )
    return db.session.scalar(
        select(LotteryApplication).where(LotteryApplication.round_id == found.id, holder)
    )


def application_snapshot(application: LotteryApplication) -> dict:
    return {
        "round": application.round.code,
        "receipt": application.receipt_number,
        "status": application.status,
        "choices": [
            {
                "rank": choice.rank,
                "unit": choice.unit_id,
                "date": choice.date.isoformat(),
                "blocks": [block.id for block in choice.time_blocks],
            }
            for choice in application.choices
        ],
    }


def _audit(actor: Actor, now: datetime, action: str, application: LotteryApplication) -> None:
    audit.record(
        actor,
        now,
        action,
        f"lottery_application:{application.receipt_number}",
        after=application_snapshot(application),
        resident_id=application.resident_id or application.applied_by_id,
        group_id=application.group_id,
    )


def apply(
    actor: Actor,
    *,
    code: str,
    resident_id: int,
    choices: Sequence[ChoiceRequest],
    now: datetime,
    group_id: int | None = None,
) -> LotteryApplication:
    """Apply to a round for a resident, or (with `group_id`) for one of their groups:
    `resident_id` is then the representative or contact who applies. One application
    per person and per group in a round, with up to the round's maximum of ranked
    choices. Staff enter a paper application for the resident (channel counter)."""
    require_aware(now)
    with write_transaction():
        require_acting_for(actor, resident_id)
        found = get_round_by_id(get_round(code).id)
        _check_open(found, now)
        person, group = _applicant(found, resident_id, group_id)
        existing = _existing(found, person, group)
        if existing is not None:
            if existing.status == LotteryApplicationStatus.WITHDRAWN:
                raise LotteryApplicationRefused(problem=LotteryApplicationProblem.WITHDRAWN)
            raise LotteryApplicationRefused(
                problem=LotteryApplicationProblem.ALREADY_APPLIED,
                receipt=existing.receipt_number,
            )
        application = LotteryApplication(
            round=found,
            receipt_number=new_unique_number(
                LotteryApplication.receipt_number, RECEIPT_NUMBER_LENGTH
            ),
            resident=person if group is None else None,
            group=group,
            applied_by=person,
            status=LotteryApplicationStatus.SUBMITTED,
            channel=actor.channel,
            created_by_staff_id=actor.staff_id,
            created_at=now,
            choices=_checked_choices(found, choices),
        )
        db.session.add(application)
        db.session.flush()
        _audit(actor, now, "lottery.apply", application)
    return application


def _application_for(actor: Actor, receipt: str, *, for_update: bool = False):
    query = _with_choices(
        select(LotteryApplication).where(LotteryApplication.receipt_number == receipt)
    )
    if for_update:
        query = query.with_for_update(of=LotteryApplication)
    application = db.session.scalar(query)
    if application is None:
        raise NotFound(what="lottery_application", id=receipt)
    if actor.resident_id is not None:
        if actor.resident_id not in (application.resident_id, application.applied_by_id):
            raise Forbidden(action=ForbiddenAction.OTHER_RESIDENT)
    else:
        require_staff(actor)
    return application


def get_application(actor: Actor, receipt: str) -> LotteryApplication:
    """An application with its choices, by its receipt number, for its applicant or
    staff (every channel reads it back)."""
    return _application_for(actor, receipt)


def applications_of(resident_id: int) -> list[LotteryApplication]:
    """A resident's applications, theirs and those they made for a group, newest
    round first."""
    return list(
        db.session.scalars(
            _with_choices(
                select(LotteryApplication)
                .join(LotteryRound, LotteryRound.id == LotteryApplication.round_id)
                .where(
                    or_(
                        LotteryApplication.resident_id == resident_id,
                        LotteryApplication.applied_by_id == resident_id,
                    )
                )
                .order_by(LotteryRound.month.desc(), LotteryApplication.id)
            )
        )
    )


def applications_in(code: str) -> list[LotteryApplication]:
    """A round's applications, for staff (the counter's list)."""
    found = get_round(code)
    return list(
        db.session.scalars(
            _with_choices(
                select(LotteryApplication)
                .where(LotteryApplication.round_id == found.id)
                .order_by(LotteryApplication.id)
            )
        )
    )


def change_application(
    actor: Actor, *, receipt: str, choices: Sequence[ChoiceRequest], now: datetime
) -> LotteryApplication:
    """Replace an application's choices while the period is open."""
    require_aware(now)
    with write_transaction():
        application = _application_for(actor, receipt, for_update=True)
        _check_open(application.round, now)
        if application.status == LotteryApplicationStatus.WITHDRAWN:
            raise LotteryApplicationRefused(problem=LotteryApplicationProblem.WITHDRAWN)
        if application.group_id is not None:
            _applicant(application.round, application.applied_by_id, application.group_id)
        new_choices = _checked_choices(application.round, choices)
        application.choices.clear()
        db.session.flush()
        application.choices.extend(new_choices)
        application.changed_at = now
        db.session.flush()
        _audit(actor, now, "lottery.change", application)
    return application


def withdraw_application(actor: Actor, *, receipt: str, now: datetime) -> LotteryApplication:
    """Withdraw an application while the period is open; it cannot be made again."""
    require_aware(now)
    with write_transaction():
        application = _application_for(actor, receipt, for_update=True)
        _check_open(application.round, now)
        if application.status == LotteryApplicationStatus.WITHDRAWN:
            raise LotteryApplicationRefused(problem=LotteryApplicationProblem.WITHDRAWN)
        application.status = LotteryApplicationStatus.WITHDRAWN
        application.withdrawn_at = now
        _audit(actor, now, "lottery.withdraw", application)
    return application


RoundDates = lottery_rules.RoundDates

__all__ = [
    "RECEIPT_NUMBER_LENGTH",
    "ChoiceRequest",
    "RoundDates",
    "LotteryAnswer",
    "LotteryApplication",
    "LotteryApplicationStatus",
    "LotteryChoice",
    "LotteryRound",
    "applications_in",
    "applications_of",
    "apply",
    "change_application",
    "commit_seed",
    "define_round",
    "get_application",
    "get_round",
    "list_rounds",
    "lottery_rules_in_force",
    "reveal_seed",
    "round_rule",
    "rounds_open",
    "seed_commitment",
    "withdraw_application",
]
