"""Use records in Chromium: the day list has no axe violation (with its notices), and a
caretaker records a keybox booking and a no-show from the keyboard alone."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_counter_keyboard import tab_to
from tests.factories import at

DAY = date(2026, 11, 28)  # a Saturday before the clock: both marks are open


def book_school_gym(block_codes):
    hana = services.find_residents("やまだ")[0]
    gym = next(f for f in services.list_facilities() if f.code == "school-gym")
    blocks = {b.code: b.id for b in gym.time_blocks}
    return [
        services.book(
            services.Actor.resident(hana.id, "web"),
            resident_id=hana.id,
            unit_id=gym.units[0].id,
            day=DAY,
            block_ids=[blocks[code]],
            now=at(2026, 11, 1, 10),
        )
        for code in block_codes
    ]


def test_a_caretaker_records_use_from_the_keyboard(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        first, second = book_school_gym(["morning", "afternoon"])
        code, second_id = first.access_code, second.id
        assert E2E_NOW.date() > DAY
    page.goto(f"{base}/counter/sign-in")
    page.keyboard.type("caretaker")
    page.keyboard.press("Tab")
    page.keyboard.type("keybox-round-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/counter/use")
    assert_no_axe_violations(page)
    page.goto(f"{base}/counter/use?day={DAY.isoformat()}")
    assert_no_axe_violations(page)

    # The first booking: its keybox code, then Enter presses its first button (Used).
    tab_to(page, f"#code-{first.id}")
    page.keyboard.type("0000" if code != "0000" else "1111")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "暗証番号ではありません" in page.locator(".notices").inner_text()
    assert_no_axe_violations(page)  # the refusal, said
    tab_to(page, f"#code-{first.id}")
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#r{second_id}")  # on to the next booking
    assert_no_axe_violations(page)

    # The second: nobody came.
    tab_to(page, f"#r{second_id} button", "無断不使用")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with live_server.app.app_context():
        states = [
            services.get_reservation(services.Actor.system(), r).use_state
            for r in (first.id, second_id)
        ]
    assert states == ["used", "no_show"]
    assert_no_axe_violations(page)


def test_the_caretaker_facilities_page_has_no_axe_violations(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        caretaker_id = next(s.id for s in services.list_staff() if s.username == "caretaker")
    page.goto(f"{base}/counter/sign-in")
    page.fill("#username", "admin")
    page.fill("#password", "ledger-desk-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{base}/counter/staff/{caretaker_id}")
    assert_no_axe_violations(page)
    page.goto(f"{base}/counter/staff/{caretaker_id}/facilities")
    assert_no_axe_violations(page)
