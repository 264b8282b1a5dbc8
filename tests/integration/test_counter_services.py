"""Core additions for the counter: the audit trail query, staff and closure lists, and
the evidence staff record when they grant an exemption."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import rules, services
from reservations.errors import InvalidInput, InvalidRange
from tests.factories import (
    SYSTEM,
    at,
    block_of,
    make_exemption,
    make_facility,
    make_resident,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


def staff_book(staff, resident, facility, block="morning", now=NOW):
    return services.book(
        services.Actor.staff(staff.id),
        resident_id=resident.id,
        unit_id=unit_of(facility, "whole").id,
        day=DAY,
        block_ids=[block_of(facility, block).id],
        now=now,
    )


def actions(page_or_entries):
    entries = getattr(page_or_entries, "entries", page_or_entries)
    return [entry.action for entry in entries]


@pytest.fixture
def trail(app):
    """Two residents and two clerks: one booking each on different days."""
    gym = make_facility("gym")
    hana, ichiro = make_resident("山田 花子"), make_resident("佐藤 一郎")
    clerk, other = make_staff("clerk", username="suzuki"), make_staff("clerk", username="tanaka")
    first = staff_book(clerk, hana, gym, now=at(2026, 12, 1, 10))
    second = staff_book(other, ichiro, gym, block="evening", now=at(2026, 12, 3, 15))
    services.record_payment(
        services.Actor.staff(clerk.id),
        reservation_id=first.id,
        status="paid",
        now=at(2026, 12, 4, 9),
    )
    return dict(
        gym=gym, hana=hana, ichiro=ichiro, clerk=clerk, other=other, first=first, second=second
    )


def test_audit_trail_is_newest_first_with_people_and_reservation(trail):
    page = services.audit_trail(services.AuditFilter())
    assert actions(page)[:3] == ["reservation.payment", "reservation.book", "reservation.book"]
    payment = page.entries[0]
    assert payment.actor_staff.username == "suzuki"
    assert payment.on_behalf_of.id == trail["hana"].id
    assert payment.reservation.number == trail["first"].number


def test_audit_trail_by_resident_covers_what_was_done_for_them(trail):
    page = services.audit_trail(services.AuditFilter(registration_no=trail["hana"].registration_no))
    assert actions(page) == ["reservation.payment", "reservation.book", "resident.register"]
    assert services.audit_trail(services.AuditFilter(registration_no="999999")).total == 0


def test_audit_trail_by_staff_member(trail):
    page = services.audit_trail(services.AuditFilter(staff_id=trail["other"].id))
    assert actions(page) == ["reservation.book"]
    assert page.entries[0].reservation_id == trail["second"].id


def test_audit_trail_by_reservation_number_as_typed(trail):
    number = trail["first"].number
    typed = f"{number[:4]}-{number[4:]}".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    page = services.audit_trail(services.AuditFilter(reservation_number=typed))
    assert actions(page) == ["reservation.payment", "reservation.book"]
    assert services.audit_trail(services.AuditFilter(reservation_number="12345678")).total == 0


def test_audit_trail_by_days_in_the_town_zone_both_included(trail):
    page = services.audit_trail(
        services.AuditFilter(start=date(2026, 12, 3), end=date(2026, 12, 4))
    )
    assert actions(page) == ["reservation.payment", "reservation.book"]
    only_first = services.audit_trail(
        services.AuditFilter(start=date(2026, 12, 1), end=date(2026, 12, 1))
    )
    assert actions(only_first) == ["reservation.book"]
    with pytest.raises(InvalidRange):
        services.audit_trail(services.AuditFilter(start=date(2026, 12, 4), end=date(2026, 12, 3)))


def test_audit_trail_pages(trail):
    total = services.audit_trail(services.AuditFilter()).total
    first = services.audit_trail(services.AuditFilter(), page=1, per_page=2)
    last = services.audit_trail(services.AuditFilter(), page=99, per_page=2)
    assert first.total == total and first.pages == -(-total // 2)
    assert (first.first_index, first.last_index) == (1, 2)
    assert last.page == last.pages and last.last_index == total
    everything = list(services.audit_trail_all(services.AuditFilter(), batch=2))
    keys = [(e.at, e.id) for e in everything]
    assert keys == sorted(keys, reverse=True)
    assert len(everything) == total


def test_staff_granting_an_exemption_record_the_evidence_seen(app):
    make_exemption("disability", 50)
    clerk = services.Actor.staff(make_staff().id)
    details = dict(
        name="障害 者団体",
        name_kana="しょうがい しゃだんたい",
        phone=None,
        district="本町",
        is_resident=True,
        exemption_code="disability",
        now=NOW,
    )
    for evidence, problem in ((None, "required"), ("  ", "required"), ("手帳のコピー", "unknown")):
        with pytest.raises(InvalidInput) as error:
            services.register_resident(clerk, exemption_evidence=evidence, **details)
        assert error.value.params == {"field": "exemption_evidence", "problem": problem}
    resident, _ = services.register_resident(
        clerk, exemption_evidence="disability_certificate", **details
    )
    assert resident.exemption_evidence == "disability_certificate"
    # The command line (imports, the demo) may leave it out.
    services.register_resident(SYSTEM, allow_duplicate=True, **details)


def test_list_staff_and_closures(app):
    gym = make_facility("gym")
    make_staff("clerk", username="b-clerk")
    admin = make_staff("admin", username="a-admin")
    assert [s.username for s in services.list_staff()] == ["a-admin", "b-clerk"]
    actor = services.Actor.staff(admin.id)
    services.add_closure(
        actor,
        facility_id=gym.id,
        start=date(2026, 11, 1),
        end=date(2026, 11, 2),
        reason="過去",
        now=NOW,
    )
    services.add_closure(actor, facility_id=None, start=DAY, end=DAY, reason="停電", now=NOW)
    assert [c.reason for c in services.list_closures(date(2026, 12, 1))] == ["停電"]
    closed = services.closed_facilities_on(DAY)
    assert closed[gym.id].reason == rules.ClosedReason.CLOSURE and closed[gym.id].note == "停電"
    assert services.closed_facilities_on(date(2026, 12, 17)) == {}
