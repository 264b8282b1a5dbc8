"""Fuzzing the phone webhooks: every /phone/ route with fuzzed CallSid, From, Digits,
CallStatus, DialCallStatus and the rest, each request signed as Twilio signs it (or,
sometimes, not). A signed request always gets valid TwiML that never ends in silence
(or 204 for the status callback, 400 for a CallSid that is no CallSid) and never
changes the core's tables; an unsigned one gets 403 and changes nothing at all."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.channels.phone.conftest import BASE_URL

from . import strategies as s
from .harness import check_phone_answer, snapshot
from .targets import PHONE_PARAMS, draw_path

KNOWN_SID = "CA" + "1" * 32


@pytest.fixture
def call_in_progress(twilio):
    """A call from 山田 ハナ's number, waiting for her PIN at step 1."""
    params = MultiDict({"CallSid": KNOWN_SID, "From": "+81166123456", "CallStatus": "ringing"})
    assert twilio.post("/phone/voice", params).status_code == 200
    return KNOWN_SID


@pytest.mark.parametrize("endpoint", sorted(PHONE_PARAMS))
@s.fuzz
@given(data=st.data())
def test_phone_webhooks_answer_any_parameters_with_twiml(
    fuzz_app, town, twilio, call_in_progress, endpoint, data, caplog
):
    path = draw_path(data.draw, fuzz_app, endpoint, town, "POST")
    pairs = data.draw(s.form(PHONE_PARAMS[endpoint]))
    if data.draw(st.booleans()):  # a step of the call in progress, so the keys reach a menu
        pairs = [(k, v) for k, v in pairs if k != "CallSid"] + [("CallSid", call_in_progress)]
    signed = data.draw(st.sampled_from([True] * 5 + [False]))
    before = snapshot()
    with caplog.at_level(logging.ERROR, logger="channels.phone"):
        caplog.clear()
        response = twilio.post(path, MultiDict(pairs), signed=signed)
    what = f"POST {path} {pairs!r:.400} signed={signed}"
    check_phone_answer(response, before, what)
    if not signed:  # (an address of no webhook is not found before any signature is read)
        assert response.status_code in (403, 404), what
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"{what}: the channel hid an error behind its apology: {errors}"


@s.fuzz
@given(
    keys=st.lists(
        st.one_of(
            st.text("0123456789*#", max_size=8), s.odd_digits, s.keypad_lookalikes, st.just("")
        ),
        min_size=1,
        max_size=8,
    )
)
def test_a_call_of_random_keys_always_hears_a_question_or_a_goodbye(
    fuzz_app, town, twilio, keys, caplog
):
    """Step after step, as Twilio posts them: whatever is pressed, each answer is TwiML
    the channel's rules accept, and the core's tables stay as they were."""
    sid = "CA" + format(abs(hash(tuple(keys))), "032x")[:32]
    before = snapshot()
    response = twilio.post("/phone/voice", MultiDict({"CallSid": sid, "From": "+81155550000"}))
    check_phone_answer(response, before, "voice")
    for step, digits in enumerate(keys, start=1):
        before = snapshot()
        with caplog.at_level(logging.ERROR, logger="channels.phone"):
            caplog.clear()
            response = twilio.post(
                f"/phone/step/{step}", MultiDict({"CallSid": sid, "Digits": digits})
            )
        check_phone_answer(response, before, f"step {step} Digits={digits!r}")
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], digits
        if b"<Hangup" in response.data or b"<Dial" in response.data:
            break


@s.fuzz
@given(query=s.form(PHONE_PARAMS["phone.fallback"]))
def test_the_fallback_answers_a_get_with_any_query(twilio, query):
    """Twilio may call the Fallback URL with GET: the query is part of the signed URL."""
    # No "?" without a query: the server cannot see an empty one, and Twilio signs the
    # URL as configured (found by a long run: a bare "?" made the signature differ).
    path = "/phone/fallback" + ("?" + urlencode(query) if query else "")
    signature = twilio.validator.compute_signature(BASE_URL + path, {})
    before = snapshot()
    response = twilio.client.get(path, headers={"X-Twilio-Signature": signature})
    check_phone_answer(response, before, f"GET {path:.300}")
    assert response.status_code == 200
