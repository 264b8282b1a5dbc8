"""Who acts: the Actor every operation takes, the role checks, and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..db import db
from ..errors import Forbidden, ForbiddenAction, InputProblem, InvalidInput
from ..models import ADMIN, CARETAKER, CHANNELS, CLERK, STATISTICS, Staff
from ..settings import get_settings
from ..settings import now as settings_now


@dataclass(frozen=True)
class Actor:
    """Who is acting, through which channel. Staff act for a resident named in each
    operation; the audit trail records both."""

    channel: str
    resident_id: int | None = None
    staff_id: int | None = None

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise InvalidInput(field="channel", problem=InputProblem.UNKNOWN)
        if self.resident_id is not None and self.staff_id is not None:
            raise InvalidInput(field="actor", problem=InputProblem.BOTH_RESIDENT_AND_STAFF)

    @classmethod
    def resident(cls, resident_id: int, channel: str) -> Actor:
        return cls(channel=channel, resident_id=resident_id)

    @classmethod
    def staff(cls, staff_id: int, channel: str = "counter") -> Actor:
        return cls(channel=channel, staff_id=staff_id)

    @classmethod
    def system(cls) -> Actor:
        """The command line (seeding, maintenance)."""
        return cls(channel="cli")

    @property
    def is_system(self) -> bool:
        return self.channel == "cli" and self.staff_id is None and self.resident_id is None


def acting_staff(actor: Actor) -> Staff | None:
    """The acting staff member (None for a resident or the command line), who must be
    active and have chosen their own password."""
    if actor.staff_id is None:
        return None
    staff = db.session.get(Staff, actor.staff_id)
    if staff is None or not staff.active:
        raise Forbidden(action=ForbiddenAction.STAFF_INACTIVE)
    if staff.must_change_password:  # see staff_themself
        raise Forbidden(action=ForbiddenAction.CHANGE_PASSWORD_FIRST)
    return staff


def staff_themself(actor: Actor) -> Staff:
    """The acting staff member, active, even with a temporary password: one that an
    administrator set lets its holder change it or sign out, and nothing else."""
    staff = db.session.get(Staff, actor.staff_id) if actor.staff_id is not None else None
    if staff is None or not staff.active:
        raise Forbidden(
            action=ForbiddenAction.STAFF_INACTIVE
            if actor.staff_id is not None
            else ForbiddenAction.STAFF_ONLY
        )
    return staff


# Which staff roles each role check admits: no role asked means the counter's own work
# (booking, residents, groups), which caretakers and statistics staff may not do.
_ROLES_ADMITTED = {
    None: (CLERK, ADMIN),
    CLERK: (CLERK, ADMIN),
    ADMIN: (ADMIN,),
    CARETAKER: (CARETAKER, CLERK, ADMIN),
    STATISTICS: (STATISTICS, ADMIN),
}
_REFUSED_AS = {ADMIN: ForbiddenAction.ADMIN_ONLY, STATISTICS: ForbiddenAction.STATISTICS_ONLY}


def require_staff(actor: Actor, role: str | None = None) -> Staff | None:
    """Staff admitted by `role` (clerks and admins when none is given; a caretaker's
    day lists admit clerks and admins too, the statistics admit admins) or the command
    line; never a resident."""
    if actor.is_system:
        return None
    staff = acting_staff(actor)
    if staff is None or staff.role not in _ROLES_ADMITTED[role]:
        raise Forbidden(action=_REFUSED_AS.get(role, ForbiddenAction.STAFF_ONLY))
    return staff


def require_acting_for(actor: Actor, resident_id: int) -> Staff | None:
    """A resident acts only for themself; staff and the command line for anyone."""
    if actor.resident_id is not None:
        if actor.resident_id != resident_id:
            raise Forbidden(action=ForbiddenAction.OTHER_RESIDENT)
        return None
    return require_staff(actor)


def require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise InvalidInput(field="now", problem=InputProblem.NAIVE)


def clock_now() -> datetime:
    """The current time in the town's zone: what channels pass as `now`."""
    return settings_now()


def town_timezone():
    """The town's time zone (Asia/Tokyo unless configured): dates and times are
    shown in it."""
    return get_settings().timezone
