"""The statistics page in Chromium: no axe violation (charts and tables, both
languages), reachable and readable from the keyboard alone, and each chart drawn with
its table right below it (a screenshot of each pair is taken and both are visible)."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_counter_keyboard import tab_to

URL = "/counter/statistics?start=2026-12-01&end=2027-01-31"


def some_bookings():
    hana = services.find_residents("やまだ")[0]
    for code, channel in (("town-gym", "web"), ("tennis", "phone")):
        place = next(f for f in services.list_facilities() if f.code == code)
        services.book(
            services.Actor.resident(hana.id, channel),
            resident_id=hana.id,
            unit_id=place.units[0].id,
            day=date(2026, 12, 16),
            block_ids=[place.time_blocks[-1].id],
            now=E2E_NOW,
        )


def sign_in_by_keyboard(page, base):
    page.goto(f"{base}/counter/sign-in")
    # The page puts the focus on the username itself; type only once it has.
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("stats")
    page.keyboard.press("Tab")
    page.keyboard.type("census-chart-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/counter/statistics")


def test_the_statistics_page_has_no_axe_violations(live_server, page):
    with live_server.app.app_context():
        some_bookings()
    base = live_server.url
    sign_in_by_keyboard(page, base)
    assert_no_axe_violations(page)
    page.goto(f"{base}{URL}")
    assert_no_axe_violations(page)
    page.goto(f"{base}/counter/statistics?start=2026-12-31&end=2026-12-01")
    assert page.title().startswith("エラー:")
    assert_no_axe_violations(page)
    page.goto(f"{base}/language/en?next=/counter/statistics")
    assert_no_axe_violations(page)


def test_the_statistics_by_keyboard_alone(live_server, page):
    with live_server.app.app_context():
        some_bookings()
    base = live_server.url
    sign_in_by_keyboard(page, base)
    tab_to(page, "#start")
    page.keyboard.press("Control+A")
    page.keyboard.type("2026-12-01")
    tab_to(page, "#end")
    page.keyboard.press("Control+A")
    page.keyboard.type("2027-01-31")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "start=2026-12-01" in page.url
    # The contents list leads to a figure; its table region takes focus to scroll.
    tab_to(page, "a[href='#bookings-by-channel']")
    page.keyboard.press("Enter")
    tab_to(page, "#bookings-by-channel .table-scroll")
    tab_to(page, "a[href*='bookings-by-channel.csv']")


def test_each_chart_has_its_table_beside_it(live_server, page, tmp_path):
    with live_server.app.app_context():
        some_bookings()
    base = live_server.url
    sign_in_by_keyboard(page, base)
    page.goto(f"{base}{URL}")
    sections = page.locator("section.statistics-figure")
    charts = 0
    for index in range(sections.count()):
        section = sections.nth(index)
        chart = section.locator("figure.chart svg")
        if chart.count() == 0:
            continue
        charts += 1
        table = section.locator("table")
        assert table.count() == 1
        section.screenshot(path=str(tmp_path / f"figure-{index}.png"))
        chart_box, table_box = chart.bounding_box(), table.bounding_box()
        assert chart_box["height"] > 100 and table_box["height"] > 20
        assert table_box["y"] >= chart_box["y"] + chart_box["height"] - 1  # right below it
        assert (tmp_path / f"figure-{index}.png").stat().st_size > 1000
    assert charts >= 8
