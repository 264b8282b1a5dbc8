"""A town without PHONE_OPERATOR_NUMBER (issue 16): `0` at every prompt, number prompts
included, says that no one can be put through and the counter's hours, then asks the
same question again with the call's progress kept; the greeting and the second silence
never offer a person. (Outside the counter's hours with a number set:
test_global_keys.py and test_calls.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from channels import create_app
from reservations.db import db
from tests.channels.phone.conftest import TOKEN, YAMADA_PHONE
from tests.channels.phone.test_calls import MAIN_MENU, phone_call, reservations, signed_in
from tests.channels.phone.test_global_keys import ROUTES, reach
from tests.conftest import app_config, fresh_sqlite_url

NO_ONE = "ただいま、担当者におつなぎできません。窓口の受付時間は、"
HOURS_END = "お休みです。"
DATE_PROMPT = "ご希望の日にちを、月と日の4桁で押してください。12月3日なら、1、2、0、3です。"


@pytest.fixture
def phone_app(sqlite_template, tmp_path, clock) -> Iterator[Flask]:
    """The phone tests' app, during the counter's hours, but with no operator number."""
    config = app_config(
        fresh_sqlite_url(sqlite_template, tmp_path), TWILIO_AUTH_TOKEN=TOKEN, CLOCK=clock
    )
    app = create_app(config)
    assert app.extensions["phone"].operator_number == ""
    assert app.extensions["phone"].counter_open(clock.now)  # 10:00 on a Tuesday
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# after_dial is reached only by a transfer, which this town cannot make
@pytest.mark.parametrize("node", sorted(set(ROUTES) - {"after_dial"}))
def test_zero_without_an_operator_says_the_hours_and_asks_the_same_again(node, call, town, clock):
    simulator = reach(node, call, town, clock)
    arrival = simulator.last.text
    assert "担当者" not in simulator.transcript  # never offered on the way here
    simulator.press("0")
    text = simulator.last.text
    assert text.startswith(NO_ONE) and HOURS_END in text
    assert simulator.ended is None and simulator.question is not None
    assert simulator.dialled == []
    row = phone_call(simulator)
    assert row.node == node and row.state.get("failures", 0) == 0
    again = text.partition(HOURS_END)[2]
    assert again and "担当者" not in again
    # the same question (these say a first-time preface, e.g. the result, only on arrival)
    if node not in ("book_offer", "book_done", "cancel_too_late", "hear", "locked"):
        assert arrival.endswith(again)


def test_the_greeting_and_the_second_silence_offer_no_one(call, town):
    simulator = call(YAMADA_PHONE)
    assert simulator.last.text.startswith("お電話ありがとうございます。町予約《まちよやく》です。")
    assert "担当者" not in simulator.last.text and "0" not in simulator.last.text
    simulator.silence()
    simulator.silence()
    assert simulator.last.text.startswith(
        "もう一度お聞きになる場合は米印《こめじるし》を押してください。"
    )
    simulator.silence()  # the third: no transfer, the hours and the same question
    assert simulator.last.text.startswith(NO_ONE)
    assert simulator.ended is None and simulator.dialled == []
    assert "担当者とお話し" not in simulator.transcript


def test_zero_at_the_pin_then_the_pin_signs_in(call, town):
    simulator = call(YAMADA_PHONE)
    simulator.press("0")
    assert simulator.last.text.startswith(NO_ONE)
    simulator.press(town.yamada.pin)
    assert simulator.last.text.endswith(MAIN_MENU)
    assert phone_call(simulator).resident_id == town.yamada.id


def test_zero_at_the_date_keeps_the_facility_chosen_and_the_booking_goes_through(call, town):
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):  # by date, 体育館, 町民体育館の全面
        simulator.press(key)
    assert simulator.last.text.endswith(DATE_PROMPT)
    simulator.press("0")
    assert simulator.last.text.startswith(NO_ONE)
    assert simulator.last.text.endswith(DATE_PROMPT)
    simulator.press("1216")
    simulator.press("1")
    assert simulator.ended is None
    (booked,) = reservations()
    assert booked.resident_id == town.yamada.id and str(booked.date) == "2026-12-16"
