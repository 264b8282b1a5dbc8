"""Use records at the counter and for caretakers, through the test client: the day list
with one form per booking, a caretaker limited to their facilities' day lists (and
nothing else of the counter), the keybox code, the no-show rule at the counter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reservations import services
from reservations.db import db
from reservations.models import Reservation
from reservations.settings import NoShowRule
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of
from tests.factories import at

DAY = date(2026, 12, 16)  # a Wednesday: the school gym opens in the evening
ON_THE_DAY = at(2026, 12, 16, 19)
BOOKED_AT = at(2026, 12, 1, 10)


def facility(code):
    return next(f for f in services.list_facilities() if f.code == code)


def book(code, block, resident=None, day=DAY, now=BOOKED_AT):
    resident = resident or services.find_residents("やまだ")[0]
    place = facility(code)
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=place.units[0].id,
        day=day,
        block_ids=[place.time_blocks[block].id],
        now=now,
    )


@pytest.fixture
def caretaker(client):
    sign_in(client, "caretaker", "keybox-round-2026")
    return client


def mark(client, reservation, state, **fields):
    url = f"/counter/use?day={DAY.isoformat()}"
    return post(
        client,
        f"/counter/use/{reservation.id}",
        {"state": state, "day": DAY.isoformat(), **fields},
        form_page=url,
    )


def on_the_day(client, clock, moment=ON_THE_DAY, who=("clerk", "window-desk-2026")):
    """Move the clock to the booking's day and sign in again (the session has idled)."""
    clock.now = moment
    sign_in(client, *who)


CARETAKER = ("caretaker", "keybox-round-2026")


def stored(reservation):
    fresh()
    return db.session.get(Reservation, reservation.id)


def test_the_day_list_marks_one_booking_and_moves_to_the_next(clerk, clock):
    first, second = book("town-gym", 0), book("town-gym", 1)
    on_the_day(clerk, clock, at(2026, 12, 16, 14))
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/use?day={DAY.isoformat()}")
    row = soup.find("tr", id=f"r{first.id}")
    buttons = [b.get_text(strip=True) for b in row.find_all("button")]
    assert buttons == ["Used", "No-show"]
    response = mark(clerk, first, "used", next_row=str(second.id))
    assert response.status_code == 302 and response.location.endswith(f"#r{second.id}")
    assert stored(first).use_state == "used"
    soup = get_page(clerk, response.location)
    assert "recorded as used" in text_of(soup)
    assert not soup.find("tr", id=f"r{first.id}").find("form")
    # Marked twice (an old page): refused, said, nothing changed.
    response = mark(clerk, first, "no_show")
    soup = get_page(clerk, response.location)
    assert "already recorded as used" in text_of(soup)
    assert stored(first).use_state == "used"


def test_a_future_booking_offers_no_mark_and_a_forged_one_is_refused(clerk):
    booked = book("town-gym", 0)
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/use?day={DAY.isoformat()}")
    assert "Not yet" in soup.find("tr", id=f"r{booked.id}").get_text()
    response = mark(clerk, booked, "no_show")
    assert "only once it has started" in text_of(get_page(clerk, response.location))
    assert stored(booked).use_state is None


def test_an_unknown_state_is_refused_in_words(clerk, clock):
    booked = book("town-gym", 0)
    on_the_day(clerk, clock)
    clerk.set_cookie("lang", "en")
    response = mark(clerk, booked, "maybe")
    assert response.status_code == 302
    assert stored(booked).use_state is None


def test_a_caretaker_sees_only_their_day_lists(caretaker, clock):
    at_school = book("school-gym", 2)
    at_gym = book("town-gym", 0)
    on_the_day(caretaker, clock, who=CARETAKER)
    caretaker.set_cookie("lang", "en")
    assert caretaker.get("/counter/").location.endswith("/counter/use")
    soup = get_page(caretaker, f"/counter/use?day={DAY.isoformat()}")
    assert soup.find("tr", id=f"r{at_school.id}") and not soup.find("tr", id=f"r{at_gym.id}")
    nav = text_of(soup.find("nav", class_="counter-nav"))
    assert "Use records" in nav and "Find a resident" not in nav
    other = facility("town-gym").id
    soup = get_page(caretaker, f"/counter/use?day={DAY.isoformat()}&facility={other}", 403)
    assert "not one of yours" in text_of(soup)
    for url in ("/counter/day", "/counter/audit", "/counter/groups", "/counter/residents/new"):
        assert caretaker.get(url).status_code == 403, url
    response = mark(caretaker, at_gym, "used")
    assert "not one of yours" in text_of(get_page(caretaker, response.location))
    assert stored(at_gym).use_state is None


def test_a_caretaker_types_the_keybox_code(caretaker, clock):
    booked = book("school-gym", 2)
    on_the_day(caretaker, clock, who=CARETAKER)
    caretaker.set_cookie("lang", "en")
    soup = get_page(caretaker, f"/counter/use?day={DAY.isoformat()}")
    assert soup.find("label", attrs={"for": f"code-{booked.id}"})
    wrong = "0000" if booked.access_code != "0000" else "1111"
    response = mark(caretaker, booked, "used", access_code=wrong)
    assert "2 more tries" in text_of(get_page(caretaker, response.location))
    mark(caretaker, booked, "used", access_code=booked.access_code)
    assert stored(booked).use_state == "used"


def test_the_slip_shows_the_keybox_code(clerk):
    booked = book("school-gym", 2)
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/reservations/{booked.id}/slip")
    assert f"Keybox code {booked.access_code}" in text_of(soup)


def test_an_admin_names_a_caretakers_facilities(admin):
    admin.set_cookie("lang", "en")
    caretaker = next(s for s in services.list_staff() if s.username == "caretaker")
    hall = facility("community-hall")
    url = f"/counter/staff/{caretaker.id}/facilities"
    soup = get_page(admin, url)
    assert soup.find("input", attrs={"value": str(facility("school-gym").id), "checked": True})
    response = post(admin, url, {"facilities": [str(hall.id)]})
    assert response.status_code == 302
    fresh()
    assert [f.code for f in services.get_staff(caretaker.id).facilities] == ["community-hall"]
    response = post(admin, url, {"facilities": ["999999"]})
    assert response.status_code == 200
    fresh()
    assert [f.code for f in services.get_staff(caretaker.id).facilities] == ["community-hall"]


def test_a_clerk_cannot_name_a_caretakers_facilities(clerk):
    caretaker = next(s for s in services.list_staff() if s.username == "caretaker")
    assert clerk.get(f"/counter/staff/{caretaker.id}/facilities").status_code == 403


def test_statistics_staff_open_nothing_of_the_counter_work(client):
    sign_in(client, "stats", "census-chart-2026")
    assert client.get("/counter/").location.endswith("/counter/statistics")
    for url in ("/counter/use", "/counter/day"):
        assert client.get(url).status_code == 403, url


@pytest.fixture
def rule_on(app):
    app.extensions["reservations"] = replace(
        app.extensions["reservations"], no_shows=NoShowRule(limit=1, months=6, days=30)
    )


def test_the_counter_books_a_paused_resident_with_a_reason(clerk, clock, rule_on):
    hana = services.find_residents("やまだ")[0]
    missed = book("town-gym", 0, resident=hana, day=date(2026, 11, 28), now=at(2026, 11, 1, 10))
    clerk_id = services.verify_staff("clerk", "window-desk-2026", now=clock.now).id
    services.record_use(
        services.Actor.staff(clerk_id),
        reservation_id=missed.id,
        state=services.UseState.NO_SHOW,
        now=at(2026, 11, 28, 12),
    )
    place = facility("town-gym")
    url = (
        f"/counter/residents/{hana.id}/book/confirm?unit={place.units[0].id}"
        f"&day={DAY.isoformat()}&blocks={place.time_blocks[1].id}"
    )
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, url)
    assert "paused for them until" in text_of(soup)
    response = post(clerk, url, {})
    assert response.status_code == 200
    assert "Write why the counter books despite the no-show rule" in response.data.decode()
    response = post(clerk, url, {"restriction_reason": "電話で事情を聞いたため"})
    assert response.status_code == 302
