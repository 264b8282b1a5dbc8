"""Who is on a group's roster: the lookups that reading a reservation and booking for
a group both need, below the groups module that changes rosters."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..db import db
from ..models import Group, GroupMember


def current_membership(group_id: int, resident_id: int) -> GroupMember | None:
    """The resident's place on the group's roster now (None: never on it, or left)."""
    return db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group_id,
            GroupMember.resident_id == resident_id,
            GroupMember.left_at.is_(None),
        )
    )


def memberships_of(resident_id: int) -> list[GroupMember]:
    """The resident's current places on rosters, with their groups, by group name."""
    return list(
        db.session.scalars(
            select(GroupMember)
            .join(Group, Group.id == GroupMember.group_id)
            .where(GroupMember.resident_id == resident_id, GroupMember.left_at.is_(None))
            .options(selectinload(GroupMember.group).selectinload(Group.category))
            .order_by(Group.kana_key, Group.id)
        )
    )
