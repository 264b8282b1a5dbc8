"""Groups (団体): registering a club with its roster, renewing it each year, suspending,
dissolving and reinstating it, changing its roster, and finding groups.

A group is booked for; people act. Its rules (minimum members, the resident share for
the resident fee, the validity and its renewal window, the overlap that flags a
possible duplicate) are the town's GroupRules in the core's settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import rules
from ..db import db, write_transaction
from ..errors import (
    AlreadyAMember,
    GroupNameTaken,
    GroupNotActive,
    GroupOverlap,
    InputProblem,
    InvalidInput,
    NotAllowed,
    NotAllowedProblem,
    NotAMember,
    NotFound,
    NotRegistered,
    ReasonFor,
    ReasonRequired,
)
from ..models import (
    GROUP_PURPOSES,
    ExemptionCategory,
    Group,
    GroupMember,
    GroupStatus,
    MemberRole,
    Resident,
)
from ..settings import GroupRules, get_settings
from ..text import clean_text, column_text, digits_only, fitted_key, kana_text, search_key
from . import audit
from .actors import Actor, require_aware, require_staff
from .members import current_membership, memberships_of
from .numbers import GROUP_NUMBER_LENGTH, GROUP_NUMBER_PREFIX, new_unique_number
from .residents import SEARCH_MAX_LENGTH, check_evidence


def group_rules() -> GroupRules:
    """The town's rules for groups (GROUP_* settings)."""
    return get_settings().groups


def _today(now: datetime) -> date:
    return now.astimezone(get_settings().timezone).date()


def group_snapshot(group: Group) -> dict[str, Any]:
    """What the audit trail keeps of a group and its roster."""
    return {
        "registration_no": group.registration_no,
        "name": group.name,
        "name_kana": group.name_kana,
        "purpose": group.purpose,
        "category": group.category.code if group.category else None,
        "evidence": group.evidence,
        "evidence_valid_until": (
            group.evidence_valid_until.isoformat() if group.evidence_valid_until else None
        ),
        "declared_members": group.declared_members,
        "resident_members": group.resident_members,
        "valid_from": group.valid_from.isoformat(),
        "valid_until": group.valid_until.isoformat(),
        "status": group.status,
        "members": sorted(
            [member.resident.registration_no, member.role] for member in group.members
        ),
    }


# --------------------------------------------------------------------------- reading


def _loaded():
    return (
        selectinload(Group.category),
        selectinload(Group.memberships).selectinload(GroupMember.resident),
    )


def get_group(group_id: int) -> Group:
    group = db.session.scalar(select(Group).where(Group.id == group_id).options(*_loaded()))
    if group is None:
        raise NotFound(what="group", id=group_id)
    return group


def locked_group(group_id: int) -> Group:
    """The group's row, locked for this transaction on PostgreSQL (SQLite's write lock
    already serialises writers), so that two members booking at once cannot both slip
    under the group's limits."""
    group = db.session.scalar(
        select(Group).where(Group.id == group_id).options(*_loaded()).with_for_update(of=Group)
    )
    if group is None:
        raise NotFound(what="group", id=group_id)
    return group


def status_of(group: Group, today: date) -> GroupStatus:
    """The group's status on `today` (an active group past its end has expired)."""
    return rules.group_status(group.status, group.valid_until, today)


# Which stored statuses each change starts from, and where it goes.
_STATUS_CHANGES = {
    "group.suspend": ((GroupStatus.ACTIVE,), GroupStatus.SUSPENDED),
    "group.dissolve": ((GroupStatus.ACTIVE, GroupStatus.SUSPENDED), GroupStatus.DISSOLVED),
    "group.reinstate": ((GroupStatus.SUSPENDED,), GroupStatus.ACTIVE),
}


@dataclass(frozen=True)
class GroupStanding:
    """Where a group stands on a day, as the core decides it: channels show these."""

    status: GroupStatus
    renewal_opens: date  # the first day its registration may be renewed
    may_renew: bool  # renewal is open (or late), and the group is not suspended or dissolved
    renewed_until: date  # the new end of its registration if it is renewed today
    pays_resident_fee: bool  # enough members live in town (GROUP_RESIDENT_SHARE_PERCENT)
    overlaps: list[tuple[Group, int]]  # active groups sharing the threshold or more members
    status_changes: tuple[str, ...]  # "suspend", "dissolve", "reinstate": what staff may do


def group_standing(group: Group, today: date) -> GroupStanding:
    settings = group_rules()
    status = status_of(group, today)
    opens = rules.renewal_opens_on(group.valid_until, settings)
    return GroupStanding(
        status=status,
        renewal_opens=opens,
        may_renew=status in (GroupStatus.ACTIVE, GroupStatus.EXPIRED) and today >= opens,
        renewed_until=rules.registration_ends(today, settings),
        pays_resident_fee=pays_resident_fee(group),
        overlaps=_overlaps({m.resident_id for m in group.members}, today, exclude=group.id),
        status_changes=tuple(
            action.removeprefix("group.")
            for action, (starts, _) in _STATUS_CHANGES.items()
            if group.status in starts
        ),
    )


def pays_resident_fee(group: Group) -> bool:
    return rules.pays_resident_fee(
        group.resident_members, group.declared_members, group_rules().resident_share_percent
    )


_NUMERIC_QUERY = re.compile(r"[0-9\s\-‐－ー]+")


def find_groups(query: str, *, limit: int = 20) -> list[Group]:
    """By registration number, name or kana, as residents are found."""
    query = clean_text(query)  # no NUL: PostgreSQL refuses it in text
    if not query or len(query) > SEARCH_MAX_LENGTH:
        return []
    conditions = []
    if _NUMERIC_QUERY.fullmatch(unicodedata.normalize("NFKC", query)):
        conditions.append(Group.registration_no == digits_only(query))
    key = search_key(query)
    if key:
        pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(Group.name_key.like(pattern, escape="\\"))
        conditions.append(Group.kana_key.like(pattern, escape="\\"))
    return list(
        db.session.scalars(
            select(Group)
            .where(or_(*conditions))
            .options(*_loaded())
            .order_by(Group.kana_key, Group.id)
            .limit(limit)
        )
    )


def list_groups() -> list[Group]:
    """Every group that is not dissolved, by kana."""
    return list(
        db.session.scalars(
            select(Group)
            .where(Group.status != GroupStatus.DISSOLVED)
            .options(*_loaded())
            .order_by(Group.kana_key, Group.id)
        )
    )


def groups_expiring(today: date, days: int | None = None) -> list[Group]:
    """Groups whose registration ends within `days` (GROUP_REMINDER_DAYS) from today,
    soonest first, not suspended or dissolved: the list staff remind from."""
    days = group_rules().reminder_days if days is None else days
    return list(
        db.session.scalars(
            select(Group)
            .where(
                Group.status == GroupStatus.ACTIVE,
                Group.valid_until >= today,
                Group.valid_until <= today + timedelta(days=days),
            )
            .options(*_loaded())
            .order_by(Group.valid_until, Group.kana_key, Group.id)
        )
    )


def groups_of(resident_id: int) -> list[GroupMember]:
    """The resident's current places on the rosters of groups not dissolved: the
    groups they may be asked to book for (the core says whether each can book)."""
    return [m for m in memberships_of(resident_id) if m.group.status != GroupStatus.DISSOLVED]


def _overlaps(roster: set[int], today: date, *, exclude: int | None) -> list[tuple[Group, int]]:
    """Active groups sharing GROUP_OVERLAP_MEMBERS or more of `roster`, with how many."""
    threshold = group_rules().overlap_members
    if len(roster) < threshold:
        return []
    rows = db.session.execute(
        select(GroupMember.group_id, func.count())
        .where(GroupMember.resident_id.in_(roster), GroupMember.left_at.is_(None))
        .group_by(GroupMember.group_id)
        .having(func.count() >= threshold)
    ).all()
    found = []
    for group_id, shared in rows:
        if group_id == exclude:
            continue
        group = get_group(group_id)
        if status_of(group, today) == GroupStatus.ACTIVE:
            found.append((group, shared))
    return sorted(found, key=lambda pair: pair[0].registration_no)


# ------------------------------------------------------------------------ registering


def resident_numbered(number: str | None, role: MemberRole) -> Resident:
    digits = digits_only(number or "")
    resident = (
        db.session.scalar(select(Resident).where(Resident.registration_no == digits))
        if digits
        else None
    )
    if resident is None:
        raise NotRegistered(role=role, registration_no=clean_text(number)[:20])
    return resident


def _roster(
    representative: str, contact: str | None, members: Sequence[str]
) -> list[tuple[Resident, MemberRole]]:
    """The people named, each once: a registration number that is nobody's, or one
    given twice, is refused."""
    named = [(representative, MemberRole.REPRESENTATIVE)]
    if contact and contact.strip():
        named.append((contact, MemberRole.CONTACT))
    named += [(number, MemberRole.MEMBER) for number in members if number and number.strip()]
    roster: list[tuple[Resident, MemberRole]] = []
    for number, role in named:
        if role == MemberRole.REPRESENTATIVE and not (number or "").strip():
            raise InvalidInput(field="representative", problem=InputProblem.REQUIRED)
        resident = resident_numbered(number, role)
        if any(person.id == resident.id for person, _ in roster):
            raise AlreadyAMember(registration_no=resident.registration_no)
        roster.append((resident, role))
    return roster


def _category(code: str | None) -> ExemptionCategory | None:
    if not code:
        return None
    category = db.session.scalar(select(ExemptionCategory).where(ExemptionCategory.code == code))
    if category is None:
        raise InvalidInput(field="category", problem=InputProblem.UNKNOWN)
    return category


def _check_name_free(name_key: str, today: date, exclude: int | None = None) -> None:
    """No two groups in standing (active or suspended) share a name."""
    for group in db.session.scalars(select(Group).where(Group.name_key == name_key)):
        if group.id != exclude and status_of(group, today) in (
            GroupStatus.ACTIVE,
            GroupStatus.SUSPENDED,
        ):
            raise GroupNameTaken(number=group.registration_no)


def register_group(
    actor: Actor,
    *,
    name: str,
    name_kana: str,
    purpose: str,
    representative: str,
    members: Sequence[str],
    declared_members: int,
    resident_members: int,
    now: datetime,
    contact: str | None = None,
    category_code: str | None = None,
    evidence: str | None = None,
    evidence_valid_until: date | None = None,
    allow_overlap: bool = False,
) -> Group:
    """Register a group with its roster (registration numbers of registered residents:
    the representative, an optional contact and the members), valid from today until
    the end of the year the rules give.

    Raises GroupOverlap when the roster shares GROUP_OVERLAP_MEMBERS or more people with
    an active group, unless staff checked it is another group (`allow_overlap`).
    """
    require_aware(now)
    name = column_text(Group.name, "name", name, required=True)
    name_kana = kana_text(Group.name_kana, "name_kana", name_kana)
    if purpose not in GROUP_PURPOSES:
        raise InvalidInput(field="purpose", problem=InputProblem.UNKNOWN)
    today = _today(now)
    settings = group_rules()
    with write_transaction():
        require_staff(actor)
        roster = _roster(representative, contact, members)
        rules.check_roster(len(roster), declared_members, resident_members, settings)
        category = _category(category_code)
        if category is not None:
            check_evidence(actor, evidence)
        _check_name_free(fitted_key(Group.name_key, name), today)
        overlaps = _overlaps({person.id for person, _ in roster}, today, exclude=None)
        if overlaps and not allow_overlap:
            raise GroupOverlap(
                groups=[group.registration_no for group, _ in overlaps],
                shared=settings.overlap_members,
            )
        group = Group(
            registration_no=new_unique_number(
                Group.registration_no, GROUP_NUMBER_LENGTH, GROUP_NUMBER_PREFIX
            ),
            name=name,
            name_kana=name_kana,
            name_key=fitted_key(Group.name_key, name),
            kana_key=fitted_key(Group.kana_key, name_kana),
            purpose=purpose,
            category=category,
            evidence=(column_text(Group.evidence, "evidence", evidence) or None)
            if category
            else None,
            evidence_valid_until=evidence_valid_until if category else None,
            declared_members=declared_members,
            resident_members=resident_members,
            valid_from=today,
            valid_until=rules.registration_ends(today, settings),
            status=GroupStatus.ACTIVE,
            created_at=now,
        )
        db.session.add(group)
        for person, role in roster:
            db.session.add(GroupMember(group=group, resident=person, role=role, joined_at=now))
        db.session.flush()
        after = group_snapshot(group)
        if overlaps:
            after["overlaps_with"] = [g.registration_no for g, _ in overlaps]
        audit.record(
            actor,
            now,
            "group.register",
            f"group:{group.registration_no}",
            after=after,
            resident_id=roster[0][0].id,
            group_id=group.id,
        )
    return group


def renew_group(
    actor: Actor,
    *,
    group_id: int,
    declared_members: int,
    resident_members: int,
    now: datetime,
    evidence_valid_until: date | None = None,
) -> Group:
    """Renew a registration: in its renewal window (or after it ended), with the roster
    and the declared counts checked again; valid until the next end the rules give."""
    require_aware(now)
    today = _today(now)
    settings = group_rules()
    with write_transaction():
        require_staff(actor)
        group = locked_group(group_id)
        status = status_of(group, today)
        if status not in (GroupStatus.ACTIVE, GroupStatus.EXPIRED):
            raise GroupNotActive(status=status, group=group.name, valid_until=group.valid_until)
        rules.check_renewal(today, group.valid_until, settings)
        rules.check_roster(len(group.members), declared_members, resident_members, settings)
        before = group_snapshot(group)
        group.declared_members = declared_members
        group.resident_members = resident_members
        group.valid_until = rules.registration_ends(today, settings)
        if group.category is not None and evidence_valid_until is not None:
            group.evidence_valid_until = evidence_valid_until
        audit.record(
            actor,
            now,
            "group.renew",
            f"group:{group.registration_no}",
            before=before,
            after=group_snapshot(group),
            group_id=group.id,
        )
    return group


# ------------------------------------------------------------------------ its standing


def _change_status(actor: Actor, action: str, group_id: int, reason: str, now: datetime) -> Group:
    require_aware(now)
    reason = column_text(Group.status_reason, "reason", reason, multiline=True)
    if not reason:
        raise ReasonRequired(action=ReasonFor.GROUP_STATUS)
    starts, target = _STATUS_CHANGES[action]
    with write_transaction():
        require_staff(actor)
        group = locked_group(group_id)
        if group.status not in starts:
            raise NotAllowed(problem=NotAllowedProblem.GROUP_STATUS, status=group.status)
        before = group_snapshot(group)
        group.status = target
        group.status_reason = reason
        audit.record(
            actor,
            now,
            action,
            f"group:{group.registration_no}",
            before=before,
            after=group_snapshot(group),
            group_id=group.id,
            reason=reason,
        )
    return group


def suspend_group(actor: Actor, *, group_id: int, reason: str, now: datetime) -> Group:
    """Stop a group from booking (its bookings stay), with a reason; reinstating ends it."""
    return _change_status(actor, "group.suspend", group_id, reason, now)


def dissolve_group(actor: Actor, *, group_id: int, reason: str, now: datetime) -> Group:
    """A group that no longer exists (解散), with a reason: final. Its bookings stay for
    staff to cancel; its history stays."""
    return _change_status(actor, "group.dissolve", group_id, reason, now)


def reinstate_group(actor: Actor, *, group_id: int, reason: str, now: datetime) -> Group:
    """End a suspension, with a reason."""
    return _change_status(actor, "group.reinstate", group_id, reason, now)


def require_member(group: Group, resident_id: int) -> GroupMember:
    """The resident's place on the roster now, or NotAMember (never on it, or left)."""
    membership = current_membership(group.id, resident_id)
    if membership is None:
        raise NotAMember(group=group.name)
    return membership
