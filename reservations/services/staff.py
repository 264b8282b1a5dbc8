"""Staff accounts: creating and managing them, signing in and out, own passwords."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from zxcvbn import zxcvbn

from ..db import db, write_transaction
from ..errors import (
    InputProblem,
    InvalidInput,
    NotAllowed,
    NotAllowedProblem,
    NotFound,
    PasswordWeakness,
)
from ..models import ADMIN, STAFF_ROLES, Staff
from ..text import column_text
from . import attempts, audit, credentials, sessions
from .actors import Actor, require_aware, require_staff, staff_themself


def create_staff(
    actor: Actor, *, username: str, display_name: str, password: str, role: str, now: datetime
) -> Staff:
    """A staff account, created by an admin or from the command line. The password an
    admin gives is temporary: its holder must choose their own at the first sign-in."""
    require_aware(now)
    username = column_text(Staff.username, "username", username, required=True)
    display_name = column_text(Staff.display_name, "display_name", display_name, required=True)
    if role not in STAFF_ROLES:
        raise InvalidInput(field="role", problem=InputProblem.UNKNOWN)
    check_staff_password("password", password, username=username, display_name=display_name)
    with write_transaction():
        acting = require_staff(actor, ADMIN)
        if db.session.scalar(select(func.count()).where(Staff.username == username)):
            raise InvalidInput(field="username", problem=InputProblem.TAKEN)
        staff = Staff(
            username=username,
            display_name=display_name,
            password_hash=credentials.hash_secret(password),
            role=role,
            active=True,
            failed_attempts=0,
            created_at=now,
            must_change_password=acting is not None,  # an administrator chose it
        )
        db.session.add(staff)
        db.session.flush()
        audit.record(
            actor,
            now,
            "staff.create",
            f"staff:{username}",
            after={"username": username, "role": role, "display_name": staff.display_name},
        )
    return staff


def sign_in_staff(
    username: str, password: str, *, now: datetime, source: str | None = None
) -> Staff:
    """Staff sign in at the counter: `verify_staff`, and the sign-in in the audit trail."""
    return verify_staff(username, password, now=now, record_sign_in=True, source=source)


def verify_staff(
    username: str,
    password: str,
    *,
    now: datetime,
    record_sign_in: bool = False,
    source: str | None = None,
) -> Staff:
    """A staff member's password from `source` ("counter:<address>"; "counter" when
    None), with the same limits per source as residents' PINs (`credentials.sign_in`):
    an outsider's wrong guesses make the outsider wait, not the staff member. An
    unknown or deactivated account answers as a wrong password, in the same time."""
    require_aware(now)
    with write_transaction():
        staff = _staff_named(username)
        checked = credentials.sign_in(
            staff if staff is not None and staff.active and not staff.sign_in_stopped_at else None,
            attempts.account_key("staff", username),
            credentials.password(),
            password,
            source=source or "counter",
            now=now,
        )
        if checked.verified:
            if record_sign_in:
                audit.record(Actor.staff(staff.id), now, "staff.sign_in", f"staff:{staff.username}")
            return staff
        if checked.locked_now:
            audit.record(Actor(channel="counter"), now, "staff.locked", f"staff:{staff.username}")
    raise checked.refusal


def _staff_named(username: str) -> Staff | None:
    """The account with this username (None for one longer than any can be)."""
    try:
        username = column_text(Staff.username, "username", username)
    except InvalidInput:
        return None
    return db.session.scalar(select(Staff).where(Staff.username == username))


def get_staff(staff_id: int) -> Staff | None:
    return db.session.get(Staff, staff_id)


def list_staff() -> list[Staff]:
    """Every staff account, by username (the audit view's filter, the admins' list)."""
    return list(db.session.scalars(select(Staff).order_by(Staff.username)))


def is_staff_locked(staff: Staff, now: datetime) -> bool:
    """Locked after wrong passwords, and the lockout not yet over."""
    return credentials.is_locked(staff, credentials.password(), now)


def staff_snapshot(staff: Staff) -> dict[str, Any]:
    """An account as the audit trail keeps it: never the password or its hash."""
    return {
        "username": staff.username,
        "display_name": staff.display_name,
        "role": staff.role,
        "active": staff.active,
        "failed_attempts": staff.failed_attempts,
        "locked": staff.locked_at is not None,
        "must_change_password": staff.must_change_password,
    }


STAFF_PASSWORD_MIN_LENGTH = 10
# Temporary passwords are read out or written down: no 0/o, 1/l/i to mistake.
_TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# zxcvbn's score (0-4) a staff password must reach: 3 is "safely unguessable" against
# an attacker who can try many guesses offline.
STAFF_PASSWORD_MIN_SCORE = 3
# Argon2 takes any length, zxcvbn judges at most 72 characters.
STAFF_PASSWORD_MAX_LENGTH = 128
_ZXCVBN_MAX_LENGTH = 72

_WEAKNESS_OF_PATTERN = {
    "spatial": PasswordWeakness.KEYBOARD,
    "repeat": PasswordWeakness.REPEAT,
    "sequence": PasswordWeakness.SEQUENCE,
    "regex": PasswordWeakness.DATE,  # recent years
    "date": PasswordWeakness.DATE,
}


def _personal_words(username: str, display_name: str) -> list[str]:
    words = re.split(r"[\W_]+", f"{username} {display_name}")
    return [w.casefold() for w in {username, display_name, *words} if len(w) >= 3]


def password_weakness(
    password: str, *, username: str = "", display_name: str = ""
) -> PasswordWeakness | None:
    """Why `password` is too easy to guess, or None: it contains the username or a
    part of the name, or zxcvbn scores it under STAFF_PASSWORD_MIN_SCORE."""
    personal = _personal_words(username, display_name)
    folded = password.casefold()
    if any(word in folded for word in personal):
        return PasswordWeakness.NAME
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=personal)
    if result["score"] >= STAFF_PASSWORD_MIN_SCORE:
        return None
    for match in result["sequence"]:
        if match["pattern"] == "dictionary":
            if match.get("dictionary_name") == "user_inputs":
                return PasswordWeakness.NAME
            return PasswordWeakness.COMMON
        if match["pattern"] in _WEAKNESS_OF_PATTERN:
            return _WEAKNESS_OF_PATTERN[match["pattern"]]
    return PasswordWeakness.GUESSABLE


def check_staff_password(
    field: str, password: str, *, username: str = "", display_name: str = ""
) -> None:
    """A staff password: at least STAFF_PASSWORD_MIN_LENGTH characters, at most
    STAFF_PASSWORD_MAX_LENGTH, and not easy to guess (InvalidInput(field, TOO_WEAK,
    weakness))."""
    if len(password) < STAFF_PASSWORD_MIN_LENGTH:
        raise InvalidInput(
            field=field, problem=InputProblem.TOO_SHORT, minimum=STAFF_PASSWORD_MIN_LENGTH
        )
    if len(password) > STAFF_PASSWORD_MAX_LENGTH:
        raise InvalidInput(
            field=field, problem=InputProblem.TOO_LONG, maximum=STAFF_PASSWORD_MAX_LENGTH
        )
    weakness = password_weakness(password, username=username, display_name=display_name)
    if weakness is not None:
        raise InvalidInput(field=field, problem=InputProblem.TOO_WEAK, weakness=weakness)


def _new_temporary_password(*, username: str, display_name: str) -> str:
    """Twelve letters and digits in groups of four (about 59 bits), e.g. 'k7mq-3xtd-9hwa',
    drawn again in the rare case that it happens to look guessable."""
    while True:
        letters = "".join(secrets.choice(_TEMPORARY_PASSWORD_ALPHABET) for _ in range(12))
        password = "-".join(letters[i : i + 4] for i in range(0, 12, 4))
        if password_weakness(password, username=username, display_name=display_name) is None:
            return password


def _managed_staff(actor: Actor, staff_id: int) -> tuple[Staff | None, Staff]:
    """The acting administrator (None from the command line) and the account they
    change, both locked for this transaction.

    The active administrators' rows are locked first, then the actor is checked: two
    administrators demoting or deactivating each other at once queue on the same rows,
    and the second finds that it is no longer an administrator (PostgreSQL; SQLite's
    write lock already serialises writers).
    """
    db.session.execute(
        select(Staff.id)
        .where(Staff.role == ADMIN, Staff.active)
        .order_by(Staff.id)
        .with_for_update()
    )
    acting = require_staff(actor, ADMIN)
    staff = get_staff(staff_id)
    if staff is None:
        raise NotFound(what="staff", id=staff_id)
    db.session.refresh(staff, with_for_update=True)
    return acting, staff


def _not_own_account(acting: Staff | None, staff: Staff) -> None:
    """Administrators change their own account only through the staff member's own
    page (their password), never lock themselves out or demote themselves."""
    if acting is not None and acting.id == staff.id:
        raise NotAllowed(problem=NotAllowedProblem.OWN_ACCOUNT)


def _keep_an_active_admin(staff: Staff) -> None:
    """Called before `staff` stops being an active administrator."""
    if staff.role != ADMIN or not staff.active:
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(Staff)
        .where(Staff.role == ADMIN, Staff.active, Staff.id != staff.id)
    )
    if not others:
        raise NotAllowed(problem=NotAllowedProblem.LAST_ADMIN)


def _audit_staff_change(
    actor: Actor,
    now: datetime,
    action: str,
    staff: Staff,
    before: dict[str, Any],
    ended: dict[str, Any] | None = None,
) -> None:
    """`ended`: what sessions.end_all said of the sessions the change ended."""
    audit.record(
        actor,
        now,
        action,
        f"staff:{staff.username}",
        before=before,
        after=staff_snapshot(staff) | (ended or {}),
    )


def deactivate_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    """The account can no longer sign in, and its open sessions end at their next
    request. Its entries in the audit trail stay. Deactivating an inactive account
    changes nothing."""
    require_aware(now)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        if staff.active:
            _keep_an_active_admin(staff)
            before = staff_snapshot(staff)
            staff.active = False
            ended = sessions.end_all(staff, sessions.SessionEnd.DEACTIVATED)
            _audit_staff_change(actor, now, "staff.deactivate", staff, before, ended)
    return staff


def reactivate_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    require_aware(now)
    with write_transaction():
        _, staff = _managed_staff(actor, staff_id)
        if not staff.active:
            before = staff_snapshot(staff)
            staff.active = True
            _audit_staff_change(actor, now, "staff.reactivate", staff, before)
    return staff


def unlock_staff(actor: Actor, *, staff_id: int, now: datetime) -> Staff:
    """Clear a lock after wrong passwords (and the count towards one)."""
    require_aware(now)
    with write_transaction():
        _, staff = _managed_staff(actor, staff_id)
        attempts.forget_account(attempts.account_key("staff", staff.username))
        if staff.failed_attempts or staff.locked_at is not None:
            before = staff_snapshot(staff)
            credentials.clear_lock(staff, credentials.password())
            _audit_staff_change(actor, now, "staff.unlock", staff, before)
    return staff


def change_staff_role(actor: Actor, *, staff_id: int, role: str, now: datetime) -> Staff:
    """Every session of the account ends (a session begun as a clerk does not go on as
    an administrator, nor the other way round): the staff member signs in again."""
    require_aware(now)
    if role not in STAFF_ROLES:
        raise InvalidInput(field="role", problem=InputProblem.UNKNOWN)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        if staff.role != role:
            _keep_an_active_admin(staff)
            before = staff_snapshot(staff)
            staff.role = role
            ended = sessions.end_all(staff, sessions.SessionEnd.ROLE_CHANGE)
            _audit_staff_change(actor, now, "staff.role_change", staff, before, ended)
    return staff


def reset_staff_password(
    actor: Actor, *, staff_id: int, now: datetime, password: str | None = None
) -> str:
    """Give a staff member a temporary password: the one the administrator chose, or
    one made here (returned, to be shown once; only its hash is kept). It also unlocks
    the account. Until its holder chooses their own, the account can do nothing else,
    so a session still open elsewhere is of no use to whoever holds it. It lifts a stop
    of its sign-in (sign_in_stops)."""
    require_aware(now)
    with write_transaction():
        acting, staff = _managed_staff(actor, staff_id)
        _not_own_account(acting, staff)
        names = {"username": staff.username, "display_name": staff.display_name}
        if password is None:
            password = _new_temporary_password(**names)
        check_staff_password("password", password, **names)
        before = staff_snapshot(staff)
        credentials.set_secret(staff, credentials.password(), password)
        attempts.forget_account(attempts.account_key("staff", staff.username))
        staff.must_change_password = True
        ended = credentials.lift_stop(staff, attempts.account_key("staff", staff.username))
        ended |= sessions.end_all(staff, sessions.SessionEnd.PASSWORD_RESET)
        _audit_staff_change(actor, now, "staff.password_reset", staff, before, ended)
    return password


def change_own_password(
    actor: Actor, *, current_password: str, new_password: str, now: datetime
) -> Staff:
    """A signed-in staff member chooses a new password, giving the current one (a
    temporary one included). Every session of the account ends (the channel carries
    on the one it was chosen in with sessions.renewed). Wrong current passwords count towards the lockout, as at
    sign-in, so an unattended session is no way to guess it."""
    require_aware(now)
    if new_password == current_password:
        raise InvalidInput(field="new_password", problem=InputProblem.UNCHANGED)
    kind = credentials.password()
    with write_transaction():
        staff = staff_themself(actor)
        db.session.refresh(staff, with_for_update=True)
        before = staff_snapshot(staff)
        checked = credentials.attempt(staff, kind, current_password, now=now)
        if checked.verified:
            # Judged once the current password is known right: a guesser learns nothing.
            check_staff_password(
                "new_password",
                new_password,
                username=staff.username,
                display_name=staff.display_name,
            )
            credentials.set_secret(staff, kind, new_password)
            staff.must_change_password = False
            ended = sessions.end_all(staff, sessions.SessionEnd.PASSWORD_CHANGE)
            _audit_staff_change(actor, now, "staff.password_change", staff, before, ended)
            return staff
        if checked.locked_now:
            audit.record(
                actor,
                now,
                "staff.locked",
                f"staff:{staff.username}",
                after={"failed_attempts": checked.failed_attempts},
            )
    raise checked.refusal(InvalidInput(field="current_password", problem=InputProblem.WRONG))


def sign_out_staff(actor: Actor, *, now: datetime, session_id: str | None = None) -> None:
    """The staff member signed out: this session and every other of the account end,
    and the audit trail shows who was at the counter when."""
    require_aware(now)
    staff = staff_themself(actor)
    sessions.end_sessions(
        actor, staff, reason=sessions.SessionEnd.SIGN_OUT, now=now, session_id=session_id
    )


def expire_staff_session(
    actor: Actor,
    *,
    now: datetime,
    last_activity: datetime | None,
    ticket: sessions.SessionTicket | None = None,
    reason: sessions.SessionEnd = sessions.SessionEnd.IDLE,
) -> None:
    """A session found idle too long (as of `last_activity`) or over its lifetime at
    its next request."""
    require_aware(now)
    staff = staff_themself(actor)
    sessions.record_session_expired(
        actor, staff, ticket, reason=reason, now=now, last_activity=last_activity
    )
