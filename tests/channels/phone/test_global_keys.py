"""`*` repeats and `0` reaches the operator from every menu of the call."""

from __future__ import annotations

from datetime import date

import pytest

from channels.phone.menus import NODES
from tests.channels.phone.conftest import (
    OPERATOR,
    TAKAHASHI_PHONE,
    UNKNOWN_PHONE,
    YAMADA_PHONE,
)
from tests.channels.phone.test_calls import book_on_the_web, phone_call, reservations
from tests.factories import at

BOOK = ["1", "1", "1"]  # book, 町民体育館, 全面
DATE = [*BOOK, "2", "1216"]

# node: (the caller, a reservation to have first, the keys that lead there)
ROUTES = {
    "registration": (UNKNOWN_PHONE, None, []),
    "pin": (YAMADA_PHONE, None, []),
    "locked": (YAMADA_PHONE, None, ["9999"] * 5),
    "main": (YAMADA_PHONE, None, ["PIN"]),
    "book_for_whom": (TAKAHASHI_PHONE, None, ["PIN:takahashi", "1"]),  # a member of a group
    "book_facility": (YAMADA_PHONE, None, ["PIN", "1"]),
    "book_unit": (YAMADA_PHONE, None, ["PIN", "1", "1"]),
    "book_how": (YAMADA_PHONE, None, ["PIN", *BOOK]),
    "book_offer": (YAMADA_PHONE, None, ["PIN", *BOOK, "1"]),
    "book_date": (YAMADA_PHONE, None, ["PIN", *BOOK, "2"]),
    "book_block": (YAMADA_PHONE, None, ["PIN", *DATE]),
    "book_summary": (YAMADA_PHONE, None, ["PIN", *DATE, "1"]),
    "book_done": (YAMADA_PHONE, None, ["PIN", *DATE, "1", "1"]),
    "hear": (YAMADA_PHONE, date(2026, 12, 16), ["PIN", "2"]),
    "cancel_list": (YAMADA_PHONE, date(2026, 12, 16), ["PIN", "3"]),
    "cancel_confirm": (YAMADA_PHONE, date(2026, 12, 16), ["PIN", "3", "1"]),
    "cancel_done": (YAMADA_PHONE, date(2026, 12, 16), ["PIN", "3", "1", "1"]),
    "cancel_too_late": (YAMADA_PHONE, date(2026, 12, 3), ["PIN", "3", "1"]),
    "after_dial": (YAMADA_PHONE, None, ["PIN", "0"]),
}


def test_every_menu_is_covered():
    assert set(ROUTES) == set(NODES)


def reach(node, call, town):
    caller, booked_day, keys = ROUTES[node]
    if booked_day is not None:
        book_on_the_web(town.yamada, booked_day, now=at(2026, 11, 20, 10))
    simulator = call(caller)
    for key in keys:
        if key.startswith("PIN"):
            key = getattr(town, key.partition(":")[2] or "yamada").pin
        simulator.press(key)
    assert phone_call(simulator).node == node
    return simulator


@pytest.mark.parametrize("node", sorted(ROUTES))
def test_star_repeats_the_question(node, call, town):
    simulator = reach(node, call, town)
    arrival = simulator.last.text
    before = len(reservations()), [r.status for r in reservations()]
    simulator.press("*")
    assert arrival.endswith(simulator.last.text)
    assert simulator.last.text  # something was said again
    row = phone_call(simulator)
    assert row.node == node and row.state.get("failures", 0) == 0
    assert (len(reservations()), [r.status for r in reservations()]) == before


@pytest.mark.parametrize("node", sorted(ROUTES))
def test_zero_reaches_the_operator(node, call, town):
    simulator = reach(node, call, town)
    simulator.press("0")
    assert simulator.dialled == [OPERATOR] * (2 if node == "after_dial" else 1)


def test_star_inside_a_number_repeats_too(call, town):
    simulator = reach("book_date", call, town)
    simulator.press("12*")
    assert simulator.last.text.startswith("ご希望の日付を、月と日の4桁で押してください。")
    assert phone_call(simulator).node == "book_date"
