"""A fee booking on the web is a hold (仮予約): the done page and My reservations say
by when, where and how to pay; once paid, it is confirmed; once expired, it says so."""

from __future__ import annotations

from reservations import services
from tests.channels.web.test_booking import book_through_pages, sign_in
from tests.factories import at


def test_the_done_page_says_by_when_where_and_how_to_pay(visitor, locale, town):
    number = book_through_pages(visitor, town)
    assert services.find_reservation(number).status == services.HELD
    heading = visitor.soup.find("h1").get_text(strip=True)
    assert heading == ("仮予約を承りました" if locale == "ja" else "Provisional booking made")
    hold = visitor.soup.find(class_="panel-warning").get_text(" ", strip=True)
    if locale == "ja":
        assert "仮予約: 2026年12月8日(火)までにお支払いください" in hold
        assert "生涯学習課" in hold and "現金" in hold and number in hold
    else:
        assert "Provisional booking: please pay by Tue 8 December 2026" in hold
        assert "in cash at Midori Town Board of Education" in hold and number in hold


def test_my_reservations_shows_the_hold_and_after_payment_the_booking_confirmed(
    visitor, locale, town
):
    number = book_through_pages(visitor, town)
    visitor.get("/my-reservations")
    card = visitor.soup.find("section", class_="reservation-card").get_text(" ", strip=True)
    assert ("12月9日" if locale == "ja" else "9 Dec") in card  # the hold's due time
    reservation = services.find_reservation(number)
    services.record_payment(
        services.Actor.system(),
        reservation_id=reservation.id,
        status=services.PAID,
        now=at(2026, 12, 2, 10),
    )
    visitor.get("/my-reservations")
    card = visitor.soup.find("section", class_="reservation-card").get_text(" ", strip=True)
    assert ("12月9日" if locale == "ja" else "9 Dec") not in card
    visitor.get(f"/reservations/{reservation.id}/print")
    assert ("本予約（確定）" if locale == "ja" else "Confirmed") in visitor.text


def test_a_hold_cancelled_as_unpaid_is_listed_as_such(visitor, locale, town):
    number = book_through_pages(visitor, town)
    [expired] = services.expire_holds(at(2026, 12, 9))
    assert expired.number == number
    visitor.get("/my-reservations")
    past = visitor.soup.find("table").get_text(" ", strip=True)
    assert number in past
    assert ("未払いのため取消" if locale == "ja" else "Cancelled as unpaid") in past


def test_the_resident_prints_the_permit_and_receipt_once_paid(visitor, locale, town):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    visitor.get(f"/reservations/{reservation.id}/permit", status=404)  # a hold has none yet
    visitor.get("/my-reservations")
    assert visitor.soup.find("a", href=f"/reservations/{reservation.id}/permit") is None
    services.record_payment(
        services.Actor.system(),
        reservation_id=reservation.id,
        status=services.PAID,
        now=at(2026, 12, 2, 10),
    )
    visitor.get("/my-reservations")
    assert visitor.soup.find("a", href=f"/reservations/{reservation.id}/permit")
    assert visitor.soup.find("a", href=f"/reservations/{reservation.id}/receipt")
    visitor.get(f"/reservations/{reservation.id}/permit")
    paid = services.find_reservation(number)
    permit = visitor.soup.find(class_="permit").get_text(" ", strip=True)
    assert paid.permit_number in permit
    assert visitor.h1 == ("使用許可書" if locale == "ja" else "Facility use permit")
    assert ("午前9時から正午まで" if locale == "ja" else "9:00 am to 12:00 pm") in permit
    visitor.get(f"/reservations/{reservation.id}/receipt")
    receipt = visitor.soup.find(class_="receipt").get_text(" ", strip=True)
    assert ("領収書" if locale == "ja" else "Receipt") in receipt
    assert ("円" if locale == "ja" else "¥") in receipt


def test_another_residents_permit_is_not_found(visitor, town):
    other = services.find_residents(town.residents[1].registration_no)[0]
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    theirs = services.book(
        services.Actor.system(),
        resident_id=other.id,
        unit_id=gym.units[0].id,
        day=at(2026, 12, 16).date(),
        block_ids=[gym.time_blocks[0].id],
        now=at(2026, 12, 1, 10),
    )
    services.record_payment(
        services.Actor.system(),
        reservation_id=theirs.id,
        status=services.PAID,
        now=at(2026, 12, 1, 11),
    )
    sign_in(visitor, town.residents[0])
    visitor.get(f"/reservations/{theirs.id}/permit", status=404)
    visitor.get(f"/reservations/{theirs.id}/receipt", status=404)
