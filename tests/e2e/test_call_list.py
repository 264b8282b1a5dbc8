"""The counter's call list in Chromium: axe finds nothing on the list, after a call is
recorded, and when another clerk recorded it first."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.e2e.conftest import E2E_NOW
from tests.e2e.test_counter_axe import check, sign_in, submit
from tests.factories import make_resident

DAY = date(2026, 12, 16)


def test_the_call_list_has_no_axe_violations(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        resident = make_resident("電話 なし", kana="でんわ なし")
        services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=gym.units[0].id,
            day=DAY,
            block_ids=[gym.time_blocks[0].id],
            now=E2E_NOW,
        )
    sign_in(page, base, "clerk", "window-desk-2026")
    check(page, f"{base}/counter/calls")
    submit(page, "電話した（済み）")
    check(page)  # the empty list, with the confirmation
    assert "電話連絡を待っている方はいません" in page.content()


def test_a_call_another_clerk_recorded_meanwhile_is_said_so(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        resident = make_resident("電話 なし", kana="でんわ なし")
        services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=gym.units[0].id,
            day=DAY,
            block_ids=[gym.time_blocks[1].id],
            now=E2E_NOW,
        )
    sign_in(page, base, "clerk", "window-desk-2026")
    check(page, f"{base}/counter/calls")
    with live_server.app.app_context():
        [row] = services.call_list(services.Actor.system(), E2E_NOW)
        services.mark_called(services.Actor.system(), notification_id=row.id, now=E2E_NOW)
    submit(page, "電話した（済み）")
    check(page)
    assert "記録済み" in page.content()
