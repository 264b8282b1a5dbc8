"""Input the counter met while being fuzzed (tests/fuzz/): each of these was a 500 or
a broken page before."""

from __future__ import annotations

import pytest

from reservations import services
from tests.channels.counter.conftest import NOW, get_page, post, search, text_of
from tests.channels.counter.test_records import book_as, clerk_actor, residents
from tests.pages import check_page


def test_a_residents_page_lists_their_reservations(clerk):
    """The reservations table's macro needs the page's helpers (imported with context)."""
    hana, _ = residents()
    booked = book_as(clerk_actor(), hana)
    soup = get_page(clerk, f"/counter/residents/{hana.id}")
    assert booked.number in text_of(soup)


@pytest.mark.parametrize("staff", ["¹", "１", "9" * 30])
def test_an_odd_staff_filter_is_no_staff_member(clerk, staff):
    get_page(clerk, f"/counter/audit?staff={staff}")
    get_page(clerk, f"/counter/audit.csv?staff={staff}&start=x", status=200)


def test_a_search_longer_than_any_name_says_so(clerk):
    clerk.set_cookie("lang", "en")
    soup = search(clerk, "x" * 100_001)
    summary = soup.find(class_="error-summary")
    assert summary and "at most 100 characters" in text_of(summary)
    assert services.find_residents("x" * 100_001) == []


def test_a_payment_refused_for_a_cancelled_reservation_is_in_the_summary(clerk):
    """The page shows no payment form then: the error must not link to its control."""
    hana, _ = residents()
    booked = book_as(clerk_actor(), hana)
    services.cancel(clerk_actor(), reservation_id=booked.id, now=NOW, reason="test")
    response = post(
        clerk,
        f"/counter/reservations/{booked.id}/payment",
        {"status": "nonesuch"},
        form_page=f"/counter/reservations/{booked.id}",
    )
    assert response.status_code == 400
    soup = check_page(response.data)
    assert soup.find(class_="error-summary") and not soup.find(class_="error-summary").find("a")


@pytest.mark.parametrize(
    "query",
    [
        "unit=99999999999999999999&day=2026-12-16&blocks=1",
        "unit=1&day=2026-12-16&blocks=²",
        "unit=1&day=2026-12-16&blocks=99999999999999999999",
    ],
)
def test_an_odd_slot_in_the_confirm_address_goes_back_to_the_choice(clerk, query):
    hana, _ = residents()
    response = clerk.get(f"/counter/residents/{hana.id}/book/confirm?{query}")
    assert response.status_code == 302
    assert response.location.endswith(f"/counter/residents/{hana.id}/book")


def test_a_name_is_kept_without_control_characters_and_one_of_nothing_else_is_refused(clerk):
    clerk.set_cookie("lang", "en")
    response = post(
        clerk,
        "/counter/residents/new",
        {"name": "\x00\u202e", "name_kana": " \x07", "is_resident": "yes"},
    )
    soup = check_page(response.data)
    assert "Enter the resident's name" in text_of(soup.find(class_="error-summary"))
    response = post(
        clerk,
        "/counter/residents/new",
        {"name": " 的\x00 花子\x1b ", "name_kana": "\u202eまと はなこ", "is_resident": "yes"},
    )
    assert response.status_code == 200
    found = services.find_residents("まとはなこ")
    assert [(r.name, r.name_kana) for r in found] == [("的 花子", "まと はなこ")]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899/12/31", "30000101"])
def test_a_day_sheet_for_a_year_nobody_means_asks_for_a_date(clerk, day):
    """9999-12-31 was a 500: the sheet links to the day after, which does not exist."""
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/day?day={day}")
    assert "Enter a date" in text_of(soup.find(class_="error-summary"))


def test_typed_dates_are_years_1900_to_2999():
    from datetime import date

    from channels.counter.parsing import parse_day

    today = date(2026, 12, 1)
    assert parse_day("2999-12-31", today) == date(2999, 12, 31)
    assert parse_day("12/16", today) == date(2026, 12, 16)
    assert parse_day("9999-12-31", today) is None and parse_day("0001-01-01", today) is None


def test_blocks_sent_for_a_closed_day_get_the_days_closure_not_a_dead_error_link(clerk):
    hana, _ = residents()
    unit = services.list_facilities()[0].units[0]
    soup = get_page(
        clerk,
        f"/counter/residents/{hana.id}/book?unit={unit.id}&day=2026-12-31"
        f"&blocks={unit.facility.time_blocks[0].id}&go=1",
    )  # year-end closure
    assert soup.find(class_="error-summary") is None
    assert soup.find(class_="notice-warning")
