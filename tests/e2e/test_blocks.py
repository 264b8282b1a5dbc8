"""Staff blocks (行政使用) at the counter in Chromium: axe finds no violation on any
block page, errors included, and an administrator blocks a time, cancelling the
reservation in the way with a reason, with the keyboard alone, focus visible."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_focus_visible
from tests.e2e.test_counter_axe import check, sign_in, submit
from tests.e2e.test_counter_keyboard import tab_to

DAY = date(2026, 12, 16)


def book_half_a(live_server) -> str:
    with live_server.app.app_context():
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        person = services.find_residents("山田")[0]
        return services.book(
            services.Actor.system(),
            resident_id=person.id,
            unit_id=next(u for u in gym.units if u.code == "half-a").id,
            day=DAY,
            block_ids=[next(b for b in gym.time_blocks if b.code == "evening").id],
            now=E2E_NOW,
        ).number


def test_every_block_page_has_no_axe_violations(live_server, page):
    base = live_server.url
    book_half_a(live_server)
    sign_in(page, base, "admin", "ledger-desk-2026")
    check(page, f"{base}/counter/blocks")
    check(page, f"{base}/counter/blocks/new")
    submit(page, "行政使用の確認")
    check(page, errors=True)  # nothing chosen
    page.select_option("#unit", label="町民体育館 全面")
    page.fill("#day", DAY.isoformat())
    page.check("#blocks-2")
    page.check("#kind-3")
    submit(page, "行政使用の確認")
    check(page)  # the preview, with the reservation in the way
    submit(page, "この時間を押さえる")
    check(page, errors=True)  # not ticked
    page.check("#cancel_in_the_way")
    submit(page, "この時間を押さえる")
    check(page, errors=True)  # no reason
    page.fill("#reason", "町の選挙のため")
    submit(page, "この時間を押さえる")
    check(page)  # the list, with the new block
    page.locator("main table a").first.click()
    check(page)  # lifting it
    submit(page, "行政使用を解除する")
    check(page, errors=True)  # no reason


def test_a_time_is_blocked_with_the_keyboard_alone(live_server, page):
    base = live_server.url
    number = book_half_a(live_server)
    sign_in(page, base, "admin", "ledger-desk-2026")
    page.goto(f"{base}/counter/blocks")
    tab_to(page, "main a", "行政使用で時間を押さえる")
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/blocks/new")
    tab_to(page, "#unit")
    page.keyboard.press("ArrowDown")  # the first unit: the town gym's whole court
    assert page.eval_on_selector("#unit", "el => el.selectedOptions[0].text") == "町民体育館 全面"
    tab_to(page, "#day")
    page.keyboard.type(DAY.isoformat())
    tab_to(page, "#blocks-2")
    page.keyboard.press("Space")
    tab_to(page, "#kind-0")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]", "行政使用の確認")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=妨げになる予約")
    assert number in page.inner_text("main")
    tab_to(page, "#cancel_in_the_way")
    page.keyboard.press("Space")
    tab_to(page, "#reason")
    page.keyboard.type("町の行事のため")
    tab_to(page, "main button[type=submit]", "この時間を押さえる")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=今後の行政使用")
    assert "行政使用として時間を押さえました" in page.inner_text("body")
    tab_to(page, "main a", "行政使用")
    assert_focus_visible(page)
