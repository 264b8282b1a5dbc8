"""By phone, a day the town uses (a staff block, 行政使用) is said as 使用できません, not
as booked, and the next free time is offered."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.phone.test_calls import block_id, signed_in, unit_id
from tests.factories import SYSTEM, at


def test_a_day_the_town_uses_is_said_to_be_unavailable_and_the_next_time_offered(call, town):
    services.create_block(
        SYSTEM,
        services.BlockRequest(
            unit_id=unit_id("town-gym", "whole"),
            date=date(2026, 12, 16),
            block_ids=[block_id("town-gym", b) for b in ("morning", "afternoon", "evening")],
            kind="town_event",
        ),
        now=at(2026, 12, 1, 9, 30),
    )
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("1216")
    text = simulator.last.text
    assert "12月16日、水曜日ですね。その日は、使用できません。" in text
    assert "空いている時間がありません" not in text
    assert "12月17日、木曜日、午前9時《くじ》から正午まで、空いています。" in text
