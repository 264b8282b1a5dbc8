"""The keys that work the same at every prompt: `*` repeats, `0` reaches a person
(or, when no one can answer, says the hours and asks the same question again, number
prompts included: never the end of the call), `9` returns to the main menu once
signed in (at a number prompt: 9 alone, ended by #)."""

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
from tests.channels.phone.test_calls import MAIN_MENU, book_on_the_web, phone_call, reservations
from tests.channels.phone.test_sign_in_callback import forge_the_line
from tests.factories import at

GYM = ["1", "1"]  # 体育館, 町民体育館の全面
BOOKED = date(2026, 12, 16)

# node: (the caller, a reservation to have first, the keys that lead there)
ROUTES = {
    "registration": (UNKNOWN_PHONE, None, []),
    "pin": (YAMADA_PHONE, None, []),
    "locked": (YAMADA_PHONE, None, ["9999"] * 3),
    "main": (YAMADA_PHONE, None, ["PIN"]),
    "book_for_whom": (TAKAHASHI_PHONE, None, ["PIN:takahashi", "1"]),  # a member of a group
    "book_last": (YAMADA_PHONE, BOOKED, ["PIN", "1"]),
    "book_kind": (YAMADA_PHONE, None, ["PIN", "1"]),
    "book_unit": (YAMADA_PHONE, None, ["PIN", "1", "1"]),
    "book_offer": (YAMADA_PHONE, None, ["PIN", "1", *GYM]),
    "book_date": (YAMADA_PHONE, None, ["PIN", "2", *GYM]),
    "book_done": (YAMADA_PHONE, None, ["PIN", "1", *GYM, "1"]),
    "hear": (YAMADA_PHONE, BOOKED, ["PIN", "3"]),
    "cancel_list": (YAMADA_PHONE, BOOKED, ["PIN", "4"]),
    "cancel_confirm": (YAMADA_PHONE, BOOKED, ["PIN", "4", "1"]),
    "cancel_done": (YAMADA_PHONE, BOOKED, ["PIN", "4", "1", "1"]),
    # the deadline passes while the caller hears the confirmation
    "cancel_too_late": (YAMADA_PHONE, BOOKED, ["PIN", "4", "1", "LATE", "1"]),
    "after_dial": (YAMADA_PHONE, None, ["PIN", "0"]),
    # the waitlist: a day others booked in full, and an offer made to 山田 ハナ
    "waitlist_ask": (YAMADA_PHONE, None, ["FULL", "PIN", "2", *GYM, "1216"]),
    "waitlist_block": (YAMADA_PHONE, None, ["FULL", "PIN", "2", *GYM, "1216", "1"]),
    "waitlist_joined": (YAMADA_PHONE, None, ["FULL", "PIN", "2", *GYM, "1216", "1", "1"]),
    "waitlist_offer": (YAMADA_PHONE, None, ["OFFER", "PIN", "3"]),
    # someone forged 山田さん's number until her line waits: her own call is offered a
    # callback to her registered number
    "callback_offer": (YAMADA_PHONE, None, ["FORGED", "PIN"]),
}
NUMBER_PROMPTS = ("registration", "pin", "book_date")


def offer_freed(town, taken, now):
    """山田 ハナ waits for the time `taken` holds; it is cancelled and offered to her."""
    from reservations import services

    services.join_waitlist(
        services.Actor.resident(town.yamada.id, "phone"),
        resident_id=town.yamada.id,
        unit_id=taken.unit_id,
        day=taken.date,
        block_ids=[block.id for block in taken.time_blocks],
        now=now,
    )
    services.cancel(services.Actor.resident(town.sato.id, "web"), reservation_id=taken.id, now=now)
    services.offer_freed_slots(now)


def test_every_menu_is_covered():
    assert set(ROUTES) == set(NODES)


def reach(node, call, town, clock):
    caller, booked_day, keys = ROUTES[node]
    if booked_day is not None:
        book_on_the_web(town.yamada, booked_day, now=at(2026, 11, 20, 10))
    if keys[:1] == ["FORGED"]:
        forge_the_line(call)
        keys = keys[1:]
    simulator = call(caller)
    for key in keys:
        if key == "LATE":
            clock.now = at(2026, 12, 14, 10)
            continue
        if key in ("FULL", "OFFER"):
            taken = [
                book_on_the_web(town.sato, BOOKED, block)
                for block in (("morning", "afternoon", "evening") if key == "FULL" else ["morning"])
            ]
            if key == "OFFER":
                offer_freed(town, taken[0], clock.now)
            continue
        if key.startswith("PIN"):
            key = getattr(town, key.partition(":")[2] or "yamada").pin
        simulator.press(key)
    assert phone_call(simulator).node == node
    return simulator


@pytest.mark.parametrize("node", sorted(ROUTES))
def test_star_repeats_the_question(node, call, town, clock):
    simulator = reach(node, call, town, clock)
    arrival = simulator.last.text
    before = len(reservations()), [r.status for r in reservations()]
    simulator.press("*")
    assert arrival.endswith(simulator.last.text)
    assert simulator.last.text  # something was said again
    row = phone_call(simulator)
    assert row.node == node and row.state.get("failures", 0) == 0
    assert (len(reservations()), [r.status for r in reservations()]) == before


@pytest.mark.parametrize("node", sorted(ROUTES))
def test_zero_reaches_a_person(node, call, town, clock):
    simulator = reach(node, call, town, clock)
    simulator.press("0")
    assert simulator.dialled == [OPERATOR] * (2 if node == "after_dial" else 1)
    assert "担当者におつなぎします。" in simulator.exchanges[-2].text


@pytest.mark.parametrize("node", sorted(set(ROUTES) - {"after_dial"}))
def test_zero_after_hours_says_the_hours_and_asks_the_same_again(node, call, town, clock):
    """The finding: at the PIN, registration-number or date prompt after hours, 0
    ended the call (and lost a booking in progress)."""
    simulator = reach(node, call, town, clock)
    arrival = simulator.last.text
    clock.now = clock.now.replace(hour=19)
    simulator.press("0")
    text = simulator.last.text
    assert text.startswith("ただいま、窓口の受付時間外です。窓口の受付時間は、")
    assert simulator.ended is None and simulator.question is not None
    assert phone_call(simulator).node == node
    assert simulator.dialled == []
    assert "担当者" not in text.partition("お休みです。")[2]  # no one offered who cannot answer
    # (a question that offered a person asks again without them: the counter is closed)
    if node not in (
        "book_offer",
        "cancel_too_late",
        "book_done",
        "hear",
        "locked",
        "callback_offer",
    ):
        assert arrival.endswith(text.partition("お休みです。")[2])


@pytest.mark.parametrize(
    "node",
    sorted(
        n for n in ROUTES if n not in ("registration", "pin", "locked", "main", "callback_offer")
    ),
)
def test_nine_returns_to_the_menu_everywhere(node, call, town, clock):
    simulator = reach(node, call, town, clock)
    simulator.press("9#" if node in NUMBER_PROMPTS else "9")
    if node == "after_dial":
        assert phone_call(simulator).node in ("main", "after_dial")
        return
    assert phone_call(simulator).node == "main"
    assert simulator.last.text.endswith(MAIN_MENU)


def test_star_inside_a_number_repeats_too(call, town, clock):
    simulator = reach("book_date", call, town, clock)
    simulator.press("12*")
    assert simulator.last.text.startswith("ご希望の日にちを、月と日の4桁で押してください。")
    assert phone_call(simulator).node == "book_date"
