"""The statistics against figures computed by hand, on both databases: occupancy in
part-blocks (a half court is half the court; closures and staff blocks leave the
supply), use rate, channels and the counter's share, who booked, cancellations, fees
and exemptions; bad periods; who may see them; a bounded number of statements."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db, write_transaction
from reservations.errors import Forbidden, InvalidRange, NotFound
from reservations.models import (
    Reservation,
    ReservationOrigin,
    SlotClaim,
    StaffBlockKind,
)
from tests.factories import (
    at,
    block_of,
    make_exemption,
    make_facility,
    make_resident,
    make_staff,
    unit_of,
)

SYSTEM = services.Actor.system()
BOOKED_AT = at(2026, 12, 16, 10)
WEEK = services.Period(start=date(2027, 2, 1), end=date(2027, 2, 7))  # Monday to Sunday
TODAY = date(2027, 2, 10)
MON, TUE, WED, THU = (date(2027, 2, d) for d in (1, 2, 3, 4))


def book(gym, resident, day, block, unit="whole", channel="web", actor=None):
    return services.book(
        actor or services.Actor.resident(resident.id, channel),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=BOOKED_AT,
    )


def staff_block(gym, day, block):
    """The town's own use (行政使用) of the whole court, as issue 13's blocks store it."""
    with write_transaction():
        reservation = Reservation(
            number=f"9{day:%m%d}0001",
            unit_id=unit_of(gym, "whole").id,
            date=day,
            start_at=at(day.year, day.month, day.day, 9),
            end_at=at(day.year, day.month, day.day, 12),
            fee_base_yen=0,
            fee_yen=0,
            created_at=BOOKED_AT,
            channel="counter",
            origin=ReservationOrigin.BLOCK,
            block_kind=StaffBlockKind.TOWN_EVENT,
        )
        db.session.add(reservation)
        db.session.flush()
        for part in unit_of(gym, "whole").parts:
            db.session.add(
                SlotClaim(
                    part_id=part.id,
                    date=day,
                    time_block_id=block_of(gym, block).id,
                    reservation_id=reservation.id,
                )
            )


@pytest.fixture
def week(any_app):
    """The hand-computed week (see each test)."""
    gym = make_facility("gym", resident_yen=1000)
    make_exemption("seniors", percent=50)
    clerk = services.Actor.staff(make_staff("clerk").id)
    hana, ichiro, jiro = make_resident(), make_resident(), make_resident(exemption_code="seniors")
    outsider = make_resident(is_resident=False)
    booked = {
        "mon": book(gym, hana, MON, "morning"),  # whole: 2 part-blocks, web
        "tue_a": book(gym, ichiro, TUE, "afternoon", "half-a", "phone"),  # 1, phone
        "tue_b": book(gym, jiro, TUE, "afternoon", "half-b", actor=clerk),  # 1, counter
        "wed": book(gym, outsider, WED, "evening"),  # closed later: not in supply
        "sun": book(gym, hana, date(2027, 2, 7), "evening"),  # cancelled early
    }
    services.cancel(
        services.Actor.resident(hana.id, "web"), reservation_id=booked["sun"].id, now=BOOKED_AT
    )
    services.add_closure(
        SYSTEM, facility_id=gym.id, start=WED, end=WED, reason="点検", now=BOOKED_AT
    )
    staff_block(gym, THU, "morning")
    services.record_payment(
        clerk, reservation_id=booked["mon"].id, status=services.PAID, now=BOOKED_AT
    )
    services.record_payment(
        clerk, reservation_id=booked["tue_b"].id, status=services.PAID, now=BOOKED_AT
    )
    on_the_day = at(2027, 2, 2, 18)
    services.record_use(
        clerk, reservation_id=booked["mon"].id, state=services.UseState.USED, now=on_the_day
    )
    services.record_use(
        clerk, reservation_id=booked["tue_a"].id, state=services.UseState.NO_SHOW, now=on_the_day
    )
    return gym, booked


def figures(period=WEEK, actor=SYSTEM):
    return services.statistics(actor, period, today=TODAY)


def shares(table):
    return {key: (share.part, share.whole) for key, share in table.items()}


def test_occupancy_counts_part_blocks_without_closures_and_staff_blocks(week):
    stats = figures()
    # Supply: 7 days x 3 blocks x 2 halves = 42, less Wednesday's closure (6) and
    # Thursday morning's staff block (2) = 34. Booked: Monday's whole court (2) and
    # Tuesday's two halves (1 + 1); Wednesday's booking is on a closed day.
    assert (stats.occupancy.part, stats.occupancy.whole) == (4, 34)
    assert stats.occupancy.percent == 11.8
    assert shares(stats.occupancy_by_month) == {date(2027, 2, 1): (4, 34)}
    assert shares(stats.occupancy_by_block) == {
        "morning": (2, 10),
        "afternoon": (2, 12),
        "evening": (0, 12),
    }
    by_weekday = shares(stats.occupancy_by_weekday)
    assert by_weekday[0] == (2, 6) and by_weekday[1] == (2, 6)
    assert 2 not in by_weekday and by_weekday[3] == (0, 4)  # Wednesday closed


def test_a_half_court_is_half_the_courts_occupancy(week):
    gym, _ = week
    stats = figures(services.Period(start=TUE, end=TUE, facility_id=gym.id))
    assert shares(stats.occupancy_by_block)["afternoon"] == (2, 2)
    half_a = services.Period(
        start=TUE, end=TUE, facility_id=gym.id, unit_id=unit_of(gym, "half-a").id
    )
    assert shares(figures(half_a).occupancy_by_block) == {
        "morning": (0, 1),
        "afternoon": (1, 1),
        "evening": (0, 1),
    }


def test_use_rate_is_used_of_the_recorded_past_bookings(week):
    use = figures().use
    # Monday used, Tuesday's half A a no-show, half B and Wednesday not recorded.
    assert (use.used, use.no_show, use.unrecorded, use.booked) == (1, 1, 2, 4)
    assert use.use_rate == 50.0


def test_use_rate_by_weekday_and_by_block(week):
    stats = figures()
    uses = {key: (c.used, c.no_show, c.unrecorded) for key, c in stats.use_by_weekday.items()}
    # Monday used; Tuesday one no-show, one not recorded; Wednesday not recorded.
    assert uses == {0: (1, 0, 0), 1: (0, 1, 1), 2: (0, 0, 1)}
    assert stats.use_by_weekday[1].use_rate == 0.0
    # By block only recorded uses count: Monday morning used, Tuesday afternoon not.
    by_block = {code: (c.used, c.no_show) for code, c in stats.use_by_block.items()}
    assert by_block == {"morning": (1, 0), "afternoon": (0, 1)}
    assert list(stats.use_by_block) == ["morning", "afternoon"]


def test_channels_and_the_counters_share(week):
    stats = figures()
    assert stats.by_channel == {"web": 3, "phone": 1, "counter": 1}
    share = stats.counter_share_by_month[date(2027, 2, 1)]
    assert (share.part, share.whole, share.percent) == (1, 5, 20.0)


def test_who_booked(week):
    holders = {(kind.kind, kind.category): count for kind, count in figures().by_holder}
    assert holders == {("resident", None): 4, ("nonresident", None): 1}


def test_cancellations_and_no_shows(week):
    assert figures().cancellations == {
        "early": 1,
        "late": 0,
        "town": 0,
        "unpaid": 0,
        "no_show": 1,
    }


def test_fees_collected_and_exempted_by_category(week):
    fees = {(line.category.code if line.category else None): line for line in figures().fees}
    # Monday paid 1,000 yen; Tuesday's half B (the senior's, 50% off) paid 500.
    assert fees["seniors"].collected_yen == 500 and fees["seniors"].exempted_yen == 500
    assert fees[None].collected_yen == 1000 and fees[None].exempted_yen == 0
    assert fees[None].bookings == 3  # Monday, Tuesday's half A, Wednesday (not cancelled)


def test_a_reversed_or_too_long_period_is_refused(week):
    with pytest.raises(InvalidRange):
        figures(services.Period(start=TUE, end=MON))
    with pytest.raises(InvalidRange) as refused:
        figures(services.Period(start=date(2025, 1, 1), end=date(2027, 2, 1)))
    assert refused.value.params["max_days"] == 731


def test_an_unknown_facility_or_unit_is_refused(week):
    gym, _ = week
    with pytest.raises(NotFound):
        figures(services.Period(start=MON, end=TUE, facility_id=10**6))
    with pytest.raises(NotFound):
        figures(services.Period(start=MON, end=TUE, facility_id=gym.id, unit_id=10**6))


@pytest.mark.parametrize("role", ["clerk", "caretaker"])
def test_only_admins_and_statistics_staff_see_the_figures(week, role):
    with pytest.raises(Forbidden):
        figures(actor=services.Actor.staff(make_staff(role).id))
    figures(actor=services.Actor.staff(make_staff("statistics").id))
    figures(actor=services.Actor.staff(make_staff("admin").id))


def test_the_statements_do_not_grow_with_the_bookings(week):
    gym, _ = week
    statements = []

    def count(*args):
        statements.append(args)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        figures()
        few = len(statements)
        for day in range(8, 28):
            book(gym, make_resident(), date(2027, 2, day), "evening")
        statements.clear()
        figures(services.Period(start=date(2027, 2, 1), end=date(2027, 2, 28)))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= few <= 20


def demanded(stats):
    return [
        (s.unit.code, s.day, s.block.code, s.lottery_applications, s.waitlist_entries)
        for s in stats.demanded_slots
    ]


def test_refunds_and_the_slots_most_waited_for(week):
    gym, booked = week
    clerk = services.Actor.staff(make_staff("clerk").id)
    paid = booked["tue_b"]
    services.cancel(clerk, reservation_id=paid.id, now=BOOKED_AT, reason="ご本人の都合")
    for _ in range(2):
        waiter = make_resident()
        services.join_waitlist(
            services.Actor.resident(waiter.id, "web"),
            resident_id=waiter.id,
            unit_id=unit_of(gym, "whole").id,
            day=MON,
            block_ids=[block_of(gym, "morning").id],
            now=BOOKED_AT,
        )
    stats = figures()
    assert [(line.status, line.refunds, line.amount_yen) for line in stats.refunds] == [
        (services.REFUND_OWED, 1, paid.fee_yen),
        (services.REFUND_PAID, 0, 0),
    ]
    assert stats.waitlist_entries == 2
    assert demanded(stats) == [("whole", MON, "morning", 0, 2)]
    # Outside the period (or another facility's unit) nothing is counted.
    later = figures(services.Period(start=date(2027, 3, 1), end=date(2027, 3, 7)))
    assert later.waitlist_entries == 0 and later.demanded_slots == []
    assert [line.refunds for line in later.refunds] == [0, 0]


def lottery_round(gym):
    """A round for February's whole court and halves, open from 12/1 to 12/10."""
    admin = services.Actor.staff(make_staff("admin").id)
    units = [unit_of(gym, code).id for code in ("whole", "half-a", "half-b")]
    services.define_round(
        admin, code="gym-2027-02", month=date(2027, 2, 1), unit_ids=units, now=BOOKED_AT
    )


def apply(gym, *choices):
    """An application with ranked choices (unit, day, block), made in the period."""
    resident = make_resident()
    return services.apply(
        services.Actor.resident(resident.id, "web"),
        code="gym-2027-02",
        resident_id=resident.id,
        choices=[
            services.ChoiceRequest(unit_of(gym, unit).id, day, (block_of(gym, block).id,))
            for unit, day, block in choices
        ],
        now=at(2026, 12, 3, 10),
    )


def test_demand_against_supply_counts_lottery_choices_and_waitlist_entries_per_slot(week):
    gym, _ = week
    lottery_round(gym)
    sat, sun = date(2027, 2, 6), date(2027, 2, 7)
    apply(gym, ("whole", sat, "morning"), ("whole", sun, "morning"))
    apply(gym, ("whole", sat, "morning"))
    apply(gym, ("half-a", sat, "morning"))
    withdrawn = apply(gym, ("whole", sat, "morning"))  # withdrawn: not demand
    services.withdraw_application(
        services.Actor.resident(withdrawn.resident_id, "web"),
        receipt=withdrawn.receipt_number,
        now=at(2026, 12, 4, 10),
    )
    waiter = make_resident()
    services.join_waitlist(
        services.Actor.resident(waiter.id, "web"),
        resident_id=waiter.id,
        unit_id=unit_of(gym, "whole").id,
        day=MON,
        block_ids=[block_of(gym, "morning").id],
        now=BOOKED_AT,
    )
    stats = figures()
    # Three applications in the draw (4 choices), one waitlist entry; the slots by
    # how many asked for them, then by day: the whole court on Saturday morning twice.
    assert (stats.lottery_applications, stats.waitlist_entries) == (3, 1)
    assert demanded(stats) == [
        ("whole", sat, "morning", 2, 0),
        ("whole", MON, "morning", 0, 1),
        ("half-a", sat, "morning", 1, 0),
        ("whole", sun, "morning", 1, 0),
    ]
    assert [s.requests for s in stats.demanded_slots] == [2, 1, 1, 1]
    # One unit's figures count only its own slots.
    half_a = services.Period(
        start=WEEK.start, end=WEEK.end, facility_id=gym.id, unit_id=unit_of(gym, "half-a").id
    )
    assert demanded(figures(half_a)) == [("half-a", sat, "morning", 1, 0)]
    assert figures(half_a).lottery_applications == 1
