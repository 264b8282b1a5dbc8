"""The counter's call list through Flask's test client: residents whom no SMS and no
call reaches, with what to tell them, printable, and the clerk's record of each call."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from reservations import services
from tests.channels.counter.conftest import NOW, fresh, get_page, post, text_of
from tests.factories import make_resident
from tests.pages import check_page

DAY = date(2026, 12, 16)


@pytest.fixture(params=["ja", "en"])
def locale(request, clerk):
    clerk.set_cookie("lang", request.param)
    return request.param


def _no_phone_booking(town):
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    resident = make_resident("電話 なし", kana="でんわ なし")
    reservation = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=gym.units[0].id,
        day=DAY,
        block_ids=[gym.time_blocks[0].id],
        now=NOW,
    )
    return resident, reservation


def test_the_call_list_says_whom_to_phone_and_what_to_tell_them(clerk, locale, town):
    resident, reservation = _no_phone_booking(town)
    soup = get_page(clerk, "/counter/calls")
    assert "slip-page" in soup.body["class"]
    [row] = soup.find("tbody").find_all("tr")
    text = text_of(row)
    assert resident.name in text and reservation.number in text  # the message itself
    assert ("電話番号がありません" if locale == "ja" else "No phone number") in text
    done = post(clerk, row.find("form")["action"], form_page="/counter/calls")
    assert done.status_code == 302
    fresh()
    after = get_page(clerk, "/counter/calls")
    assert after.find("tbody") is None
    again = post(clerk, row.find("form")["action"], form_page="/counter/calls")
    assert again.status_code == 302  # a second click: said, nothing recorded twice
    page = BeautifulSoup(clerk.get(again.location).data, "html.parser")
    assert ("記録済み" if locale == "ja" else "had already recorded") in text_of(page)


def test_recording_an_unknown_call_is_said_in_the_error_summary(clerk, town):
    response = post(clerk, "/counter/calls/99999/done", form_page="/counter/calls")
    assert response.status_code == 404
    assert check_page(response.data).find(class_="error-summary")


def test_a_caretaker_cannot_open_the_call_list(client, town):
    from tests.channels.counter.conftest import sign_in

    caretaker = next(s for s in town.staff if s.role == "caretaker")
    sign_in(client, caretaker.username, caretaker.password)
    assert client.get("/counter/calls").status_code in (302, 403)


def test_a_lottery_result_is_on_the_call_list(clerk, town):
    from reservations.db import db, write_transaction

    resident = make_resident("抽選 電話なし", kana="ちゅうせん でんわなし")
    with write_transaction():
        services.lottery_message(db.session.get(services.Resident, resident.id), "L0042", [], NOW)
    fresh()
    [row] = get_page(clerk, "/counter/calls").find("tbody").find_all("tr")
    text = text_of(row)
    assert resident.name in text and "受付番号L0042のお申し込みは当選しませんでした" in text
