"""A date of a series (定期利用) on the phone: cancelling it says which date of the
series it is and that only this date is cancelled; the other dates stay booked."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.phone.conftest import YAMADA_PHONE
from tests.factories import SYSTEM


def test_cancelling_a_series_date_by_phone_says_only_that_date_is_cancelled(call, town, clock):
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    series = services.create_series(
        SYSTEM,
        services.SeriesRequest(
            unit_id=next(u for u in gym.units if u.code == "whole").id,
            weekdays=[3],  # Thursdays
            block_ids=[next(b for b in gym.time_blocks if b.code == "evening").id],
            first_date=date(2027, 1, 7),
            last_date=date(2027, 2, 4),
            resident_id=services.find_residents(town.yamada.registration_no)[0].id,
        ),
        now=clock.now,
    )
    simulator = call(YAMADA_PHONE)
    for key in (town.yamada.pin, "4", "1"):
        simulator.press(key)
    said = simulator.last.text
    assert "のご予約を取り消します" in said
    assert "回のうち1回目です。この日だけを取り消します" in said
    simulator.press("1")
    assert "ご予約を取り消しました" in simulator.last.text
    statuses = [r.status for r in services.get_series(series.id).reservations]
    assert statuses.count("cancelled") == 1 and statuses.count("confirmed") == 4
