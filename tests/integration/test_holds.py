"""Holds (仮予約) until payment, on both databases: a fee booking is a hold that claims
its slots and counts toward limits; payment confirms it with a permit; an unpaid hold
is cancelled by the worker as unpaid; the worker and a clerk racing for one hold."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    Forbidden,
    HoldExpired,
    LimitReached,
    NotAllowed,
    NotAllowedProblem,
    ReasonRequired,
    SlotTaken,
)
from reservations.models import AuditEntry, Notification, Reservation, SlotClaim
from tests.factories import (
    at,
    block_of,
    make_category,
    make_exemption,
    make_facility,
    make_resident,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)
DUE = at(2026, 12, 9)  # 7 days after booking: paid by the end of 12月8日


@pytest.fixture
def gym(any_app):
    return make_facility("gym", category=make_category("gym", max_active=2))


def book(resident, gym, block="morning", unit="whole", now=NOW, day=DAY):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=now,
    )


def clerk():
    return services.Actor.staff(make_staff("clerk").id)


def admin():
    return services.Actor.staff(make_staff("admin").id)


def claims_of(reservation) -> int:
    db.session.rollback()
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).where(SlotClaim.reservation_id == reservation.id)
    )


def test_a_fee_booking_is_a_hold_due_by_the_rule_and_claims_its_slots(gym):
    resident = make_resident()
    hold = book(resident, gym)
    assert hold.status == services.HELD and hold.payment_due_at == DUE
    assert hold.permit_number is None and claims_of(hold) == 2
    terms = services.hold_terms(hold, NOW)
    assert (terms.last_day, terms.fee_yen, terms.overdue) == (date(2026, 12, 8), 1000, False)
    with pytest.raises(SlotTaken):
        book(make_resident(), gym, unit="half-a")


def test_holds_count_toward_the_limit(gym):
    resident = make_resident()
    book(resident, gym, "morning")
    book(resident, gym, "afternoon")
    with pytest.raises(LimitReached):
        book(resident, gym, "evening")


def test_an_exempt_booking_skips_the_hold_and_has_its_permit(gym):
    make_exemption("disability", 100)
    resident = make_resident(exemption_code="disability")
    booked = book(resident, gym)
    assert booked.status == services.CONFIRMED and booked.payment_status == services.EXEMPT
    assert booked.payment_due_at is None and len(booked.permit_number) == 8


def test_a_zero_fee_booking_skips_the_hold(any_app):
    free = make_facility("room", resident_yen=0, nonresident_yen=0)
    booked = book(make_resident(), free)
    assert booked.status == services.CONFIRMED and booked.permit_number


def test_paying_at_the_counter_confirms_the_hold_and_issues_a_permit(gym):
    hold = book(make_resident(), gym)
    paid = services.record_payment(
        clerk(), reservation_id=hold.id, status=services.PAID, now=at(2026, 12, 8, 17)
    )
    assert paid.status == services.CONFIRMED and paid.payment_status == services.PAID
    assert paid.payment_due_at is None and len(paid.permit_number) == 8
    with pytest.raises(NotAllowed) as twice:
        services.record_payment(clerk(), reservation_id=hold.id, status=services.PAID, now=NOW)
    assert twice.value.params["problem"] == NotAllowedProblem.NOT_UNPAID


def test_a_hold_that_expired_a_second_ago_cannot_be_paid(gym):
    hold = book(make_resident(), gym)
    with pytest.raises(HoldExpired) as expired:
        services.record_payment(clerk(), reservation_id=hold.id, status=services.PAID, now=DUE)
    assert expired.value.params["number"] == hold.number
    assert services.find_reservation(hold.number).status == services.HELD  # unchanged


def test_an_admin_extends_a_due_time_with_a_reason_even_when_overdue(gym):
    hold = book(make_resident(), gym)
    later = at(2026, 12, 10, 9)
    with pytest.raises(ReasonRequired):
        services.extend_hold(
            admin(), reservation_id=hold.id, last_day=date(2026, 12, 12), reason=" ", now=later
        )
    with pytest.raises(Forbidden):
        services.extend_hold(
            clerk(), reservation_id=hold.id, last_day=date(2026, 12, 12), reason="入院", now=later
        )
    extended = services.extend_hold(
        admin(), reservation_id=hold.id, last_day=date(2026, 12, 12), reason="入院中", now=later
    )
    assert extended.payment_due_at == at(2026, 12, 13)
    assert extended.due_extension_reason == "入院中"
    assert services.expire_holds(at(2026, 12, 12, 12)) == []
    paid = services.record_payment(
        clerk(), reservation_id=hold.id, status=services.PAID, now=at(2026, 12, 12, 16)
    )
    assert paid.status == services.CONFIRMED


def test_the_worker_cancels_an_unpaid_hold_as_unpaid_by_the_system(gym):
    mobile = make_resident(phone="090-1234-5678")
    hold = book(mobile, gym)
    assert services.expire_holds(at(2026, 12, 8, 23, 59)) == []
    [expired] = services.expire_holds(DUE)
    assert expired.id == hold.id
    db.session.rollback()
    db.session.expire_all()
    again = services.find_reservation(hold.number)
    assert (
        again.status == services.CANCELLED
        and again.cancel_reason_kind == services.CancelReasonKind.UNPAID
    )
    assert claims_of(hold) == 0
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.expire_hold")
    ).one()
    assert entry.channel == "cli" and entry.actor_staff_id is None
    assert entry.actor_resident_id is None and entry.on_behalf_of_id == mobile.id
    kinds = db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [services.RESERVATION_BOOKED, services.HOLD_EXPIRED]
    with pytest.raises(HoldExpired):
        services.record_payment(clerk(), reservation_id=hold.id, status=services.PAID, now=DUE)
    # The slot is free again.
    assert book(make_resident(), gym).status == services.HELD


def test_the_resident_is_reminded_the_day_before_the_due_time_once(gym):
    mobile = make_resident(phone="090-1234-5678")
    book(mobile, gym)
    assert services.remind_holds(at(2026, 12, 7, 23, 59)) == []
    [reminded] = services.remind_holds(at(2026, 12, 8, 0, 0))
    assert services.remind_holds(at(2026, 12, 8, 12)) == []
    db.session.rollback()
    db.session.expire_all()
    kinds = db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [services.RESERVATION_BOOKED, services.HOLD_REMINDER]
    assert reminded.reminded_at == at(2026, 12, 8)


def test_the_counter_lists_holds_due_today_and_overdue(gym):
    first = book(make_resident(), gym, "morning")  # due by the end of 12/8
    second = book(make_resident(), gym, "afternoon", now=at(2026, 12, 2, 10))  # by 12/9
    book(make_resident(), gym, "evening", now=at(2026, 12, 3, 10))  # by 12/10
    listed = services.holds_due(at(2026, 12, 9, 9))
    assert [r.number for r in listed] == [first.number, second.number]


# ------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("run", range(3))
def test_the_worker_expiring_a_hold_while_the_clerk_records_its_payment(any_app, gym, run):
    """Exactly one wins: the hold is either paid (and the worker expires nothing) or
    cancelled as unpaid (and the clerk hears HoldExpired); never both, never neither."""
    hold = book(make_resident(), gym)
    staff = clerk()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run_in_app(name, action):
        with any_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[name] = action()
            except Exception as error:  # noqa: BLE001 - inspected below
                outcomes[name] = error
            finally:
                db.session.remove()

    def pay():
        return services.record_payment(
            staff, reservation_id=hold.id, status=services.PAID, now=at(2026, 12, 8, 23, 59, 59)
        )

    def expire():
        return services.expire_holds(DUE)

    threads = [
        threading.Thread(target=run_in_app, args=("clerk", pay)),
        threading.Thread(target=run_in_app, args=("worker", expire)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()
    db.session.expire_all()
    final = services.find_reservation(hold.number)
    if isinstance(outcomes["clerk"], Reservation):
        assert outcomes["worker"] == [] or all(r.id != hold.id for r in outcomes["worker"])
        assert final.status == services.CONFIRMED and claims_of(final) == 2
    else:
        assert isinstance(outcomes["clerk"], HoldExpired), outcomes
        assert [r.id for r in outcomes["worker"]] == [hold.id]
        assert final.status == services.CANCELLED and claims_of(final) == 0
        assert final.payment_status == services.UNPAID
