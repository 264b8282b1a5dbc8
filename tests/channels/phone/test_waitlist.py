"""The waitlist (キャンセル待ち) on the phone: a full day offers to wait for a booked
time (which one, when several), the caller's place in line is said; an open offer is
read with its deadline before the reservations in "hear", accepted with 1 or declined
with 2; every answer checked as TwiML by the simulator."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.phone.conftest import NOW
from tests.channels.phone.test_calls import book_on_the_web, event_kinds, phone_call, signed_in
from tests.factories import make_staff

DAY = date(2026, 12, 16)
ASK = (
    "キャンセル待ちに登録する場合は1を、ほかの空いている日時をお聞きになる場合は2を押してください。"
)


def to_full_day(call, town):
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1216")
    return simulator


def test_a_full_day_lets_the_caller_wait_for_the_time_they_choose(call, town):
    for block in ("morning", "afternoon", "evening"):
        book_on_the_web(town.sato, DAY, block)
    simulator = to_full_day(call, town)
    assert simulator.last.text.endswith(ASK)
    simulator.press("1")
    listed = simulator.last.text
    assert listed.startswith("どの時間のキャンセル待ちをしますか。")
    assert "午前9時《くじ》から正午までは1" in listed and "は3を押してください。" in listed
    simulator.press("2")  # the afternoon
    assert simulator.last.text.startswith(
        "キャンセル待ちに登録しました。1番目です。空きが出ましたら、お知らせします。"
    )
    [place] = services.waitlist_of(town.yamada.id, NOW)
    assert place.entry.channel == "phone" and place.entry.time_blocks[0].code == "afternoon"
    assert "waitlist_joined" in event_kinds(simulator)


def test_one_booked_time_is_waited_for_at_once_and_a_second_time_is_refused(call, town):
    book_on_the_web(town.sato, DAY, "morning")
    for block in ("afternoon", "evening"):  # closed to bookings for the test: yamada's own
        services.book(
            services.Actor.resident(town.yamada.id, "web"),
            resident_id=town.yamada.id,
            unit_id=phone_call_unit(),
            day=DAY,
            block_ids=[block_id(block)],
            now=NOW,
        )
    simulator = to_full_day(call, town)
    simulator.press("1")  # only the morning is someone else's
    assert simulator.last.text.startswith("キャンセル待ちに登録しました。1番目です。")
    simulator = to_full_day(call, town)
    simulator.press("1")
    assert "この時間は、すでにキャンセル待ちにお申し込みいただいています。" in simulator.last.text
    assert "refused" in event_kinds(simulator)


def phone_call_unit() -> int:
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return gym.units[0].id


def block_id(code: str) -> int:
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return next(b.id for b in gym.time_blocks if b.code == code)


def offer_to_yamada(town):
    taken = book_on_the_web(town.sato, DAY, "morning")
    services.join_waitlist(
        services.Actor.resident(town.yamada.id, "phone"),
        resident_id=town.yamada.id,
        unit_id=phone_call_unit(),
        day=DAY,
        block_ids=[block_id("morning")],
        now=NOW,
    )
    services.cancel(services.Actor.resident(town.sato.id, "web"), reservation_id=taken.id, now=NOW)
    [entry] = services.offer_freed_slots(NOW)
    return entry


OFFER = "キャンセル待ちの空きをご案内します。12月16日、水曜日、午前9時《くじ》から正午まで。"


def test_an_offer_is_read_with_its_deadline_in_hear_and_accepted_with_1(call, town):
    entry = offer_to_yamada(town)
    simulator = signed_in(call, town)
    simulator.press("3")
    text = simulator.last.text
    assert text.startswith(OFFER)
    assert "お返事の期限は、12月3日《みっか》、木曜日、午前10時です。" in text
    assert text.endswith("お受けになる場合は1を、お断りになる場合は2を押してください。")
    assert phone_call(simulator).node == "waitlist_offer"
    simulator.press("1")
    heard = simulator.last.text
    assert heard.startswith("お受けしました。ご予約をお取りしました。ご予約は1件です。")
    assert "仮予約です。" in heard  # the hold, with its payment
    reservation = services.find_reservation(entry.offer_reservation.number)
    assert reservation.status == services.HELD
    assert services.waitlist_of(town.yamada.id, NOW) == []
    assert "waitlist_accepted" in event_kinds(simulator)


def test_an_offer_declined_with_2_goes_to_the_next_waiter(call, town):
    entry = offer_to_yamada(town)
    simulator = signed_in(call, town)
    simulator.press("3")
    simulator.press("2")
    text = simulator.last.text
    assert text.startswith("お断りしました。次にお待ちの方にご案内します。")
    assert "現在、ご予約はありません。" in text
    reservation = services.find_reservation(entry.offer_reservation.number)
    assert reservation.status == services.CANCELLED


def test_an_offer_answered_elsewhere_meanwhile_is_said_and_the_list_follows(call, town):
    entry = offer_to_yamada(town)
    simulator = signed_in(call, town)
    simulator.press("3")
    services.decline_offer(
        services.Actor.resident(town.yamada.id, "web"), entry_id=entry.id, now=NOW
    )
    simulator.press("1")
    text = simulator.last.text
    assert text.startswith("このご案内には、すでにお返事をいただいています。")
    assert "現在、ご予約はありません。" in text


def test_an_offer_paid_at_the_counter_before_the_call_is_not_read_as_one_to_answer(call, town):
    entry = offer_to_yamada(town)
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=entry.offer_reservation_id,
        status=services.PAID,
        now=NOW,
    )  # the worker has not settled the offer yet
    simulator = signed_in(call, town)
    simulator.press("3")
    text = simulator.last.text
    assert not text.startswith(OFFER) and "お受けになる場合は1を" not in text
    assert phone_call(simulator).node != "waitlist_offer"
    assert "ご予約は1件です。" in text  # read as the booking it now is
