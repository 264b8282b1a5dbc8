"""The webhooks themselves: signatures, the fallback, replays of repeated requests,
a step whose worker died, racing duplicates, unexpected errors."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from channels import create_app
from channels.phone import calls, flow
from channels.phone.models import PhoneCall
from channels.phone.settings import get_phone_settings
from channels.phone.simulator import FlaskTransport, PhoneSimulator, check_twiml
from reservations import services
from reservations.db import db
from reservations.models import Reservation
from tests.channels.phone.conftest import BASE_URL, OPERATOR, TOKEN, YAMADA_PHONE, seed_town
from tests.conftest import app_config
from tests.factories import at

PARAMS = {
    "CallSid": "CA" + "a" * 32,
    "From": YAMADA_PHONE,
    "To": "+81166000000",
    "AccountSid": "AC" + "0" * 32,
    "CallStatus": "ringing",
}


def sign(url: str, params: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def call_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PhoneCall))


# ------------------------------------------------------------------ signatures


def test_a_signed_request_is_answered(phone_app, town):
    client = phone_app.test_client()
    response = client.post(
        "/phone/voice", data=PARAMS, headers=sign(BASE_URL + "/phone/voice", PARAMS)
    )
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert check_twiml(response.data) == []
    assert call_rows() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        sign("http://localhost/phone/voice", PARAMS),  # the URL as this host sees it
        sign(BASE_URL + "/phone/status", PARAMS),  # another webhook's URL
        sign(BASE_URL + "/phone/voice", PARAMS, token="someone-elses-token"),
        sign(BASE_URL + "/phone/voice", {**PARAMS, "From": "+81120000000"}),  # tampered body
    ],
    ids=["none", "empty", "garbage", "host-url", "other-path", "other-token", "tampered"],
)
def test_unsigned_or_wrongly_signed_requests_get_403_and_change_nothing(phone_app, town, headers):
    response = phone_app.test_client().post("/phone/voice", data=PARAMS, headers=headers)
    assert response.status_code == 403
    assert call_rows() == 0


def test_the_raw_query_string_is_part_of_the_signed_url(phone_app, town):
    client = phone_app.test_client()
    url = BASE_URL + "/phone/voice?source=main%20number"
    response = client.post(
        "/phone/voice?source=main%20number", data=PARAMS, headers=sign(url, PARAMS)
    )
    assert response.status_code == 200
    response = client.post("/phone/voice?source=other", data=PARAMS, headers=sign(url, PARAMS))
    assert response.status_code == 403


def test_every_phone_route_checks_the_signature(phone_app, town):
    client = phone_app.test_client()
    for path in ("/phone/voice", "/phone/step/1", "/phone/status", "/phone/fallback"):
        assert client.post(path, data=PARAMS).status_code == 403


def test_without_an_auth_token_nothing_is_accepted(sqlite_template, tmp_path):
    from tests.conftest import fresh_sqlite_url

    app = create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path), TWILIO_AUTH_TOKEN=""))
    with app.app_context():
        response = app.test_client().post(
            "/phone/voice", data=PARAMS, headers=sign(BASE_URL + "/phone/voice", PARAMS, token="")
        )
        assert response.status_code == 403
        db.engine.dispose()


def test_signature_check_off_only_in_development(sqlite_template, tmp_path):
    from tests.conftest import fresh_sqlite_url

    url = fresh_sqlite_url(sqlite_template, tmp_path)
    app = create_app(app_config(url, PHONE_SIGNATURE_CHECK="off"))
    with app.app_context():
        seed_town(at(2026, 12, 1, 10))
        assert app.test_client().post("/phone/voice", data=PARAMS).status_code == 200
        db.engine.dispose()
    with pytest.raises(RuntimeError, match="development only"):
        create_app(
            app_config(
                url,
                PHONE_SIGNATURE_CHECK="off",
                MACHI_ENV="production",
                SECRET_KEY="k9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp",
            )
        )


# -------------------------------------------------------------------- fallback


def post_signed(app, path, params):
    return app.test_client().post(path, data=params, headers=sign(BASE_URL + path, params))


def test_fallback_apologises_and_puts_the_caller_through(phone_app):
    response = post_signed(phone_app, "/phone/fallback", PARAMS)
    assert check_twiml(response.data) == []
    simulator = PhoneSimulator(
        FlaskTransport(phone_app),
        public_base_url=BASE_URL,
        auth_token=TOKEN,
        call_sid=PARAMS["CallSid"],
    )
    simulator.send(BASE_URL + "/phone/fallback", {})
    assert simulator.exchanges[0].text.startswith(
        "申し訳ありません。ただいま自動受付をご利用いただけません。"
    )
    assert simulator.dialled == [OPERATOR]
    assert "ただいま担当者が電話に出られません" in simulator.last.text  # nobody answered
    assert "窓口の受付時間は" in simulator.last.text
    assert simulator.ended == "hangup"
    assert call_rows() == 0  # no database needed


def test_after_a_clerk_talked_the_fallback_only_says_goodbye(phone_app):
    """The finding: the fallback's <Dial> had no action, so after a clerk answered and
    hung up the caller heard that no one could answer and to call in the hours."""
    simulator = PhoneSimulator(
        FlaskTransport(phone_app),
        public_base_url=BASE_URL,
        auth_token=TOKEN,
        call_sid=PARAMS["CallSid"],
        operator_answers=True,
    )
    simulator.send(BASE_URL + "/phone/fallback", {})
    assert '<Dial action="https://yoyaku.example.jp/phone/fallback/dialled"' in (
        simulator.exchanges[0].body
    )
    assert simulator.dialled == [OPERATOR]
    assert simulator.last.text == "お電話ありがとうございました。"
    assert simulator.ended == "hangup"
    assert call_rows() == 0


def test_fallback_outside_hours_says_the_hours(phone_app, clock):
    clock.now = at(2026, 12, 5, 10)  # a Saturday
    simulator = PhoneSimulator(
        FlaskTransport(phone_app), public_base_url=BASE_URL, auth_token=TOKEN
    )
    simulator.send(BASE_URL + "/phone/fallback", {})
    assert "窓口の受付時間は、月曜日から金曜日の" in simulator.last.text
    assert simulator.dialled == [] and simulator.ended == "hangup"


def test_an_unexpected_error_still_reaches_a_person(
    phone_app, town, call, monkeypatch, expected_phone_error, caplog
):
    simulator = call(YAMADA_PHONE)

    def broken(*args, **kwargs):  # fault injection: the database went away
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(services, "verify_pin", broken)
    simulator.press(town.yamada.pin)
    assert simulator.exchanges[-2].text.startswith("申し訳ありません。ただいま自動受付を")
    assert simulator.dialled == [OPERATOR]
    assert "the caller was sent to the counter" in caplog.text


# ------------------------------------------------------------- replays, holds


def test_a_step_of_an_unknown_call_starts_it_properly(phone_app, town):
    response = post_signed(phone_app, "/phone/step/7", {**PARAMS, "Digits": "1"})
    assert "お電話ありがとうございます" in response.get_data(as_text=True)
    assert call_rows() == 1


def test_an_old_step_replays_the_latest_answer(call, town):
    simulator = call(YAMADA_PHONE)
    simulator.press(town.yamada.pin)
    latest = simulator.press("2")
    stale = simulator.exchanges[1]  # the PIN step, sent again much later
    transport = simulator.transport
    status, body = transport.post(
        stale.path,
        stale.params,
        {"X-Twilio-Signature": simulator.sign(BASE_URL + stale.path, stale.params)},
    )
    assert (status, body) == (200, latest.body)


def test_a_duplicate_while_the_first_is_at_work_holds_then_gets_the_answer(call, town, clock):
    simulator = call(YAMADA_PHONE)
    row = db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=simulator.sid))
    assert calls._claim(row.id, 1, clock.now)  # a worker took step 1 ...
    params = {**simulator.params({"Digits": town.yamada.pin})}
    response = post_signed(simulator.transport.client.application, "/phone/step/1", params)
    body = response.get_data(as_text=True)
    assert check_twiml(body) == []
    assert (
        "<Pause" in body and f'<Redirect method="POST">{BASE_URL}/phone/step/1</Redirect>' in body
    )
    # ... and died: after the lease the question is asked again, from the saved state.
    clock.now += calls.STEP_LEASE
    simulator.question = None
    simulator.send(BASE_URL + "/phone/step/1", {})
    assert simulator.last.text.endswith("ご登録の方は暗証番号4桁を、別の方は2を押してください。")
    simulator.press(town.yamada.pin)
    assert "ご本人の確認ができました" in simulator.last.text


def test_racing_duplicates_of_the_confirmation_book_once(phone_any_app, clock):
    app = phone_any_app
    town = seed_town(clock.now)
    simulator = PhoneSimulator(FlaskTransport(app), public_base_url=BASE_URL, auth_token=TOKEN)
    simulator.call()
    for key in (town.yamada.pin, "2", "1", "1", "1216"):
        simulator.press(key)
    assert "空いています。" in simulator.last.text
    url = simulator.question.action
    params = simulator.params({"Digits": "1"})
    headers = {"X-Twilio-Signature": simulator.sign(url, params)}
    path = url[len(BASE_URL) :]
    bodies: list[str] = []
    barrier = threading.Barrier(4)

    def confirm():
        client = app.test_client()
        barrier.wait()
        bodies.append(client.post(path, data=params, headers=headers).get_data(as_text=True))

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    # Each duplicate got the booking, or was asked to hold and come back for it.
    clock.now += timedelta(seconds=1)
    final = post_signed(app, path, params).get_data(as_text=True)
    assert "、".join(reservation.number[:4]) in final
    for body in bodies:
        assert check_twiml(body) == []
        assert body == final or "<Redirect" in body


def test_a_cancel_answered_too_late_and_confirmed_again_is_the_same_cancellation(call, town, clock):
    """The cancel's idempotency key belongs to the question: the caller who confirms
    the question asked again hears that it is cancelled, not that it already was."""
    from tests.channels.phone.test_calls import book_on_the_web

    reservation = book_on_the_web(town.yamada, at(2026, 12, 16).date())
    simulator = call(YAMADA_PHONE)
    for key in (town.yamada.pin, "4", "1"):
        simulator.press(key)
    assert "のご予約を取り消します" in simulator.last.text
    confirm = simulator.question.action
    step = int(confirm.rsplit("/", 1)[1])
    row = db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=simulator.sid))
    assert calls._claim(row.id, step, clock.now)  # a worker took the confirmation, then stalled
    clock.now += calls.STEP_LEASE
    simulator.question = None
    simulator.send(confirm, {})  # Twilio's retry: the question is asked again
    assert "のご予約を取り消します" in simulator.last.text
    stalled = flow.answer(
        flow.Call(simulator.sid, step, row.state, row.resident_id, row.started_at, clock.now),
        simulator.params({"Digits": "1"}),
        get_phone_settings(),
        lambda n: f"{BASE_URL}/phone/step/{n}",
    )
    assert "ご予約を取り消しました" in stalled.xml
    assert not calls._store(row.id, step + 1, stalled, clock.now)
    simulator.press("1")
    assert "ご予約を取り消しました。" in simulator.last.text
    assert "すでに取り消されています" not in simulator.last.text
    db.session.expire_all()
    assert services.get_reservation(services.Actor.system(), reservation.id).status == "cancelled"


def test_an_answer_that_comes_too_late_does_not_replace_the_repeated_question(call, town, clock):
    simulator = call(YAMADA_PHONE)
    for key in (town.yamada.pin, "2", "1", "1", "1216"):
        simulator.press(key)
    confirm = simulator.question.action
    step = int(confirm.rsplit("/", 1)[1])
    row = db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=simulator.sid))
    assert calls._claim(row.id, step, clock.now)  # a worker took the confirmation, then stalled
    clock.now += calls.STEP_LEASE
    simulator.question = None
    simulator.send(confirm, {})  # Twilio's retry: the offer is asked again
    assert "空いています。" in simulator.last.text
    # The stalled worker finally books and tries to store its answer: the question stands.
    late_params = simulator.params({"Digits": "1"})
    stalled = flow.answer(
        flow.Call(simulator.sid, step, row.state, row.resident_id, row.started_at, clock.now),
        late_params,
        get_phone_settings(),
        lambda n: f"{BASE_URL}/phone/step/{n}",
    )
    assert "ご予約番号を申し上げます" in stalled.xml
    assert not calls._store(row.id, step + 1, stalled, clock.now)
    # The caller confirms the summary they heard: the same reservation, found by its key.
    simulator.press("1")
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    assert "、".join(reservation.number[:4]) in simulator.last.text
