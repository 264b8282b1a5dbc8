"""The notification calls' webhooks through Flask's test client: the TwiML a landline
resident hears when they answer (checked by check_twiml, in Japanese, `*` repeats, `0`
a person), accepting a waitlist offer with 1 through the core, the status callback
settling the call, and Twilio's signature required on each; a resident who chose
やさしい日本語 hears the call in it."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from channels.phone.simulator import check_twiml
from reservations import services
from reservations.db import db
from reservations.errors import ErrorCode
from reservations.models import CALLING, SENT, Notification, Reservation
from reservations.services.waitlist_offers import close_entries
from tests.channels.phone.conftest import BASE_URL, NOW, OPERATOR, TOKEN
from tests.factories import block_of, make_facility, make_resident, make_staff, unit_of
from tests.fake_twilio import FakeTwilio

DAY = date(2026, 12, 16)
SID = "CA" + "ab" * 16


@pytest.fixture
def gym(phone_app):
    return make_facility("gym")


def post(app, path, **params):
    params = {"CallSid": SID, "AccountSid": "AC" + "1" * 32, **params}
    signature = RequestValidator(TOKEN).compute_signature(BASE_URL + path, params)
    return app.test_client().post(path, data=params, headers={"X-Twilio-Signature": signature})


def book(resident, gym, block="morning"):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def placed(app, kind):
    """The notification of `kind`, its call placed by the worker (to the Twilio double)."""
    fake = FakeTwilio().start()
    try:
        caller = services.TwilioCaller(
            fake.account_sid, fake.auth_token, from_number="+81501234567", api_base_url=fake.url
        )
        services.place_due_calls(caller, lambda i: (f"{BASE_URL}/phone/notice/{i}", ""), now=NOW)
    finally:
        fake.stop()
    [row] = db.session.scalars(sa.select(Notification).where(Notification.kind == kind))
    return row, fake.calls[0]["sid"]


def twiml_of(response) -> str:
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert check_twiml(body) == []
    return body


@pytest.fixture
def offer(phone_app, gym):
    taken = book(make_resident(phone="090-1111-2222"), gym)
    landline = make_resident(phone="0166-12-3456")
    services.join_waitlist(
        services.Actor.resident(landline.id, "web"),
        resident_id=landline.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    services.cancel(
        services.Actor.resident(taken.booked_by_id, "web"), reservation_id=taken.id, now=NOW
    )
    services.offer_freed_slots(NOW)
    row, sid = placed(phone_app, services.WAITLIST_OFFER)
    return row, sid


def test_an_answered_offer_call_reads_the_offer_and_its_keys(phone_app, offer):
    row, sid = offer
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    assert "キャンセル待ちの空きをご案内します" in body and "12月16日" in body
    assert "お返事の期限は" in body and "お受けになる場合は1を" in body
    assert "担当者とお話しになる場合は0を" in body and 'language="ja-JP"' in body
    assert f"{BASE_URL}/phone/notice/{row.id}/key" in body


def test_star_repeats_the_message(phone_app, offer):
    row, sid = offer
    first = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    again = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="*"))
    assert again == first


def test_one_accepts_the_offer_through_the_core(phone_app, offer):
    row, sid = offer
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="1"))
    assert "お受けしました" in body and "予約番号" in body
    db.session.expire_all()
    reservation = db.session.get(Reservation, row.reservation_id)
    entry = services.waitlist_place(
        services.Actor.system(), services.offer_entry_of(row), services.clock_now()
    ).entry
    assert entry.status == "accepted" and reservation.status in ("held", "confirmed")
    # A second 1 (the call repeated) is told the offer is closed, as on every channel.
    again = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="1"))
    assert "お受けしました" not in again


def test_zero_puts_the_resident_through_to_the_counter(phone_app, offer):
    row, sid = offer
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="0"))
    assert "担当者におつなぎします" in body and OPERATOR in body


def test_silence_says_goodbye_and_a_wrong_key_hears_the_keys(phone_app, offer):
    row, sid = offer
    silent = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits=""))
    assert "お電話ありがとうございました" in silent
    wrong = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="7"))
    assert "押せるボタンは" in wrong


@pytest.mark.parametrize(
    ("setup", "kind", "words"),
    [
        ("book", services.RESERVATION_BOOKED, "ご予約を承りました"),
        ("cancel", services.RESERVATION_CANCELLED, "取り消しになりました"),
    ],
)
def test_confirmations_are_read_out(phone_app, gym, setup, kind, words):
    landline = make_resident(phone="0166-12-3456")
    reservation = book(landline, gym)
    if setup == "cancel":
        admin = services.Actor.staff(make_staff("admin").id)
        services.cancel(admin, reservation_id=reservation.id, by_town=True, reason="修理", now=NOW)
        db.session.execute(
            sa.update(Notification)
            .where(Notification.kind == services.RESERVATION_BOOKED)
            .values(status=SENT)
        )
        db.session.commit()
    row, sid = placed(phone_app, kind)
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    assert words in body and "12月16日" in body


def test_the_status_callback_settles_the_call(phone_app, offer):
    row, sid = offer
    assert (
        post(
            phone_app, f"/phone/notice/{row.id}/status", CallSid=sid, CallStatus="completed"
        ).status_code
        == 204
    )
    db.session.expire_all()
    assert db.session.get(Notification, row.id).status == SENT


def test_a_busy_line_is_rung_again_later(phone_app, offer):
    row, sid = offer
    post(phone_app, f"/phone/notice/{row.id}/status", CallSid=sid, CallStatus="busy")
    db.session.expire_all()
    again = db.session.get(Notification, row.id)
    assert again.status == "pending" and again.last_error == "call:busy"


def test_the_notice_webhooks_check_twilios_signature(phone_app, offer):
    row, sid = offer
    client = phone_app.test_client()
    for path in (
        f"/phone/notice/{row.id}",
        f"/phone/notice/{row.id}/key",
        f"/phone/notice/{row.id}/status",
    ):
        assert client.post(path, data={"CallSid": sid, "Digits": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Notification, row.id).status == CALLING


def test_an_unknown_notification_is_not_found(phone_app):
    assert post(phone_app, "/phone/notice/999").status_code == 404


def test_the_worker_command_places_the_due_call_once(phone_app, gym, clock):
    fake = FakeTwilio().start()
    try:
        phone_app.config.update(
            CALL_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=fake.account_sid,
            TWILIO_AUTH_TOKEN=fake.auth_token,
            TWILIO_CALL_FROM="+81501234567",
            TWILIO_API_BASE_URL=fake.url,
        )
        book(make_resident(phone="0166-12-3456"), gym)
        result = phone_app.test_cli_runner().invoke(args=["worker", "--once"])
        assert "calls placed 1" in result.output, result.output
        again = phone_app.test_cli_runner().invoke(args=["worker", "--once"])
        assert "calls placed 0" in again.output
        [placed] = fake.calls
        row = db.session.scalar(sa.select(Notification))
        assert placed["url"] == f"{BASE_URL}/phone/notice/{row.id}"
        assert placed["status_callback"] == f"{BASE_URL}/phone/notice/{row.id}/status"
    finally:
        fake.stop()


@pytest.mark.parametrize("won", [True, False])
def test_a_lottery_result_is_read_out(phone_app, gym, won):

    landline = make_resident(phone="0166-12-3456")
    reservation = book(landline, gym)
    db.session.execute(sa.update(Notification).values(status=SENT))  # the booking's own call
    resident = db.session.get(services.Resident, landline.id)
    row = services.lottery_message(
        resident, "L0001", [db.session.get(Reservation, reservation.id)] if won else [], NOW
    )
    if won:
        row.params = {
            **row.params,
            "wins": [{**row.params["wins"][0], "payment_due": "2026-12-10"}],
        }
    db.session.commit()
    row, sid = placed(phone_app, services.LOTTERY_RESULT)
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    if won:
        assert "次の枠に当選しました" in body and "12月16日" in body and "予約番号" in body
        assert "木曜日までに、確定とお支払いをお願いします" in body  # 12月10日(木)
    else:
        assert "当選しませんでした" in body
    assert "担当者とお話しになる場合は0を" in body
    again = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="*"))
    assert again == body


def test_a_closed_waitlist_entry_is_read_out_with_its_reason(phone_app, gym):
    """A landline waiter the core passed over (their one booking now fills their cap)
    hears which time, why, and that the waiting ended: no key answers anything."""
    taken = book(make_resident(phone="090-1111-2222"), gym)
    landline = make_resident(phone="0166-12-3456")
    services.join_waitlist(
        services.Actor.resident(landline.id, "web"),
        resident_id=landline.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    entry = db.session.scalar(sa.select(services.WaitlistEntry))
    db.session.execute(sa.update(Notification).values(status=SENT))  # earlier messages
    close_entries(services.Actor.system(), [entry], ErrorCode.LIMIT_REACHED, NOW)
    db.session.commit()
    row, sid = placed(phone_app, services.WAITLIST_CLOSED)
    assert row.medium == "call" and taken.status != "cancelled"
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    assert "キャンセル待ちをしていた" in body and "12月16日" in body
    assert "ご予約の上限に達しているため" in body and "キャンセル待ちは終了しました" in body
    assert "1を" not in body.partition("キャンセル待ちは終了しました")[2]  # nothing to accept
    again = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="*"))
    assert again == body


def easy_landline():
    """A landline resident who chose やさしい日本語 for their messages (at the counter)."""
    landline = make_resident(phone="0166-12-3456")
    services.set_preferred_language(
        services.Actor.system(), resident_id=landline.id, language="ja@easy", now=NOW
    )
    return landline


def test_a_resident_who_chose_easy_japanese_hears_the_offer_in_easy_japanese(phone_app, gym):
    """Short sentences and everyday words, the same keys, the voice still Japanese."""
    taken = book(make_resident(phone="090-1111-2222"), gym)
    landline = easy_landline()
    services.join_waitlist(
        services.Actor.resident(landline.id, "web"),
        resident_id=landline.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    services.cancel(
        services.Actor.resident(taken.booked_by_id, "web"), reservation_id=taken.id, now=NOW
    )
    services.offer_freed_slots(NOW)
    row, sid = placed(phone_app, services.WAITLIST_OFFER)
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    assert "予約のお知らせです" in body and "キャンセル待ちをしていた時間が、空きました" in body
    assert "12月16日" in body and "までに、返事をしてください" in body
    assert "予約するときは、1を押してください。予約しないときは、2を押してください。" in body
    assert "係の人と話すときは、0を" in body and 'language="ja-JP"' in body
    for keigo in ("ご案内します", "お受けになる", "お話しになる", "お返事"):
        assert keigo not in body
    wrong = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="7"))
    assert "押すことができるボタンは" in wrong
    accepted = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="1"))
    assert "わかりました。予約をしました。" in accepted and "予約の番号は" in accepted
    assert "お電話ありがとうございました" not in accepted and "ありがとうございました" in accepted


def test_a_resident_who_chose_english_hears_the_offer_in_english(phone_app, gym):
    """The English catalog, English dates and times, language en-US; the same keys."""
    taken = book(make_resident(phone="090-1111-2222"), gym)
    landline = make_resident(phone="0166-12-3456")
    services.set_preferred_language(
        services.Actor.system(), resident_id=landline.id, language="en", now=NOW
    )
    services.join_waitlist(
        services.Actor.resident(landline.id, "web"),
        resident_id=landline.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    services.cancel(
        services.Actor.resident(taken.booked_by_id, "web"), reservation_id=taken.id, now=NOW
    )
    services.offer_freed_slots(NOW)
    row, sid = placed(phone_app, services.WAITLIST_OFFER)
    body = twiml_of(post(phone_app, f"/phone/notice/{row.id}", CallSid=sid))
    assert "This is Machi Yoyaku, with news about your reservation." in body
    assert "A time you are waiting for is free: Wednesday 16 December, " in body
    assert gym.name_en in body and "Please answer by " in body
    assert "To accept, press 1. To decline, press 2." in body and "press star" in body
    assert 'language="en-US"' in body and 'language="ja-JP"' not in body
    assert not re.search(r"[ぁ-んァ-ン一-龯]", body)  # no Japanese left for an English voice
    again = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="*"))
    assert again == body
    wrong = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="7"))
    assert 'language="en-US"' in wrong and not re.search(r"[ぁ-んァ-ン一-龯]", wrong)
    accepted = twiml_of(post(phone_app, f"/phone/notice/{row.id}/key", CallSid=sid, Digits="1"))
    assert "You have accepted. The booking is yours." in accepted
    assert "Reservation number " in accepted and 'language="en-US"' in accepted
    assert not re.search(r"[ぁ-んァ-ン一-龯]", accepted)


def test_a_confirmation_call_in_each_residents_language(phone_app, gym):
    """The wording follows each resident's message language: easy Japanese, English
    (in en-US) or Japanese (in ja-JP)."""
    easy = easy_landline()
    english = make_resident(phone="0166-99-8877")
    japanese = make_resident(phone="0166-55-4433")
    services.set_preferred_language(
        services.Actor.system(), resident_id=english.id, language="en", now=NOW
    )
    book(easy, gym)
    book(english, gym, "afternoon")
    book(japanese, gym, "evening")
    fake = FakeTwilio().start()
    try:
        caller = services.TwilioCaller(
            fake.account_sid, fake.auth_token, from_number="+81501234567", api_base_url=fake.url
        )
        services.place_due_calls(caller, lambda i: (f"{BASE_URL}/phone/notice/{i}", ""), now=NOW)
    finally:
        fake.stop()
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.kind == services.RESERVATION_BOOKED)
    ).all()
    assert len(rows) == len(fake.calls) == 3
    said = {
        row.resident_id: twiml_of(
            post(phone_app, f"/phone/notice/{row.id}", CallSid=row.provider_id)
        )
        for row in rows
    }
    assert "予約ができました" in said[easy.id] and "ご予約を承りました" not in said[easy.id]
    assert "Your reservation has been made." in said[english.id]
    assert (
        "Wednesday 16 December, " in said[english.id] and "Reservation number " in said[english.id]
    )
    assert 'language="en-US"' in said[english.id] and 'language="ja-JP"' not in said[english.id]
    assert "ご予約を承りました" in said[japanese.id] and "12月16日" in said[japanese.id]
    assert 'language="ja-JP"' in said[japanese.id] and 'language="en-US"' not in said[japanese.id]
