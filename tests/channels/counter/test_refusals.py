"""The refusals a resident can meet, as the clerk at the counter reads them: each
names what the clerk needs to explain (when booking opens or closed, the limit)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import Reservation
from tests.channels.counter.conftest import fresh, post, sign_in, text_of
from tests.channels.counter.test_booking import confirm_url, gym_whole, hana
from tests.factories import at
from tests.pages import check_page

WORDS = {
    "ja": {
        "opens": "2027年1月1日(金) 9:00",
        "closed": "2026年12月3日(木) 0:00",
        "taken": "ほかの方",
    },
    "en": {
        "opens": "Fri 1 January 2027 9:00",
        "closed": "Thu 3 December 2026 12:00 am",
        "taken": "Someone else has just booked",
    },
}


@pytest.fixture(params=["ja", "en"])
def locale(request, client):
    client.set_cookie("lang", request.param)
    return request.param


def refusal(clerk, day, block="morning") -> str:
    _, unit, blocks = gym_whole()
    response = post(clerk, confirm_url(hana(), unit, day, blocks[block]))
    assert response.status_code == 200
    fresh()
    person = hana()
    assert not db.session.scalars(sa.select(Reservation).filter_by(resident_id=person.id)).all()
    return text_of(check_page(response.data).find(class_="error-summary"))


def test_not_open_yet_says_when_booking_opens(locale, clerk):
    assert WORDS[locale]["opens"] in refusal(clerk, date(2027, 3, 10))


def test_booking_closed_says_when_it_closed(locale, client, clock):
    clock.now = at(2026, 12, 3, 8, 0)
    sign_in(client)
    assert WORDS[locale]["closed"] in refusal(client, date(2026, 12, 3), "evening")


def test_a_slot_taken_meanwhile_says_so(locale, clerk):
    _, unit, blocks = gym_whole()
    other = services.find_residents("さとう")[0]
    services.book(
        services.Actor.resident(other.id, "web"),
        resident_id=other.id,
        unit_id=unit.id,
        day=date(2026, 12, 16),
        block_ids=[blocks["morning"]],
        now=at(2026, 12, 1, 9),
    )
    assert WORDS[locale]["taken"] in refusal(clerk, date(2026, 12, 16))
