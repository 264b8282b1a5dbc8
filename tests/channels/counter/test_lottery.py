"""The lottery (抽選) at the counter, in Japanese and English: the rounds and where
each stands, and a round's page with its calendar, seed, applications (receipt number,
for whom, choices and results) and the demand per slot, before and after the draw."""

from __future__ import annotations

import pytest

from channels import demo
from reservations import services
from tests.channels.counter.conftest import NOW, get_page

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
