"""Changing a booking online (issue 17), through the test client in Japanese and
English: from My reservations to another date or time, the fee difference, the same
number, the old slot kept when the new one is taken; every refusal worded and
nothing changed."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.db import db
from reservations.models import Reservation
from tests.channels.web.conftest import NOW
from tests.channels.web.test_booking import block_ids, book_through_pages, gym_whole, sign_in
from tests.factories import at


def reservation(number: str) -> Reservation:
    db.session.expire_all()
    return services.find_reservation(number)


def start_change(visitor, number: str):
    visitor.get("/my-reservations")
    link = next(
        a["href"] for a in visitor.soup.select("a[href$='/change']") if number in a.get_text()
    )
    return visitor.get(link)


def test_a_resident_moves_a_booking_and_it_keeps_its_number(visitor, locale, town):
    number = book_through_pages(visitor, town)  # 16 December, morning
    gym, whole = gym_whole()
    start_change(visitor, number)
    visitor.get(visitor.path + "?date=2026-12-17")
    assert visitor.path.endswith(f"/change/{whole.id}/2026-12-17")
    visitor.post(visitor.path, {"blocks": block_ids(gym, "morning", "afternoon")})
    assert visitor.path.endswith("/change/confirm")
    old = reservation(number).fee_yen
    new = services.quote(
        whole.id, date(2026, 12, 17), block_ids(gym, "morning", "afternoon")
    ).fee.fee_yen
    more = f"{new - old:,}円 多く" if locale == "ja" else f"¥{new - old:,} more"
    assert new > old and more in visitor.text
    visitor.post(visitor.path)
    assert visitor.path.endswith("/booked")
    moved = reservation(number)
    assert moved.date == date(2026, 12, 17) and [b.code for b in moved.time_blocks] == [
        "morning",
        "afternoon",
    ]
    [week] = services.availability(whole.id, date(2026, 12, 16), date(2026, 12, 16), now=NOW)
    assert week.blocks[0].bookable  # the old slot is free for others again


def test_a_new_time_taken_meanwhile_leaves_the_old_one_as_it_was(visitor, locale, town):
    number = book_through_pages(visitor, town)
    gym, whole = gym_whole()
    start_change(visitor, number)
    visitor.get(visitor.path + "?date=2026-12-17")
    day_page = visitor.path
    visitor.post(day_page, {"blocks": block_ids(gym, "evening")})
    other = services.find_residents(town.residents[1].registration_no)[0]
    services.book(
        services.Actor.resident(other.id, "phone"),
        resident_id=other.id,
        unit_id=whole.id,
        day=date(2026, 12, 17),
        block_ids=block_ids(gym, "evening"),
        now=NOW,
    )
    visitor.post(visitor.path)
    assert visitor.path == day_page
    [notice] = visitor.notices()
    assert ("ほかの方" if locale == "ja" else "Someone else") in notice
    kept = reservation(number)
    assert kept.date == date(2026, 12, 16) and kept.is_active


def test_after_the_deadline_the_change_page_sends_to_the_counter(visitor, locale, town, clock):
    number = book_through_pages(visitor, town, day=date(2026, 12, 5))
    clock.now = at(2026, 12, 3, 9)  # the last day to change was 2 December
    visitor.get("/my-reservations")
    assert not [a for a in visitor.soup.select("a[href$='/change']") if number in a.get_text()]
    visitor.get(f"/reservations/{reservation(number).id}/change")
    assert ("窓口" if locale == "ja" else "counter") in visitor.text
    assert visitor.soup.select_one('main a[href="tel:+81166000111"]')


def test_a_paid_booking_moving_to_another_fee_goes_to_the_counter(visitor, locale, town):
    number = book_through_pages(visitor, town)
    services.record_payment(
        services.Actor.system(),
        reservation_id=reservation(number).id,
        status=services.PAID,
        now=NOW,
    )
    gym, whole = gym_whole()
    visitor.get(f"/reservations/{reservation(number).id}/change/{whole.id}/2026-12-17")
    visitor.post(visitor.path, {"blocks": block_ids(gym, "morning", "afternoon")})
    [message] = visitor.error_summary()
    assert ("お支払い済み" if locale == "ja" else "already paid") in message
    assert reservation(number).date == date(2026, 12, 16)


def test_another_residents_booking_or_another_facility_is_not_found(visitor, town):
    number = book_through_pages(visitor, town)
    own = reservation(number)
    hall = next(f for f in services.list_facilities() if f.code == "community-hall")
    visitor.get(f"/reservations/{own.id}/change/{hall.units[0].id}/2026-12-17", status=404)
    other = services.find_residents(town.residents[1].registration_no)[0]
    gym, whole = gym_whole()
    theirs = services.book(
        services.Actor.resident(other.id, "phone"),
        resident_id=other.id,
        unit_id=whole.id,
        day=date(2026, 12, 18),
        block_ids=block_ids(gym, "evening"),
        now=NOW,
    )
    visitor.get(f"/reservations/{theirs.id}/change", status=404)
    visitor.get(f"/reservations/{theirs.id}/change/{whole.id}/2026-12-19", status=404)


def test_a_cancelled_booking_cannot_be_changed(visitor, locale, town):
    number = book_through_pages(visitor, town)
    booked = reservation(number)
    services.cancel(
        services.Actor.resident(booked.resident_id, "web"), reservation_id=booked.id, now=NOW
    )
    visitor.get(f"/reservations/{reservation(number).id}/change")
    assert ("取り消されています" if locale == "ja" else "already been cancelled") in visitor.text


def test_a_tampered_change_form_changes_nothing(visitor, locale, town):
    number = book_through_pages(visitor, town)
    gym, whole = gym_whole()
    visitor.get(f"/reservations/{reservation(number).id}/change/{whole.id}/2026-12-17")
    visitor.post(visitor.path, {"blocks": ["99999", "x"]})
    assert visitor.error_summary()
    visitor.get(f"/reservations/{reservation(number).id}/change/confirm")  # nothing in progress
    assert visitor.path == "/my-reservations" and visitor.notices()
    visitor.get(f"/reservations/{reservation(number).id}/change?date=2026-02-30")
    assert visitor.error_summary()
    assert reservation(number).date == date(2026, 12, 16)


def test_signed_out_the_change_pages_ask_to_sign_in(visitor, town):
    number = book_through_pages(visitor, town)
    visitor.post("/sign-out")
    visitor.get(f"/reservations/{reservation(number).id}/change")
    assert visitor.path == "/sign-in"
    sign_in(visitor, town.residents[0])
