"""Series (定期利用) at the counter in Chromium: axe finds no violation on any series
page, errors included, and an administrator enters a series, previews it and books
it with the keyboard alone, focus visible at every step."""

from __future__ import annotations

from reservations import services
from tests.e2e.conftest import assert_focus_visible
from tests.e2e.test_counter_axe import check, sign_in, submit
from tests.e2e.test_counter_keyboard import tab_to


def club_id(live_server) -> int:
    with live_server.app.app_context():
        return services.find_groups("はばたき")[0].id


def fill_series(page, *, last: str = "2027-02-25") -> None:
    page.select_option("#unit", label="町民体育館 全面")
    page.check("#weekdays-1")
    page.check("#weekdays-3")
    page.check("#blocks-2")  # the town gym's evening
    page.fill("#first_date", "2027-01-05")
    page.fill("#last_date", last)
    page.fill("#exceptions", "2027-02-04")


def test_every_series_page_has_no_axe_violations(live_server, page):
    base = live_server.url
    sign_in(page, base, "admin", "ledger-desk-2026")
    group = club_id(live_server)
    check(page, f"{base}/counter/groups/{group}")
    check(page, f"{base}/counter/series/new?group={group}")
    submit(page, "日程を確認する")
    check(page, errors=True)  # nothing chosen
    fill_series(page, last="2027-01-04")
    submit(page, "日程を確認する")
    check(page, errors=True)  # the last date before the first
    page.fill("#last_date", "2027-02-25")
    page.check("#weekdays-0")  # the gym's closing day
    submit(page, "日程を確認する")
    check(page, errors=True)
    page.uncheck("#weekdays-0")
    submit(page, "日程を確認する")
    check(page)  # the preview, with the skipped dates and their reasons
    submit(page, "定期利用を予約する")
    check(page)  # the series page
    series_url = page.url
    first = page.locator("main table a").first
    reservation_url = base + first.get_attribute("href")
    check(page, reservation_url)  # "part of series N, date k of m"
    check(page, reservation_url + "/cancel")
    check(page, f"{series_url}/slip")
    page.goto(series_url)
    submit(page, "これらの日を取り消す")
    check(page, errors=True)  # no date, no reason
    page.goto(series_url)
    page.fill("#last_date", "2027-03-11")
    submit(page, "追加する日を確認する")
    check(page)  # the extension's preview
    page.goto(series_url)
    page.fill("#last_date", "2027-05-01")
    submit(page, "追加する日を確認する")
    check(page, errors=True)  # beyond the season


def test_a_series_is_entered_previewed_and_booked_with_the_keyboard_alone(live_server, page):
    base = live_server.url
    sign_in(page, base, "admin", "ledger-desk-2026")
    page.goto(f"{base}/counter/groups/{club_id(live_server)}")
    tab_to(page, "main a", "新しい定期利用")
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/series/new**")
    tab_to(page, "#unit")
    page.keyboard.press("ArrowDown")  # the first unit: the town gym's whole court
    assert page.eval_on_selector("#unit", "el => el.selectedOptions[0].text") == "町民体育館 全面"
    for checkbox in ("#weekdays-1", "#weekdays-3", "#blocks-2"):
        tab_to(page, checkbox)
        page.keyboard.press("Space")
    for field, value in (("#first_date", "2027-01-05"), ("#last_date", "2027-02-25")):
        tab_to(page, field)
        page.keyboard.type(value)
    tab_to(page, "main button[type=submit]", "日程を確認する")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=定期利用で除く日")
    assert "建国記念の日" in page.inner_text("main")
    tab_to(page, "main button[type=submit]", "定期利用を予約する")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=予約した日")
    assert "を予約しました" in page.inner_text("body")
    tab_to(page, "main a", "定期利用の確認書を印刷")
    assert_focus_visible(page)
