"""axe-core finds no WCAG 2.2 AA violation on the pages of holds (仮予約): the
counter's list of holds due, a held reservation, the extension page with and without
errors; and the resident's pages of a hold (done page and My reservations are checked
in test_web_flow.py, where every fee booking is now a hold)."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_counter_axe import check, sign_in, submit
from tests.factories import at


def test_the_counter_pages_of_holds_have_no_axe_violations(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        ichiro = services.find_residents("さとう")[0]
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        overdue = services.book(
            services.Actor.resident(ichiro.id, "web"),
            resident_id=ichiro.id,
            unit_id=gym.units[0].id,
            day=date(2026, 12, 16),
            block_ids=[gym.time_blocks[0].id],
            now=at(2026, 11, 20, 10),
        )
        services.book(
            services.Actor.resident(ichiro.id, "web"),
            resident_id=ichiro.id,
            unit_id=gym.units[0].id,
            day=date(2026, 12, 3),
            block_ids=[gym.time_blocks[1].id],
            now=E2E_NOW,
        )
    sign_in(page, base, "admin", "ledger-desk-2026")
    check(page, f"{base}/counter/holds")
    assert page.locator("tbody tr").count() == 2
    url = f"{base}/counter/reservations/{overdue.id}"
    check(page, url)
    check(page, f"{url}/extend")
    submit(page, "支払期限を延長する")
    check(page, errors=True)  # no day, no reason
    page.fill("#last_day", "12/20")
    page.fill("#reason", "入院中")
    submit(page, "支払期限を延長する")
    check(page, errors=True)  # after the date of use
    page.fill("#last_day", "12/10")
    submit(page, "支払期限を延長する")
    check(page)  # back on the reservation, extended
    assert page.url == url
    submit(page, "支払いを記録する")
    check(page, errors=True)  # no choice made
    page.check("#status-0")
    submit(page, "支払いを記録する")
    check(page)  # paid: confirmed, with its permit number
    assert_no_axe_violations(page)
