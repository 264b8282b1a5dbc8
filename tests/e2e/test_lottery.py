"""The lottery's counter pages (抽選) in Chromium: axe-core finds no WCAG 2.2 AA
violation on the rounds, on a round's page before and after its draw, and on the paper
application form and its error state."""

from __future__ import annotations

from channels import demo
from reservations import services
from tests.e2e.conftest import E2E_NOW


def test_the_counter_pages_of_the_lottery_have_no_axe_violations(live_server, page):
    from tests.e2e.test_counter_axe import check, sign_in, submit

    server = live_server
    with server.app.app_context():
        closed, open_ = (line.code for line in demo.seed_lottery(E2E_NOW))
    sign_in(page, server.url, "clerk", "window-desk-2026")
    check(page, f"{server.url}/counter/lottery")
    check(page, f"{server.url}/counter/lottery/{closed}")
    with server.app.app_context():
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
    check(page, f"{server.url}/counter/lottery/{closed}")
    # The paper application form, and its error state (nothing entered).
    check(page, f"{server.url}/counter/lottery/{open_}")
    submit(page, "申込みを入力する")
    check(page, errors=True)
    page.fill("#resident", server.seed.residents[0].registration_no)
    page.select_option("#unit_1", index=1)
    page.fill("#day_1", "2027-03-06")
    page.select_option("#block_1", index=1)
    submit(page, "申込みを入力する")
    check(page)
    assert page.locator("text=受付番号").count() >= 1


def test_the_public_results_page_has_no_axe_violations(live_server, page):
    from tests.e2e.conftest import assert_no_axe_violations

    server = live_server
    with server.app.app_context():
        closed = demo.seed_lottery(E2E_NOW)[0].code
    page.goto(f"{server.url}/lottery/{closed}/results")
    assert_no_axe_violations(page)
    with server.app.app_context():
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
    page.goto(f"{server.url}/lottery/{closed}/results")
    assert_no_axe_violations(page)
