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
