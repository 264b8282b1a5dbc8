"""The lottery (抽選) at the counter, in Japanese and English: the rounds and where
each stands, and a round's page with its calendar, seed, applications (receipt number,
for whom, choices and results) and the demand per slot, before and after the draw."""

from __future__ import annotations

from datetime import date

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


# ------------------------------------------------ the clerk acts for the resident


def _audit_rows(action: str):
    from reservations.db import db
    from reservations.models import AuditEntry

    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)))


def _paper(town):
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    me = services.find_residents(town.residents[0].registration_no)[0]
    return services.apply(
        services.Actor.resident(me.id, "phone"),
        code=OPEN,
        resident_id=me.id,
        choices=[
            services.ChoiceRequest(gym.units[0].id, date(2027, 3, 6), (gym.time_blocks[0].id,))
        ],
        now=NOW,
    )


def test_a_clerk_changes_and_withdraws_an_application_for_the_resident(clerk, locale, town, rounds):
    made = _paper(town)
    page = f"/counter/lottery/applications/{made.receipt_number}"
    round_page = get_page(clerk, f"/counter/lottery/{OPEN}")
    assert round_page.find("a", href=page) is not None
    resident_page = get_page(clerk, f"/counter/residents/{made.applied_by_id}")
    assert resident_page.find("a", href=page) is not None  # the resident's applications
    shown = get_page(clerk, page)
    assert shown.select_one("#unit_1 option[selected]") is not None
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    changed = post(
        clerk,
        f"{page}/change",
        {
            "unit_1": str(gym.units[2].id),
            "day_1": "2027-03-13",
            "block_1": str(gym.time_blocks[1].id),
            "unit_2": str(gym.units[0].id),
            "day_2": "2027-03-06",
            "block_2": str(gym.time_blocks[0].id),
        },
        form_page=page,
    )
    assert changed.status_code == 302
    fresh()
    again = services.get_application(services.Actor.system(), made.receipt_number)
    assert [(c.unit_id, c.date.day) for c in again.choices] == [
        (gym.units[2].id, 13),
        (gym.units[0].id, 6),
    ]
    [row] = _audit_rows("lottery.change")
    assert row.channel == "counter" and row.actor_staff_id is not None
    assert row.on_behalf_of_id == again.applied_by_id
    same = post(clerk, f"{page}/change", {"unit_1": "1", "day_1": "someday"}, form_page=page)
    assert same.status_code == 400
    twice = {
        f"{k}_{r}": v
        for r in (1, 2)
        for k, v in (
            ("unit", str(gym.units[0].id)),
            ("day", "2027-03-06"),
            ("block", str(gym.time_blocks[0].id)),
        )
    }
    refused = post(clerk, f"{page}/change", twice, form_page=page)
    assert refused.status_code == 409
    said = check_page(refused.data).select_one(".error-summary").get_text(" ", strip=True)
    assert ("同じ" if locale == "ja" else "twice") in said
    gone = post(clerk, f"{page}/withdraw", {}, form_page=page)
    assert gone.status_code == 302
    fresh()
    assert (
        services.get_application(services.Actor.system(), made.receipt_number).status == "withdrawn"
    )
    [row] = _audit_rows("lottery.withdraw")
    assert row.actor_staff_id is not None and row.on_behalf_of_id == again.applied_by_id
    after = get_page(clerk, page)
    assert after.find("form", action=f"{page}/withdraw") is None


def test_a_clerk_confirms_and_declines_wins_for_the_resident(clerk, locale, town, rounds):
    services.draw_round(services.Actor.system(), code=CLOSED, now=NOW)
    fresh()
    wins = [(a, c) for a in services.applications_in(CLOSED) for c in a.choices if c.won]
    assert len(wins) >= 2
    (first, won), (second, other) = wins[0], wins[1]
    page = f"/counter/lottery/applications/{first.receipt_number}"
    confirmed = post(clerk, f"{page}/choices/{won.id}/confirm", {}, form_page=page)
    assert confirmed.status_code == 302
    fresh()
    [row] = _audit_rows("lottery.confirm")
    assert row.actor_staff_id is not None
    assert row.on_behalf_of_id == (first.resident_id or first.applied_by_id)
    again = post(clerk, f"{page}/choices/{won.id}/decline", {}, form_page=page)
    assert again.status_code == 409
    said = check_page(again.data).select_one(".error-summary").get_text(" ", strip=True)
    assert ("すでに" if locale == "ja" else "already") in said
    other_page = f"/counter/lottery/applications/{second.receipt_number}"
    # A choice of another application is not found through this one.
    assert post(clerk, f"{page}/choices/{other.id}/decline", {}, form_page=page).status_code == 404
    declined = post(clerk, f"{other_page}/choices/{other.id}/decline", {}, form_page=other_page)
    assert declined.status_code == 302
    fresh()
    [row] = _audit_rows("lottery.decline")
    assert row.actor_staff_id is not None
    assert row.on_behalf_of_id == (second.resident_id or second.applied_by_id)
    text = get_page(clerk, other_page).get_text(" ", strip=True)
    assert ("辞退" if locale == "ja" else "declined") in text


def test_an_unknown_receipt_is_not_found_at_the_counter(clerk, rounds):
    get_page(clerk, "/counter/lottery/applications/0000000", status=404)
    get_page(clerk, "/counter/lottery/applications/abc", status=404)
