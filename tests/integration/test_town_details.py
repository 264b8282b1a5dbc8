"""What the core tells every channel before and after booking, on both databases: the
facility's details (edited by admins, audited), the payment terms of a quote and of a
reservation, when a day's booking opens, why a day is full, and whether the
cancellation deadline of a quote has already passed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import ErrorCode, Forbidden, InputProblem, InvalidInput
from reservations.models import AuditEntry
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)


def test_an_admin_edits_a_facilitys_details_and_the_audit_trail_keeps_the_change(any_app):
    gym = make_facility("gym")
    admin = services.Actor.staff(make_staff("admin").id)
    services.update_facility_details(
        admin,
        facility_id=gym.id,
        details={
            "address": " 本町1-2-3 ",
            "phone": "０１６６-００-０２００",
            "directions": "バス\n徒歩3分",
        },
        now=NOW,
    )
    facility = services.get_facility(gym.id)
    assert (facility.address, facility.phone) == ("本町1-2-3", "0166-00-0200")
    assert facility.directions == "バス\n徒歩3分"  # lines kept where a detail may have them
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "facility.details")
    ).one()
    assert entry.subject == f"facility:{gym.id}"


def test_a_clerk_cannot_edit_facility_details(any_app):
    gym = make_facility("gym")
    clerk = services.Actor.staff(make_staff("clerk").id)
    with pytest.raises(Forbidden):
        services.update_facility_details(
            clerk, facility_id=gym.id, details={"address": "x"}, now=NOW
        )
    assert services.get_facility(gym.id).address == ""


@pytest.mark.parametrize(
    ("details", "field", "problem"),
    [
        ({"phone": "12345"}, "phone", InputProblem.INVALID),
        ({"map_url": "javascript:alert(1)"}, "map_url", InputProblem.FORMAT),
        ({"hours": "x" * 1001}, "hours", InputProblem.TOO_LONG),
        ({"capacity": "1"}, "capacity", InputProblem.UNKNOWN),
    ],
)
def test_bad_facility_details_change_nothing(any_app, details, field, problem):
    gym = make_facility("gym")
    admin = services.Actor.staff(make_staff("admin").id)
    with pytest.raises(InvalidInput) as refused:
        services.update_facility_details(
            admin, facility_id=gym.id, details={"address": "本町", **details}, now=NOW
        )
    assert refused.value.code == ErrorCode.INVALID_INPUT
    assert (refused.value.params["field"], refused.value.params["problem"]) == (field, problem)
    assert services.get_facility(gym.id).address == ""


def test_payment_terms_say_where_how_and_by_when_to_pay_and_that_cancelling_is_free(any_app):
    gym = make_facility("gym", cancel_days_before=3)
    resident = make_resident()
    unit, morning = unit_of(gym, "whole"), block_of(gym, "morning")
    quote = services.quote(unit.id, date(2026, 12, 16), [morning.id], resident_id=resident.id)
    terms = services.payment_terms(quote)
    assert terms.state == services.PaymentState.TO_PAY and terms.fee_yen == 1000
    assert terms.place == services.PaymentPlace.COUNTER
    assert terms.methods == (services.PaymentMethod.CASH,)
    assert terms.due_by == quote.start_at and terms.cancel.last_day == date(2026, 12, 13)
    assert terms.cancellation_fee_yen == 0
    reservation = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit.id,
        day=date(2026, 12, 16),
        block_ids=[morning.id],
        now=NOW,
    )
    assert services.payment_terms(reservation).state == services.PaymentState.TO_PAY
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=reservation.id,
        status=services.PAID,
        now=NOW,
    )
    paid = services.get_reservation(services.Actor.system(), reservation.id)
    assert services.payment_terms(paid).state == services.PaymentState.PAID


def test_a_free_booking_has_nothing_to_pay(any_app):
    gym = make_facility("gym", resident_yen=0, nonresident_yen=0)
    quote = services.quote(
        unit_of(gym, "whole").id, date(2026, 12, 16), [block_of(gym, "morning").id]
    )
    assert services.payment_terms(quote).state == services.PaymentState.NOTHING_TO_PAY


def test_a_quote_says_when_its_cancellation_deadline_has_already_passed(any_app):
    gym = make_facility("gym", cancel_days_before=3)
    unit, morning = unit_of(gym, "whole"), block_of(gym, "morning")
    quote = services.quote(unit.id, date(2026, 12, 3), [morning.id])
    assert quote.cancel_deadline_passed(NOW)  # the last day to cancel was 30 November
    later = services.quote(unit.id, date(2026, 12, 16), [morning.id])
    assert not later.cancel_deadline_passed(NOW)


def test_a_day_not_open_yet_says_when_it_opens_and_a_full_day_says_why(any_app):
    gym = make_facility("gym")  # dates in month M open on the 1st of M-2 at 9:00
    unit, morning = unit_of(gym, "whole"), block_of(gym, "morning")
    [february] = services.availability(unit.id, date(2027, 2, 3), date(2027, 2, 3), now=NOW)
    assert february.full_reason is None and february.opens_at is None  # opened at 9:00
    [march] = services.availability(unit.id, date(2027, 3, 3), date(2027, 3, 3), now=NOW)
    assert march.full_reason == services.FullReason.NOT_OPEN_YET
    assert march.opens_at == at(2027, 1, 1, 9)
    resident = make_resident()
    for block in gym.time_blocks:
        services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=unit.id,
            day=date(2026, 12, 16),
            block_ids=[block.id],
            now=NOW,
        )
    [full] = services.availability(unit.id, date(2026, 12, 16), date(2026, 12, 16), now=NOW)
    assert full.full_reason == services.FullReason.TAKEN and full.opens_at is None
    [free] = services.availability(unit.id, date(2026, 12, 17), date(2026, 12, 17), now=NOW)
    assert free.full_reason is None
    assert morning.id in {cell.block.id for cell in free.blocks if cell.bookable}


def test_the_counter_details_come_from_the_apps_settings(any_app):
    details = services.counter_details()
    assert details.phone == "0166-00-0111" and details.phone_uri == "tel:+81166000111"
    assert services.counter_open(at(2026, 12, 1, 10))
    assert not services.counter_open(at(2026, 12, 6, 10))  # a Sunday
