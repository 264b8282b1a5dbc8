"""The sign-in callback (issue 11's last phone case): someone who forges 山田さん's own
number as caller ID makes that line's sign-ins wait; 山田さん, calling from the line on
a clean call, is offered a callback to the number on her record, the town places it
through Twilio's Calls API (the local double tests/fake_twilio.py), and she signs in
with the right PIN on it. A callback rings only when the PIN given on the asking call was
right, and the asking call hears the same either way: a forger without the PIN can
neither ring her phone nor spend her callbacks. Callbacks are bounded, their wrong PINs
count, the caller cannot choose the number, a landline several residents share works by
the registration number, and whoever answers can say they did not ask for it. Every
response is checked by check_twiml (strict)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from channels.phone.simulator import FlaskTransport, PhoneSimulator
from reservations.db import db
from reservations.models import AuditEntry, Resident, SignInCallback, SignInFailure
from tests.channels.phone.conftest import BASE_URL, TOKEN, UNKNOWN_PHONE, YAMADA_PHONE
from tests.fake_twilio import FakeTwilio

TOWN_NUMBER = "+81166000000"
OFFER = "ご登録の電話番号に町からおかけして、暗証番号をお伺いできます。"
COMING = "暗証番号が正しければ、まもなく、ご登録の電話番号におかけします。"


@pytest.fixture
def fake_twilio(phone_app):
    fake = FakeTwilio(auth_token=TOKEN).start()
    phone_app.config.update(
        CALL_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake.account_sid,
        TWILIO_CALL_FROM=TOWN_NUMBER,
        TWILIO_API_BASE_URL=fake.url,
    )
    yield fake
    fake.stop()


def forge_the_line(call) -> PhoneSimulator:
    """The attacker: 山田さん's number as caller ID, wrong PINs until the line waits
    (a clean call on a line that already waits is offered the callback at once: the
    attacker hangs up)."""
    attacker = call(YAMADA_PHONE)
    for _ in range(3):
        attacker.press("9999")
        if "しばらく止めています" in attacker.last.text:
            break
    assert "しばらく止めています" in attacker.last.text
    attacker.hang_up()
    return attacker


def ask_for_a_callback(call, town, pin: str | None = None) -> PhoneSimulator:
    """A clean call from 山田さん's line that waits: `pin` (hers by default), then 1."""
    resident = call(YAMADA_PHONE)
    resident.press(pin or town.yamada.pin)
    assert OFFER in resident.last.text
    resident.press("1")
    assert "いったんお電話をお切りください。" in resident.last.text and COMING in resident.last.text
    assert resident.ended == "hangup"
    resident.hang_up()  # the line is free: now the town rings it
    return resident


def answered(phone_app, fake, index: int = -1) -> tuple[PhoneSimulator, dict]:
    placed = fake.calls[index]
    phone = PhoneSimulator(
        FlaskTransport(phone_app),
        public_base_url=BASE_URL,
        auth_token=TOKEN,
        caller=TOWN_NUMBER,
        to=placed["to"],
        call_sid=placed["sid"],
    )
    phone.answer(placed["url"])
    return phone, placed


def audit(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_a_forged_own_line_cannot_keep_the_resident_from_signing_in_by_phone(
    call, town, phone_app, fake_twilio
):
    attacker = forge_the_line(call)
    assert OFFER not in attacker.transcript  # a call with wrong PINs is offered nothing
    ask_for_a_callback(call, town)
    phone, placed = answered(phone_app, fake_twilio)
    assert placed["to"] == YAMADA_PHONE and placed["from"] == TOWN_NUMBER
    assert placed["status_callback"] == f"{BASE_URL}/phone/status"
    assert phone.last.text.startswith(
        "町予約《まちよやく》です。ご依頼により、ご登録の電話番号におかけしました。"
    )
    phone.press(town.yamada.pin)
    assert "ご本人の確認ができました。" in phone.last.text
    db.session.rollback()
    [callback] = db.session.scalars(sa.select(SignInCallback)).all()
    assert (callback.status, callback.call_sid) == ("signed_in", placed["sid"])
    assert len(audit("resident.callback_requested")) == 1


def test_brute_force_stays_impossible_a_wrong_pin_in_the_callback_counts(
    call, town, phone_app, fake_twilio
):
    forge_the_line(call)
    ask_for_a_callback(call, town)
    phone, placed = answered(phone_app, fake_twilio)
    db.session.rollback()
    before = db.session.get(Resident, town.yamada.id).failed_pin_attempts
    phone.press("9999")
    assert "暗証番号が違います。" in phone.last.text
    db.session.rollback()
    failure = db.session.scalar(
        sa.select(SignInFailure).where(SignInFailure.source == f"phone:callback:{placed['sid']}")
    )
    assert failure is not None and failure.failures == 1
    assert db.session.get(Resident, town.yamada.id).failed_pin_attempts == before + 1
    phone.press("9998")
    phone.press("9997")  # the callback's own limits hold: no more PINs on this call
    assert "暗証番号の間違いが続いたため" in phone.last.text
    phone.press(town.yamada.pin)
    assert "ご本人の確認ができました。" not in phone.transcript


def test_a_forger_without_the_pin_cannot_spend_the_residents_callbacks(
    call, town, phone_app, fake_twilio, clock
):
    """Issue 11's test on the phone: from one spoofed caller ID, with her number and
    registration number but not her PIN, the forger asks for callbacks all day; none
    rings, each hears exactly what she hears, and she still signs in from her own line."""
    forge_the_line(call)
    heard = []
    for _ in range(6):  # twice the day's callbacks, each after the gap
        clock.now += timedelta(minutes=6)
        forger = ask_for_a_callback(call, town, pin="1234")
        heard.append(forger.last.text)
        clock.now += timedelta(minutes=1)
        forge_the_line(call)  # and keeps her line waiting
    assert fake_twilio.calls == []  # her phone never rang
    db.session.rollback()
    assert db.session.scalars(sa.select(SignInCallback)).all() == []
    clock.now += timedelta(minutes=6)
    resident = ask_for_a_callback(call, town)
    assert heard == [resident.last.text] * 6  # the same words: no way to test a PIN
    phone, placed = answered(phone_app, fake_twilio)
    assert placed["to"] == YAMADA_PHONE
    phone.press(town.yamada.pin)
    assert "ご本人の確認ができました。" in phone.last.text


def test_callbacks_are_bounded_per_resident(call, town, phone_app, fake_twilio, clock):
    forge_the_line(call)
    ask_for_a_callback(call, town)
    clock.now += timedelta(minutes=1)  # a minute later: the gap (5 minutes) holds
    ask_for_a_callback(call, town)  # told the same, but nothing more rings
    assert len(fake_twilio.calls) == 1
    for _ in range(2):  # the second and third of the day, each after the gap
        clock.now += timedelta(minutes=6)
        forge_the_line(call)
        ask_for_a_callback(call, town)
    clock.now += timedelta(minutes=6)
    forge_the_line(call)
    ask_for_a_callback(call, town)
    assert len(fake_twilio.calls) == 3  # SIGN_IN_CALLBACKS_PER_DAY
    clock.now += timedelta(hours=24)
    forge_the_line(call)
    ask_for_a_callback(call, town)
    assert len(fake_twilio.calls) == 4


def test_the_caller_cannot_choose_the_number_or_take_the_callback(
    call, town, phone_app, fake_twilio
):
    # An unknown line that waits is offered nothing: no number on record to ring.
    stranger = call(UNKNOWN_PHONE)
    for _ in range(3):
        stranger.press(town.yamada.registration_no)
        stranger.press("9999")
    again = call(UNKNOWN_PHONE)
    again.press(town.yamada.registration_no)
    again.press(town.yamada.pin)
    assert OFFER not in again.transcript
    forge_the_line(call)
    resident = call(YAMADA_PHONE)
    resident.press(town.yamada.pin)
    resident.press("1")
    resident.hang_up()
    placed = fake_twilio.calls[-1]
    db.session.rollback()
    assert placed["to"] == db.session.get(Resident, town.yamada.id).phone_e164
    # Another call (not the one placed) that reaches the callback's address is refused.
    impostor = PhoneSimulator(
        FlaskTransport(phone_app),
        public_base_url=BASE_URL,
        auth_token=TOKEN,
        caller=UNKNOWN_PHONE,
    )
    impostor.answer(placed["url"])
    assert "このお電話は、すでに終了しています。" in impostor.last.text
    assert impostor.ended == "hangup"
    # Unsigned, the address answers nothing.
    response = phone_app.test_client().post(placed["url"][len(BASE_URL) :], data={})
    assert response.status_code == 403
    # The real callback still works once, at the registered number.
    phone, _ = answered(phone_app, fake_twilio)
    phone.press(town.yamada.pin)
    assert "ご本人の確認ができました。" in phone.last.text


def test_whoever_answers_can_say_they_did_not_ask_for_it(call, town, phone_app, fake_twilio):
    forge_the_line(call)
    # Someone who learnt her PIN asks for one with the forged number: it rings.
    ask_for_a_callback(call, town)
    phone, _ = answered(phone_app, fake_twilio)
    assert "お心当たりがない場合は2を押してください。" in phone.last.text
    phone.press("2")
    assert "記録して、担当者に伝えます。" in phone.last.text
    assert phone.ended == "hangup"
    [entry] = audit("resident.callback_disowned")
    assert entry.on_behalf_of_id == town.yamada.id or entry.subject.endswith(
        town.yamada.registration_no
    )


def forge_a_shared_line(call, registration_no: str) -> None:
    """The attacker: a landline several residents share as caller ID, one of their
    registration numbers and wrong PINs, until the line waits."""
    attacker = call(YAMADA_PHONE)
    for _ in range(4):
        attacker.press(registration_no)
        attacker.press("9999")
        if "しばらく止めています" in attacker.last.text:
            break
    assert "しばらく止めています" in attacker.last.text
    attacker.hang_up()


def test_a_shared_landline_is_offered_the_callback_by_registration_number(
    call, town, phone_app, fake_twilio
):
    """高橋さん shares 山田さん's landline (both registered with it): the caller ID names
    nobody, so the registration number says whose callback it is."""
    db.session.get(Resident, town.takahashi.id).phone_e164 = YAMADA_PHONE
    db.session.commit()
    forge_a_shared_line(call, town.takahashi.registration_no)
    # 佐藤さん's PIN, right, from a line that is not his registered number: told the
    # same, but nothing rings (the callback rings the calling line's own resident only).
    sato = call(YAMADA_PHONE)
    sato.press(town.sato.registration_no)
    sato.press(town.sato.pin)
    assert OFFER in sato.last.text
    sato.press("1")
    assert COMING in sato.last.text
    sato.hang_up()
    assert fake_twilio.calls == []
    resident = call(YAMADA_PHONE)
    assert "暗証番号4桁を、別の方は2" not in resident.last.text  # no caller-ID hint
    resident.press(town.takahashi.registration_no)
    resident.press(town.takahashi.pin)
    assert OFFER in resident.last.text
    resident.press("1")
    assert COMING in resident.last.text
    resident.hang_up()
    phone, placed = answered(phone_app, fake_twilio)
    assert placed["to"] == YAMADA_PHONE
    phone.press(town.takahashi.pin)
    assert "ご本人の確認ができました。" in phone.last.text
    db.session.rollback()
    [callback] = db.session.scalars(sa.select(SignInCallback)).all()
    assert (callback.resident_id, callback.status) == (town.takahashi.id, "signed_in")
