"""The waitlist's pure rules: who fits a freed slot (whole-vs-half, first come or drawn
at random, WAITLIST_ORDER), the place in line, the offer's deadline and the limit per
month."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from reservations.errors import WaitlistLimitReached
from reservations.settings import WaitlistOrder, WaitlistRules
from reservations.waitlist_rules import (
    check_waitlist_limit,
    kept_for_a_draw,
    offer_deadline,
    offers_to_make,
    position_in_line,
)
from tests.factories import at

DAY = date(2026, 12, 16)
A, B, MORNING = 1, 2, 10
WHOLE = frozenset({(A, DAY, MORNING), (B, DAY, MORNING)})
HALF_A = frozenset({(A, DAY, MORNING)})
HALF_B = frozenset({(B, DAY, MORNING)})


def test_a_whole_court_waiter_fits_only_when_both_halves_are_free():
    assert offers_to_make([(1, WHOLE)], taken={(B, DAY, MORNING)}) == []
    assert offers_to_make([(1, WHOLE)], taken=set()) == [1]


def test_a_later_half_waiter_fits_when_only_its_half_frees():
    line = [(1, WHOLE), (2, HALF_A)]
    assert offers_to_make(line, taken={(B, DAY, MORNING)}) == [2]


def test_first_come_first_served_and_one_offer_per_slot():
    line = [(1, HALF_A), (2, HALF_A), (3, WHOLE), (4, HALF_B)]
    assert offers_to_make(line, taken=set()) == [1, 4]


def test_position_counts_earlier_waiters_for_any_of_the_same_keys():
    line = [(1, WHOLE), (2, HALF_B), (3, HALF_A)]
    assert position_in_line(3, HALF_A, line) == 2
    assert position_in_line(2, HALF_B, line) == 2
    assert position_in_line(1, WHOLE, line) == 1


def test_the_offer_deadline_is_never_past_the_payment_rule_nor_the_start():
    now = at(2026, 12, 1, 10)
    start = at(2026, 12, 16, 9)
    assert offer_deadline(now, payment_due=at(2026, 12, 9), start_at=start, offer_hours=48) == (
        now + timedelta(hours=48)
    )
    assert offer_deadline(now, payment_due=at(2026, 12, 2), start_at=start, offer_hours=48) == (
        at(2026, 12, 2)
    )
    late_start = at(2026, 12, 1, 18)
    assert (
        offer_deadline(now, payment_due=late_start, start_at=late_start, offer_hours=48)
        == late_start
    )


def test_the_limit_of_entries_per_month():
    check_waitlist_limit(1, 2, date(2026, 12, 1))
    with pytest.raises(WaitlistLimitReached) as limit:
        check_waitlist_limit(2, 2, date(2026, 12, 1))
    assert limit.value.params == {"maximum": 2, "month": date(2026, 12, 1)}


def test_a_random_order_can_offer_a_later_waiter_and_still_one_offer_per_slot():
    line = [(1, HALF_A), (2, HALF_A), (3, HALF_A), (4, HALF_B)]
    drawn = [offers_to_make(line, taken=set(), draw=random.Random(seed)) for seed in range(60)]
    # Each draw offers A to one of its three waiters and B to its only waiter...
    assert all(len(offers) == 2 and 4 in offers for offers in drawn)
    # ...and across the draws every waiter for A is drawn at some point, later ones too.
    assert {next(entry for entry in offers if entry != 4) for offers in drawn} == {1, 2, 3}
    assert offers_to_make(line, taken=set()) == [1, 4]  # no draw: first come first


def test_a_random_order_still_fits_whole_and_half_by_the_keys():
    line = [(1, WHOLE), (2, HALF_A)]
    for seed in range(20):
        assert offers_to_make(line, taken={(B, DAY, MORNING)}, draw=random.Random(seed)) == [2]


def test_a_random_order_keeps_every_free_key_some_waiter_may_be_drawn_for():
    line = [(1, HALF_A), (2, WHOLE)]
    assert kept_for_a_draw(line, taken=set()) == set(WHOLE)  # the whole court may be drawn
    assert kept_for_a_draw(line, taken={(B, DAY, MORNING)}) == set(HALF_A)


@pytest.mark.parametrize("value", ["", "fifo", "RANDOM", "lottery"])
def test_an_unknown_waitlist_order_refuses_naming_the_variable(value):
    with pytest.raises(RuntimeError, match="WAITLIST_ORDER must be first_come or random"):
        WaitlistRules.from_mapping({"WAITLIST_ORDER": value})


def test_the_waitlist_order_is_first_come_unless_set_to_random():
    assert WaitlistRules.from_mapping({}).order == WaitlistOrder.FIRST_COME
    assert WaitlistRules.from_mapping({"WAITLIST_ORDER": "random"}).order == WaitlistOrder.RANDOM
