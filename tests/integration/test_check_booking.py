"""check_booking: the confirm page's preview of what book() would decide."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import services
from reservations.db import db
from reservations.errors import (
    BlocksNotConsecutive,
    ErrorCode,
    FacilityClosed,
    InPast,
    LimitReached,
    OutsideWindow,
    SlotTaken,
)
from reservations.models import Reservation
from tests.factories import at, block_of, make_category, make_facility, make_resident, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


@pytest.fixture
def gym(app):
    return make_facility("gym", closed_weekdays="0")


def check(resident, facility, unit="whole", blocks=("morning",), day=DAY, now=NOW):
    return services.check_booking(
        resident_id=resident.id,
        unit_id=unit_of(facility, unit).id,
        day=day,
        block_ids=[block_of(facility, b).id for b in blocks],
        now=now,
    )


def test_check_booking_quotes_for_the_resident_and_writes_nothing(gym):
    outsider = make_resident(is_resident=False)
    quote = check(outsider, gym, blocks=("afternoon", "morning"), day=date(2027, 1, 20))
    assert [b.code for b in quote.blocks] == ["morning", "afternoon"]
    assert quote.fee.fee_yen == 4000  # the non-resident rate
    assert db.session.query(Reservation).count() == 0


def test_check_booking_says_what_book_would_refuse(gym):
    resident = make_resident()
    with pytest.raises(FacilityClosed):
        check(resident, gym, day=date(2026, 12, 14))  # a Monday
    with pytest.raises(InPast):
        check(resident, gym, day=date(2026, 12, 1))
    with pytest.raises(OutsideWindow) as error:
        check(resident, gym, day=date(2027, 3, 3))
    assert error.value.code == ErrorCode.NOT_OPEN_YET
    with pytest.raises(BlocksNotConsecutive):
        check(resident, gym, blocks=("morning", "evening"))


def test_check_booking_sees_a_slot_taken_through_another_unit(gym):
    holder = make_resident()
    services.book(
        services.Actor.resident(holder.id, "web"),
        resident_id=holder.id,
        unit_id=unit_of(gym, "half-a").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    with pytest.raises(SlotTaken):
        check(make_resident(), gym, unit="whole")
    assert check(make_resident(), gym, unit="half-b").fee.fee_yen == 1000


def test_check_booking_applies_the_limit_per_category(app):
    category = make_category("small", max_active=1)
    gym = make_facility("gym", category=category)
    resident = make_resident()
    services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    with pytest.raises(LimitReached):
        check(resident, gym, blocks=("evening",))


def test_cancel_deadline_has_passed_at_the_midnight_that_ends_the_last_day(gym):
    deadline = services.quote(unit_of(gym, "whole").id, DAY, [block_of(gym, "morning").id]).cancel
    assert deadline.last_day == date(2026, 12, 13)
    assert not deadline.has_passed(at(2026, 12, 13, 23, 59, 59))
    assert deadline.has_passed(at(2026, 12, 14))
