"""The permit (使用許可書) and receipt (領収書) at the counter: printable once paid, with
what a town's permit says; none before payment."""

from __future__ import annotations

from reservations import services
from tests.channels.counter.conftest import fresh, get_page, post, text_of
from tests.channels.counter.test_holds import hold_for


def paid_hold(clerk, town):
    hold = hold_for(town)
    post(
        clerk,
        f"/counter/reservations/{hold.id}/payment",
        {"status": "paid"},
        form_page=f"/counter/reservations/{hold.id}",
    )
    fresh()
    return services.find_reservation(hold.number)


def test_a_hold_has_no_permit_or_receipt_until_paid(clerk, town):
    hold = hold_for(town)
    page = get_page(clerk, f"/counter/reservations/{hold.id}")
    assert page.find("a", href=f"/counter/reservations/{hold.id}/permit") is None
    get_page(clerk, f"/counter/reservations/{hold.id}/permit", status=404)
    get_page(clerk, f"/counter/reservations/{hold.id}/receipt", status=404)


def test_the_permit_says_what_a_towns_permit_says(clerk, town):
    paid = paid_hold(clerk, town)
    page = get_page(clerk, f"/counter/reservations/{paid.id}")
    assert page.find("a", href=f"/counter/reservations/{paid.id}/permit")
    soup = get_page(clerk, f"/counter/reservations/{paid.id}/permit")
    assert "slip-page" in soup.body["class"]
    assert soup.h1.get_text(strip=True) == "使用許可書"
    text = text_of(soup.find(class_="permit"))
    for expected in (
        paid.permit_number,
        paid.holder_name,
        "町民体育館",
        "令和8年12月16日(水) 午前9時から正午まで",
        "個人利用",
        "1,500円",
        "支払済",
        "使用上の条件",
        "令和8年12月1日(火)",  # issued on the day it was paid
    ):
        assert expected in text, expected


def test_the_receipt_names_the_payer_the_amount_and_who_received_it(clerk, town):
    paid = paid_hold(clerk, town)
    soup = get_page(clerk, f"/counter/reservations/{paid.id}/receipt")
    assert soup.h1.get_text(strip=True) == "領収書"
    text = text_of(soup.find(class_="receipt"))
    for expected in (f"{paid.holder_name} 様", "1,500円", "窓口 一子", "令和8年12月1日(火)"):
        assert expected in text, expected


def test_the_permit_in_english(clerk, town):
    paid = paid_hold(clerk, town)
    clerk.set_cookie("lang", "en")
    text = text_of(get_page(clerk, f"/counter/reservations/{paid.id}/permit"))
    assert "Facility use permit" in text
    assert "Wed 16 Dec 2026, 9:00 am to 12:00 pm" in text
