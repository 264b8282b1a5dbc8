"""Whole calls, as sequences of signed webhooks through the simulator: book, hear,
cancel, sign-in and lockout, silence, wrong keys, the operator, a slot taken on the web
during the call. Every response is checked by check_twiml on the way (strict)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from limits import parse_many

from channels.phone.models import PhoneCall, PhoneCallEvent
from reservations import notify, services
from reservations.db import db
from reservations.errors import InvalidCredentials
from reservations.models import (
    CANCELLED,
    Notification,
    Reservation,
    Resident,
    SignInFailure,
    SlotClaim,
)
from tests.channels.phone.conftest import (
    OPERATOR,
    SATO_PHONE,
    TAKAHASHI_PHONE,
    UNKNOWN_PHONE,
    YAMADA_PHONE,
)
from tests.channels.web.conftest import Visitor
from tests.factories import at


def reservations() -> list[Reservation]:
    return list(db.session.scalars(sa.select(Reservation).order_by(Reservation.id)))


def phone_call(simulator) -> PhoneCall:
    db.session.expire_all()
    return db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=simulator.sid))


def event_kinds(simulator) -> list[str]:
    call = phone_call(simulator)
    return list(
        db.session.scalars(
            sa.select(PhoneCallEvent.kind).filter_by(call_id=call.id).order_by(PhoneCallEvent.id)
        )
    )


def unit_id(facility_code: str, unit_code: str) -> int:
    facility = next(f for f in services.list_facilities() if f.code == facility_code)
    return next(u.id for u in facility.units if u.code == unit_code)


def block_id(facility_code: str, block_code: str) -> int:
    facility = next(f for f in services.list_facilities() if f.code == facility_code)
    return next(b.id for b in facility.time_blocks if b.code == block_code)


def book_on_the_web(person, day, block="morning", facility="town-gym", unit="whole", now=None):
    return services.book(
        services.Actor.resident(person.id, "web"),
        resident_id=person.id,
        unit_id=unit_id(facility, unit),
        day=day,
        block_ids=[block_id(facility, block)],
        now=now or at(2026, 12, 1, 9, 30),
    )


MAIN_MENU = "早い日のご予約は1、日にちを決めてのご予約は2、確認は3、取り消しは4を押してください。"
KINDS = "体育館は1、公民館の部屋は2、グラウンドは3、テニスコートは4を押してください。"
GYMS = (
    "町民体育館《ちょうみん たいいくかん》の、全面《ぜんめん》は1、"
    "半面A（ステージ側）《ステージがわの はんめん》は2、半面B（入口側）《いりぐちがわの はんめん》は3、"
    "第一小学校体育館（学校開放）《だいいち しょうがっこう たいいくかん》は4を押してください。"
)


def signed_in(call, town, caller=YAMADA_PHONE, pin=None):
    simulator = call(caller)
    simulator.press(pin or town.yamada.pin)
    assert simulator.last.text.endswith(MAIN_MENU)
    return simulator


def grouped(number: str) -> str:
    """A reservation number as the phone reads it: 「1、2、3、4の、5、6、7、8」."""
    return "、".join(number[:4]) + "の、" + "、".join(number[4:])


# ----------------------------------------------------------------------- booking


def test_book_the_soonest_free_block_in_four_decisions(call, town):
    simulator = call(YAMADA_PHONE)
    greeting = simulator.last.text
    # Only what is needed: where the caller is, and a person (one can answer now).
    assert greeting.startswith(
        "お電話ありがとうございます。町予約《まちよやく》です。担当者は0を押してください。"
    )
    assert "オペレーター" not in greeting
    # Caller ID matched one resident: only the PIN is asked, or 2 for someone else.
    assert greeting.endswith("ご登録の方は暗証番号4桁を、別の方は2を押してください。")

    simulator.press(town.yamada.pin)
    assert "山田 ハナ《やまだ はな》様、ご本人の確認ができました。" in simulator.last.text
    simulator.press("1")  # the soonest free block
    # The kind of place first: four kinds, each item before its key, no "other" page.
    assert simulator.last.text == KINDS
    simulator.press("1")  # 体育館
    assert simulator.last.text == GYMS
    simulator.press("1")  # 町民体育館の全面
    offer = simulator.last.text
    # 1 December at 10:00: the next free block is tomorrow morning, past the 3-day
    # cancellation deadline: said in the offer itself, before booking.
    assert offer.startswith(
        "12月2日《ふつか》、水曜日、午前9時《くじ》から正午まで、空いています。"
        "使用料は1500円です。この日は取り消しの期限を過ぎていて、予約すると取り消せません。"
    )
    assert offer.endswith("予約する場合は1、次の空きは2、ほかの日は3を押してください。")
    simulator.press("2")
    offer = simulator.last.text
    assert offer.startswith("12月2日《ふつか》、水曜日、午後1時から午後5時まで、空いています。")
    assert "使用料は2000円です。" in offer  # 4 hours: 1500円 × 4/3
    assert reservations() == []

    simulator.press("1")
    [reservation] = reservations()
    assert reservation.channel == "phone" and reservation.resident_id == town.yamada.id
    assert reservation.date == date(2026, 12, 2)
    done = simulator.last
    # Booked inside the payment period: a hold (仮予約) to be paid today.
    assert "仮予約です。12月1日《ついたち》、火曜日までに、窓口で使用料" in done.text
    assert done.text.startswith(
        "承りました。ご予約番号を申し上げます。メモのご用意はよろしいですか。"
    )
    number = grouped(reservation.number)
    assert f"{number}です。もう一度、{number}です。" in done.text
    # A landline gets no SMS: she hears what she can ask for instead.
    assert "予約の控えは、窓口でお渡しできます。" in done.text
    assert "ショートメッセージ" not in done.text
    assert done.text.endswith(
        "もう一度お聞きになる場合は米印《こめじるし》を。お済みでしたら、お電話をお切りください。"
    )
    assert '<Pause length="2"' in done.body  # time to find a pen
    simulator.press("*")  # the number again
    assert f"{number}です。もう一度、{number}です。" in simulator.last.text
    simulator.hang_up()
    assert phone_call(simulator).outcome == "booked"
    assert "booked" in event_kinds(simulator)
    assert db.session.scalars(sa.select(Notification)).all() == []  # a landline: no SMS


def test_the_place_booked_last_time_is_offered_first(call, town):
    book_on_the_web(town.yamada, date(2026, 12, 16), "afternoon", "community-hall", "washitsu")
    simulator = signed_in(call, town)
    simulator.press("1")
    assert simulator.last.text == (
        "前回と同じ、中央公民館《ちゅうおう こうみんかん》、和室（2階・20人）《わしつ》で"
        "よろしければ1、ほかの施設は2を押してください。"
    )
    simulator.press("1")
    assert simulator.last.text.startswith("12月2日《ふつか》、水曜日、午前9時《くじ》から正午まで")
    assert phone_call(simulator).state["unit_id"] == unit_id("community-hall", "washitsu")
    simulator.press("9")
    simulator.press("1")
    simulator.press("2")  # another place
    assert simulator.last.text == KINDS


def test_book_a_typed_date_from_a_mobile_queues_an_sms(call, town):
    simulator = signed_in(call, town, caller=SATO_PHONE, pin=town.sato.pin)
    simulator.press("2")  # by date
    simulator.press("2")  # 公民館の部屋
    assert simulator.last.text == (
        "中央公民館《ちゅうおう こうみんかん》の、会議室（1階・30人）《かいぎしつ》は1、"
        "和室（2階・20人）《わしつ》は2、調理室（2階・24人）《ちょうりしつ》は3を押してください。"
    )
    simulator.press("2")  # 和室
    assert simulator.last.text.startswith("ご希望の日にちを、月と日の4桁で押してください。")
    simulator.press("1216")
    offer = simulator.last.text
    # The date read back first, with its weekday, in the offer.
    assert offer.startswith("12月16日、水曜日、午前9時《くじ》から正午まで、空いています。")
    assert "使用料は400円です。取り消しは、12月13日、日曜日までです。" in offer
    simulator.press("2")  # the next free block: the afternoon of that day
    simulator.press("2")  # the evening
    assert simulator.last.text.startswith("12月16日、水曜日、午後6時から午後9時《くじ》まで")
    simulator.press("1")
    assert "確認のショートメッセージを、携帯電話にお送りします。" in simulator.last.text
    [reservation] = reservations()
    assert (reservation.date, reservation.time_blocks[0].code) == (date(2026, 12, 16), "evening")
    [sms] = db.session.scalars(sa.select(Notification)).all()
    assert (sms.kind, sms.to_phone) == (notify.RESERVATION_BOOKED, SATO_PHONE)
    assert sms.params["number"] == reservation.number


def test_a_typed_date_is_read_back_with_its_weekday_and_its_closing_day_explained(call, town):
    simulator = signed_in(call, town)
    for key in ("2", *"11"):
        simulator.press(key)  # by date, 体育館, 町民体育館の全面
    simulator.press("1207")  # a Monday: the gym's weekly closing day
    assert "12月7日《なのか》、月曜日ですね。その日は休館日です。" in simulator.last.text
    assert simulator.last.text.endswith("12月3日なら、1、2、0、3です。")
    simulator.press("1231")
    assert "その日は年末年始の休館日です。" in simulator.last.text
    simulator.press("0230")
    assert "その日付はありません。" in simulator.last.text
    assert "日にちは4桁です。1月5日なら、0、1、0、5です。" in simulator.last.text
    simulator.press("0302")  # March opens on 1 January
    assert "その日のご予約は、まだ受付を始めていません。" in simulator.last.text
    simulator.press("1202")
    assert simulator.last.text.startswith("12月2日《ふつか》、水曜日、午前9時《くじ》から")


def test_yesterday_typed_is_said_to_have_passed_not_taken_for_next_year(call, town):
    """The finding: 1130 on 1 December became 30 November 2027, read without a year."""
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1130")
    assert "11月30日、月曜日は、もう過ぎています。" in simulator.last.text
    assert phone_call(simulator).node == "book_date"
    simulator.press("0105")  # January: next year's, and said so
    assert simulator.last.text.startswith("来年の1月5日《いつか》、火曜日、")


def test_a_full_day_offers_the_next_free_block(call, town):
    for block in ("morning", "afternoon", "evening"):
        book_on_the_web(town.sato, date(2026, 12, 16), block)
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1216")
    text = simulator.last.text
    assert "12月16日、水曜日ですね。その日は、空いている時間がありません。" in text
    assert text.endswith(
        "キャンセル待ちに登録する場合は1を、ほかの空いている日時をお聞きになる場合は2を押してください。"
    )
    simulator.press("2")
    assert "12月17日、木曜日、午前9時《くじ》から正午まで、空いています。" in simulator.last.text


def test_a_kind_with_one_place_skips_the_place_menu(call, town):
    simulator = signed_in(call, town)
    simulator.press("1")
    simulator.press("5")  # not in this menu
    assert simulator.last.text.startswith("押せるボタンは、1、2、3、4です。")
    simulator.press("3")  # グラウンド: one facility with one unit
    assert phone_call(simulator).node == "book_offer"
    assert phone_call(simulator).state["unit_id"] == unit_id("sports-ground", "field")


def test_the_seniors_club_hears_its_half_fee(call, town):
    simulator = signed_in(call, town, caller=TAKAHASHI_PHONE, pin=town.takahashi.pin)
    for key in ("2", "2", "2", "1"):  # by date, for the club, 公民館の部屋, 会議室
        simulator.press(key)
    simulator.press("1216")
    assert "寿会（老人クラブ）《ことぶきかい》のご予約です。" in simulator.last.text
    assert "減免後の使用料は250円です。" in simulator.last.text


def test_a_slot_taken_on_the_web_during_the_call_is_said_and_the_next_offered(call, town):
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1216")
    assert simulator.last.text.startswith("12月16日、水曜日、午前9時《くじ》から正午まで")
    book_on_the_web(town.sato, date(2026, 12, 16), "morning")  # meanwhile, on the web

    simulator.press("1")
    text = simulator.last.text
    assert "申し訳ありません。その時間は、たった今ほかの方のご予約が入りました。" in text
    assert "12月16日、水曜日、午後1時から午後5時まで、空いています。" in text
    simulator.press("1")
    mine = [r for r in reservations() if r.resident_id == town.yamada.id]
    assert [(r.date, r.time_blocks[0].code) for r in mine] == [(date(2026, 12, 16), "afternoon")]
    assert "refused" in event_kinds(simulator)


def test_a_repeated_confirm_webhook_books_once_and_answers_the_same(call, town):
    simulator = signed_in(call, town)
    for key in ("1", "1", "1"):
        simulator.press(key)
    first = simulator.press("1")
    again = simulator.repeat_last()
    assert again.body == first.body
    assert len(reservations()) == 1
    assert event_kinds(simulator).count("booked") == 1


def test_the_booking_limit_is_the_cores(call, town):
    for offset in range(4):  # gyms: four active reservations per resident
        book_on_the_web(town.yamada, date(2026, 12, 16) + timedelta(days=offset))
    simulator = signed_in(call, town)
    for key in ("1", "1", "1"):  # soonest, the same place as last time, book
        simulator.press(key)
    assert "この種類の施設のご予約は、お一人4件までです。" in simulator.last.text
    assert simulator.last.text.endswith(MAIN_MENU)


# ------------------------------------------------------------------ hear, cancel


def test_hear_upcoming_reservations_read_naturally(call, town):
    first = book_on_the_web(town.yamada, date(2026, 12, 16), "afternoon")
    second = book_on_the_web(
        town.yamada, date(2027, 1, 20), "morning", "community-hall", "washitsu"
    )
    simulator = signed_in(call, town)
    simulator.press("3")
    text = simulator.last.text
    assert "ご予約は2件です。" in text
    assert (
        "1件目。12月16日、水曜日、午後1時から午後5時まで。町民体育館《ちょうみん たいいくかん》、"
        f"全面《ぜんめん》。予約番号、{grouped(first.number)}。"
    ) in text
    assert "2件目。1月20日《はつか》、水曜日、午前9時《くじ》から正午まで。" in text
    assert f"予約番号、{grouped(second.number)}。" in text
    assert text.endswith("お済みでしたら、お電話をお切りください。")
    simulator.press("9")
    assert simulator.last.text == MAIN_MENU
    simulator.hang_up()
    assert phone_call(simulator).outcome == "heard"


def test_a_keybox_bookings_code_is_read_out_when_heard(call, town):
    """The school gym's keybox: the caretaker asks for the booking's code at handover."""
    booked = book_on_the_web(town.yamada, date(2026, 12, 19), "morning", "school-gym", "court")
    assert booked.access_code and len(booked.access_code) == 4
    simulator = signed_in(call, town)
    simulator.press("3")
    digits = "、".join(booked.access_code)
    assert f"鍵の受け取りの番号は、{digits}です。" in simulator.last.text


def test_hear_with_no_reservations(call, town):
    simulator = signed_in(call, town)
    simulator.press("3")
    assert simulator.last.text == f"現在、ご予約はありません。{MAIN_MENU}"


def test_cancel_with_explicit_confirmation(call, town):
    reservation = book_on_the_web(town.yamada, date(2026, 12, 16))
    simulator = signed_in(call, town)
    simulator.press("4")
    assert simulator.last.text == (
        "取り消すご予約をお選びください。12月16日、水曜日、午前9時《くじ》から、"
        "町民体育館《ちょうみん たいいくかん》は1を押してください。"
    )
    simulator.press("1")
    assert (
        "12月16日、水曜日、午前9時《くじ》から正午まで、町民体育館《ちょうみん たいいくかん》、"
        "全面《ぜんめん》のご予約を取り消します。取り消す場合は1を、取り消さない場合は2を"
    ) in simulator.last.text
    assert services.get_reservation(services.Actor.system(), reservation.id).status != CANCELLED
    simulator.press("1")
    assert "ご予約を取り消しました。" in simulator.last.text
    assert simulator.last.text.endswith("お電話をお切りください。")
    db.session.expire_all()
    cancelled = services.get_reservation(services.Actor.system(), reservation.id)
    assert (cancelled.status, cancelled.cancelled_channel) == (CANCELLED, "phone")
    assert db.session.scalars(sa.select(SlotClaim)).all() == []
    repeat = simulator.repeat_last()  # Twilio retries the confirmation
    assert "ご予約を取り消しました。" in repeat.text
    simulator.hang_up()
    assert phone_call(simulator).outcome == "cancelled"


def test_cancel_declined_keeps_the_reservation(call, town):
    reservation = book_on_the_web(town.yamada, date(2026, 12, 16))
    simulator = signed_in(call, town)
    for key in ("4", "1", "2"):
        simulator.press(key)
    assert simulator.last.text == f"取り消しはしていません。{MAIN_MENU}"
    assert services.get_reservation(services.Actor.system(), reservation.id).status != CANCELLED


def test_the_cancel_list_leaves_out_what_can_no_longer_be_cancelled(call, town):
    """The finding: a booking past its deadline was listed, then refused."""
    book_on_the_web(town.yamada, date(2026, 12, 3), now=at(2026, 11, 20, 10))
    later = book_on_the_web(town.yamada, date(2026, 12, 17), now=at(2026, 11, 20, 10))
    simulator = signed_in(call, town)
    simulator.press("4")
    assert "12月3日" not in simulator.last.text
    assert "12月17日、木曜日、午前9時《くじ》から、町民体育館《ちょうみん たいいくかん》は1" in (
        simulator.last.text
    )
    simulator.press("1")
    assert phone_call(simulator).state["reservation_id"] == later.id


def test_nothing_cancellable_is_said_with_where_to_ask(call, town):
    book_on_the_web(town.yamada, date(2026, 12, 3), now=at(2026, 11, 20, 10))
    simulator = signed_in(call, town)
    simulator.press("4")
    assert simulator.last.text == (
        "電話で取り消せるご予約はありません。期限を過ぎたご予約は、窓口でご相談ください。"
        + MAIN_MENU
    )


def test_too_late_to_cancel_states_the_deadline(call, town, clock):
    book_on_the_web(town.yamada, date(2026, 12, 16), now=at(2026, 11, 20, 10))
    simulator = signed_in(call, town)
    simulator.press("4")
    simulator.press("1")
    clock.now = at(2026, 12, 14, 10)  # the deadline passes while the caller listens
    simulator.press("1")
    text = simulator.last.text
    assert (
        "このご予約の取り消しは、12月13日、日曜日まででした。"
        "期限を過ぎたご予約は、窓口でご相談ください。"
    ) in text
    assert "担当者とお話しになる場合は0を、ほかのご用件は9を" in text
    assert reservations()[0].status != CANCELLED
    simulator.press("0")
    assert simulator.dialled == [OPERATOR]


# -------------------------------------------------------------------- sign-in


def test_an_unknown_number_signs_in_with_registration_number_and_pin(call, town):
    simulator = call(UNKNOWN_PHONE)
    assert simulator.last.text.endswith("登録番号、6桁を押してください。")
    wrong_check_digit = town.yamada.registration_no[:5] + str(
        (int(town.yamada.registration_no[5]) + 1) % 10
    )
    simulator.press(wrong_check_digit)
    assert (
        "その番号は、登録番号ではありません。登録番号は、登録証に書いてある6桁の数字です。"
        in simulator.last.text
    )
    simulator.press(town.yamada.registration_no)
    assert simulator.last.text.endswith("暗証番号、4桁を押してください。")
    simulator.press("1111")
    assert (
        "登録番号か暗証番号が違います。登録番号から、もう一度お願いします。" in simulator.last.text
    )
    simulator.press(town.yamada.registration_no + "#")
    simulator.press(town.yamada.pin)
    assert "ご本人の確認ができました。" in simulator.last.text


def test_wrong_pins_warn_then_make_this_line_wait(call, town):
    simulator = call(YAMADA_PHONE)
    simulator.press("9999")
    assert (
        "暗証番号が違います。ご登録の方は暗証番号4桁を、別の方は2を押してください。"
        in simulator.last.text
    )
    assert "あと1回" not in simulator.last.text
    simulator.press("9999")
    assert (
        "暗証番号が違います。あと1回間違えると、この電話からの確認をしばらく止めます。"
        in simulator.last.text
    )
    simulator.press("9999")
    assert (
        "暗証番号の間違いが続いたため、この電話からの確認をしばらく止めています。"
        "午前10時1分以降に、もう一度おかけください。" in simulator.last.text
    )
    # This line waits, even with the right PIN; the resident's other ways in do not,
    # and a clean call from the line is offered a callback (test_sign_in_callback.py).
    again = call(YAMADA_PHONE)
    again.press(town.yamada.pin)
    assert "この電話からの確認は、しばらく止めています。" in (again.last.text)
    assert "ご本人の確認ができました。" not in again.transcript


def test_someone_else_on_a_residents_line_signs_in_with_their_own_number(call, town):
    """A family or a club sharing 山田さん's landline: 2, then their own registration
    number and PIN; their wrong PINs count against their own number, not 山田さん's."""
    simulator = call(YAMADA_PHONE)
    assert simulator.last.text.endswith("ご登録の方は暗証番号4桁を、別の方は2を押してください。")
    simulator.press("2#")
    assert simulator.last.text.endswith("登録番号、6桁を押してください。")
    simulator.press(town.takahashi.registration_no)
    simulator.press("9999")
    db.session.rollback()
    [failure] = db.session.scalars(sa.select(SignInFailure)).all()
    assert failure.account == f"resident:{town.takahashi.registration_no}"
    simulator.press(town.takahashi.registration_no + "#")
    simulator.press(town.takahashi.pin)
    assert "高橋" in simulator.last.text and "ご本人の確認ができました。" in simulator.last.text


def test_one_call_may_enter_only_so_many_wrong_pins(call, town, phone_app):
    phone_app.extensions["sign_in_limits"].items = parse_many("100 per minute")
    simulator = call(UNKNOWN_PHONE)
    for pin in ("1111", "2222"):
        simulator.press(town.yamada.registration_no)
        simulator.press(pin)
    assert "あと1回間違えると" in simulator.last.text
    simulator.press(town.yamada.registration_no)
    simulator.press("3333")
    assert "暗証番号の間違いが続いたため、この電話での確認を終わります。" in simulator.last.text


def a_number_nobody_holds() -> str:
    """A registration number with a right check digit that no resident holds."""
    held = set(db.session.scalars(sa.select(Resident.registration_no)))
    for n in range(10000, 100000):
        for digit in "0123456789":
            number = f"{n}{digit}"
            if services.has_valid_check_digit(number) and number not in held:
                return number
    raise AssertionError("no free registration number")


def test_a_number_nobody_holds_and_a_locked_account_are_answered_as_a_wrong_pin(call, town):
    """Issue 11: the lock message confirmed that a registration number exists. From
    unknown lines, a number nobody holds, a real one, and a real one locked as a last
    resort (by guesses from many sources) hear the same words at every try, the warning
    before the last and the line's wait included."""
    for source in range(10):
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                services.verify_pin(
                    "web",
                    registration_no=town.yamada.registration_no,
                    pin="9999",
                    source=f"web:{source}",
                    now=services.clock_now(),
                )
    db.session.rollback()
    assert db.session.get(Resident, town.yamada.id).locked_at is not None
    heard = {}
    numbers = {
        "nobody": a_number_nobody_holds(),
        "real": town.sato.registration_no,
        "locked": town.yamada.registration_no,
    }
    for line, (name, number) in enumerate(numbers.items()):
        simulator = call(f"+8115555000{line + 1}")
        for _ in range(3):
            simulator.press(number)
            simulator.press("9998")
        heard[name] = [exchange.text for exchange in simulator.exchanges[1:]]
    assert heard["nobody"] == heard["real"] == heard["locked"], heard
    assert "あと1回間違えると" in " ".join(heard["real"])
    assert "しばらく止めています" in heard["real"][-1]


def test_a_forged_caller_id_cannot_keep_the_resident_from_signing_in(call, town, phone_app):
    """The attack of issue 11: someone who knows 山田さん's phone number calls with it as
    caller ID, and enters wrong PINs until nothing more is taken, call after call. 山田さん
    then signs in on the web, from home, with the right PIN."""
    attacker = call(YAMADA_PHONE)
    for _ in range(3):
        attacker.press("9999")
    for _ in range(2):
        again = call(YAMADA_PHONE)
        again.press("9999")
        assert "しばらく止めています" in again.last.text
    resident = Visitor(phone_app.test_client(), "ja")
    resident.client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    resident.get("/sign-in")
    resident.post(
        "/sign-in", {"registration_no": town.yamada.registration_no, "pin": town.yamada.pin}
    )
    assert resident.path == "/my-reservations"


def test_the_pin_is_never_spoken_stored_or_logged(call, town, caplog):
    simulator = signed_in(call, town)
    simulator.press("3")
    simulator.hang_up()
    assert town.yamada.pin not in simulator.transcript
    assert all(town.yamada.pin not in e.body for e in simulator.exchanges)
    row = phone_call(simulator)
    assert town.yamada.pin not in str(row.state) + (row.response or "")
    assert town.yamada.pin not in caplog.text
    for number in (YAMADA_PHONE, YAMADA_PHONE[3:], "0166-12-3456", "0166123456"):
        assert number not in caplog.text
    assert not hasattr(row, "caller") and row.caller_known is True


# ------------------------------------------------------- silence and wrong keys


def test_silence_repeats_simply_then_offers_a_person_then_transfers(call, town):
    simulator = signed_in(call, town)
    simulator.silence()
    assert simulator.last.text == "早い日は1、日にちは2、確認は3、取り消しは4を押してください。"
    simulator.silence()
    assert simulator.last.text == (
        "担当者とお話しになる場合は0を押してください。"
        "早い日は1、日にちは2、確認は3、取り消しは4を押してください。"
    )
    simulator.silence()
    transfer, after = simulator.exchanges[-2:]
    assert transfer.text.endswith("担当者におつなぎします。そのままお待ちください。")
    assert simulator.dialled == [OPERATOR]
    assert "ただいま担当者が電話に出られません" in after.text  # the simulated counter is busy


def test_silence_after_hours_never_offers_a_person_and_never_hangs_up_silently(call, town, clock):
    clock.now = at(2026, 12, 1, 19)
    simulator = signed_in(call, town)
    assert "担当者" not in simulator.transcript
    simulator.silence()
    simulator.silence()
    assert simulator.last.text.startswith(
        "もう一度お聞きになる場合は米印《こめじるし》を押してください。"
    )
    simulator.silence()  # the third: the hours, and the same question again
    assert simulator.last.text.startswith("ただいま、窓口の受付時間外です。")
    assert simulator.last.text.endswith(
        "早い日は1、日にちは2、確認は3、取り消しは4を押してください。"
    )
    for _ in range(3):
        simulator.silence()
    assert "受付時間内に、もう一度おかけください。お電話ありがとうございました。" in (
        simulator.last.text
    )
    assert simulator.ended == "hangup"
    assert "担当者" not in simulator.transcript


def test_wrong_keys_explain_the_right_ones_and_the_third_goes_to_a_person(call, town):
    simulator = signed_in(call, town)
    simulator.press("7")
    assert simulator.last.text.startswith("押せるボタンは、1、2、3、4です。早い日は1、")
    simulator.press("#")
    assert simulator.last.text.startswith(
        "押せるボタンは、1、2、3、4です。担当者とお話しになる場合は0を押してください。"
    )
    simulator.press("8")
    assert simulator.dialled == [OPERATOR]
    assert event_kinds(simulator).count("invalid_input") == 3


def test_after_a_result_a_second_silence_says_goodbye(call, town):
    simulator = signed_in(call, town)
    simulator.press("3")  # no reservations: back at the menu
    for key in ("1", "1", "1", "1"):
        simulator.press(key)
    assert "ご予約番号を申し上げます" in simulator.last.text
    simulator.silence()
    assert simulator.last.text.endswith(
        "ほかのご用件は9を押してください。お済みでしたら、お電話をお切りください。"
    )
    simulator.silence()
    assert simulator.last.text.endswith("お電話ありがとうございました。")
    assert simulator.ended == "hangup"


# ---------------------------------------------------------------- the operator


def test_operator_during_counter_hours_and_a_person_answers(call, town):
    simulator = call(YAMADA_PHONE, operator_answers=True)
    simulator.press("0")
    assert simulator.dialled == [OPERATOR]
    assert simulator.ended == "hangup"  # after talking, a goodbye
    simulator.hang_up()
    assert phone_call(simulator).outcome == "transferred"


def test_operator_does_not_answer_then_back_where_the_caller_was(call, town):
    simulator = signed_in(call, town)
    simulator.press("1")
    simulator.press("0")
    assert (
        "申し訳ありません。ただいま担当者が電話に出られません。自動受付に戻る場合は1を"
        in simulator.last.text
    )
    simulator.press("1")
    assert simulator.last.text == KINDS


def test_operator_outside_counter_hours_hears_the_hours(call, town, clock):
    clock.now = at(2026, 12, 1, 19)
    simulator = signed_in(call, town)
    simulator.press("0")
    text = simulator.last.text
    assert text.startswith(
        "ただいま、窓口の受付時間外です。窓口の受付時間は、月曜日から金曜日の、"
        "午前8時30分から午後5時15分までです。祝日と年末年始はお休みです。"
    )
    assert text.endswith(MAIN_MENU)
    assert simulator.dialled == []
    simulator.hang_up()
    assert phone_call(simulator).outcome == "abandoned"


def test_zero_at_the_date_after_hours_keeps_the_booking_in_progress(call, town, clock):
    """The finding: 0 at a number prompt after hours ended the call."""
    clock.now = at(2026, 12, 1, 19)
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("0")
    assert simulator.last.text.endswith(
        "ご希望の日にちを、月と日の4桁で押してください。12月3日なら、1、2、0、3です。"
    )
    assert simulator.ended is None
    simulator.press("1216")
    simulator.press("1")
    assert len(reservations()) == 1


def test_the_counter_is_closed_on_holidays(call, town, clock):
    clock.now = at(2026, 11, 23, 10)  # 勤労感謝の日, a Monday
    simulator = call(YAMADA_PHONE)
    simulator.press("0")
    assert "ただいま、窓口の受付時間外です。" in simulator.last.text


# ------------------------------------------------------------ abandoned calls


def test_an_abandoned_call_leaves_no_hold_and_is_counted(call, town):
    simulator = signed_in(call, town)
    for key in ("1", "1", "1"):
        simulator.press(key)
    assert "空いています。" in simulator.last.text
    simulator.hang_up()
    assert reservations() == []
    assert db.session.scalars(sa.select(SlotClaim)).all() == []
    row = phone_call(simulator)
    assert (row.outcome, row.abandoned_at, row.twilio_status) == (
        "abandoned",
        "book_offer",
        "completed",
    )
    assert row.ended_at is not None and row.duration_seconds == 60


def test_status_callbacks_are_idempotent_and_intermediate_ones_ignored(call, town):
    simulator = call(YAMADA_PHONE)
    assert simulator.status_callback("ringing") == 204
    assert phone_call(simulator).ended_at is None
    simulator.status_callback("completed")
    simulator.status_callback("completed")
    assert event_kinds(simulator).count("call_ended") == 1


def test_outcomes_for_the_statistics():
    from channels.phone.calls import outcome_of

    assert outcome_of({"signed_in", "heard", "booked"}) == "booked"
    assert outcome_of({"signed_in", "transferred", "operator_talked"}) == "transferred"
    assert outcome_of({"transferred", "operator_no_answer"}) == "transfer_unanswered"
    assert outcome_of({"transferred", "operator_no_answer", "operator_talked"}) == ("transferred")
    assert outcome_of({"transferred"}) == "transferred"  # hung up while it rang
    assert outcome_of({"sign_in_failed", "locked"}) == "locked"
    assert outcome_of({"no_input", "operator_unavailable", "ended"}) == "unresolved"
    assert outcome_of({"signed_in", "no_input"}) == "abandoned"


def test_long_lists_are_read_three_at_a_time(call, town):
    days = [date(2026, 12, 16) + timedelta(days=n) for n in range(4)]
    for day in days:
        book_on_the_web(town.yamada, day)
    simulator = signed_in(call, town)
    simulator.press("3")
    text = simulator.last.text
    assert "ご予約は4件です。" in text and "3件目。" in text and "4件目。" not in text
    assert text.endswith("続きをお聞きになる場合は1、ほかのご用件は9を押してください。")
    simulator.press("1")
    assert simulator.last.text.startswith("4件目。12月19日、土曜日、")
    assert simulator.last.text.endswith(
        "最初からお聞きになる場合は1、ほかのご用件は9を押してください。"
    )
    simulator.press("1")
    assert simulator.last.text.startswith("ご予約は4件です。1件目。")
    simulator.press("9")
    simulator.press("4")
    # Four fit one menu (no "more" page): each item before its key.
    assert "12月18日、金曜日、午前9時《くじ》から、町民体育館《ちょうみん たいいくかん》は3。" in (
        simulator.last.text
    )
    simulator.press("4")
    assert simulator.last.text.startswith("12月19日、土曜日、午前9時《くじ》から正午まで")


def test_five_items_are_paged_three_and_four_for_the_rest(call, town):
    for n in range(5):
        book_on_the_web(
            town.yamada,
            date(2026, 12, 16) + timedelta(days=n),
            "evening",
            "community-hall",
            "meeting",
        )
    simulator = signed_in(call, town)
    simulator.press("4")
    assert simulator.last.text.endswith("ほかのご予約は4を押してください。")
    simulator.press("4")
    assert simulator.last.text.startswith("取り消すご予約をお選びください。12月19日")
    assert "は2。ほかのご予約は4を押してください。" in simulator.last.text
