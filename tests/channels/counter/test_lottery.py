"""The lottery (抽選) at the counter, in Japanese and English: the rounds and where
each stands, and a round's page with its calendar, seed, applications (receipt number,
for whom, choices and results) and the demand per slot, before and after the draw."""

from __future__ import annotations

import pytest

from channels import demo
from reservations import services
from tests.channels.counter.conftest import NOW, fresh, get_page, post
from tests.pages import check_page

CLOSED, OPEN = "town-gym-2027-02", "town-gym-2027-03"


@pytest.fixture(params=["ja", "en"])
def locale(request, clerk):
    clerk.set_cookie("lang", request.param)
    return request.param


@pytest.fixture
def rounds(town):
    return demo.seed_lottery(NOW)


def test_the_rounds_say_where_each_stands(clerk, locale, rounds):
    page = get_page(clerk, "/counter/lottery")
    text = page.get_text(" ", strip=True)
    assert CLOSED in text and OPEN in text
    ready = "抽選できます" if locale == "ja" else "ready to draw"
    taking = "受付中" if locale == "ja" else "Taking applications"
    assert ready in text and taking in text
    assert page.find("a", string="抽選" if locale == "ja" else "Lottery")  # the menu


def test_a_round_lists_its_applications_and_demand_then_the_draw_results(clerk, locale, rounds):
    text = get_page(clerk, f"/counter/lottery/{CLOSED}").get_text(" ", strip=True)
    receipts = [a.receipt_number for a in services.applications_in(CLOSED)]
    assert len(receipts) == len(demo.LOTTERY_APPLICATIONS)
    assert all(receipt in text for receipt in receipts)
    assert "青葉スポーツ少年団" in text and "佐藤 一郎" in text
    assert services.seed_commitment(rounds[0].seed) in text
    services.draw_round(services.Actor.system(), code=CLOSED, now=NOW)
    after = get_page(clerk, f"/counter/lottery/{CLOSED}").get_text(" ", strip=True)
    assert ("当選" if locale == "ja" else "won") in after
    wins = [
        c.reservation.number for a in services.applications_in(CLOSED) for c in a.choices if c.won
    ]
    assert wins and all(number in after for number in wins)


def test_an_unknown_round_is_not_found(clerk, rounds):
    get_page(clerk, "/counter/lottery/nope", status=404)


def _form(town, rank_day="2027-03-06"):
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return {
        "resident": town.residents[0].registration_no,
        "unit_1": str(gym.units[1].id),
        "day_1": rank_day,
        "block_1": str(gym.time_blocks[0].id),
    }


def test_a_clerk_enters_a_paper_application_for_the_resident(clerk, locale, town, rounds):
    response = post(
        clerk,
        f"/counter/lottery/{OPEN}/applications",
        _form(town),
        form_page=f"/counter/lottery/{OPEN}",
    )
    assert response.status_code == 302
    fresh()
    [made] = services.applications_in(OPEN)
    assert made.channel == "counter" and made.created_by_staff_id is not None
    assert made.applied_by.registration_no == town.residents[0].registration_no
    text = get_page(clerk, f"/counter/lottery/{OPEN}").get_text(" ", strip=True)
    assert made.receipt_number in text


def test_a_paper_application_refused_by_the_core_says_why(clerk, locale, town, rounds):
    page = f"/counter/lottery/{OPEN}"
    outside = post(clerk, f"{page}/applications", _form(town, "2027-04-03"), form_page=page)
    assert outside.status_code == 409
    said = check_page(outside.data).select_one(".error-summary").get_text(" ", strip=True)
    assert ("2027年3月" if locale == "ja" else "March 2027") in said
    closed = post(clerk, f"/counter/lottery/{CLOSED}/applications", _form(town), form_page=page)
    assert closed.status_code == 409
    bad = post(clerk, f"{page}/applications", {**_form(town), "day_1": "someday"}, form_page=page)
    assert bad.status_code == 400 and check_page(bad.data).select_one("#day_1") is not None
    fresh()
    assert services.applications_in(OPEN) == []
