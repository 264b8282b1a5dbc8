"""The confirmation SMS: its Japanese wording, and `flask send-notifications` carrying
a phone booking's confirmation to a stand-in of Twilio's API over HTTP."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from channels.phone import sms
from reservations import notify, services
from reservations.db import db
from reservations.models import PENDING, SENT, Notification
from tests.channels.phone.conftest import SATO_PHONE
from tests.fake_twilio import FakeTwilio

PARAMS = {
    "number": "12345674",
    "facility": "町民体育館",
    "unit": "全面",
    "single_unit": False,
    "date": "2026-12-16",
    "start": "09:00",
    "end": "12:00",
    "fee_yen": 1500,
    "cancel_last_day": "2026-12-13",
}


@pytest.mark.parametrize(
    ("kind", "params", "text"),
    [
        (
            notify.RESERVATION_BOOKED,
            PARAMS,
            "【町予約】ご予約を承りました。予約番号12345674 12月16日(水)9:00〜12:00 町民体育館 全面 "
            "取消は12月13日(日)まで",
        ),
        (
            notify.RESERVATION_CHANGED,
            {**PARAMS, "start": "18:00", "end": "21:00"},
            "【町予約】ご予約を変更しました。予約番号12345674 12月16日(水)18:00〜21:00 町民体育館 全面 "
            "取消は12月13日(日)まで",
        ),
        (
            notify.RESERVATION_CANCELLED,
            {**PARAMS, "facility": "町営グラウンド", "single_unit": True},
            "【町予約】ご予約を取り消しました。予約番号12345674 12月16日(水)9:00〜12:00 町営グラウンド",
        ),
        (
            notify.RESERVATION_BOOKED,
            {**PARAMS, "payment_due": "2026-12-08", "due_on_the_day": False},
            "【町予約】仮予約を承りました。予約番号12345674 12月16日(水)9:00〜12:00 町民体育館 全面 "
            "使用料1,500円を12月8日(火)までに窓口でお支払いください",
        ),
        (
            notify.RESERVATION_BOOKED,
            {**PARAMS, "payment_due": "2026-12-16", "due_on_the_day": True},
            "【町予約】仮予約を承りました。予約番号12345674 12月16日(水)9:00〜12:00 町民体育館 全面 "
            "使用料1,500円をご利用の当日、始まる前に窓口でお支払いください",
        ),
        (
            notify.HOLD_REMINDER,
            {**PARAMS, "payment_due": "2026-12-08", "due_on_the_day": False},
            "【町予約】仮予約12345674 12月16日(水)9:00〜12:00 町民体育館 全面 の使用料1,500円は"
            "12月8日(火)までに窓口でお支払いください。未払いの場合は取り消しになります",
        ),
        (
            notify.HOLD_EXPIRED,
            PARAMS,
            "【町予約】お支払いの期限が過ぎたため、仮予約12345674 12月16日(水)9:00〜12:00 "
            "町民体育館 全面 を取り消しました",
        ),
        (
            notify.WAITLIST_CLOSED,
            {k: v for k, v in PARAMS.items() if k != "number"} | {"reason": "limit_reached"},
            "【町予約】キャンセル待ちの12月16日(水)9:00〜12:00 町民体育館 全面 は、"
            "ご予約の上限に達しているためご案内できません。キャンセル待ちを終了しました",
        ),
        (
            notify.WAITLIST_CLOSED,
            {**PARAMS, "reason": "unavailable", "group": "青葉クラブ"},
            "【町予約】キャンセル待ちの12月16日(水)9:00〜12:00 町民体育館 全面（青葉クラブ） は、"
            "その時間は施設を使用できないためご案内できません。キャンセル待ちを終了しました",
        ),
    ],
)
def test_wording(app, kind, params, text):
    assert sms.render(kind, params) == text


def test_a_passed_deadline_is_never_stated(phone_app, clock):
    """The finding: booked on 8 December, the SMS said 「取消は12月6日(日)まで」."""
    from tests.factories import at

    clock.now = at(2026, 12, 8, 10)
    params = {**PARAMS, "date": "2026-12-09", "cancel_last_day": "2026-12-06"}
    assert sms.render(notify.RESERVATION_BOOKED, params) == (
        "【町予約】ご予約を承りました。予約番号12345674 12月9日(水)9:00〜12:00 町民体育館 全面 "
        "取消期限を過ぎているため取消はできません"
    )
    clock.now = at(2026, 12, 6, 23, 59)  # the last day itself: still stated
    assert sms.render(notify.RESERVATION_BOOKED, params).endswith("取消は12月6日(日)まで")


def test_a_soonest_block_booked_by_phone_past_its_deadline_says_so_by_sms(phone_app, town, call):
    simulator = call(SATO_PHONE)
    for key in (town.sato.pin, "1", "1", "1", "1"):  # tomorrow morning: past the deadline
        simulator.press(key)
    [message] = db.session.scalars(sa.select(Notification)).all()
    text = sms.render(message.kind, message.params)
    # A fee booking is now a hold: its SMS asks for payment and states no
    # cancellation deadline at all, so never one that has passed.
    assert text.startswith("【町予約】仮予約を承りました。") and "取消は" not in text


def test_japanese_even_in_an_english_request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert sms.render(notify.RESERVATION_BOOKED, PARAMS).startswith("【町予約】")


def test_in_english_for_a_resident_who_chose_english(app):
    params = {**PARAMS, "language": "en", "facility_en": "Town Gym", "unit_en": "Whole court"}
    with app.test_request_context():
        text = sms.render(notify.RESERVATION_BOOKED, params)
        cancelled = sms.render(notify.RESERVATION_CANCELLED, params)
    assert text.startswith("[Machi Yoyaku] Booked. Reservation 12345674 ")
    assert "Wed 16 Dec 9:00-12:00 Town Gym Whole court" in text
    assert "13 Dec" in text and "月" not in text
    assert cancelled.startswith("[Machi Yoyaku] Your reservation is cancelled.")


def test_a_closed_waitlist_entry_in_english_says_why(app):
    params = {**PARAMS, "language": "en", "facility_en": "Town Gym", "unit_en": "Whole court"}
    with app.test_request_context():
        text = sms.render(notify.WAITLIST_CLOSED, {**params, "reason": "group_not_active"})
    assert text == (
        "[Machi Yoyaku] Your place on the waiting list for Wed 16 Dec 9:00-12:00 Town Gym "
        "Whole court has ended because of your group's registration."
    )


def test_a_booking_by_a_resident_who_chose_english_is_queued_in_english(phone_app, town):
    from reservations import services
    from tests.factories import at

    resident = services.set_preferred_language(
        services.Actor.resident(town.sato.id, "web"),
        resident_id=town.sato.id,
        language="en",
        now=at(2026, 12, 1, 9),
    )
    assert resident.preferred_language == "en"
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    services.book(
        services.Actor.resident(town.sato.id, "web"),
        resident_id=town.sato.id,
        unit_id=gym.units[0].id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=at(2026, 12, 1, 9),
    )
    [queued] = db.session.scalars(sa.select(Notification)).all()
    assert queued.params["language"] == "en"
    assert sms.render(queued.kind, queued.params).startswith("[Machi Yoyaku] ")


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        sms.render("reservation_reminded", PARAMS)


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def test_a_phone_booking_confirmed_by_sms_through_the_command(phone_app, town, call, fake_twilio):
    simulator = call(SATO_PHONE)
    for key in (town.sato.pin, "2", "1", "1", "1216", "1"):
        simulator.press(key)
    [message] = db.session.scalars(sa.select(Notification)).all()
    assert message.status == PENDING
    phone_app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_SMS_FROM="+815012345678",
        TWILIO_API_BASE_URL=fake_twilio.url,
    )
    result = phone_app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying later 0, failed 0" in result.output
    [received] = fake_twilio.received
    assert received.form["To"] == SATO_PHONE
    # The town gym has a fee: the booking is a hold (仮予約), to be paid at the counter.
    assert received.form["Body"] == (
        f"【町予約】仮予約を承りました。予約番号{message.params['number']} 12月16日(水)9:00〜12:00 "
        "町民体育館 全面 使用料1,500円を12月8日(火)までに窓口でお支払いください"
    )
    db.session.expire_all()
    assert db.session.get(Notification, message.id).status == SENT


def test_the_command_refuses_an_incomplete_twilio_setup(phone_app):
    phone_app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID="AC" + "3" * 32,
        TWILIO_SMS_FROM="",
        TWILIO_MESSAGING_SERVICE_SID="",
    )
    result = phone_app.test_cli_runner().invoke(args=["send-notifications"])
    assert result.exit_code != 0
    assert "TWILIO_SMS_FROM" in result.output


def test_an_unknown_backend_stops_the_app(sqlite_template, tmp_path):
    from channels import create_app
    from tests.conftest import app_config, fresh_sqlite_url

    with pytest.raises(RuntimeError, match="SMS_BACKEND"):
        create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path), SMS_BACKEND="email"))


def test_in_easy_japanese_for_a_resident_who_chose_it(app):
    """やさしい日本語: short sentences, everyday words, times as 午前9時."""
    params = {**PARAMS, "language": "ja@easy"}
    with app.test_request_context():
        booked = sms.render(notify.RESERVATION_BOOKED, params)
        cancelled = sms.render(notify.RESERVATION_CANCELLED, params)
    assert booked == (
        "【町予約】予約ができました。予約番号12345674 12月16日(水) 午前9時から正午まで "
        "町民体育館 全面。取り消せるのは12月13日(日)までです"
    )
    assert cancelled == (
        "【町予約】予約を取り消しました。予約番号12345674 12月16日(水) 午前9時から正午まで "
        "町民体育館 全面"
    )


def test_every_sms_has_its_easy_japanese_wording():
    """The phone's voice stays Japanese; its SMS messages are in easy Japanese too."""
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    from channels.i18n import KEYWORDS, catalog_dir

    wanted = {m for _, m, _, _ in extract_from_file("python", sms.__file__, keywords=KEYWORDS)}
    po = catalog_dir("phone") / "ja@easy" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        easy = {m.id: m.string for m in read_po(handle) if m.id}
    assert wanted and all(easy.get(message) for message in wanted)
    assert all(easy[message] != message for message in wanted if "【" in message)


@pytest.mark.parametrize(
    ("language", "wins", "text"),
    [
        (
            "ja",
            [{**PARAMS, "payment_due": "2027-01-20"}],
            "【町予約】抽選の結果、受付番号L0001で当選しました: 12月16日(水)9:00〜12:00 町民体育館 全面"
            "（仮予約12345674、1月20日(水)までに確定とお支払い） 期限までに確定されない場合は取り消しになります",
        ),
        ("ja", [], "【町予約】抽選の結果、受付番号L0001のお申し込みは当選しませんでした"),
        (
            "en",
            [
                {
                    **PARAMS,
                    "payment_due": "2027-01-20",
                    "facility_en": "Town Gym",
                    "unit_en": "Whole",
                }
            ],
            "[Town booking] Lottery result: application L0001 won: Wed 16 Dec 9:00-12:00 Town Gym "
            "Whole (provisional booking 12345674: confirm and pay by Wed 20 Jan) Unless confirmed "
            "by the deadline, it will be cancelled",
        ),
        ("en", [], "[Town booking] Lottery result: application L0001 was not drawn"),
        ("ja@easy", [], "【町予約】抽選の結果です。受付番号L0001は、当たりませんでした"),
        (
            "ja@easy",
            [{**PARAMS, "payment_due": "2027-01-20"}],
            "【町予約】抽選に当たりました。受付番号L0001: 12月16日(水) 午前9時から正午まで 町民体育館 全面"
            "（仮の予約12345674。1月20日(水)までに決めて、払ってください） 期限までに決めないと、取り消しになります",
        ),
    ],
)
def test_the_lottery_result_sms(phone_app, language, wins, text):
    params = {"receipt_number": "L0001", "wins": wins, "language": language}
    assert sms.render(services.LOTTERY_RESULT, params) == text
