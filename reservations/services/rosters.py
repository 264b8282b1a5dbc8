"""A group's roster: adding and removing members and changing their roles, by staff
at the counter. Every change is audited with the roster before and after."""

from __future__ import annotations

from datetime import datetime

from ..db import db, write_transaction
from ..errors import (
    AlreadyAMember,
    GroupNotActive,
    InputProblem,
    InvalidInput,
    LastRepresentative,
    NotFound,
)
from ..models import Group, GroupMember, GroupStatus, MemberRole
from . import audit
from .actors import Actor, require_aware, require_staff
from .groups import group_snapshot, locked_group, resident_numbered


def _roster_change(actor: Actor, group_id: int) -> Group:
    """The group locked for a roster change by staff: not one that is dissolved."""
    require_staff(actor)
    group = locked_group(group_id)
    if group.status == GroupStatus.DISSOLVED:
        raise GroupNotActive(
            status=GroupStatus.DISSOLVED, group=group.name, valid_until=group.valid_until
        )
    return group


def _record_roster(actor, now, action, group, before, resident_id) -> None:
    audit.record(
        actor,
        now,
        action,
        f"group:{group.registration_no}",
        before=before,
        after=group_snapshot(group),
        resident_id=resident_id,
        group_id=group.id,
    )


def add_member(
    actor: Actor,
    *,
    group_id: int,
    registration_no: str,
    now: datetime,
    role: MemberRole = MemberRole.MEMBER,
) -> GroupMember:
    """Put a registered resident on the roster (as a member or a contact; the
    representative is named with set_member_role). Someone who left may come back."""
    require_aware(now)
    if role not in (MemberRole.MEMBER, MemberRole.CONTACT):
        raise InvalidInput(field="role", problem=InputProblem.UNKNOWN)
    with write_transaction():
        group = _roster_change(actor, group_id)
        resident = resident_numbered(registration_no, role)
        before = group_snapshot(group)
        membership = next((m for m in group.memberships if m.resident_id == resident.id), None)
        if membership is not None and membership.left_at is None:
            raise AlreadyAMember(registration_no=resident.registration_no)
        if membership is None:
            membership = GroupMember(group=group, resident=resident, role=role, joined_at=now)
            db.session.add(membership)
        else:
            membership.role, membership.joined_at, membership.left_at = role, now, None
        db.session.flush()
        _record_roster(actor, now, "group.member_add", group, before, resident.id)
    return membership


def _member(group: Group, resident_id: int) -> GroupMember:
    membership = next((m for m in group.members if m.resident_id == resident_id), None)
    if membership is None:
        raise NotFound(what="member", id=resident_id)
    return membership


def remove_member(actor: Actor, *, group_id: int, resident_id: int, now: datetime) -> Group:
    """Take someone off the roster (the row stays, with the day they left). The only
    representative stays until another is named."""
    require_aware(now)
    with write_transaction():
        group = _roster_change(actor, group_id)
        membership = _member(group, resident_id)
        if membership.role == MemberRole.REPRESENTATIVE:
            raise LastRepresentative()
        before = group_snapshot(group)
        membership.left_at = now
        db.session.flush()
        _record_roster(actor, now, "group.member_remove", group, before, resident_id)
    return group


def set_member_role(
    actor: Actor, *, group_id: int, resident_id: int, role: MemberRole, now: datetime
) -> Group:
    """Change a member's role. Naming a new representative makes the previous one a
    member; the representative's own role changes only that way."""
    require_aware(now)
    if role not in tuple(MemberRole):
        raise InvalidInput(field="role", problem=InputProblem.UNKNOWN)
    with write_transaction():
        group = _roster_change(actor, group_id)
        membership = _member(group, resident_id)
        if membership.role == MemberRole.REPRESENTATIVE and role != MemberRole.REPRESENTATIVE:
            raise LastRepresentative()
        before = group_snapshot(group)
        if role == MemberRole.REPRESENTATIVE:
            for other in group.members:
                if other.role == MemberRole.REPRESENTATIVE and other is not membership:
                    other.role = MemberRole.MEMBER
        membership.role = role
        db.session.flush()
        _record_roster(actor, now, "group.member_role", group, before, resident_id)
    return group
