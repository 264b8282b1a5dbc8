"""What one phone step costs the database, on both databases (issue 19): a plain menu
step is one statement that leases the call and reads its state (UPDATE ... RETURNING),
one that stores the answer, and one multi-row INSERT of its events when it has any; a
new call is one upsert. The count is asserted so a later change cannot quietly add
statements to every key a caller presses.

Steps that sign in, hear the reservations or book naturally do more: they call the
core, whose own statements are counted by the core's tests. The limit of 3 here is for
a plain menu step (a repeat, a wrong key, silence, the way back to the main menu).
"""

from __future__ import annotations

from channels.phone.simulator import FlaskTransport, PhoneSimulator
from reservations.db import db
from tests.channels.phone.conftest import BASE_URL, TOKEN, UNKNOWN_PHONE, YAMADA_PHONE, seed_town
from tests.statements import counted_statements

PLAIN_STEP_LIMIT = 3


def simulator_for(app, caller: str) -> PhoneSimulator:
    return PhoneSimulator(
        FlaskTransport(app), public_base_url=BASE_URL, auth_token=TOKEN, caller=caller
    )


def kinds(statements: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]).upper() for s in statements]


def test_a_plain_menu_step_is_at_most_three_statements(phone_any_app, clock):
    town = seed_town(clock.now)
    simulator = simulator_for(phone_any_app, YAMADA_PHONE)
    simulator.call()
    simulator.press(town.yamada.pin)  # signing in calls the core: not counted
    assert "ご本人の確認ができました" in simulator.last.text

    with counted_statements() as repeat:
        simulator.press("*")  # the main menu again, in full
    assert "ご予約は1" in simulator.last.text
    # The lease that reads the state, and the answer stored: no event, no other read.
    assert kinds(repeat) == ["UPDATE PHONE_CALLS SET", "UPDATE PHONE_CALLS SET"], repeat

    with counted_statements() as wrong_key:
        simulator.press("8")  # no such task: the help, and an invalid_input event
    assert len(wrong_key) <= PLAIN_STEP_LIMIT, wrong_key
    assert kinds(wrong_key)[-1] == "INSERT INTO PHONE_CALL_EVENTS", wrong_key

    with counted_statements() as silence:
        simulator.silence()
    assert len(silence) <= PLAIN_STEP_LIMIT, silence

    db.session.expire_all()
    simulator.press("4")  # the cancel list reads the resident's reservations (core)
    with counted_statements() as back:
        simulator.press("9")  # back to the main menu
    assert "ご予約は1" in simulator.last.text
    assert len(back) <= PLAIN_STEP_LIMIT, back


def test_a_new_call_is_one_upsert_and_its_repeat_is_replayed(phone_any_app, clock):
    seed_town(clock.now)
    simulator = simulator_for(phone_any_app, UNKNOWN_PHONE)
    with counted_statements() as first:
        greeting = simulator.call()
    # The caller-ID lookup (the core's), then INSERT ... ON CONFLICT DO NOTHING.
    assert len(first) <= 2, first
    assert kinds(first)[-1] == "INSERT INTO PHONE_CALLS", first
    with counted_statements() as again:
        repeated = simulator.repeat_last()  # Twilio's retry of the first webhook
    assert repeated.body == greeting.body
    # The same upsert inserts nothing; one read finds the answer already given.
    assert len(again) <= PLAIN_STEP_LIMIT, again
