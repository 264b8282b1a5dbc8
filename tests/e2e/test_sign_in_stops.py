"""Stopping a sign-in at the counter in Chromium: axe finds no violation on the
resident's page with the stop button and a disowned callback's warning, the stop form (with its error), the stopped
resident's page, and the same for a staff account."""

from __future__ import annotations

from reservations import services
from tests.e2e.conftest import E2E_NOW
from tests.e2e.test_counter_axe import check, sign_in, submit


def test_the_sign_in_stop_pages_have_no_axe_violations(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        resident_id = services.find_residents("山田")[0].id
        clerk_id = next(s.id for s in services.list_staff() if s.username == "clerk")
        # A sign-in callback answered "I did not ask for this": the page warns staff.
        asked, placed = f"CA{1:032x}", f"CA{2:032x}"
        callback = services.request_callback(resident_id=resident_id, call_sid=asked, now=E2E_NOW)
        services.place_callback(
            services.LogCaller(), requested_call_sid=asked, url=str, status_callback="", now=E2E_NOW
        )
        services.answer_callback(callback.id, placed, E2E_NOW)
        services.disown_callback(placed, E2E_NOW)
    sign_in(page, base, "admin", "ledger-desk-2026")
    check(page, f"{base}/counter/residents/{resident_id}")
    assert "依頼していないとの回答" in page.inner_text("main")
    page.click("text=ログインを停止する（控えの紛失・不正利用）")
    check(page)
    submit(page, "ログインを停止する")
    check(page, errors=True)  # no reason
    page.fill("#reason", "暗証番号の控えを紛失")
    submit(page, "ログインを停止する")
    check(page)  # the resident, stopped, with the lift button
    assert "暗証番号の控えを紛失" in page.inner_text("main")
    check(page, f"{base}/counter/staff/{clerk_id}")
    page.click("main a:has-text('ログインを停止する')")
    page.fill("#reason", "パスワードをメモに記載")
    submit(page, "ログインを停止する")
    check(page)  # the staff account, stopped
    assert "停止を解除する" in page.inner_text("main")
