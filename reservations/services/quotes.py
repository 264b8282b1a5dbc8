"""What a booking would be: its blocks in order, fee, times and cancellation deadline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .. import rules
from ..errors import NotFound
from ..models import Facility, Fee, Reservation, Resident, TimeBlock, Unit
from ..settings import get_settings
from .catalog import get_unit
from .residents import resident_or_none


@dataclass(frozen=True)
class Quote:
    unit: Unit
    date: date
    blocks: list[TimeBlock]
    fee: rules.FeeQuote
    start_at: datetime
    end_at: datetime
    cancel: rules.CancelDeadline

    @property
    def facility(self) -> Facility:
        return self.unit.facility


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
    unit_id: int, day: date, block_ids: Sequence[int], *, resident_id: int | None = None
) -> Quote:
    """The fee, times and cancellation deadline for these blocks, for this resident
    (a town resident without exemption when none is given)."""
    unit = get_unit(unit_id)
    return quote_for(unit, day, block_ids, resident_or_none(resident_id))


def quote_for(unit: Unit, day: date, block_ids: Sequence[int], resident: Resident | None) -> Quote:
    tz = get_settings().timezone
    facility = unit.facility
    blocks = rules.order_blocks(facility, day, list(block_ids))
    is_resident = resident.is_resident if resident is not None else True
    percent = resident.exemption.percent if resident and resident.exemption else 0
    return Quote(
        unit=unit,
        date=day,
        blocks=blocks,
        fee=rules.fee(_rates(unit, blocks, is_resident), percent),
        start_at=rules.block_start(day, blocks[0], tz),
        end_at=rules.block_end(day, blocks[-1], tz),
        cancel=rules.cancel_deadline(facility, day, tz),
    )


def cancellation_deadline(reservation: Reservation) -> rules.CancelDeadline:
    """The last day on which the resident may cancel by themself, and its end."""
    return rules.cancel_deadline(
        reservation.unit.facility, reservation.date, get_settings().timezone
    )
