"""Refunds (還付) on both databases: a cancelled paid booking owes what the core's rule
gives back (the town's reason in full, otherwise by days before the date of use), staff
pay it out once, and the accountant's month adds up."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import Forbidden, InvalidInput, NotAllowed, NotAllowedProblem
from reservations.models import AuditEntry, Refund
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)  # a Wednesday; the morning costs 1,000 yen


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def clerk(any_app):
    return services.Actor.staff(make_staff("clerk").id)


def paid_booking(gym, clerk, resident=None, block="morning"):
    resident = resident or make_resident()
    hold = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )
    return services.record_payment(clerk, reservation_id=hold.id, status=services.PAID, now=NOW)


def staff_cancel(clerk, reservation, now, **kwargs):
    return services.cancel(
        clerk, reservation_id=reservation.id, now=now, reason="電話で取消の依頼", **kwargs
    )


def test_a_resident_cancelling_a_week_or_more_before_is_owed_everything(gym, clerk):
    booking = paid_booking(gym, clerk)
    quote = services.refund_quote(booking, at(2026, 12, 5, 9))
    assert (quote.paid_yen, quote.percent, quote.amount_yen) == (1000, 100, 1000)
    services.cancel(
        services.Actor.resident(booking.resident_id, "web"),
        reservation_id=booking.id,
        now=at(2026, 12, 5, 9),
    )
    refund = services.refund_for(booking.id)
    assert (refund.amount_yen, refund.percent, refund.days_before) == (1000, 100, 11)
    assert refund.status == services.REFUND_OWED and not refund.town_reason
    assert refund.owed_at == at(2026, 12, 5, 9)
    [entry] = db.session.scalars(sa.select(AuditEntry).filter_by(action="refund.owe")).all()
    assert entry.after["amount_yen"] == 1000


def test_a_cancellation_three_days_before_is_owed_half(gym, clerk):
    booking = paid_booking(gym, clerk)
    staff_cancel(clerk, booking, at(2026, 12, 13, 9))
    refund = services.refund_for(booking.id)
    assert (refund.amount_yen, refund.percent, refund.days_before) == (500, 50, 3)


def test_a_cancellation_on_the_day_is_owed_nothing_and_records_nothing(gym, clerk):
    booking = paid_booking(gym, clerk)
    assert services.refund_quote(booking, at(2026, 12, 16, 8)).amount_yen == 0
    staff_cancel(clerk, booking, at(2026, 12, 16, 8))
    assert services.refund_for(booking.id) is None


def test_the_towns_reason_is_refunded_in_full_even_on_the_day_before(gym, clerk):
    booking = paid_booking(gym, clerk)
    admin = services.Actor.staff(make_staff("admin").id)
    staff_cancel(admin, booking, at(2026, 12, 15, 9), by_town=True)
    refund = services.refund_for(booking.id)
    assert (refund.amount_yen, refund.percent, refund.town_reason) == (1000, 100, True)


def test_nothing_paid_nothing_owed(gym, clerk):
    resident = make_resident()
    hold = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    assert services.refund_quote(hold, NOW) is None
    staff_cancel(clerk, hold, NOW)
    assert services.refund_for(hold.id) is None


def test_staff_pay_a_refund_out_once(gym, clerk):
    booking = paid_booking(gym, clerk)
    staff_cancel(clerk, booking, at(2026, 12, 5, 9))
    refund = services.refund_for(booking.id)
    with pytest.raises(InvalidInput):
        services.pay_out_refund(clerk, refund_id=refund.id, method="bitcoin", now=at(2026, 12, 6))
    with pytest.raises(Forbidden):
        services.pay_out_refund(
            services.Actor.resident(booking.resident_id, "web"),
            refund_id=refund.id,
            method="cash",
            now=at(2026, 12, 6),
        )
    paid = services.pay_out_refund(clerk, refund_id=refund.id, method="cash", now=at(2026, 12, 6))
    assert paid.status == services.REFUND_PAID and paid.method == "cash"
    assert paid.paid_out_at == at(2026, 12, 6) and paid.paid_out_by_staff_id == clerk.staff_id
    with pytest.raises(NotAllowed) as error:
        services.pay_out_refund(clerk, refund_id=refund.id, method="cash", now=at(2026, 12, 7))
    assert error.value.params["problem"] == NotAllowedProblem.REFUND_PAID_OUT
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).filter_by(action="refund.pay_out")
        )
        == 1
    )


def test_the_database_refuses_a_refund_above_what_was_paid(gym, clerk):
    booking = paid_booking(gym, clerk)
    db.session.add(
        Refund(
            reservation_id=booking.id,
            paid_yen=1000,
            amount_yen=1001,
            percent=100,
            town_reason=False,
            days_before=3,
            status="owed",
            owed_at=NOW,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_accountants_month_adds_up(gym, clerk):
    first = paid_booking(gym, clerk, block="morning")
    second = paid_booking(gym, clerk, block="afternoon")
    staff_cancel(clerk, first, at(2026, 12, 5, 9))
    staff_cancel(clerk, second, at(2026, 12, 13, 9))
    owed_first = services.refund_for(first.id)
    services.pay_out_refund(
        clerk, refund_id=owed_first.id, method="transfer", now=at(2027, 1, 5, 10)
    )
    december = services.refunds_in_month(clerk, year=2026, month=12)
    assert [r.reservation_id for r in december.refunds] == [first.id, second.id]
    assert (december.owed_yen, december.paid_out_yen, december.outstanding_yen) == (
        owed_first.amount_yen + services.refund_for(second.id).amount_yen,
        0,
        owed_first.amount_yen + services.refund_for(second.id).amount_yen,
    )
    january = services.refunds_in_month(clerk, year=2027, month=1)
    assert [r.reservation_id for r in january.refunds] == [first.id]
    assert (january.owed_yen, january.paid_out_yen) == (0, owed_first.amount_yen)
    assert january.outstanding_yen == services.refund_for(second.id).amount_yen
    with pytest.raises(InvalidInput):
        services.refunds_in_month(clerk, year=2026, month=13)


@pytest.mark.parametrize("run", range(2))
def test_two_clerks_paying_out_one_refund_at_once_pay_it_once(any_app, gym, clerk, run):
    booking = paid_booking(gym, clerk)
    staff_cancel(clerk, booking, at(2026, 12, 5, 9))
    refund_id = services.refund_for(booking.id).id
    other = services.Actor.staff(make_staff("clerk").id)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def pay(actor):
        with any_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes.append(
                    services.pay_out_refund(
                        actor, refund_id=refund_id, method="cash", now=at(2026, 12, 6)
                    ).id
                )
            except NotAllowed as error:
                outcomes.append(error.params["problem"])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay, args=(actor,)) for actor in (clerk, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, outcomes)) == sorted([str(refund_id), NotAllowedProblem.REFUND_PAID_OUT])
