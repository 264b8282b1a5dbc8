"""A clerk serves a walk-in from the keyboard alone: signs in, registers the resident,
finds them again by kana through the search box's access key, books, takes payment
and prints the confirmation slip on one page. Focus is visible at every step."""

from __future__ import annotations

import re

from reservations import services
from reservations.models import AuditEntry
from tests.e2e.conftest import assert_focus_visible

MAX_TABS = 60


def tab_to(page, selector: str, text: str | None = None) -> dict:
    """Press Tab until the focused element matches `selector` (and contains `text`)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        found = page.evaluate(
            "([selector, text]) => { const el = document.activeElement;"
            " return el.matches(selector) && (!text || el.textContent.includes(text)); }",
            [selector, text],
        )
        if found:
            return assert_focus_visible(page)
    raise AssertionError(f"Tab never reached {selector} {text or ''}")


def press_access_key(page, key: str) -> None:
    """Alt+key, as Chromium on Linux reads access keys. Playwright's keyboard.press
    sends no character with a modified key, and Chromium matches access keys on the
    character, so the key goes through the DevTools protocol as a real keyboard does."""
    cdp = page.context.new_cdp_session(page)
    code = {
        "key": key,
        "code": f"Key{key.upper()}",
        "windowsVirtualKeyCode": ord(key.upper()),
        "modifiers": 1,
    }  # 1 = Alt
    cdp.send(
        "Input.dispatchKeyEvent", {"type": "keyDown", "text": key, "unmodifiedText": key, **code}
    )
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **code})
    cdp.detach()


def test_a_walk_in_registered_booked_paid_and_printed_from_the_keyboard(live_server, page):
    base = live_server.url
    page.goto(f"{base}/counter/sign-in")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    page.keyboard.type("window-desk-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/counter/")
    assert page.evaluate("document.activeElement.id") == "q"

    # Register the walk-in.
    tab_to(page, "main a[href='/counter/residents/new']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/residents/new")
    for field, value in (
        ("#name", "鈴木 次郎"),
        ("#name_kana", "すずき じろう"),
        ("#phone", "090-5555-6666"),
        ("#district", "南町"),
    ):
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "#is_resident-0")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".slip")
    registration_no = page.locator(".slip-number").first.inner_text().strip()
    assert re.fullmatch(r"\d{6}", registration_no)

    # Find them again by half-width kana, through the access key.
    press_access_key(page, "s")
    assert page.evaluate("document.activeElement.id") == "header-q"
    page.keyboard.type("ｽｽﾞｷ ｼﾞﾛｳ")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results")
    tab_to(page, "main table a", "鈴木 次郎")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('鈴木 次郎')")

    # Book the town gym's evening on Wednesday 16 December.
    tab_to(page, "main a[href$='/book']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book")
    assert page.locator("#unit").input_value() != ""  # the town gym, whole court, first
    tab_to(page, "#day")
    page.keyboard.press("Control+a")
    page.keyboard.type("12/16")
    page.keyboard.press("Enter")
    page.wait_for_selector("#blocks-2")
    tab_to(page, "#blocks-2")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]", "次へ")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/confirm?**")
    assert "1,500円" in page.locator("main").inner_text()  # the 3-hour evening block
    tab_to(page, "main button[type=submit]", "予約する")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/counter/reservations/\d+$"))
    notice = page.locator(".notices").inner_text()
    number = re.search(r"\d{8}", notice).group(0)

    # Take payment.
    tab_to(page, "#status-0")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]", "支払いを記録する")
    page.keyboard.press("Enter")
    page.wait_for_selector(".notice-success")
    assert "支払済み" in page.locator("main").inner_text()

    # Print the slip: large type, one page.
    tab_to(page, "main a[href$='/slip']")
    page.keyboard.press("Enter")
    page.wait_for_selector(".slip")
    slip = page.locator(".slip").inner_text()
    for expected in (
        number,
        "鈴木 次郎",
        "町民体育館",
        "2026年12月16日(水)",
        "18:00〜21:00",
        "支払済み",
    ):
        assert expected in slip, expected
    assert page.locator(".js-print").is_visible()  # the script's Print button
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.slip')).fontSize)")
    assert size >= 20  # 16pt
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

    # The audit trail says who did what for whom.
    with live_server.app.app_context():
        reservation = services.find_reservation(number)
        entries = services.audit_trail(services.AuditFilter(reservation_number=number)).entries
        assert [e.action for e in entries] == ["reservation.payment", "reservation.book"]
        assert all(
            isinstance(e, AuditEntry)
            and e.channel == "counter"
            and e.actor_staff.username == "clerk"
            and e.on_behalf_of_id == reservation.resident_id
            for e in entries
        )
        assert reservation.resident.registration_no == registration_no
