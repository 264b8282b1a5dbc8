"""Issue 17 in Chromium: every page of every demo unit reads on a phone (no element
wider than the screen at 320 and 390 CSS px, in Japanese and English, and at 320 in
やさしい日本語; no state word or reservation number broken; the week as a list per day), and a whole booking from the home page takes at most 40 Tab presses with
the keyboard alone, in Japanese and in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reservations import services
from tests.e2e.conftest import assert_fits, assert_focus_visible, assert_no_axe_violations


def demo_units(server) -> list[tuple[int, int]]:
    with server.app.app_context():
        return [(f.id, u.id) for f in services.list_facilities() for u in f.units]


@pytest.mark.parametrize(
    ("language", "width"),
    # easy Japanese at the narrowest width only: its furigana make it the widest text
    [("ja", 320), ("ja", 390), ("en", 320), ("en", 390), ("ja@easy", 320)],
)
def test_no_page_of_any_demo_unit_scrolls_sideways_on_a_phone(page, live_server, width, language):
    server = live_server
    if language != "ja":
        page.context.add_cookies([{"name": "lang", "value": language, "url": server.url}])
    page.set_viewport_size({"width": width, "height": 720})
    seen_facilities = set()
    for facility_id, unit_id in demo_units(server):
        paths = [
            f"/units/{unit_id}/availability",
            f"/units/{unit_id}/availability?month=2026-12",
            f"/units/{unit_id}/days/2026-12-19",
        ]
        if facility_id not in seen_facilities:
            seen_facilities.add(facility_id)
            paths.append(f"/facilities/{facility_id}")
        for path in paths:
            page.goto(server.url + path)
            assert_fits(page)
    for path in ("/", "/facilities", "/sign-in"):
        page.goto(server.url + path)
        assert_fits(page)


def test_on_a_phone_the_week_is_a_list_per_day_and_on_a_pc_a_table(page, live_server):
    server = live_server
    tennis_court = next(
        unit for facility, unit in demo_units(server) if facility == demo_units(server)[-1][0]
    )
    page.set_viewport_size({"width": 390, "height": 720})
    page.goto(f"{server.url}/units/{tennis_court}/availability")
    expect(page.locator(".days-list")).to_be_visible()
    expect(page.locator("table.availability")).to_be_hidden()
    expect(page.locator(".days-list h2").first).to_contain_text("11月30日(月)")
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("table.availability")).to_be_visible()
    expect(page.locator(".days-list")).to_be_hidden()
    # the headers say each time once: 9:00〜10:00, not 「9時〜10時 9:00〜10:00」
    header = page.locator("table.availability thead th").nth(1).inner_text()
    assert header.count("9") == 1, header


# -------------------------------------------------------------------- keyboard only

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName, href: el.getAttribute('href') || '', id: el.id || '',
          text: (el.innerText || el.value || '').trim()};
}"""


class Keyboard:
    """Presses keys on a page and counts the Tab presses."""

    def __init__(self, page) -> None:
        self.page = page
        self.tabs = 0

    def tab(self) -> dict:
        self.page.keyboard.press("Tab")
        self.tabs += 1
        assert_focus_visible(self.page)
        return self.page.evaluate(ACTIVE)

    def skip(self) -> None:
        """The skip link first, then to the page's main task."""
        focused = self.tab()
        assert focused["href"].startswith("#"), focused
        self.page.keyboard.press("Enter")

    def tab_to(self, matches, limit: int = 40) -> dict:
        for _ in range(limit):
            focused = self.tab()
            if matches(focused):
                return focused
        raise AssertionError("never reached the element with Tab")

    def follow(self, key: str = "Enter") -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_whole_booking_takes_at_most_40_tab_presses(page, live_server, language):
    server = live_server
    if language == "en":
        page.context.add_cookies([{"name": "lang", "value": "en", "url": server.url}])
    resident = server.resident("landline")
    with server.app.app_context():
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        whole = gym.units[0].id
    keys = Keyboard(page)
    page.goto(server.url + "/")
    keys.skip()
    keys.tab_to(lambda f: f["href"] == "/facilities")
    keys.follow()
    keys.skip()
    keys.tab_to(lambda f: f["href"] == f"/facilities/{gym.id}")
    keys.follow()
    keys.skip()
    keys.tab_to(lambda f: f["href"] == f"/units/{whole}/availability")
    keys.follow()
    keys.skip()
    keys.tab_to(lambda f: "/days/2026-12-05?block=" in f["href"])
    keys.follow()
    expect(page.locator("#blocks-0")).to_be_checked()
    keys.skip()
    keys.tab_to(lambda f: f["id"] == "blocks-1")
    page.keyboard.press("Space")
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page).to_have_url(re.compile("/sign-in(#.*)?$"))
    keys.skip()
    keys.tab_to(lambda f: f["id"] == "registration_no")
    page.keyboard.type(resident.registration_no)
    keys.tab_to(lambda f: f["id"] == "pin")
    page.keyboard.type(resident.pin)
    keys.follow()
    expect(page).to_have_url(re.compile("/confirm(#.*)?$"))
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON" and f["text"] in ("予約する", "Book"))
    keys.follow()
    expect(page).to_have_url(re.compile("/booked(#.*)?$"))
    assert keys.tabs <= 40, f"{keys.tabs} Tab presses"
