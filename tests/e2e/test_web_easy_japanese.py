"""The residents' pages in やさしい日本語 (easy Japanese) in Debian's Chromium: axe-core
finds nothing on the main pages and their error states, with furigana (<ruby>) on the
kanji, at a 320px phone width with no sideways scroll; and the accessible names of
controls and headings, as Chromium computes them, are the plain text without the
readings (a screen reader announces 「次へ」, not 「次つぎへ」)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_fits,
    assert_names_without_readings,
    assert_no_axe_violations,
)
from tests.e2e.test_web_flow import ids

NEXT = re.compile(r"^次\s*へ$")  # its reading (つぎ) shown above, never in the name


def test_the_main_pages_in_easy_japanese_have_no_axe_violations(page, live_server):
    server = live_server
    page.context.add_cookies([{"name": "lang", "value": "ja@easy", "url": server.url}])
    page.set_viewport_size({"width": 320, "height": 640})
    gym, whole = ids(server, "town-gym")
    tennis, court = ids(server, "tennis")
    resident = server.resident("landline")

    def check(path: str | None = None) -> None:
        if path is not None:
            page.goto(server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        current = page.locator(".language-switch [aria-current=true]")
        expect(current).to_have_text(re.compile("^やさしい日本語"))
        assert page.locator("main ruby rt").count() > 0, f"{page.url} has no furigana"
        assert_no_axe_violations(page)
        assert_fits(page)  # no sideways scroll, no state or number broken (with furigana)
        names = assert_names_without_readings(page)
        assert any(role == "link" and name for role, name in names), names

    error_title = re.compile("^エラー:")
    check("/")
    check("/facilities")
    expect(page.locator("main ruby", has_text="町民体育館").first).to_contain_text(
        "ちょうみんたいいくかん"
    )
    check(f"/facilities/{gym.id}")
    check(f"/units/{whole}/availability")
    check(f"/units/{court}/availability")
    check(f"/units/{whole}/days/2026-12-16")
    page.get_by_role("button", name=NEXT).click()
    expect(page).to_have_title(error_title)
    check()
    page.locator("label[for=blocks-0]").click()
    page.get_by_role("button", name=NEXT).click()
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
    page.locator(f'main a[href$="/cancel"]:has(.visually-hidden:has-text("{number}"))').click()
    check()  # the cancel page
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/my-reservations$"))
    expect(page.locator(".notices[role=status]")).to_contain_text(number)
    check()
    check("/facilities/999")
