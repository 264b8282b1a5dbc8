"""Use records (利用実績) on both databases: staff mark a booking used or a no-show once,
from its day on; caretakers only at their own facilities, and with the keybox code;
the no-show rule pauses online booking and lifts by itself, the counter books with a
reason; caretakers and statistics staff cannot book."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db, write_transaction
from reservations.errors import (
    AccessCodeWrong,
    AlreadyCancelled,
    Forbidden,
    ForbiddenAction,
    InvalidInput,
    NoShowRestricted,
    ReasonFor,
    ReasonRequired,
    UseAlreadyRecorded,
    UseNotYet,
)
from reservations.models import AuditEntry, Facility, Reservation
from reservations.services.usage import restricted_until
from reservations.settings import NoShowRule
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

SYSTEM = services.Actor.system()
DAY = date(2026, 12, 16)
BOOKED_AT = at(2026, 12, 1, 10)


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


def book(facility, resident, day=DAY, block="morning", unit="whole", channel="web", **kwargs):
    return services.book(
        services.Actor.resident(resident.id, channel),
        resident_id=resident.id,
        unit_id=unit_of(facility, unit).id,
        day=day,
        block_ids=[block_of(facility, block).id],
        now=kwargs.pop("now", BOOKED_AT),
        **kwargs,
    )


def caretaker_of(*facilities):
    caretaker = make_staff("caretaker")
    services.set_caretaker_facilities(
        SYSTEM, staff_id=caretaker.id, facility_ids=[f.id for f in facilities], now=BOOKED_AT
    )
    return services.Actor.staff(caretaker.id)


def clerk():
    return services.Actor.staff(make_staff("clerk").id)


def stored(reservation) -> Reservation:
    db.session.rollback()
    return db.session.get(Reservation, reservation.id)


def test_a_booking_is_marked_used_with_who_and_when(gym):
    reservation = book(gym, make_resident())
    staff = clerk()
    services.record_use(
        staff,
        reservation_id=reservation.id,
        state=services.UseState.USED,
        now=at(2026, 12, 16, 8, 50),
    )
    row = stored(reservation)
    assert (row.use_state, row.use_recorded_at) == ("used", at(2026, 12, 16, 8, 50))
    assert row.use_recorded_by_staff_id == staff.staff_id
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reservation.use"))
    assert entry.after == {"use_state": "used"} and entry.reservation_id == reservation.id


def test_a_use_is_marked_once(gym):
    reservation = book(gym, make_resident())
    staff = clerk()
    after_start = at(2026, 12, 16, 9, 30)
    services.record_use(
        staff, reservation_id=reservation.id, state=services.UseState.NO_SHOW, now=after_start
    )
    for state in services.UseState:
        with pytest.raises(UseAlreadyRecorded) as refused:
            services.record_use(staff, reservation_id=reservation.id, state=state, now=after_start)
        assert refused.value.params["state"] == services.UseState.NO_SHOW
    assert stored(reservation).use_state == "no_show"


def test_a_future_booking_cannot_be_marked(gym):
    reservation = book(gym, make_resident())
    staff = clerk()
    with pytest.raises(UseNotYet):
        services.record_use(
            staff, reservation_id=reservation.id, state=services.UseState.USED, now=BOOKED_AT
        )
    # On its day, before it starts: the key may be handed over, nobody is missing yet.
    with pytest.raises(UseNotYet) as refused:
        services.record_use(
            staff,
            reservation_id=reservation.id,
            state=services.UseState.NO_SHOW,
            now=at(2026, 12, 16, 8, 59),
        )
    assert refused.value.params["starts_at"] == at(2026, 12, 16, 9)
    assert stored(reservation).use_state is None


def test_a_cancelled_booking_cannot_be_marked(gym):
    resident = make_resident()
    reservation = book(gym, resident)
    services.cancel(
        services.Actor.resident(resident.id, "web"), reservation_id=reservation.id, now=BOOKED_AT
    )
    with pytest.raises(AlreadyCancelled):
        services.record_use(
            clerk(),
            reservation_id=reservation.id,
            state=services.UseState.USED,
            now=at(2026, 12, 16, 10),
        )


def test_residents_cannot_mark_use(gym):
    resident = make_resident()
    reservation = book(gym, resident)
    with pytest.raises(Forbidden):
        services.record_use(
            services.Actor.resident(resident.id, "web"),
            reservation_id=reservation.id,
            state=services.UseState.USED,
            now=at(2026, 12, 16, 10),
        )


def test_an_unknown_state_is_refused(gym):
    reservation = book(gym, make_resident())
    with pytest.raises(InvalidInput):
        services.record_use(
            clerk(), reservation_id=reservation.id, state="late", now=at(2026, 12, 16, 10)
        )


# -------------------------------------------------------------------- caretakers


def test_a_caretaker_sees_and_marks_only_their_facilities(gym):
    hall = make_facility("hall")
    caretaker = caretaker_of(gym)
    in_gym, in_hall = book(gym, make_resident()), book(hall, make_resident())
    on_the_day = at(2026, 12, 16, 10)
    assert [f.code for f in services.day_list_facilities(caretaker)] == ["gym"]
    listed = services.day_list(caretaker, day=DAY, facility_id=None, now=on_the_day)
    assert [entry.reservation.id for entry in listed] == [in_gym.id]
    with pytest.raises(Forbidden) as refused:
        services.day_list(caretaker, day=DAY, facility_id=hall.id, now=on_the_day)
    assert refused.value.params["action"] == ForbiddenAction.OTHER_FACILITY
    with pytest.raises(Forbidden):
        services.record_use(
            caretaker, reservation_id=in_hall.id, state=services.UseState.USED, now=on_the_day
        )
    services.record_use(
        caretaker, reservation_id=in_gym.id, state=services.UseState.USED, now=on_the_day
    )
    assert (stored(in_gym).use_state, stored(in_hall).use_state) == ("used", None)


def test_a_caretaker_with_no_facilities_sees_none(gym):
    caretaker = caretaker_of()
    book(gym, make_resident())
    assert services.day_list_facilities(caretaker) == []
    assert services.day_list(caretaker, day=DAY, facility_id=None, now=BOOKED_AT) == []


@pytest.mark.parametrize("role", ["caretaker", "statistics"])
def test_caretakers_and_statistics_staff_cannot_book_or_register(gym, role):
    staff = services.Actor.staff(make_staff(role).id)
    resident = make_resident()
    with pytest.raises(Forbidden):
        services.book(
            staff,
            resident_id=resident.id,
            unit_id=unit_of(gym, "whole").id,
            day=DAY,
            block_ids=[block_of(gym, "morning").id],
            now=BOOKED_AT,
        )
    with pytest.raises(Forbidden):
        services.register_resident(
            staff,
            name="新規 太郎",
            name_kana="しんき たろう",
            phone=None,
            district="本町",
            is_resident=True,
            exemption_code=None,
            pin="2580",
            now=BOOKED_AT,
            allow_duplicate=True,
        )


def test_statistics_staff_cannot_mark_use(gym):
    reservation = book(gym, make_resident())
    with pytest.raises(Forbidden):
        services.record_use(
            services.Actor.staff(make_staff("statistics").id),
            reservation_id=reservation.id,
            state=services.UseState.USED,
            now=at(2026, 12, 16, 10),
        )


def test_only_an_admin_names_a_caretakers_facilities(gym):
    caretaker = make_staff("caretaker")
    with pytest.raises(Forbidden):
        services.set_caretaker_facilities(
            clerk(), staff_id=caretaker.id, facility_ids=[gym.id], now=BOOKED_AT
        )
    with pytest.raises(InvalidInput):
        services.set_caretaker_facilities(
            SYSTEM, staff_id=caretaker.id, facility_ids=[gym.id, 10**6], now=BOOKED_AT
        )


# -------------------------------------------------------------------- keybox codes


@pytest.fixture
def school_gym(any_app):
    facility = make_facility("school-gym")
    with write_transaction():
        db.session.get(Facility, facility.id).uses_access_code = True
    return facility


def test_a_keybox_booking_has_a_four_digit_code(school_gym, gym):
    keybox = book(school_gym, make_resident())
    assert len(keybox.access_code) == 4 and keybox.access_code.isdigit()
    assert book(gym, make_resident()).access_code is None


def test_a_caretaker_marks_a_keybox_booking_used_with_its_code(school_gym):
    reservation = book(school_gym, make_resident())
    caretaker = caretaker_of(school_gym)
    on_the_day = at(2026, 12, 16, 8, 55)
    (entry,) = services.day_list(caretaker, day=DAY, facility_id=school_gym.id, now=on_the_day)
    assert entry.needs_access_code and entry.may_mark_used and not entry.code_locked
    with pytest.raises(InvalidInput):
        services.record_use(
            caretaker, reservation_id=reservation.id, state=services.UseState.USED, now=on_the_day
        )
    services.record_use(
        caretaker,
        reservation_id=reservation.id,
        state=services.UseState.USED,
        now=on_the_day,
        access_code=reservation.access_code,
    )
    assert stored(reservation).use_state == "used"


def test_a_keybox_code_wrong_three_times_is_locked(school_gym):
    reservation = book(school_gym, make_resident())
    caretaker = caretaker_of(school_gym)
    on_the_day = at(2026, 12, 16, 8, 55)
    wrong = "0000" if reservation.access_code != "0000" else "1111"
    left = []
    for _ in range(3):
        with pytest.raises(AccessCodeWrong) as refused:
            services.record_use(
                caretaker,
                reservation_id=reservation.id,
                state=services.UseState.USED,
                now=on_the_day,
                access_code=wrong,
            )
        left.append(refused.value.params["attempts_left"])
    assert left == [2, 1, 0]
    with pytest.raises(AccessCodeWrong) as refused:  # even the right code, now
        services.record_use(
            caretaker,
            reservation_id=reservation.id,
            state=services.UseState.USED,
            now=on_the_day,
            access_code=reservation.access_code,
        )
    assert refused.value.params["attempts_left"] == 0
    row = stored(reservation)
    assert (row.use_state, row.access_code_failures) == (None, 3)
    (entry,) = services.day_list(caretaker, day=DAY, facility_id=school_gym.id, now=on_the_day)
    assert entry.code_locked and not entry.may_mark_used
    # The counter checks the slip instead and records the use.
    services.record_use(
        clerk(), reservation_id=reservation.id, state=services.UseState.USED, now=on_the_day
    )
    assert stored(reservation).use_state == "used"


# -------------------------------------------------------------------- the no-show rule

RULE = NoShowRule(limit=2, months=3, days=30)


def test_the_rule_counts_no_shows_within_the_months():
    assert restricted_until([date(2026, 9, 1), date(2026, 12, 1)], RULE, date(2026, 12, 2)) is None
    assert restricted_until([date(2026, 9, 2), date(2026, 12, 1)], RULE, date(2026, 12, 2)) == date(
        2026, 12, 31
    )
    # Off by default.
    assert restricted_until([date(2026, 12, 1)] * 5, NoShowRule(), date(2026, 12, 2)) is None


def test_the_pause_lifts_by_itself():
    dates = [date(2026, 11, 1), date(2026, 11, 2)]
    assert restricted_until(dates, RULE, date(2026, 12, 2)) == date(2026, 12, 2)
    assert restricted_until(dates, RULE, date(2026, 12, 3)) is None


@pytest.fixture
def rule_on(any_app):
    any_app.extensions["reservations"] = replace(any_app.extensions["reservations"], no_shows=RULE)


def no_shows(facility, resident, days):
    staff = clerk()
    for day in days:
        reservation = book(
            facility, resident, day=day, now=at(2026, 11, 1, 10) - timedelta(days=60)
        )
        services.record_use(
            staff,
            reservation_id=reservation.id,
            state=services.UseState.NO_SHOW,
            now=at(day.year, day.month, day.day, 12),
        )


def test_after_the_no_shows_online_booking_is_paused_until_a_date(gym, rule_on):
    resident = make_resident()
    no_shows(gym, resident, [date(2026, 11, 10), date(2026, 11, 20)])
    standing = services.no_show_standing(resident_id=resident.id, today=date(2026, 12, 1))
    assert standing == services.NoShowStanding(count=2, until=date(2026, 12, 20))
    for channel in ("web", "phone"):
        with pytest.raises(NoShowRestricted) as refused:
            book(gym, resident, channel=channel)
        assert refused.value.params == {"until": date(2026, 12, 20), "count": 2, "months": 3}
    with pytest.raises(NoShowRestricted):
        services.check_booking(
            resident_id=resident.id,
            unit_id=unit_of(gym, "whole").id,
            day=DAY,
            block_ids=[block_of(gym, "morning").id],
            now=BOOKED_AT,
        )
    # Lifted the day after the pause ends.
    later = book(gym, resident, day=date(2027, 1, 6), now=at(2026, 12, 21, 9))
    assert later.is_active


def test_the_counter_books_a_paused_resident_with_a_reason(gym, rule_on):
    resident = make_resident()
    no_shows(gym, resident, [date(2026, 11, 10), date(2026, 11, 20)])
    staff = clerk()
    arguments = dict(
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=BOOKED_AT,
    )
    with pytest.raises(ReasonRequired) as refused:
        services.book(staff, **arguments)
    assert refused.value.params["action"] == ReasonFor.NO_SHOW_RESTRICTION
    done = services.book(staff, **arguments, restriction_reason="体調不良の連絡があったため")
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "reservation.book", AuditEntry.reservation_id == done.id
        )
    )
    assert entry.reason == "体調不良の連絡があったため"


def test_a_group_is_paused_by_its_own_no_shows(gym, rule_on):
    from tests.factories import make_group

    club = make_group()
    member = services.get_group(club.id).members[0].resident
    staff = clerk()
    for day in (date(2026, 11, 10), date(2026, 11, 20)):
        reservation = services.book(
            staff,
            resident_id=member.id,
            group_id=club.id,
            unit_id=unit_of(gym, "whole").id,
            day=day,
            block_ids=[block_of(gym, "morning").id],
            now=at(2026, 9, 1, 10),
        )
        services.record_use(
            staff,
            reservation_id=reservation.id,
            state=services.UseState.NO_SHOW,
            now=at(2026, 11, 30),
        )
    with pytest.raises(NoShowRestricted):
        book(gym, member, group_id=club.id)
    # The member books for themself: their own record is clean.
    assert book(gym, member).is_active
