"""The permit (使用許可書) and receipt (領収書) in Chromium: axe-core finds no WCAG 2.2
AA violation on them, at the counter and on the resident's web page, and each prints
on one A4 page in large type."""

from __future__ import annotations

import re
from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_counter_axe import sign_in


def paid_booking(server):
    with server.app.app_context():
        line = server.seed.residents[0]
        resident = services.find_residents(line.registration_no)[0]
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        booked = services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=gym.units[0].id,
            day=date(2026, 12, 16),
            block_ids=[gym.time_blocks[1].id],
            now=E2E_NOW,
        )
        services.record_payment(
            services.Actor.system(), reservation_id=booked.id, status=services.PAID, now=E2E_NOW
        )
        return booked.id, line


def printed_on_one_a4_page(page, selector: str) -> None:
    assert page.locator(".js-print").is_visible()  # the script's Print button
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".js-print").is_hidden()
    size = page.evaluate(
        f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"
    )
    assert size >= 18  # 14pt
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="screen")


def test_the_counter_prints_the_permit_and_receipt_on_one_page_each(live_server, page):
    base = live_server.url
    reservation_id, _ = paid_booking(live_server)
    sign_in(page, base, "clerk", "window-desk-2026")
    page.goto(f"{base}/counter/reservations/{reservation_id}")
    page.locator("main a", has_text="使用許可書を印刷する").click()
    page.wait_for_selector(".permit")
    assert "午後1時から5時まで" in page.locator(".permit").inner_text()
    assert_no_axe_violations(page)
    printed_on_one_a4_page(page, ".permit")
    page.goto(f"{base}/counter/reservations/{reservation_id}/receipt")
    assert_no_axe_violations(page)
    printed_on_one_a4_page(page, ".receipt")


def test_the_resident_prints_the_permit_and_receipt_from_my_reservations(live_server, page):
    base = live_server.url
    reservation_id, line = paid_booking(live_server)
    page.goto(f"{base}/sign-in")
    page.fill("#registration_no", line.registration_no)
    page.fill("#pin", line.pin)
    with page.expect_navigation():
        page.locator("main").get_by_role("button").click()
    for language in ("ja", "en"):
        page.goto(f"{base}/language/{language}?next=/my-reservations")
        page.locator("main a[href$='/permit']").click()
        page.wait_for_selector(".permit")
        assert_no_axe_violations(page)
        printed_on_one_a4_page(page, ".permit")
        page.goto(f"{base}/reservations/{reservation_id}/receipt")
        assert_no_axe_violations(page)
        printed_on_one_a4_page(page, ".receipt")
