"""The audit trail: one row per change, written in the change's own transaction, and
read page by page (the counter's audit view) or whole (its CSV export)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import selectinload

from ..db import db
from ..errors import InvalidRange
from ..models import AuditEntry, Group, Reservation, Resident
from ..settings import get_settings
from ..text import digits_only
from .actors import Actor
from .lookup import find_reservation


def record(
    actor: Actor,
    now: datetime,
    action: str,
    subject: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reservation: Reservation | None = None,
    resident_id: int | None = None,
    group_id: int | None = None,
    reason: str | None = None,
) -> None:
    """Add the row for a change; the caller's transaction commits it with the change.
    `resident_id` is the person it was for (staff act on their behalf), `group_id` the
    group it was for."""
    on_behalf_of = resident_id if actor.resident_id is None else None
    db.session.add(
        AuditEntry(
            at=now,
            action=action,
            channel=actor.channel,
            actor_resident_id=actor.resident_id,
            actor_staff_id=actor.staff_id,
            on_behalf_of_id=on_behalf_of,
            group_id=group_id,
            reservation_id=reservation.id if reservation is not None else None,
            subject=subject,
            before=before,
            after=after,
            reason=reason,
        )
    )


def last_entry_id() -> int:
    """The trail's last id (0 when empty), read from the primary key's index."""
    return db.session.scalar(select(func.max(AuditEntry.id))) or 0


@dataclass(frozen=True)
class AuditFilter:
    """What the counter's audit view narrows the trail to; every part is optional.

    `registration_no` matches what a resident did and what was done on their behalf;
    `group_no` what was done for a group (its bookings, its roster, its status);
    `start` and `end` are days in the town's zone, both included.
    """

    registration_no: str | None = None
    group_no: str | None = None
    staff_id: int | None = None
    reservation_number: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first entry (0 when there is none)."""
        return (self.page - 1) * self.per_page + 1 if self.entries else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.entries)


AUDIT_PAGE_MAX = 200


def _audit_query(audit_filter: AuditFilter) -> Select:
    query = select(AuditEntry)
    if audit_filter.start and audit_filter.end and audit_filter.end < audit_filter.start:
        raise InvalidRange(max_days=None)
    tz = get_settings().timezone
    if audit_filter.start is not None:
        query = query.where(AuditEntry.at >= datetime.combine(audit_filter.start, time(0), tz))
    if audit_filter.end is not None:
        after_end = audit_filter.end + timedelta(days=1)
        query = query.where(AuditEntry.at < datetime.combine(after_end, time(0), tz))
    if audit_filter.staff_id is not None:
        query = query.where(AuditEntry.actor_staff_id == audit_filter.staff_id)
    if audit_filter.registration_no:
        resident_id = db.session.scalar(
            select(Resident.id).where(
                Resident.registration_no == digits_only(audit_filter.registration_no)
            )
        )
        query = query.where(
            or_(
                AuditEntry.actor_resident_id == resident_id,
                AuditEntry.on_behalf_of_id == resident_id,
            )
            if resident_id is not None
            else false()
        )
    if audit_filter.group_no:
        group_id = db.session.scalar(
            select(Group.id).where(Group.registration_no == digits_only(audit_filter.group_no))
        )
        query = query.where(AuditEntry.group_id == group_id if group_id is not None else false())
    if audit_filter.reservation_number:
        reservation = find_reservation(audit_filter.reservation_number)
        query = query.where(
            AuditEntry.reservation_id == reservation.id if reservation is not None else false()
        )
    return query


def _with_people(query: Select) -> Select:
    return query.options(
        selectinload(AuditEntry.actor_staff),
        selectinload(AuditEntry.actor_resident),
        selectinload(AuditEntry.on_behalf_of),
        selectinload(AuditEntry.group),
        selectinload(AuditEntry.reservation),
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def audit_trail(audit_filter: AuditFilter, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """One page of the audit trail, newest first. An unknown registration or
    reservation number matches nothing; a reversed date range is InvalidRange."""
    per_page = min(max(per_page, 1), AUDIT_PAGE_MAX)
    query = _audit_query(audit_filter)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    entries = list(
        db.session.scalars(_with_people(query).limit(per_page).offset((page - 1) * per_page))
    )
    return AuditPage(entries, total, page, per_page)


def audit_trail_all(audit_filter: AuditFilter, *, batch: int = 500) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read in batches (the CSV export)."""
    query = _audit_query(audit_filter)
    offset = 0
    while True:
        rows = list(db.session.scalars(_with_people(query).limit(batch).offset(offset)))
        yield from rows
        if len(rows) < batch:
            return
        offset += batch
