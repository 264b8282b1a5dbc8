"""Demand against supply for the statistics: per slot (a unit, a day, a time block:
one booking's worth of supply), the lottery applications (抽選) that chose it and the
waitlist entries (キャンセル待ち) that waited for it. A slot asked for by more than one
is over-demanded. Counted by the database; only the most demanded slots and the
totals leave it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, literal, select, union_all

from ..db import db
from ..models import (
    LotteryApplication,
    LotteryApplicationStatus,
    LotteryChoice,
    TimeBlock,
    Unit,
    WaitlistEntry,
    lottery_choice_blocks,
    waitlist_entry_blocks,
)

# The most over-demanded slots the page lists.
DEMANDED_SLOTS_SHOWN = 20


@dataclass(frozen=True)
class DemandedSlot:
    """A slot and how many asked for it: lottery choices of applications still in
    their round (withdrawn ones are not demand), and waitlist entries whatever became
    of them."""

    unit: Unit
    day: date
    block: TimeBlock
    lottery_applications: int
    waitlist_entries: int

    @property
    def requests(self) -> int:
        return self.lottery_applications + self.waitlist_entries


@dataclass(frozen=True)
class Demand:
    lottery_applications: int  # applications with a choice in the period
    waitlist_entries: int  # entries for a slot of the period
    slots: list[DemandedSlot]  # the most demanded, most first


def _lottery(start: date, end: date, unit_ids):
    return (
        select(LotteryChoice.application_id.label("asker"))
        .add_columns(
            LotteryChoice.unit_id.label("unit_id"),
            LotteryChoice.date.label("day"),
            lottery_choice_blocks.c.time_block_id.label("block_id"),
        )
        .join(lottery_choice_blocks, lottery_choice_blocks.c.choice_id == LotteryChoice.id)
        .join(LotteryApplication, LotteryApplication.id == LotteryChoice.application_id)
        .where(
            LotteryApplication.status == LotteryApplicationStatus.SUBMITTED,
            LotteryChoice.date >= start,
            LotteryChoice.date <= end,
            *([LotteryChoice.unit_id.in_(unit_ids or [-1])] if unit_ids is not None else []),
        )
    )


def _waitlist(start: date, end: date, unit_ids):
    return (
        select(WaitlistEntry.id.label("asker"))
        .add_columns(
            WaitlistEntry.unit_id.label("unit_id"),
            WaitlistEntry.date.label("day"),
            waitlist_entry_blocks.c.time_block_id.label("block_id"),
        )
        .join(waitlist_entry_blocks, waitlist_entry_blocks.c.entry_id == WaitlistEntry.id)
        .where(
            WaitlistEntry.date >= start,
            WaitlistEntry.date <= end,
            *([WaitlistEntry.unit_id.in_(unit_ids or [-1])] if unit_ids is not None else []),
        )
    )


def demand(units: dict[int, Unit], blocks: dict[int, TimeBlock], start, end, unit_ids) -> Demand:
    """`unit_ids`: the units the figures cover (None: every unit)."""
    lottery, waitlist = _lottery(start, end, unit_ids), _waitlist(start, end, unit_ids)
    asked = union_all(
        lottery.add_columns(literal(1).label("lottery"), literal(0).label("waitlist")),
        waitlist.add_columns(literal(0).label("lottery"), literal(1).label("waitlist")),
    ).subquery("asked")
    applications = func.sum(asked.c.lottery)
    entries = func.sum(asked.c.waitlist)
    rows = db.session.execute(
        select(asked.c.unit_id, asked.c.day, asked.c.block_id, applications, entries)
        .group_by(asked.c.unit_id, asked.c.day, asked.c.block_id)
        .order_by(func.count().desc(), asked.c.day, asked.c.unit_id, asked.c.block_id)
        .limit(DEMANDED_SLOTS_SHOWN)
    ).all()
    lottery_askers, waitlist_askers = lottery.subquery(), waitlist.subquery()
    totals = db.session.execute(
        select(
            select(func.count(func.distinct(lottery_askers.c.asker))).scalar_subquery(),
            select(func.count(func.distinct(waitlist_askers.c.asker))).scalar_subquery(),
        )
    ).one()
    return Demand(
        lottery_applications=totals[0] or 0,
        waitlist_entries=totals[1] or 0,
        slots=[
            DemandedSlot(units[unit_id], day, blocks[block_id], int(chose), int(waited))
            for unit_id, day, block_id, chose, waited in rows
            if unit_id in units and block_id in blocks
        ],
    )
