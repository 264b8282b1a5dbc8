"""At the counter a slot the town uses shows the block's kind (行政使用), not
"booked by someone else"."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.counter.conftest import NOW, get_page, text_of
from tests.factories import SYSTEM


def test_the_choose_page_names_the_kind_of_a_staff_block(clerk):
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    whole = next(u for u in gym.units if u.code == "whole")
    evening = next(b for b in gym.time_blocks if b.code == "evening")
    services.create_block(
        SYSTEM,
        services.BlockRequest(
            unit_id=whole.id, date=date(2026, 12, 16), block_ids=[evening.id], kind="school"
        ),
        now=NOW,
    )
    person = services.find_residents("山田")[0]
    soup = get_page(clerk, f"/counter/residents/{person.id}/book?unit={whole.id}&day=2026-12-16")
    text = text_of(soup)
    assert "行政使用：学校使用" in text
    assert "他の方が予約済み" not in text
