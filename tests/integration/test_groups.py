"""Groups (団体) on both databases: registering with a roster, renewing, suspending and
dissolving, roster changes, and every bad input refused with nothing changed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    AlreadyAMember,
    ErrorCode,
    Forbidden,
    GroupNameTaken,
    GroupNotActive,
    GroupOverlap,
    InputProblem,
    InvalidInput,
    LastRepresentative,
    NotAllowed,
    NotRegistered,
    OutsideRenewalWindow,
    ReasonRequired,
    TooFewMembers,
)
from reservations.models import AuditEntry, Group, GroupMember, MemberRole
from tests.factories import at, make_exemption, make_group, make_resident, make_staff

NOW = at(2026, 12, 1, 10)


def counts() -> dict:
    db.session.rollback()
    return {
        "groups": db.session.scalar(sa.select(sa.func.count()).select_from(Group)),
        "members": db.session.scalar(sa.select(sa.func.count()).select_from(GroupMember)),
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
    }


@pytest.fixture
def clerk(any_app):
    return services.Actor.staff(make_staff().id)


@pytest.fixture
def people(any_app):
    return [make_resident() for _ in range(6)]


def register(actor, people, **overrides):
    values = dict(
        name="青葉スポーツ少年団",
        name_kana="あおば すぽーつ しょうねんだん",
        purpose="sport",
        representative=people[0].registration_no,
        contact=people[1].registration_no,
        members=[p.registration_no for p in people[2:5]],
        declared_members=20,
        resident_members=18,
        now=NOW,
    )
    values.update(overrides)
    return services.register_group(actor, **values)


# ------------------------------------------------------------------------ registering


def test_a_group_is_registered_with_its_roster_until_the_end_of_the_school_year(clerk, people):
    group = register(clerk, people)
    assert len(group.registration_no) == services.GROUP_NUMBER_LENGTH
    assert group.registration_no.startswith("9")
    assert services.has_valid_check_digit(group.registration_no)
    assert (group.valid_from, group.valid_until) == (date(2026, 12, 1), date(2027, 3, 31))
    roles = {m.resident_id: m.role for m in services.get_group(group.id).members}
    assert roles == {
        people[0].id: MemberRole.REPRESENTATIVE,
        people[1].id: MemberRole.CONTACT,
        **{p.id: MemberRole.MEMBER for p in people[2:5]},
    }
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "group.register"))
    assert entry.group_id == group.id and entry.on_behalf_of_id == people[0].id
    assert entry.actor_staff_id == clerk.staff_id
    assert len(entry.after["members"]) == 5


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"members": []}, TooFewMembers),  # two people only
        ({"representative": "123455"}, NotRegistered),  # nobody's number
        ({"representative": ""}, InvalidInput),
        ({"members": ["000000", "123"]}, NotRegistered),
        ({"declared_members": 3}, InvalidInput),  # fewer than the roster
        ({"resident_members": 21}, InvalidInput),  # more than declared
        ({"purpose": "racing"}, InvalidInput),
        ({"name": "  "}, InvalidInput),
        ({"name": "会" * 101}, InvalidInput),  # longer than the name column keeps
        ({"category_code": "nonesuch", "evidence": "club_roster"}, InvalidInput),
    ],
)
def test_bad_registrations_are_refused_and_change_nothing(clerk, people, overrides, refusal):
    make_exemption()
    before = counts()
    with pytest.raises(refusal):
        register(clerk, people, **overrides)
    assert counts() == before


def test_a_member_added_twice_is_refused(clerk, people):
    with pytest.raises(AlreadyAMember) as refused:
        register(
            clerk,
            people,
            members=[p.registration_no for p in people[2:4]] + [people[0].registration_no],
        )
    assert refused.value.params == {"registration_no": people[0].registration_no}
    assert counts()["groups"] == 0


def test_staff_granting_a_category_record_the_document_they_saw(clerk, people):
    make_exemption("youth_club", 100)
    with pytest.raises(InvalidInput) as refused:
        register(clerk, people, category_code="youth_club")
    assert refused.value.params["field"] == "exemption_evidence"
    group = register(
        clerk,
        people,
        category_code="youth_club",
        evidence="group_registration",
        evidence_valid_until=date(2027, 3, 31),
    )
    assert (group.category.code, group.evidence) == ("youth_club", "group_registration")


def test_a_name_already_active_is_refused(clerk, people):
    first = register(clerk, people)
    with pytest.raises(GroupNameTaken) as refused:
        register(clerk, [make_resident() for _ in range(5)], name="青葉　スポーツ少年団")
    assert refused.value.params == {"number": first.registration_no}
    services.dissolve_group(clerk, group_id=first.id, reason="解散届", now=NOW)
    register(clerk, [make_resident() for _ in range(5)])  # a dissolved name is free again


def test_a_group_sharing_three_members_with_an_active_one_is_flagged_for_staff(clerk, people):
    first = register(clerk, people)
    others = [make_resident() for _ in range(2)]
    roster = dict(
        name="青葉OB会",
        name_kana="あおば おーびーかい",
        representative=people[2].registration_no,
        contact=people[3].registration_no,
        members=[people[4].registration_no] + [p.registration_no for p in others],
    )
    before = counts()
    with pytest.raises(GroupOverlap) as flagged:
        register(clerk, people, **roster)
    assert flagged.value.params == {"groups": [first.registration_no], "shared": 3}
    assert counts() == before
    second = register(clerk, people, **roster, allow_overlap=True)
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "group.register", AuditEntry.group_id == second.id
        )
    )
    assert entry.after["overlaps_with"] == [first.registration_no]
    standing = services.group_standing(services.get_group(second.id), NOW.date())
    assert [(g.registration_no, shared) for g, shared in standing.overlaps] == [
        (first.registration_no, 3)
    ]


def test_a_resident_cannot_register_a_group(any_app, people):
    with pytest.raises(Forbidden):
        register(services.Actor.resident(people[0].id, "web"), people)


# --------------------------------------------------------------------------- renewing


def test_renewing_outside_the_window_is_refused_with_its_opening_day(clerk, people):
    group = register(clerk, people)
    with pytest.raises(OutsideRenewalWindow) as refused:
        services.renew_group(
            clerk,
            group_id=group.id,
            declared_members=20,
            resident_members=18,
            now=at(2027, 1, 31, 17),
        )
    assert refused.value.params["opens_on"] == date(2027, 2, 1)
    assert services.get_group(group.id).valid_until == date(2027, 3, 31)


def test_renewal_checks_the_roster_and_the_share_again_and_extends_a_year(clerk, people):
    group = register(clerk, people)
    renewed = services.renew_group(
        clerk, group_id=group.id, declared_members=30, resident_members=10, now=at(2027, 2, 10, 10)
    )
    assert renewed.valid_until == date(2028, 3, 31)
    assert not services.pays_resident_fee(renewed)  # 10 of 30 live in town
    services.remove_member(clerk, group_id=group.id, resident_id=people[4].id, now=NOW)
    with pytest.raises(TooFewMembers):
        services.renew_group(
            clerk,
            group_id=group.id,
            declared_members=30,
            resident_members=20,
            now=at(2028, 2, 2, 10),
        )
    assert services.get_group(group.id).valid_until == date(2028, 3, 31)


def test_a_group_renews_late_after_its_registration_ended(clerk, people):
    group = register(clerk, people)
    assert services.status_of(group, date(2027, 4, 2)) == services.GroupStatus.EXPIRED
    renewed = services.renew_group(
        clerk, group_id=group.id, declared_members=20, resident_members=18, now=at(2027, 4, 2, 10)
    )
    assert renewed.valid_until == date(2028, 3, 31)
    assert services.status_of(renewed, date(2027, 4, 2)) == services.GroupStatus.ACTIVE


# ----------------------------------------------------------------------- its standing


def test_suspending_dissolving_and_reinstating_need_a_reason_and_are_audited(clerk, people):
    group = register(clerk, people)
    with pytest.raises(ReasonRequired):
        services.suspend_group(clerk, group_id=group.id, reason=" ", now=NOW)
    services.suspend_group(clerk, group_id=group.id, reason="使用後の清掃がされていない", now=NOW)
    assert (
        services.status_of(services.get_group(group.id), NOW.date())
        == services.GroupStatus.SUSPENDED
    )
    with pytest.raises(GroupNotActive):
        services.renew_group(
            clerk, group_id=group.id, declared_members=20, resident_members=18, now=at(2027, 2, 10)
        )
    services.reinstate_group(clerk, group_id=group.id, reason="改善を確認", now=NOW)
    with pytest.raises(NotAllowed) as twice:
        services.reinstate_group(clerk, group_id=group.id, reason="もう一度", now=NOW)
    assert twice.value.code == ErrorCode.NOT_ALLOWED
    services.dissolve_group(clerk, group_id=group.id, reason="解散届の提出", now=NOW)
    with pytest.raises(NotAllowed):
        services.suspend_group(clerk, group_id=group.id, reason="x", now=NOW)
    actions = list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.group_id == group.id)
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["group.register", "group.suspend", "group.reinstate", "group.dissolve"]
    assert services.list_groups() == []


# ---------------------------------------------------------------------------- roster


def test_the_only_representative_stays_until_another_is_named(clerk, people):
    group = register(clerk, people)
    with pytest.raises(LastRepresentative):
        services.remove_member(clerk, group_id=group.id, resident_id=people[0].id, now=NOW)
    with pytest.raises(LastRepresentative):
        services.set_member_role(
            clerk, group_id=group.id, resident_id=people[0].id, role=MemberRole.MEMBER, now=NOW
        )
    services.set_member_role(
        clerk, group_id=group.id, resident_id=people[2].id, role=MemberRole.REPRESENTATIVE, now=NOW
    )
    roles = {m.resident_id: m.role for m in services.get_group(group.id).members}
    assert roles[people[2].id] == MemberRole.REPRESENTATIVE
    assert roles[people[0].id] == MemberRole.MEMBER
    services.remove_member(clerk, group_id=group.id, resident_id=people[0].id, now=NOW)
    assert people[0].id not in {m.resident_id for m in services.get_group(group.id).members}


def test_adding_members_by_their_registration_number(clerk, people):
    group = register(clerk, people)
    with pytest.raises(AlreadyAMember):
        services.add_member(
            clerk, group_id=group.id, registration_no=people[1].registration_no, now=NOW
        )
    with pytest.raises(NotRegistered):
        services.add_member(clerk, group_id=group.id, registration_no="123455", now=NOW)
    services.add_member(
        clerk, group_id=group.id, registration_no=people[5].registration_no, now=NOW
    )
    services.remove_member(clerk, group_id=group.id, resident_id=people[5].id, now=NOW)
    back = services.add_member(
        clerk,
        group_id=group.id,
        registration_no=f" {people[5].registration_no} ",
        role=MemberRole.CONTACT,
        now=NOW,
    )
    assert (back.role, back.left_at) == (MemberRole.CONTACT, None)
    assert [m.group.name for m in services.groups_of(people[5].id)] == ["青葉スポーツ少年団"]


def test_a_dissolved_groups_roster_is_closed(clerk, people):
    group = register(clerk, people)
    services.dissolve_group(clerk, group_id=group.id, reason="解散", now=NOW)
    with pytest.raises(GroupNotActive):
        services.add_member(
            clerk, group_id=group.id, registration_no=people[5].registration_no, now=NOW
        )
    assert services.groups_of(people[0].id) == []


# --------------------------------------------------------------------------- finding


def test_groups_are_found_by_name_kana_and_number(clerk, people):
    group = register(clerk, people)
    assert services.find_groups("青葉") == [group]
    assert services.find_groups("アオバ") == [group]
    assert services.find_groups(group.registration_no) == [group]
    assert services.find_groups("x" * 1000) == []
    assert services.find_groups("%") == []


def test_the_groups_expiring_within_60_days_soonest_first(any_app):
    soon = make_group(now=at(2026, 12, 1, 10))  # until 31 March 2027
    later = make_group(now=at(2027, 2, 15, 10))  # until 31 March 2028
    assert services.groups_expiring(date(2027, 1, 30)) == [soon]
    assert services.groups_expiring(date(2027, 1, 31)) == [soon]
    assert services.groups_expiring(date(2027, 1, 29)) == []
    assert services.groups_expiring(date(2028, 2, 1)) == [later]
    assert services.groups_expiring(date(2027, 1, 31), days=500) == [soon, later]


def test_a_members_problem_is_worded_by_field(clerk, people):
    with pytest.raises(InvalidInput) as refused:
        register(clerk, people, declared_members=2)
    assert refused.value.params["problem"] == InputProblem.OUT_OF_RANGE
