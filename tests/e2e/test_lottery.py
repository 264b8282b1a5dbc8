"""The lottery's counter pages (抽選) in Chromium: axe-core finds no WCAG 2.2 AA
violation on the rounds and on a round's page before and after its draw."""

from __future__ import annotations

from channels import demo
from reservations import services
from tests.e2e.conftest import E2E_NOW


def test_the_counter_pages_of_the_lottery_have_no_axe_violations(live_server, page):
    from tests.e2e.test_counter_axe import check, sign_in

    server = live_server
    with server.app.app_context():
        closed = demo.seed_lottery(E2E_NOW)[0].code
    sign_in(page, server.url, "clerk", "window-desk-2026")
    check(page, f"{server.url}/counter/lottery")
    check(page, f"{server.url}/counter/lottery/{closed}")
    with server.app.app_context():
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
    check(page, f"{server.url}/counter/lottery/{closed}")
