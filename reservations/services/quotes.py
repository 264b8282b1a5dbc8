"""What a booking would be: who it is for, its blocks in order, its exemption and fee,
times and cancellation deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .. import rules
from ..errors import NotFound
from ..models import (
    EXEMPT,
    PAID,
    ExemptionBasis,
    Facility,
    Fee,
    Group,
    Reservation,
    Resident,
    TimeBlock,
    Unit,
)
from ..settings import get_settings
from .catalog import get_unit
from .groups import get_group, pays_resident_fee
from .residents import resident_or_none


@dataclass(frozen=True)
class Party:
    """Who a booking is for: a resident (`person`, and no group), or a group (with the
    member who asks for it, `person`, when one is named)."""

    person: Resident | None
    group: Group | None = None

    @property
    def is_resident(self) -> bool:
        """Books as a town resident (fee and booking window): a resident of the town,
        or a group with enough members living in it. Nobody named: a town resident."""
        if self.group is not None:
            return pays_resident_fee(self.group)
        return self.person.is_resident if self.person is not None else True

    def exemption(self, day: date) -> rules.Exemption:
        """The exemption the core decides for a booking on `day` (see
        rules.decide_exemption): from the group's category, purpose and evidence, or
        the person's category and evidence."""
        if self.group is not None:
            group = self.group
            return rules.decide_exemption(
                group.category,
                purpose=group.purpose,
                evidence=group.evidence,
                valid_until=group.evidence_valid_until,
                day=day,
            )
        if self.person is None:
            return rules.Exemption(ExemptionBasis.NONE, 0)
        person = self.person
        return rules.decide_exemption(
            person.exemption,
            purpose=None,
            evidence=person.exemption_evidence,
            valid_until=person.exemption_valid_until,
            day=day,
        )


def party(resident_id: int | None = None, group_id: int | None = None) -> Party:
    """The party of a booking by ids (NotFound for an unknown one)."""
    return Party(resident_or_none(resident_id), get_group(group_id) if group_id else None)


@dataclass(frozen=True)
class Quote:
    unit: Unit
    date: date
    blocks: list[TimeBlock]
    fee: rules.FeeQuote
    start_at: datetime
    end_at: datetime
    cancel: rules.CancelDeadline
    exemption: rules.Exemption  # how the exemption in `fee` was decided, and on what

    @property
    def facility(self) -> Facility:
        return self.unit.facility

    def cancel_deadline_passed(self, now: datetime) -> bool:
        """Whether, booked at `now`, it could no longer be cancelled by the resident:
        every channel warns before booking (the web's confirm page, the phone's offer,
        the counter's confirm)."""
        return self.cancel.has_passed(now)


def _rates(unit: Unit, blocks: Sequence[TimeBlock], is_resident: bool) -> list[int]:
    fees = {fee.time_block_id: fee for fee in unit.fees}
    rates = []
    for block in blocks:
        fee: Fee | None = fees.get(block.id)
        if fee is None:
            raise NotFound(what="fee", unit_id=unit.id, block_id=block.id)
        rates.append(fee.resident_yen if is_resident else fee.nonresident_yen)
    return rates


def quote(
    unit_id: int,
    day: date,
    block_ids: Sequence[int],
    *,
    resident_id: int | None = None,
    group_id: int | None = None,
) -> Quote:
    """The fee (with its exemption), times and cancellation deadline for these blocks,
    for this resident or group (a town resident without exemption when none is
    given). It says what a booking would cost, not whether it may be made: see
    check_booking."""
    unit = get_unit(unit_id)
    return quote_for(unit, day, block_ids, party(resident_id, group_id))


def quote_for(
    unit: Unit,
    day: date,
    block_ids: Sequence[int],
    booker: Party | None,
    exemption: rules.Exemption | None = None,
) -> Quote:
    """The quote for `booker`; `exemption`, when given, is a decision already made
    (staff's on a booking being changed) instead of the core's from the category."""
    tz = get_settings().timezone
    facility = unit.facility
    blocks = rules.order_blocks(facility, day, list(block_ids))
    booker = booker or Party(None)
    exemption = exemption or booker.exemption(day)
    return Quote(
        unit=unit,
        date=day,
        blocks=blocks,
        fee=rules.fee(_rates(unit, blocks, booker.is_resident), exemption.percent),
        start_at=rules.block_start(day, blocks[0], tz),
        end_at=rules.block_end(day, blocks[-1], tz),
        cancel=rules.cancel_deadline(facility, day, tz),
        exemption=exemption,
    )


def cancellation_deadline(reservation: Reservation) -> rules.CancelDeadline:
    """The last day on which the resident may cancel by themself, and its end."""
    return rules.cancel_deadline(
        reservation.unit.facility, reservation.date, get_settings().timezone
    )


class PaymentPlace(StrEnum):
    COUNTER = "counter"  # the counter (窓口) of CounterDetails


class PaymentMethod(StrEnum):
    CASH = "cash"


class PaymentState(StrEnum):
    NOTHING_TO_PAY = "nothing_to_pay"  # no fee, or exempt
    TO_PAY = "to_pay"
    PAID = "paid"


@dataclass(frozen=True)
class PaymentTerms:
    """How, where and by when a booking is paid, and what cancelling costs: the town's
    rule until holds (仮予約) with payment deadlines replace it. Today every fee is paid
    in cash at the counter before the use begins; cancelling costs nothing, on the web
    until the cancellation deadline and at the counter after it."""

    fee_yen: int
    state: PaymentState
    place: PaymentPlace
    methods: tuple[PaymentMethod, ...]
    due_by: datetime  # pay before the use begins
    cancel: rules.CancelDeadline  # free on the web until then
    cancellation_fee_yen: int  # what cancelling costs, before or after the deadline


def payment_terms(subject: Quote | Reservation) -> PaymentTerms:
    """The payment terms of a quote (before booking) or of a reservation."""
    if isinstance(subject, Quote):
        fee_yen, paid = subject.fee.fee_yen, False
        facility, day, start_at = subject.facility, subject.date, subject.start_at
    else:
        fee_yen, paid = subject.fee_yen, subject.payment_status == PAID
        facility, day, start_at = subject.unit.facility, subject.date, subject.start_at
    exempt = isinstance(subject, Reservation) and subject.payment_status == EXEMPT
    if fee_yen == 0 or exempt:
        state = PaymentState.NOTHING_TO_PAY
    else:
        state = PaymentState.PAID if paid else PaymentState.TO_PAY
    return PaymentTerms(
        fee_yen=fee_yen,
        state=state,
        place=PaymentPlace.COUNTER,
        methods=(PaymentMethod.CASH,),
        # A hold (仮予約) is due by its payment due time; otherwise before use begins.
        due_by=getattr(subject, "payment_due_at", None) or start_at,
        cancel=rules.cancel_deadline(facility, day, get_settings().timezone),
        cancellation_fee_yen=0,
    )
