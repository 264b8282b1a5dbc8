"""The allocation season (利用調整) at the counter in Chromium: axe finds no violation on
the seasons, a season with series that want the same times, a prepared series and
their error states; an administrator withdraws one series and commits the season
with the keyboard alone, focus visible."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_focus_visible
from tests.e2e.test_counter_axe import check, sign_in, submit
from tests.e2e.test_counter_keyboard import tab_to
from tests.e2e.test_series import club_id, fill_series


def test_the_season_pages_have_no_axe_violations_and_commit_with_the_keyboard(live_server, page):
    base = live_server.url
    sign_in(page, base, "admin", "ledger-desk-2026")
    check(page, f"{base}/counter/seasons")
    page.fill("#day", "someday")
    submit(page, "利用調整を始める")
    check(page, errors=True)  # no date
    page.fill("#name", "2026年度")
    page.fill("#day", "2026-04-01")
    submit(page, "利用調整を始める")
    check(page)  # the new season's page, nothing prepared
    season_url = page.url
    season_id = int(season_url.rstrip("/").split("/")[-1])
    group = club_id(live_server)
    check(page, f"{base}/counter/groups/{group}")  # 「2026年度の定期利用を準備」
    check(page, f"{base}/counter/series/new?group={group}&season={season_id}")
    fill_series(page)
    submit(page, "日程を確認する")
    check(page)  # the preview
    submit(page, "2026年度に準備する")
    check(page)  # back on the season's page, one series prepared
    with live_server.app.app_context():
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        admin = services.Actor.staff(
            next(s for s in services.list_staff() if s.username == "admin").id
        )
        rival = services.add_draft(
            admin,
            season_id=season_id,
            request=services.SeriesRequest(
                unit_id=next(u for u in gym.units if u.code == "half-a").id,
                weekdays=[1],
                block_ids=[next(b for b in gym.time_blocks if b.code == "evening").id],
                first_date=date(2027, 1, 12),
                last_date=date(2027, 2, 23),
                resident_id=services.find_residents("たなか")[0].id,
            ),
            now=E2E_NOW,
        )
    check(page, season_url)  # two series that want the same times
    assert "同じ時間を希望する定期利用" in page.inner_text("main")
    draft_url = f"{base}/counter/series/{rival.id}"
    check(page, draft_url)  # a prepared series: the dates it would book
    submit(page, "取り下げる")
    check(page, errors=True)  # no reason
    page.fill("#reason", "利用調整で水曜に変更")
    submit(page, "取り下げる")
    check(page)  # the season's page, nothing in the way now
    with live_server.app.app_context():  # a date the page shows is booked meanwhile
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        services.book(
            services.Actor.system(),
            resident_id=services.find_residents("たなか")[0].id,
            unit_id=next(u for u in gym.units if u.code == "half-b").id,
            day=date(2027, 1, 7),
            block_ids=[next(b for b in gym.time_blocks if b.code == "evening").id],
            now=E2E_NOW,
        )
    submit(page, "2026年度を確定する")
    check(page, errors=True)  # nothing booked: that date and the series are named
    assert "1月7日(木)" in page.inner_text("#error-summary")
    tab_to(page, "main button[type=submit]", "2026年度を確定する")
    assert_focus_visible(page)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check(page)  # committed
    assert "2026年度を確定しました" in page.inner_text("body")
