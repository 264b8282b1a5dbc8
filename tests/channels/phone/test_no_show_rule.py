"""The no-show rule on the phone: a caller whose online booking is paused hears until
when, and that the counter's staff can still help; nothing is booked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reservations import services
from reservations.settings import NoShowRule
from tests.channels.phone.test_calls import reservations, signed_in
from tests.factories import at


@pytest.fixture
def paused(phone_app, town):
    phone_app.extensions["reservations"] = replace(
        phone_app.extensions["reservations"], no_shows=NoShowRule(limit=1, months=6, days=30)
    )
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    missed = services.book(
        services.Actor.system(),
        resident_id=town.yamada.id,
        unit_id=gym.units[0].id,
        day=date(2026, 11, 28),
        block_ids=[gym.time_blocks[0].id],
        now=at(2026, 11, 1, 10),
    )
    services.record_use(
        services.Actor.system(),
        reservation_id=missed.id,
        state=services.UseState.NO_SHOW,
        now=at(2026, 11, 28, 12),
    )
    return missed


def test_a_paused_caller_hears_until_when_and_is_offered_the_counter(call, town, paused):
    simulator = signed_in(call, town)
    for key in ("1", "1"):  # the soonest free block, the gym as last time
        simulator.press(key)
    assert "空いています。" in simulator.last.text
    simulator.press("1")  # book it
    said = simulator.last.text
    assert "12月28日" in said and "ご予約をお休みしています" in said
    assert "窓口の担当者へのご相談は0を押してください。" in said
    assert [r.id for r in reservations()] == [paused.id]
