"""Booking for a group on both databases, through the same book() as anyone: the
reservation is the group's, names the member who asked, and the audit trail names
both; the group's fee, exemption and limits apply, not the person's; only an active
group registered on the day books; members see the group's bookings and cancel them
as the group's rule says."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    GroupLimit,
    GroupLimitReached,
    GroupNotActive,
    GroupRoleRequired,
    GroupValidityEnds,
    LimitReached,
    NotAMember,
    NotFound,
)
from reservations.models import AuditEntry, ExemptionBasis, MemberRole, Reservation
from tests.factories import (
    at,
    block_of,
    make_category,
    make_exemption,
    make_facility,
    make_group,
    make_resident,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


@pytest.fixture
def gym(any_app):
    return make_facility("gym", category=make_category("gyms", max_active=1))


@pytest.fixture
def club(gym):
    return make_group()


def roster(club):
    """The club's people by role: representative, contact, members."""
    group = services.get_group(club.id)
    by_role = {role: [m.resident for m in group.members if m.role == role] for role in MemberRole}
    return (
        by_role[MemberRole.REPRESENTATIVE][0],
        by_role[MemberRole.CONTACT][0],
        by_role[MemberRole.MEMBER],
    )


def book(gym, person, club=None, *, day=DAY, block="morning", unit="whole", actor=None, **kw):
    return services.book(
        actor or services.Actor.resident(person.id, "web"),
        resident_id=person.id,
        group_id=club.id if club is not None else None,
        unit_id=unit_of(gym, unit).id,
        day=day,
        block_ids=[block_of(gym, block).id],
        now=NOW,
        **kw,
    )


def test_a_member_books_for_the_group_and_the_audit_names_both(gym, club):
    _, _, (member, *_) = roster(club)
    reservation = book(gym, member, club)
    assert (reservation.group_id, reservation.resident_id, reservation.booked_by_id) == (
        club.id,
        None,
        member.id,
    )
    assert reservation.holder_name == club.name
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
    )
    assert (entry.actor_resident_id, entry.group_id) == (member.id, club.id)
    assert entry.after["group"] == club.registration_no
    assert entry.after["booked_by"] == member.registration_no


def test_staff_book_for_a_group_naming_the_member_at_the_counter(gym, club):
    representative, _, _ = roster(club)
    clerk = services.Actor.staff(make_staff().id)
    reservation = book(gym, representative, club, actor=clerk)
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
    )
    assert (entry.actor_staff_id, entry.on_behalf_of_id, entry.group_id) == (
        clerk.staff_id,
        representative.id,
        club.id,
    )
    assert reservation.channel == "counter"


def test_the_groups_bookings_do_not_count_against_the_member_and_vice_versa(gym, club):
    _, _, (member, *_) = roster(club)
    book(gym, member)  # the member's own, at their limit of one gym booking
    with pytest.raises(LimitReached):
        book(gym, member, day=date(2026, 12, 17))
    book(gym, member, club, day=date(2026, 12, 17))  # the group's is under the group's limits
    assert len(services.reservations_of(member.id, now=NOW).upcoming) == 1
    assert len(services.group_reservations(club.id, now=NOW).upcoming) == 1


def test_the_group_limit_per_kind_of_facility(any_app):
    gym = make_facility("gym", category=make_category("gyms", max_active=1, per_group=2))
    club = make_group()
    _, _, members = roster(club)
    book(gym, members[0], club, day=date(2026, 12, 16))
    book(gym, members[1], club, day=date(2026, 12, 17))
    with pytest.raises(GroupLimitReached) as refused:
        book(gym, members[2], club, day=date(2026, 12, 18))
    assert refused.value.params == {
        "limit": GroupLimit.CATEGORY,
        "group": club.name,
        "maximum": 2,
        "category": "gyms",
    }


def test_the_group_limits_per_month_and_in_all_are_the_towns(any_app, gym):
    club = make_group()
    _, _, (member, *_) = roster(club)
    any_app.extensions["reservations"] = services_settings(any_app, max_per_month=1, max_active=2)
    book(gym, member, club, day=date(2026, 12, 16))
    with pytest.raises(GroupLimitReached) as month:
        book(gym, member, club, day=date(2026, 12, 17))
    assert month.value.params["limit"] == GroupLimit.MONTH
    assert month.value.params["month"] == date(2026, 12, 1)
    book(gym, member, club, day=date(2027, 1, 6))
    with pytest.raises(GroupLimitReached) as active:
        book(gym, member, club, day=date(2027, 2, 3), unit="half-a")
    assert active.value.params["limit"] == GroupLimit.ACTIVE


def services_settings(app, **group_rules):
    from dataclasses import replace

    settings = app.extensions["reservations"]
    return replace(settings, groups=replace(settings.groups, **group_rules))


def test_only_an_active_group_books(any_app, gym, club):
    representative, _, (member, *_) = roster(club)
    clerk = services.Actor.staff(make_staff().id)
    services.suspend_group(clerk, group_id=club.id, reason="規約違反", now=NOW)
    with pytest.raises(GroupNotActive) as suspended:
        book(gym, member, club)
    assert suspended.value.params["status"] == services.GroupStatus.SUSPENDED
    admin = services.Actor.staff(make_staff("admin").id)
    with pytest.raises(GroupNotActive):  # an override lifts the window and limits, not this
        book(gym, representative, club, actor=admin, override_reason="町の判断")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_an_expired_group_books_after_renewal_only(any_app, gym):
    club = make_group(now=at(2026, 1, 10, 10))  # until 31 March 2026
    _, _, (member, *_) = roster(club)
    with pytest.raises(GroupNotActive) as expired:
        book(gym, member, club)
    assert expired.value.params["status"] == services.GroupStatus.EXPIRED
    clerk = services.Actor.staff(make_staff().id)
    services.renew_group(clerk, group_id=club.id, declared_members=5, resident_members=5, now=NOW)
    assert book(gym, member, club).group_id == club.id


def test_a_date_after_the_registration_ends_is_refused_with_the_renewal_date(any_app):
    gym = make_facility("gym", window_months_ahead=5)
    club = make_group(now=at(2026, 12, 1, 10))  # until 31 March 2027
    _, _, (member, *_) = roster(club)
    with pytest.raises(GroupValidityEnds) as refused:
        book(gym, member, club, day=date(2027, 4, 7))
    assert refused.value.params["valid_until"] == date(2027, 3, 31)
    assert refused.value.params["renewal_opens"] == date(2027, 2, 1)
    book(gym, member, club, day=date(2027, 3, 31))


def test_a_member_who_left_or_an_outsider_cannot_book_for_the_group(gym, club):
    _, _, (member, *_) = roster(club)
    clerk = services.Actor.staff(make_staff().id)
    services.remove_member(clerk, group_id=club.id, resident_id=member.id, now=NOW)
    with pytest.raises(NotAMember) as refused:
        book(gym, member, club)
    assert refused.value.params == {"group": club.name}
    outsider = make_resident()
    with pytest.raises(NotAMember):
        services.check_booking(
            resident_id=outsider.id,
            group_id=club.id,
            unit_id=unit_of(gym, "whole").id,
            day=DAY,
            block_ids=[block_of(gym, "morning").id],
            now=NOW,
        )


def test_the_groups_fee_comes_from_its_resident_share(any_app, gym):
    mostly_outside = make_group(declared=20, resident_members=9)
    _, _, (member, *_) = roster(mostly_outside)
    assert member.is_resident
    reservation = book(gym, member, mostly_outside)
    assert reservation.fee_yen == 2000  # the non-resident rate of the test gym
    in_town = make_group(declared=20, resident_members=10)
    _, _, (other, *_) = roster(in_town)
    assert book(gym, other, in_town, day=date(2026, 12, 17)).fee_yen == 1000


def test_the_groups_exemption_applies_to_its_booking_and_not_to_the_members_own(any_app, gym):
    make_exemption("youth_club", 100)
    club = make_group(category_code="youth_club", evidence="group_registration")
    _, _, (member, *_) = roster(club)
    for_club = book(gym, member, club)
    assert (for_club.fee_yen, for_club.exemption_percent, for_club.exemption_basis) == (
        0,
        100,
        ExemptionBasis.CATEGORY,
    )
    assert for_club.exemption_category.code == "youth_club"
    assert for_club.exemption_evidence == "group_registration"
    assert for_club.payment_status == services.EXEMPT
    own = book(gym, member, day=date(2026, 12, 17))
    assert (own.fee_yen, own.exemption_basis) == (1000, ExemptionBasis.NONE)


# ---------------------------------------------------------------- seeing, cancelling


def test_members_see_the_groups_bookings_and_a_member_who_left_no_longer_does(gym, club):
    representative, _, (member, other, *_) = roster(club)
    reservation = book(gym, member, club)
    for person in (representative, other):
        seen = services.get_reservation(services.Actor.resident(person.id, "web"), reservation.id)
        assert seen.id == reservation.id
    clerk = services.Actor.staff(make_staff().id)
    services.remove_member(clerk, group_id=club.id, resident_id=other.id, now=NOW)
    with pytest.raises(NotFound):
        services.get_reservation(services.Actor.resident(other.id, "web"), reservation.id)
    with pytest.raises(NotFound):
        services.get_reservation(services.Actor.resident(make_resident().id, "web"), reservation.id)


def test_the_representative_and_contacts_cancel_any_member_only_their_own(gym, club):
    representative, contact, (member, other, *_) = roster(club)
    first = book(gym, member, club, day=date(2026, 12, 16))
    second = book(gym, member, club, day=date(2026, 12, 17))
    third = book(gym, member, club, day=date(2026, 12, 18))
    with pytest.raises(GroupRoleRequired):
        services.cancel(services.Actor.resident(other.id, "web"), reservation_id=first.id, now=NOW)
    actions = services.reservation_actions(
        services.Actor.resident(other.id, "phone"), first.id, NOW
    )
    assert not actions.may_cancel and actions.refusal.code == GroupRoleRequired.code
    services.cancel(services.Actor.resident(member.id, "web"), reservation_id=first.id, now=NOW)
    services.cancel(
        services.Actor.resident(representative.id, "phone"), reservation_id=second.id, now=NOW
    )
    services.cancel(services.Actor.resident(contact.id, "web"), reservation_id=third.id, now=NOW)
    cancels = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "reservation.cancel")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_resident_id, e.group_id) for e in cancels] == [
        (member.id, club.id),
        (representative.id, club.id),
        (contact.id, club.id),
    ]


def test_the_town_may_let_members_cancel_every_booking_or_none(any_app, gym, club):
    _, _, (member, other, *_) = roster(club)
    reservation = book(gym, member, club)
    any_app.extensions["reservations"] = services_settings(
        any_app, members_may_cancel=services.MembersMayCancel.NONE
    )
    with pytest.raises(GroupRoleRequired):
        services.check_cancellable(
            services.Actor.resident(member.id, "web"), reservation_id=reservation.id, now=NOW
        )
    any_app.extensions["reservations"] = services_settings(
        any_app, members_may_cancel=services.MembersMayCancel.ALL
    )
    services.cancel(
        services.Actor.resident(other.id, "web"), reservation_id=reservation.id, now=NOW
    )


def test_a_member_who_left_cannot_cancel_the_groups_booking(gym, club):
    _, _, (member, *_) = roster(club)
    reservation = book(gym, member, club)
    clerk = services.Actor.staff(make_staff().id)
    services.remove_member(clerk, group_id=club.id, resident_id=member.id, now=NOW)
    with pytest.raises(NotAMember):
        services.cancel(
            services.Actor.resident(member.id, "web"), reservation_id=reservation.id, now=NOW
        )
    assert services.get_reservation(clerk, reservation.id).is_active


def test_staff_change_a_groups_booking_under_the_groups_rules(gym, club):
    representative, _, _ = roster(club)
    reservation = book(gym, representative, club)
    clerk = services.Actor.staff(make_staff().id)
    moved = services.change(
        clerk,
        reservation_id=reservation.id,
        unit_id=unit_of(gym, "half-a").id,
        day=date(2026, 12, 17),
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
        reason="団体から電話",
    )
    assert (moved.group_id, moved.booked_by_id, moved.fee_yen) == (club.id, representative.id, 1000)
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.change")
    )
    assert (entry.group_id, entry.on_behalf_of_id) == (club.id, representative.id)


def test_the_availability_of_a_groups_own_booking_is_yours_for_the_group(gym, club):
    _, _, (member, *_) = roster(club)
    book(gym, member, club)
    unit_id = unit_of(gym, "whole").id
    [for_group] = services.availability(unit_id, DAY, DAY, now=NOW, group_id=club.id)
    [for_member] = services.availability(unit_id, DAY, DAY, now=NOW, resident_id=member.id)
    assert for_group.blocks[0].status == services.BlockStatus.YOURS
    assert for_member.blocks[0].status == services.BlockStatus.TAKEN


def test_a_repeated_group_booking_with_its_key_books_once(gym, club):
    _, _, (member, *_) = roster(club)
    first = book(gym, member, club, idempotency_key="web-abc")
    again = book(gym, member, club, idempotency_key="web-abc")
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 1
