"""The booking window on the phone: a caller whose booking closed while they listened
to the offer hears when it closed and that the counter can still help (the web says
the same); a caller whose booking has not opened hears when it opens."""

from __future__ import annotations

from channels.phone.models import PhoneCallEvent
from reservations.db import db
from tests.channels.phone.test_calls import MAIN_MENU, phone_call, reservations, signed_in
from tests.factories import at


def test_booking_closed_during_the_offer_says_when_and_points_to_the_counter(call, town, clock):
    clock.now = at(2026, 12, 2, 23, 58)  # booking for 3 December closes at midnight
    simulator = signed_in(call, town)
    simulator.press("2")  # by date
    simulator.press("1")  # 体育館
    simulator.press("1")  # 町民体育館の全面
    simulator.press("1203")
    assert simulator.last.text.startswith("12月3日《みっか》、木曜日、午前9時《くじ》から")
    clock.now = at(2026, 12, 3, 0, 0, 30)
    simulator.press("1")
    said = simulator.last.text
    assert (
        "その日のご予約の受付は終了しました。受付は12月2日《ふつか》、水曜日まででした。"
        "窓口の担当者へのご相談は0を押してください。"
    ) in said
    assert said.endswith(MAIN_MENU)  # then the menu, never a hang-up
    assert reservations() == []
    details = db.session.scalars(
        db.select(PhoneCallEvent.detail).filter_by(call_id=phone_call(simulator).id, kind="refused")
    ).all()
    assert details == ["booking_closed"]


def test_a_typed_date_not_open_yet_says_when_booking_opens(call, town):
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)  # by date, 体育館, 町民体育館の全面
    simulator.press("0302")  # March opens on 1 January at 9:00
    assert (
        "3月2日《ふつか》、火曜日ですね。その日のご予約は、まだ受付を始めていません。"
        "1月1日《ついたち》、金曜日、午前9時《くじ》から受け付けます。"
    ) in simulator.last.text
    assert simulator.last.text.endswith("12月3日なら、1、2、0、3です。")


def test_a_typed_date_whose_booking_closed_points_to_the_counter(call, town, clock):
    clock.now = at(2026, 12, 2, 10, 0)  # the morning has started; the rest closed at midnight
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1202")
    assert (
        "その日のご予約の受付は終了しました。受付は12月1日《ついたち》、火曜日まででした。"
        "窓口の担当者へのご相談は0を押してください。"
    ) in simulator.last.text
