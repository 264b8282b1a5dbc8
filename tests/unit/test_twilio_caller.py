"""TwilioCaller: outbound calls through the official client, to the local stand-in of
Twilio's REST API (tests/fake_twilio.py) on a real port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reservations import notify
from tests.fake_twilio import FakeTwilio

TOWN_NUMBER = "+81501234567"
LANDLINE = "+81312345678"
TWIML = "https://town.example/phone/notice/7"
STATUS = "https://town.example/phone/notice/7/status"


@pytest.fixture
def fake():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def caller(fake: FakeTwilio) -> notify.TwilioCaller:
    return notify.TwilioCaller(
        fake.account_sid, fake.auth_token, from_number=TOWN_NUMBER, api_base_url=fake.url
    )


def test_a_call_is_placed_with_our_twiml_and_status_callback(fake):
    sid = caller(fake).place(LANDLINE, TWIML, status_callback=STATUS, ring_seconds=25)
    [request] = fake.received
    assert request.path.endswith(f"/Accounts/{fake.account_sid}/Calls.json")
    assert request.form["To"] == LANDLINE and request.form["From"] == TOWN_NUMBER
    assert request.form["Url"] == TWIML and request.form["StatusCallback"] == STATUS
    assert request.form["StatusCallbackEvent"] == "completed"
    assert request.form["Timeout"] == "25"
    assert sid.startswith("CA") and [c["sid"] for c in fake.calls] == [sid]


def test_an_invalid_number_is_refused_for_good(fake):
    fake.replies.append((400, {"code": 21217, "message": "Invalid To", "status": 400}))
    with pytest.raises(notify.DeliveryError) as refused:
        caller(fake).place(LANDLINE, TWIML)
    assert refused.value.permanent and refused.value.code == "twilio:400:21217"


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_twilio_is_tried_again_later(fake, status):
    fake.replies.append((status, {"code": 20429, "message": "Busy", "status": status}))
    with pytest.raises(notify.DeliveryError) as refused:
        caller(fake).place(LANDLINE, TWIML)
    assert not refused.value.permanent


def test_an_unreachable_twilio_is_tried_again_later():
    fake = FakeTwilio().start()
    url = fake.url
    fake.stop()
    refused_caller = notify.TwilioCaller(
        fake.account_sid, fake.auth_token, from_number=TOWN_NUMBER, api_base_url=url
    )
    with pytest.raises(notify.DeliveryError) as refused:
        refused_caller.place(LANDLINE, TWIML)
    assert not refused.value.permanent and refused.value.code.startswith("network:")


def test_calls_placed_since_a_time_are_listed_newest_first(fake):
    now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    fake.clock = lambda: now - timedelta(hours=1)
    old = caller(fake).place(LANDLINE, TWIML)
    fake.clock = lambda: now
    first = caller(fake).place(LANDLINE, TWIML)
    second = caller(fake).place(LANDLINE, TWIML)
    caller(fake).place("+81612345678", TWIML)  # another number
    assert caller(fake).placed_since(LANDLINE, now) == [second, first]
    assert old in caller(fake).placed_since(LANDLINE, now - timedelta(hours=2))


def test_a_calls_outcome_is_fetched(fake):
    sid = caller(fake).place(LANDLINE, TWIML)
    assert caller(fake).outcome(sid) == "queued"
    fake.set_call_status(sid, "busy")
    assert caller(fake).outcome(sid) == "busy"


@pytest.mark.parametrize(
    ("account_sid", "auth_token", "from_number"),
    [
        ("", "token", TOWN_NUMBER),
        ("AC" + "1" * 32, "", TOWN_NUMBER),
        ("AC" + "1" * 32, "token", ""),
    ],
)
def test_a_caller_needs_an_account_and_a_number(account_sid, auth_token, from_number):
    with pytest.raises(ValueError):
        notify.TwilioCaller(account_sid, auth_token, from_number=from_number)
