"""What fuzzing the webhooks found (tests/fuzz/test_phone.py): keys that only look like
digits, a CallSid that is no CallSid, a dial or call status that Twilio never sends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from channels.phone.models import PhoneCall, PhoneCallEvent
from reservations.db import db
from tests.channels.phone.conftest import OPERATOR, UNKNOWN_PHONE
from tests.channels.phone.test_webhooks import PARAMS, call_rows, post_signed


@pytest.mark.parametrize("keys", ["²²²²²²", "١٢٣٤٥٦", "１２３４５６"])
def test_keys_that_only_look_like_digits_are_wrong_keys(call, town, keys):
    """'²' passed str.isdigit() and the check digit's int() raised: an apology and a
    transfer instead of "that number is not right"."""
    simulator = call(UNKNOWN_PHONE)  # asked for the registration number
    simulator.send(simulator.question.action, {"Digits": keys})  # as Twilio posts them
    assert simulator.dialled == []
    assert "登録番号" in simulator.last.text  # asked again, with help


@pytest.mark.parametrize(
    "sid",
    [
        "",
        "CA123",
        "CA" + "g" * 32,
        "CA" + "a" * 33,
        "ＣＡ" + "a" * 32,
        "CA" + "a" * 31 + "\x00",
        "CA" + "a" * 32 + "\n",
    ],
)
def test_a_callsid_that_is_no_callsid_is_refused_and_changes_nothing(phone_app, town, sid):
    response = post_signed(phone_app, "/phone/voice", {**PARAMS, "CallSid": sid})
    assert response.status_code == 400
    assert call_rows() == 0


def test_a_dial_status_twilio_never_sends_is_recorded_as_unknown(phone_app, town):
    post_signed(phone_app, "/phone/voice", PARAMS)
    dialling = post_signed(phone_app, "/phone/step/1", {**PARAMS, "Digits": "0"})
    assert OPERATOR in dialling.get_data(as_text=True)  # put through: the counter is open
    response = post_signed(phone_app, "/phone/step/2", {**PARAMS, "DialCallStatus": "x" * 10_000})
    assert response.status_code == 200
    details = set(
        db.session.scalars(
            sa.select(PhoneCallEvent.detail).where(PhoneCallEvent.kind == "operator_no_answer")
        )
    )
    assert details == {"unknown"}


@pytest.mark.parametrize(
    "duration, kept", [("²", None), ("9" * 5000, None), ("-5", None), ("75", 75)]
)
def test_only_a_real_call_duration_is_kept(call, town, duration, kept):
    simulator = call()
    params = simulator.params({"CallStatus": "completed", "CallDuration": duration})
    response = post_signed(simulator.transport.client.application, "/phone/status", params)
    assert response.status_code == 204
    db.session.rollback()
    row = db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=simulator.sid))
    assert row.ended_at is not None and row.duration_seconds == kept
