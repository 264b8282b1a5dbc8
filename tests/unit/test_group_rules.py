"""The town's rules for groups (団体) and exemptions per booking (減免), as pure
functions at their edges: no database, no clock."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import rules
from reservations.errors import (
    GroupLimit,
    GroupLimitReached,
    GroupNotActive,
    GroupValidityEnds,
    InputProblem,
    InvalidInput,
    OutsideRenewalWindow,
    TooFewMembers,
)
from reservations.models import ExemptionBasis, ExemptionCategory, GroupStatus, MemberRole
from reservations.settings import GroupRules, MembersMayCancel, Settings

DEFAULT = GroupRules()


# ------------------------------------------------------------------------ validity


@pytest.mark.parametrize(
    ("registered", "valid_until"),
    [
        (date(2026, 12, 1), date(2027, 3, 31)),  # the coming end of the school year
        (date(2026, 4, 1), date(2027, 3, 31)),  # the first day of a school year
        (date(2027, 1, 31), date(2027, 3, 31)),  # the day before renewal opens
        (date(2027, 2, 1), date(2028, 3, 31)),  # renewal open: the year after
        (date(2027, 3, 31), date(2028, 3, 31)),  # the last day of a year
    ],
)
def test_a_registration_is_valid_until_the_end_of_the_school_year(registered, valid_until):
    assert rules.registration_ends(registered, DEFAULT) == valid_until


def test_a_three_year_validity_ends_on_the_third_31_march():
    three_years = GroupRules(validity_years=3)
    assert rules.registration_ends(date(2026, 12, 1), three_years) == date(2029, 3, 31)


def test_renewal_opens_on_1_february_before_the_end():
    assert rules.renewal_opens_on(date(2027, 3, 31), DEFAULT) == date(2027, 2, 1)
    # A town whose years end on 30 September, renewing from 1 December before.
    autumn = GroupRules(validity_ends=(9, 30), renewal_opens=(12, 1))
    assert rules.renewal_opens_on(date(2027, 9, 30), autumn) == date(2026, 12, 1)


def test_renewing_before_the_window_is_refused_with_its_opening_day():
    with pytest.raises(OutsideRenewalWindow) as refused:
        rules.check_renewal(date(2027, 1, 31), date(2027, 3, 31), DEFAULT)
    assert refused.value.params == {"opens_on": date(2027, 2, 1), "valid_until": date(2027, 3, 31)}
    rules.check_renewal(date(2027, 2, 1), date(2027, 3, 31), DEFAULT)
    rules.check_renewal(date(2027, 5, 10), date(2027, 3, 31), DEFAULT)  # late, after it ended


def test_an_active_group_past_its_end_has_expired():
    until = date(2027, 3, 31)
    assert rules.group_status("active", until, date(2027, 3, 31)) == GroupStatus.ACTIVE
    assert rules.group_status("active", until, date(2027, 4, 1)) == GroupStatus.EXPIRED
    assert rules.group_status("suspended", until, date(2027, 4, 1)) == GroupStatus.SUSPENDED


# -------------------------------------------------------------------------- roster


def test_registering_with_fewer_than_the_minimum_members_is_refused():
    with pytest.raises(TooFewMembers) as refused:
        rules.check_roster(4, 10, 10, DEFAULT)
    assert refused.value.params == {"minimum": 5, "count": 4}
    rules.check_roster(5, 10, 10, DEFAULT)
    rules.check_roster(3, 3, 0, GroupRules(min_members=3))


def test_declared_counts_must_be_possible():
    with pytest.raises(InvalidInput) as fewer:
        rules.check_roster(6, 5, 5, DEFAULT)  # declared fewer than the roster
    assert fewer.value.params["field"] == "declared_members"
    assert fewer.value.params["problem"] == InputProblem.OUT_OF_RANGE
    with pytest.raises(InvalidInput) as more:
        rules.check_roster(5, 10, 11, DEFAULT)  # more residents than members
    assert more.value.params["field"] == "resident_members"
    with pytest.raises(InvalidInput):
        rules.check_roster(5, 10, -1, DEFAULT)


def test_a_group_pays_the_resident_fee_when_at_least_half_live_in_town():
    assert rules.pays_resident_fee(5, 10, 50)
    assert not rules.pays_resident_fee(4, 10, 50)
    assert rules.pays_resident_fee(7, 10, 70) and not rules.pays_resident_fee(6, 10, 70)
    assert not rules.pays_resident_fee(0, 0, 50)


def test_a_new_group_sharing_three_members_with_an_active_one_is_flagged():
    others = {"9000001": {1, 2, 3, 9}, "9000002": {1, 2, 8}, "9000003": {7}}
    assert rules.overlapping_groups({1, 2, 3, 4, 5}, others, 3) == ["9000001"]
    assert rules.overlapping_groups({1, 2, 4, 5, 6}, others, 3) == []
    assert rules.overlapping_groups({1, 2, 4, 5, 6}, others, 2) == ["9000001", "9000002"]


# ------------------------------------------------------------------------- booking


def test_only_an_active_group_books():
    for status in (GroupStatus.EXPIRED, GroupStatus.SUSPENDED, GroupStatus.DISSOLVED):
        with pytest.raises(GroupNotActive) as refused:
            rules.check_group_bookable("会", status, date(2027, 3, 31), date(2027, 3, 1), DEFAULT)
        assert refused.value.params["status"] == status
        assert refused.value.params["renewal_opens"] == date(2027, 2, 1)
    rules.check_group_bookable(
        "会", GroupStatus.ACTIVE, date(2027, 3, 31), date(2027, 3, 31), DEFAULT
    )


def test_a_date_after_the_registration_ends_waits_for_the_renewal():
    with pytest.raises(GroupValidityEnds) as refused:
        rules.check_group_bookable(
            "会", GroupStatus.ACTIVE, date(2027, 3, 31), date(2027, 4, 1), DEFAULT
        )
    assert refused.value.params == {
        "group": "会",
        "date": date(2027, 4, 1),
        "valid_until": date(2027, 3, 31),
        "renewal_opens": date(2027, 2, 1),
    }


@pytest.mark.parametrize(
    ("counts", "limit"),
    [
        (rules.GroupCounts(in_category=4, in_month=0, active=4), GroupLimit.CATEGORY),
        (rules.GroupCounts(in_category=0, in_month=12, active=0), GroupLimit.MONTH),
        (rules.GroupCounts(in_category=0, in_month=0, active=20), GroupLimit.ACTIVE),
    ],
)
def test_a_group_has_its_own_limits_per_category_month_and_in_all(counts, limit):
    with pytest.raises(GroupLimitReached) as refused:
        rules.check_group_limits(
            counts,
            group="会",
            category_maximum=4,
            category="gym",
            month=date(2026, 12, 1),
            group_rules=DEFAULT,
        )
    assert refused.value.params["limit"] == limit


def test_a_group_under_every_limit_books():
    rules.check_group_limits(
        rules.GroupCounts(in_category=3, in_month=11, active=19),
        group="会",
        category_maximum=4,
        category="gym",
        month=date(2026, 12, 1),
        group_rules=DEFAULT,
    )


@pytest.mark.parametrize(
    ("role", "booked_it", "policy", "may"),
    [
        (MemberRole.REPRESENTATIVE, False, MembersMayCancel.NONE, True),
        (MemberRole.CONTACT, False, MembersMayCancel.NONE, True),
        (MemberRole.MEMBER, True, MembersMayCancel.OWN, True),
        (MemberRole.MEMBER, False, MembersMayCancel.OWN, False),
        (MemberRole.MEMBER, False, MembersMayCancel.ALL, True),
        (MemberRole.MEMBER, True, MembersMayCancel.NONE, False),
    ],
)
def test_who_may_cancel_a_groups_booking(role, booked_it, policy, may):
    assert rules.may_cancel_group_booking(role, booked_it, policy) is may


# ---------------------------------------------------------------------- exemptions


def category(percent: int = 100, purposes: str = "") -> ExemptionCategory:
    return ExemptionCategory(code="youth_club", percent=percent, purposes=purposes)


def test_the_category_gives_its_exemption():
    decided = rules.decide_exemption(
        category(100),
        purpose="sport",
        evidence="group_registration",
        valid_until=None,
        day=date(2026, 12, 16),
    )
    assert (decided.basis, decided.percent, decided.evidence) == (
        ExemptionBasis.CATEGORY,
        100,
        "group_registration",
    )


def test_no_category_or_a_zero_one_gives_none():
    assert (
        rules.decide_exemption(
            None, purpose=None, evidence=None, valid_until=None, day=date(2026, 12, 16)
        ).basis
        == ExemptionBasis.NONE
    )
    assert (
        rules.decide_exemption(
            category(0), purpose=None, evidence=None, valid_until=None, day=date(2026, 12, 16)
        ).percent
        == 0
    )


def test_evidence_ending_before_the_day_gives_no_exemption():
    kids = category(100)
    on_last_day = rules.decide_exemption(
        kids,
        purpose=None,
        evidence="club_roster",
        valid_until=date(2026, 12, 16),
        day=date(2026, 12, 16),
    )
    assert on_last_day.percent == 100
    after = rules.decide_exemption(
        kids,
        purpose=None,
        evidence="club_roster",
        valid_until=date(2026, 12, 16),
        day=date(2026, 12, 17),
    )
    assert (after.basis, after.percent) == (ExemptionBasis.EVIDENCE_EXPIRED, 0)


def test_a_category_for_some_purposes_covers_only_those():
    sport_only = category(100, "sport,culture")
    covered = rules.decide_exemption(
        sport_only, purpose="culture", evidence=None, valid_until=None, day=date(2026, 12, 16)
    )
    assert covered.percent == 100
    other = rules.decide_exemption(
        sport_only, purpose="community", evidence=None, valid_until=None, day=date(2026, 12, 16)
    )
    assert (other.basis, other.percent) == (ExemptionBasis.PURPOSE_NOT_COVERED, 0)
    person = rules.decide_exemption(  # a person has no purpose: the category covers them
        sport_only, purpose=None, evidence=None, valid_until=None, day=date(2026, 12, 16)
    )
    assert person.percent == 100


def test_staff_grant_or_refuse_one_bookings_exemption():
    before = rules.decide_exemption(
        category(50), purpose=None, evidence="club_roster", valid_until=None, day=date(2026, 12, 16)
    )
    refused = rules.staff_exemption(None, before)
    assert (refused.basis, refused.percent, refused.evidence) == (
        ExemptionBasis.STAFF_REFUSED,
        0,
        "club_roster",
    )
    granted = rules.staff_exemption(category(100), before)
    assert (granted.basis, granted.percent) == (ExemptionBasis.STAFF_GRANTED, 100)


# ------------------------------------------------------------------------ settings


def test_the_group_rules_are_read_from_the_configuration():
    settings = Settings.from_mapping(
        {
            "GROUP_MIN_MEMBERS": "3",
            "GROUP_RESIDENT_SHARE_PERCENT": "70",
            "GROUP_VALIDITY_YEARS": "3",
            "GROUP_VALIDITY_ENDS": "09-30",
            "GROUP_RENEWAL_OPENS": "07-01",
            "GROUP_OVERLAP_MEMBERS": "4",
            "GROUP_MAX_PER_MONTH": "6",
            "GROUP_MAX_ACTIVE": "9",
            "GROUP_MEMBERS_MAY_CANCEL": "all",
            "GROUP_REMINDER_DAYS": "30",
        }
    )
    assert settings.groups == GroupRules(
        min_members=3,
        resident_share_percent=70,
        validity_years=3,
        validity_ends=(9, 30),
        renewal_opens=(7, 1),
        overlap_members=4,
        max_per_month=6,
        max_active=9,
        members_may_cancel=MembersMayCancel.ALL,
        reminder_days=30,
    )
    assert Settings.from_mapping({}).groups == DEFAULT


@pytest.mark.parametrize(
    "config",
    [
        {"GROUP_VALIDITY_ENDS": "02-29"},  # not every year has it
        {"GROUP_RENEWAL_OPENS": "13-01"},
        {"GROUP_RESIDENT_SHARE_PERCENT": "101"},
        {"GROUP_MIN_MEMBERS": "0"},
        {"GROUP_MEMBERS_MAY_CANCEL": "some"},
    ],
)
def test_a_group_rule_that_cannot_be_is_refused_when_the_app_starts(config):
    with pytest.raises(ValueError):
        Settings.from_mapping(config)
