"""The rules of the waitlist (キャンセル待ち), as pure functions.

A slot is a set of claim keys (part, date, block), as the claims hold them: the whole
court on the morning is {(A, day, morning), (B, day, morning)}, half A is only the
first. So whole-vs-half needs no rule of its own: a waiter fits when every key of
theirs is free.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from .errors import WaitlistLimitReached

Key = tuple[int, date, int]  # part id, date, time block id


def fits(keys: Iterable[Key], taken: set[Key]) -> bool:
    """Whether a waiter's slot is free: none of its keys is taken."""
    return not any(key in taken for key in keys)


def offers_to_make(
    line: Sequence[tuple[int, frozenset[Key]]],
    taken: set[Key],
    draw: random.Random | None = None,
) -> list[int]:
    """Whom to offer freed slots to: the entries of `line` (id and keys, first come
    first) whose keys are all free, each offer taking its keys before the next waiter
    is looked at. A waiter for the whole court fits only when both halves are free; a
    later waiter for half A still fits when only A is free.

    With a random source `draw` (WAITLIST_ORDER=random), the line is looked at in an
    order drawn from it instead of first come first: each freed slot goes to a waiter
    drawn at random among those it fits."""
    taken = set(taken)
    order = list(line)
    if draw is not None:
        draw.shuffle(order)
    offered = []
    for entry_id, keys in order:
        if fits(keys, taken):
            offered.append(entry_id)
            taken.update(keys)
    return offered


def kept_for_a_draw(line: Sequence[tuple[int, frozenset[Key]]], taken: set[Key]) -> set[Key]:
    """With a random order, the free keys a draw may offer: those of every waiter whose
    keys are all free (any of them may be drawn), so no booking takes them first."""
    return {key for _, keys in line if fits(keys, taken) for key in keys}


def position_in_line(
    entry_id: int, keys: frozenset[Key], line: Sequence[tuple[int, frozenset[Key]]]
) -> int:
    """The waiter's place (1 is next): one after every earlier open entry that waits
    for any of the same keys."""
    return 1 + sum(1 for other, other_keys in line if other < entry_id and keys & other_keys)


def offer_deadline(
    now: datetime, *, payment_due: datetime, start_at: datetime, offer_hours: int
) -> datetime:
    """Until when a waiter may accept an offer made at `now`: `offer_hours` later, but
    never past the payment due time a hold booked now would have, nor the start of
    use."""
    return min(now + timedelta(hours=offer_hours), payment_due, start_at)


def check_waitlist_limit(open_in_month: int, maximum: int, month: date) -> None:
    """A person (or a group) waits for at most `maximum` slots dated in one month."""
    if open_in_month >= maximum:
        raise WaitlistLimitReached(maximum=maximum, month=month)
