"""Exemptions per booking (減免) on both databases: the core decides each booking's from
the category of the person or group it is for, the group's purpose and the evidence
with its valid-until date; staff grant or refuse one booking's, with a reason."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import FeeSettled, Forbidden, InvalidInput, ReasonRequired
from reservations.models import AuditEntry, ExemptionBasis
from tests.factories import (
    SYSTEM,
    at,
    block_of,
    make_exemption,
    make_facility,
    make_group,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


@pytest.fixture
def gym(any_app):
    make_exemption("seniors", 50)
    make_exemption("youth_club", 100)
    return make_facility("gym")


@pytest.fixture
def clerk(any_app):
    return services.Actor.staff(make_staff().id)


def resident_with(exemption: str, valid_until: date | None):
    resident, _ = services.register_resident(
        SYSTEM,
        name="障害 のある方",
        name_kana="しょうがい のあるかた",
        phone=None,
        district="本町",
        is_resident=True,
        exemption_code=exemption,
        exemption_evidence="disability_certificate",
        exemption_valid_until=valid_until,
        now=NOW,
    )
    return resident


def book(gym, resident_id, *, group_id=None, day=DAY, block="morning"):
    return services.book(
        services.Actor.resident(resident_id, "web"),
        resident_id=resident_id,
        group_id=group_id,
        unit_id=unit_of(gym, "whole").id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
    )


def test_a_residents_category_exempts_their_booking_while_the_evidence_holds(gym):
    person = resident_with("seniors", date(2026, 12, 16))
    within = book(gym, person.id, day=date(2026, 12, 16))
    assert (within.exemption_percent, within.fee_yen, within.exemption_basis) == (
        50,
        500,
        ExemptionBasis.CATEGORY,
    )
    assert (within.exemption_evidence, within.exemption_valid_until) == (
        "disability_certificate",
        date(2026, 12, 16),
    )
    after = book(gym, person.id, day=date(2026, 12, 17))
    assert (after.exemption_percent, after.fee_yen, after.exemption_basis) == (
        0,
        1000,
        ExemptionBasis.EVIDENCE_EXPIRED,
    )


def test_the_quote_says_how_the_exemption_was_decided(gym):
    person = resident_with("seniors", None)
    quote = services.quote(
        unit_of(gym, "whole").id, DAY, [block_of(gym, "morning").id], resident_id=person.id
    )
    assert (quote.exemption.basis, quote.exemption.category.code, quote.fee.fee_yen) == (
        ExemptionBasis.CATEGORY,
        "seniors",
        500,
    )


def test_a_category_that_does_not_cover_the_groups_purpose_exempts_nothing(any_app, gym):
    from reservations.db import write_transaction
    from reservations.models import ExemptionCategory

    with write_transaction():
        kids = db.session.scalar(sa.select(ExemptionCategory).filter_by(code="youth_club"))
        kids.purposes = "sport,culture"
    fundraising = make_group(purpose="community", category_code="youth_club")
    member = services.get_group(fundraising.id).members[2].resident
    reservation = book(gym, member.id, group_id=fundraising.id)
    assert (reservation.exemption_basis, reservation.fee_yen) == (
        ExemptionBasis.PURPOSE_NOT_COVERED,
        1000,
    )


def test_staff_refuse_and_grant_one_bookings_exemption_with_a_reason(gym, clerk):
    person = resident_with("seniors", None)
    reservation = book(gym, person.id)
    with pytest.raises(ReasonRequired):
        services.set_booking_exemption(
            clerk, reservation_id=reservation.id, category_code=None, reason="  ", now=NOW
        )
    refused = services.set_booking_exemption(
        clerk,
        reservation_id=reservation.id,
        category_code=None,
        reason="営利目的の利用と確認",
        now=NOW,
    )
    assert (refused.exemption_basis, refused.exemption_percent, refused.fee_yen) == (
        ExemptionBasis.STAFF_REFUSED,
        0,
        1000,
    )
    granted = services.set_booking_exemption(
        clerk,
        reservation_id=reservation.id,
        category_code="youth_club",
        reason="子ども会の行事として共催",
        now=NOW,
    )
    assert (granted.exemption_basis, granted.fee_yen, granted.payment_status) == (
        ExemptionBasis.STAFF_GRANTED,
        0,
        services.EXEMPT,
    )
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "reservation.exemption")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.reason, e.after["fee_yen"]) for e in entries] == [
        ("営利目的の利用と確認", 1000),
        ("子ども会の行事として共催", 0),
    ]
    assert all(e.actor_staff_id == clerk.staff_id for e in entries)


def test_staffs_decision_stays_when_the_booking_is_moved(gym, clerk):
    person = resident_with("seniors", None)
    reservation = book(gym, person.id)
    services.set_booking_exemption(
        clerk, reservation_id=reservation.id, category_code=None, reason="対象外", now=NOW
    )
    moved = services.change(
        clerk,
        reservation_id=reservation.id,
        unit_id=unit_of(gym, "whole").id,
        day=date(2026, 12, 17),
        block_ids=[block_of(gym, "afternoon").id],
        now=NOW,
        reason="本人の希望",
    )
    assert (moved.exemption_basis, moved.fee_yen) == (ExemptionBasis.STAFF_REFUSED, 1000)


def test_a_settled_fee_keeps_its_exemption(gym, clerk):
    person = resident_with("seniors", None)
    reservation = book(gym, person.id)
    services.record_payment(clerk, reservation_id=reservation.id, status=services.PAID, now=NOW)
    with pytest.raises(FeeSettled):
        services.set_booking_exemption(
            clerk, reservation_id=reservation.id, category_code=None, reason="x", now=NOW
        )
    actions = services.reservation_actions(clerk, reservation.id, NOW)
    assert not actions.may_set_exemption


def test_only_staff_decide_an_exemption_and_only_of_a_known_category(gym, clerk):
    person = resident_with("seniors", None)
    reservation = book(gym, person.id)
    with pytest.raises(Forbidden):
        services.set_booking_exemption(
            services.Actor.resident(person.id, "web"),
            reservation_id=reservation.id,
            category_code="youth_club",
            reason="自分で",
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        services.set_booking_exemption(
            clerk, reservation_id=reservation.id, category_code="nonesuch", reason="x", now=NOW
        )
    with pytest.raises(InvalidInput):
        services.set_booking_exemption(
            clerk, reservation_id=reservation.id, category_code=None, reason="x" * 501, now=NOW
        )
    assert services.get_reservation(clerk, reservation.id).fee_yen == 500
