"""Availability pages kept for visitors who are not signed in: served again only while
nothing was booked, cancelled or closed since and the clock has not changed a cell."""

from __future__ import annotations

from datetime import date

import pytest

from channels.web.page_cache import rendered_pages
from reservations import services
from tests.channels.web.conftest import Visitor
from tests.channels.web.test_booking import block_ids, gym_whole, sign_in

DAY = date(2026, 12, 16)


@pytest.fixture
def guest(app, town):
    return Visitor(app.test_client(), "ja")


def cells_of(visitor, day_label: str) -> list[str]:
    for row in visitor.soup.find("table", class_="availability").tbody.find_all("tr"):
        if row.th.get_text(" ", strip=True).startswith(day_label):
            return [  # each cell's state (a booked one also links to its waiting list)
                td.find(class_="status").get_text(" ", strip=True).split(":")[0].strip()
                for td in row.find_all("td")
            ]
    raise AssertionError(day_label)


def test_a_kept_page_is_served_until_a_booking_changes_the_table(app, guest, town, monkeypatch):
    gym, whole = gym_whole()
    url = f"/units/{whole.id}/availability?week=2026-12-14"
    guest.get(url)
    assert cells_of(guest, "12月16日") == ["空き", "空き", "空き"]
    assert len(rendered_pages()) == 1
    with monkeypatch.context() as patched:  # the second request must not compute the table
        patched.setattr(services, "availability_snapshot", None)
        guest.get(url)
    assert cells_of(guest, "12月16日") == ["空き", "空き", "空き"]
    someone = services.find_residents(town.residents[1].registration_no)[0]
    services.book(
        services.Actor.resident(someone.id, "phone"),
        resident_id=someone.id,
        unit_id=gym.units[1].id,
        day=DAY,
        block_ids=block_ids(gym, "afternoon"),
        now=services.clock_now(),
    )
    guest.get(url)
    assert cells_of(guest, "12月16日") == ["空き", "予約済み", "空き"]


def test_a_kept_page_is_not_served_once_the_clock_changes_a_cell(app, guest, clock):
    _, whole = gym_whole()
    url = f"/units/{whole.id}/availability?week=2026-11-30"
    guest.get(url)
    assert cells_of(guest, "12月1日")[1] == "受付終了"
    clock.advance(hours=3, minutes=1)  # 13:01: the afternoon block has started
    guest.get(url)
    assert cells_of(guest, "12月1日")[1] == "終了"


def test_pages_of_signed_in_residents_and_pages_with_notices_are_not_kept(app, guest, town):
    gym, whole = gym_whole()
    line = town.residents[0]
    resident = services.find_residents(line.registration_no)[0]
    services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=whole.id,
        day=DAY,
        block_ids=block_ids(gym, "morning"),
        now=services.clock_now(),
    )
    sign_in(guest, line)
    guest.get(f"/units/{whole.id}/availability?week=2026-12-14")
    assert cells_of(guest, "12月16日")[0] == "ご自身の予約"
    assert len(rendered_pages()) == 0


def test_each_worker_trusts_the_version_it_read_for_the_freshness_period():
    from channels.web.page_cache import RenderedPages

    clock = [100.0]
    reads = []
    pages = RenderedPages(freshness=1.0, monotonic=lambda: clock[0])

    def read():
        reads.append(clock[0])
        return len(reads)

    assert pages.version(read) == 1
    clock[0] += 0.9
    assert pages.version(read) == 1  # within the second: no round trip
    clock[0] += 0.2
    assert pages.version(read) == 2
    assert reads == [100.0, pytest.approx(101.1)]
    assert RenderedPages(freshness=0, monotonic=lambda: clock[0]).version(read) == 3
