"""A refusal the resident meets on the web that no other web test drives: booking not
open yet, with the moment it opens. (Slot taken, limit reached, booking closed, too late
to cancel and a locked sign-in are in test_booking.py and test_sign_in_and_session.py.)"""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.web.conftest import NOW
from tests.channels.web.test_booking import block_ids, choose, gym_whole, sign_in

OPENS = {"ja": "2026年12月15日(火) 9:00", "en": "Tue 15 December 2026 9:00"}


def test_a_non_resident_hears_when_their_booking_opens(visitor, locale, town):
    """February opened for the town's residents on 1 December; for others, two weeks
    later. The availability shown before signing in is a resident's."""
    gym, whole = gym_whole()
    choose(visitor, whole, date(2027, 2, 3), block_ids(gym, "morning"))
    outsider = next(r for r in town.residents if "non-resident" in r.note)
    sign_in(visitor, outsider)
    assert visitor.path == "/confirm"
    [message] = visitor.error_summary()
    assert OPENS[locale] in message
    assert visitor.soup.find("main").find("form", method="post") is None
    resident = services.find_residents(outsider.registration_no)[0]
    assert services.reservations_of(resident.id, now=NOW).upcoming == []


def test_a_paused_resident_reads_until_when_and_where_to_book(visitor, locale, town, app):
    from dataclasses import replace

    from reservations.settings import NoShowRule
    from tests.factories import at

    app.extensions["reservations"] = replace(
        app.extensions["reservations"], no_shows=NoShowRule(limit=1, months=6, days=30)
    )
    line = town.residents[0]
    hana = services.find_residents(line.registration_no)[0]
    gym, whole = gym_whole()
    missed = services.book(
        services.Actor.system(),
        resident_id=hana.id,
        unit_id=whole.id,
        day=date(2026, 11, 28),
        block_ids=block_ids(gym, "morning"),
        now=at(2026, 11, 1, 10),
    )
    services.record_use(
        services.Actor.system(),
        reservation_id=missed.id,
        state=services.UseState.NO_SHOW,
        now=at(2026, 11, 28, 12),
    )
    choose(visitor, whole, date(2026, 12, 16), block_ids(gym, "morning"))
    sign_in(visitor, line)
    [message] = visitor.error_summary()
    until = {"ja": "2026年12月28日(月)", "en": "Mon 28 December 2026"}[locale]
    assert until in message
    assert visitor.soup.find("main").find("form", method="post") is None
    assert [r.id for r in services.reservations_of(hana.id, now=NOW).upcoming] == []
