"""The resident web channel in Debian's Chromium: axe-core on every page of the flow
(error states included) in Japanese and English, nothing outside a landmark, reflow at 320 CSS px, a booking made
and cancelled with the keyboard alone with the focus visibly outlined at every step,
the whole flow with JavaScript off, and the sign-in time warning."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from reservations import services
from reservations.models import Facility
from tests.e2e.conftest import (
    E2E_NOW,
    assert_all_content_in_landmarks,
    assert_fits,
    assert_focus_visible,
    assert_no_axe_violations,
)

ACTIVE_ELEMENT = """() => {
  const el = document.activeElement;
  return {tag: el.tagName, href: el.getAttribute('href') || '', id: el.id || '',
          text: (el.innerText || el.value || '').trim(), type: el.getAttribute('type') || ''};
}"""


def ids(server, code: str, unit_position: int = 0) -> tuple[Facility, int]:
    with server.app.app_context():
        facility = next(f for f in services.list_facilities() if f.code == code)
        return facility, facility.units[unit_position].id


def block_id(facility: Facility, code: str) -> int:
    return next(b.id for b in facility.time_blocks if b.code == code)


def fits_320(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def use_english(page, server) -> None:
    page.context.add_cookies([{"name": "lang", "value": "en", "url": server.url}])


# ------------------------------------------------------------------------------- axe


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_of_the_flow_has_no_axe_violations(page, live_server, language):
    """Japanese at a 320px phone width (no horizontal page scrolling, no state word or
    reservation number broken), English at the default desktop width (and its numbers
    and states checked at 390px); axe's `region` rule too: nothing outside a landmark."""
    server = live_server
    if language == "en":
        use_english(page, server)
    else:
        page.set_viewport_size({"width": 320, "height": 640})
    gym, whole = ids(server, "town-gym")
    ground, field = ids(server, "sports-ground")
    tennis, court = ids(server, "tennis")
    resident = server.resident("landline")
    with server.app.app_context():
        me = services.find_residents(resident.registration_no)[0]
        for day in (date(2026, 12, 16), date(2026, 12, 17)):  # the ground's limit is two
            services.book(
                services.Actor.resident(me.id, "web"),
                resident_id=me.id,
                unit_id=field,
                day=day,
                block_ids=[block_id(ground, "morning")],
                now=E2E_NOW,
            )

    def check(path: str | None = None) -> None:
        if path is not None:
            page.goto(server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        if page.locator(".error-summary").count():
            # the summary takes the focus on load, without script (autofocus)
            expect(page.locator(".error-summary")).to_be_focused()
        assert_no_axe_violations(page)
        assert_all_content_in_landmarks(page)  # the back link and notices included
        if language == "ja":
            assert_fits(page)  # 受付終了 and reservation numbers in one piece at 320px
        elif page.locator(".reservation-number, .big-number, .status").count():
            page.set_viewport_size({"width": 390, "height": 720})
            assert_fits(page)  # English numbers and states at a 390px phone, too
            page.set_viewport_size(desktop)

    desktop = page.viewport_size
    error_title = re.compile("^(エラー:|Error:)")
    check("/")
    check("/facilities")
    check(f"/facilities/{gym.id}")
    check(f"/units/{whole}/availability")
    check(f"/units/{court}/availability")  # eight time slots: the table scrolls, not the page
    check(f"/units/{whole}/availability?month=2027-01")  # the whole month
    check(f"/units/{whole}/availability?date=2026-02-30")
    expect(page).to_have_title(error_title)
    check(f"/units/{whole}/days/2026-12-16")
    page.get_by_role("button", name=re.compile("次へ進む|Continue")).click()
    expect(page).to_have_title(error_title)
    check()
    page.locator("label[for=blocks-0]").click()
    page.get_by_role("button", name=re.compile("次へ進む|Continue")).click()
    expect(page).to_have_url(re.compile("/sign-in$"))
    check()
    page.fill("#registration_no", resident.registration_no)
    page.fill("#pin", "0000")
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_title(error_title)
    check()
    page.fill("#pin", resident.pin)
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/confirm$"))
    check()
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/booked$"))
    check()
    number = page.locator("#reservation-number").inner_text()
    check(page.url.replace(server.url, "").replace("/booked", "/print"))
    check("/my-reservations")
    page.locator("main").get_by_role("link", name=re.compile(number)).filter(
        has_text=re.compile("取り消す|Cancel")
    ).click()
    check()
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/my-reservations$"))
    expect(page.locator(".notices[role=status]")).to_contain_text(number)
    check()
    # the limit reached on the confirm page, and a slot taken by someone else
    check(f"/units/{field}/days/2026-12-18")
    page.locator("label[for=blocks-0]").click()
    page.get_by_role("button", name=re.compile("次へ進む|Continue")).click()
    expect(page).to_have_title(error_title)
    check()
    check(f"/units/{whole}/days/2026-12-23")
    page.locator("label[for=blocks-2]").click()
    page.get_by_role("button", name=re.compile("次へ進む|Continue")).click()
    with server.app.app_context():
        other = services.find_residents(server.resident("mobile").registration_no)[0]
        services.book(
            services.Actor.resident(other.id, "phone"),
            resident_id=other.id,
            unit_id=whole,
            day=date(2026, 12, 23),
            block_ids=[block_id(gym, "evening")],
            now=E2E_NOW,
        )
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/waitlist/join\\?unit=\\d+&day=2026-12-23&block=\\d+$"))
    check()  # taken meanwhile: its waiting list is offered, with the message
    check("/facilities/999")


# -------------------------------------------------------------------- keyboard only


def press(page, key: str) -> dict:
    page.keyboard.press(key)
    if key in ("Tab", "Shift+Tab"):
        assert_focus_visible(page)
    return page.evaluate(ACTIVE_ELEMENT)


def follow(page, key: str = "Enter") -> None:
    """Press a key that follows a link or sends a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def tab_to(page, matches, limit: int = 120) -> dict:
    """Tab forward until the focused element matches, checking the outline each step."""
    for _ in range(limit):
        focused = press(page, "Tab")
        if matches(focused):
            return focused
    raise AssertionError("never reached the element with Tab")


def test_book_and_cancel_with_the_keyboard_alone(page, live_server):
    server = live_server
    resident = server.resident("landline")
    gym, whole = ids(server, "town-gym")
    page.goto(server.url + "/")

    tab_to(page, lambda f: f["href"] == "/facilities" and "予約" in f["text"])
    follow(page)
    tab_to(page, lambda f: f["href"] == f"/facilities/{gym.id}")
    follow(page)
    tab_to(page, lambda f: f["href"] == f"/units/{whole}/availability")
    follow(page)
    # Saturday 5 December, morning: still cancellable until the end of 2 December
    tab_to(page, lambda f: "/days/2026-12-05?block=" in f["href"])
    follow(page)
    expect(page).to_have_url(re.compile("/days/2026-12-05"))
    expect(page.locator("#blocks-0")).to_be_checked()
    tab_to(page, lambda f: f["id"] == "blocks-1")
    press(page, "Space")
    expect(page.locator("#blocks-1")).to_be_checked()
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "次へ進む")
    follow(page)

    expect(page).to_have_url(re.compile("/sign-in$"))
    tab_to(page, lambda f: f["id"] == "registration_no")
    page.keyboard.type(resident.registration_no)
    tab_to(page, lambda f: f["id"] == "pin")
    page.keyboard.type(resident.pin)
    follow(page)

    expect(page).to_have_url(re.compile("/confirm$"))
    expect(page.locator("main")).to_contain_text("2026年12月5日(土)")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "予約する")
    follow(page)

    expect(page).to_have_url(re.compile("/booked$"))
    number = page.locator("#reservation-number").inner_text().strip()
    assert re.fullmatch(r"\d{8}", number)
    tab_to(page, lambda f: f["href"] == "/my-reservations" and "取り消し" in f["text"])
    follow(page)

    tab_to(page, lambda f: f["href"].endswith("/cancel") and number in f["text"])
    follow(page)
    tab_to(page, lambda f: f["text"] == "取り消さない")
    focused = press(page, "Shift+Tab")  # back to the button
    assert focused["tag"] == "BUTTON" and focused["text"] == "取り消す"
    follow(page, "Space")

    expect(page).to_have_url(re.compile("/my-reservations$"))
    expect(page.locator(".notices[role=status]")).to_contain_text(number)
    with server.app.app_context():
        assert services.find_reservation(number).status == "cancelled"


# ------------------------------------------------------------------- JavaScript off


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    yield context.new_page()
    context.close()


def test_the_whole_flow_works_with_javascript_off(no_script_page, live_server):
    page, server = no_script_page, live_server
    resident = server.resident("mobile")
    gym, whole = ids(server, "town-gym")
    page.goto(f"{server.url}/units/{whole}/availability")
    page.fill("#date", "2026-12-16")
    page.get_by_role("button", name="この日の時間を見る").click()
    page.locator("label[for=blocks-1]").click()
    page.get_by_role("button", name="次へ進む").click()
    page.fill("#registration_no", resident.registration_no)
    page.fill("#pin", resident.pin)
    page.locator("main").get_by_role("button").click()
    page.get_by_role("button", name="予約する").click()
    expect(page.locator("#reservation-number")).to_have_text(re.compile(r"^\d{8}$"))
    expect(page.locator(".js-copy")).to_be_hidden()  # an enhancement only
    page.get_by_role("button", name="ログインを延長する").click()
    expect(page.locator(".notices[role=status]")).to_contain_text("ログインを延長しました")


# ----------------------------------------------------------- sign-in time, with script


def test_the_time_limit_warning_is_announced_and_extending_keeps_the_page(page, live_server):
    server = live_server
    resident = server.resident("landline")
    page.clock.install()
    page.goto(server.url + "/sign-in")
    page.fill("#registration_no", resident.registration_no)
    page.fill("#pin", resident.pin)
    page.locator("main").get_by_role("button").click()
    # The signed-in page and its script must be loaded before the clock is moved, or
    # the warning's timer is set after the jump (a flake seen on a busy machine).
    page.wait_for_url(lambda url: "/sign-in" not in url)
    page.wait_for_load_state("load")
    warning = page.locator(".session-warning")
    expect(warning).to_have_attribute("role", "status")
    expect(warning).to_be_empty()
    page.clock.run_for("18:01")  # two minutes before the twenty are up
    expect(warning).to_contain_text("あと2分ほどでログアウトします")
    url = page.url
    page.get_by_role("button", name="ログインを延長する").click()
    expect(warning).to_contain_text("ログインを延長しました")
    assert page.url == url  # extended in place: nothing typed on the page is lost
    page.clock.run_for("17:00")
    expect(warning).to_contain_text("ログインを延長しました")
    page.clock.run_for("01:01")
    expect(warning).to_contain_text("あと2分ほどでログアウトします")
    page.clock.run_for("02:00")
    expect(warning).to_contain_text("ログアウトしました")
