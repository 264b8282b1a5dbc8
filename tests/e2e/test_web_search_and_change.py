"""Issue 17's new pages in Chromium: the search by date and changing a booking, with
axe-core in Japanese, English and やさしい日本語 (error states included) and at a phone's width, and
a change of booking made with the keyboard alone."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from reservations import services
from tests.e2e.conftest import (
    E2E_NOW,
    assert_fits,
    assert_names_without_readings,
    assert_no_axe_violations,
)
from tests.e2e.test_web_phones_and_keyboard import Keyboard


def gym(server):
    with server.app.app_context():
        facility = next(f for f in services.list_facilities() if f.code == "town-gym")
        return facility, facility.units[0].id, {b.code: b.id for b in facility.time_blocks}


def booked_for(server, resident_line, day=date(2026, 12, 16), block="morning"):
    facility, whole, blocks = gym(server)
    with server.app.app_context():
        me = services.find_residents(resident_line.registration_no)[0]
        return services.book(
            services.Actor.resident(me.id, "web"),
            resident_id=me.id,
            unit_id=whole,
            day=day,
            block_ids=[blocks[block]],
            now=E2E_NOW,
        ).id


def sign_in(page, server, line) -> None:
    page.goto(server.url + "/sign-in")
    page.fill("#registration_no", line.registration_no)
    page.fill("#pin", line.pin)
    page.locator("main").get_by_role("button").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.mark.parametrize("language", ["ja", "en", "ja@easy"])
def test_the_search_and_change_pages_have_no_axe_violations(page, live_server, language):
    """Japanese and やさしい日本語 at a 320px phone width, English on a desktop."""
    server = live_server
    if language != "ja":
        page.context.add_cookies([{"name": "lang", "value": language, "url": server.url}])
    if language != "en":
        page.set_viewport_size({"width": 320, "height": 640})

    def check(path: str | None = None) -> None:
        if path is not None:
            page.goto(server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", language.split("@")[0])
        assert_no_axe_violations(page)
        if language != "en":
            assert_fits(page)
        if language == "ja@easy":
            assert page.locator("main ruby").count() > 0, page.url
            assert_names_without_readings(page)

    check("/availability")
    check("/availability?date=2026-12-16")
    check("/availability?date=2026-12-16&part=evening&kind=gym&step_free=y")
    check("/availability?date=2026-12-14")  # the gym's closing day: reasons listed
    check("/availability?date=2026-02-30")  # an error state
    expect(page).to_have_title(re.compile("^(エラー:|Error:)"))
    line = server.resident("landline")
    reservation_id = booked_for(server, line)
    sign_in(page, server, line)
    _, whole, blocks = gym(server)
    check(f"/reservations/{reservation_id}/change")
    check(f"/reservations/{reservation_id}/change?date=2026-02-30")  # an error state
    check(f"/reservations/{reservation_id}/change/{whole}/2026-12-17")
    page.locator("main").get_by_role("button").click()  # nothing chosen: an error state
    check()
    page.locator("label[for=blocks-0]").click()
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/change/confirm$"))
    check()


def test_a_booking_is_changed_with_the_keyboard_alone(page, live_server):
    server = live_server
    line = server.resident("landline")
    reservation_id = booked_for(server, line)
    sign_in(page, server, line)
    keys = Keyboard(page)
    page.goto(server.url + "/my-reservations")
    keys.skip()
    keys.tab_to(lambda f: f["href"] == f"/reservations/{reservation_id}/change")
    keys.follow()
    keys.skip()
    keys.tab_to(lambda f: f["id"] == "date")  # 2026-12-16, the booking's date
    # Debian's headless Chromium shows the date as month/day/year: to the day, one later
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#date")).to_have_value("2026-12-17")
    keys.follow()
    expect(page).to_have_url(re.compile("/change/\\d+/2026-12-17$"))
    keys.skip()
    keys.tab_to(lambda f: f["id"] == "blocks-1")
    page.keyboard.press("Space")
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page).to_have_url(re.compile("/change/confirm(#.*)?$"))
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page).to_have_url(re.compile("/booked(#.*)?$"))
    with server.app.app_context():
        changed = services.get_reservation(services.Actor.system(), reservation_id)
        assert changed.date == date(2026, 12, 17)
        assert [b.code for b in changed.time_blocks] == ["afternoon"]
