"""Staff accounts managed by administrators through the core: deactivate, reactivate,
unlock, reset a password, change a role; each checked by role, guarded so that the
counter always keeps an active administrator, and audited with before and after.
Staff sign-in, sign-out and their own password change are in the audit trail too."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    AccountLocked,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from reservations.models import AuditEntry, Staff
from tests.factories import SYSTEM, at, make_facility, make_resident, make_staff

NOW = at(2026, 12, 1, 10)
PASSWORD = "correct-horse-1"


def as_staff(staff: Staff) -> services.Actor:
    return services.Actor.staff(staff.id)


def entries(action: str | None = None) -> list[AuditEntry]:
    db.session.rollback()
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def reloaded(staff: Staff) -> Staff:
    db.session.rollback()
    return db.session.get(Staff, staff.id)


def lock_out(username: str) -> None:
    """The account-wide lock: 20 wrong passwords in a row, from ten addresses."""
    for address in range(10):
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                services.verify_staff(username, "wrong", now=NOW, source=f"counter:{address}")


@pytest.fixture
def admin(app) -> Staff:
    return make_staff("admin", username="admin")


@pytest.fixture
def clerk(app) -> Staff:
    return make_staff("clerk", username="clerk")


# ------------------------------------------------------------- deactivate, reactivate


def test_a_deactivated_account_cannot_sign_in_or_act_and_the_change_is_audited(admin, clerk):
    services.deactivate_staff(as_staff(admin), staff_id=clerk.id, now=NOW)
    with pytest.raises(InvalidCredentials):
        services.verify_staff("clerk", PASSWORD, now=NOW)
    with pytest.raises(Forbidden) as refused:
        services.register_resident(
            as_staff(clerk),
            name="山田 花子",
            name_kana="やまだ はなこ",
            phone=None,
            district="",
            is_resident=True,
            now=NOW,
        )
    assert refused.value.params == {"action": "staff_inactive"}
    [entry] = entries("staff.deactivate")
    assert (entry.channel, entry.actor_staff_id, entry.subject) == (
        "counter",
        admin.id,
        "staff:clerk",
    )
    assert entry.at == NOW and entry.on_behalf_of_id is None
    assert entry.before["active"] is True and entry.after["active"] is False


def test_reactivating_lets_the_account_sign_in_again(admin, clerk):
    services.deactivate_staff(as_staff(admin), staff_id=clerk.id, now=NOW)
    services.reactivate_staff(as_staff(admin), staff_id=clerk.id, now=NOW)
    assert services.verify_staff("clerk", PASSWORD, now=NOW).id == clerk.id
    [entry] = entries("staff.reactivate")
    assert (entry.before["active"], entry.after["active"]) == (False, True)


def test_asking_again_for_what_is_already_so_changes_and_records_nothing(admin, clerk):
    actor = as_staff(admin)
    services.deactivate_staff(actor, staff_id=clerk.id, now=NOW)
    services.deactivate_staff(actor, staff_id=clerk.id, now=NOW)
    services.reactivate_staff(actor, staff_id=clerk.id, now=NOW)
    services.reactivate_staff(actor, staff_id=clerk.id, now=NOW)
    services.unlock_staff(actor, staff_id=clerk.id, now=NOW)
    services.change_staff_role(actor, staff_id=clerk.id, role="clerk", now=NOW)
    assert [
        e.action for e in entries() if e.action.startswith("staff.") and e.action != "staff.create"
    ] == ["staff.deactivate", "staff.reactivate"]


# ------------------------------------------------------------------ who may do it


@pytest.mark.parametrize(
    "act",
    [
        lambda actor, staff: services.deactivate_staff(actor, staff_id=staff.id, now=NOW),
        lambda actor, staff: services.reactivate_staff(actor, staff_id=staff.id, now=NOW),
        lambda actor, staff: services.unlock_staff(actor, staff_id=staff.id, now=NOW),
        lambda actor, staff: services.reset_staff_password(actor, staff_id=staff.id, now=NOW),
        lambda actor, staff: services.change_staff_role(
            actor, staff_id=staff.id, role="admin", now=NOW
        ),
    ],
    ids=["deactivate", "reactivate", "unlock", "reset_password", "change_role"],
)
def test_only_administrators_manage_staff_accounts(clerk, act):
    other = make_staff("clerk", username="other")
    resident = make_resident()
    for actor in (as_staff(clerk), services.Actor.resident(resident.id, "web")):
        before = services.staff_snapshot(reloaded(other))
        with pytest.raises(Forbidden):
            act(actor, other)
        assert services.staff_snapshot(reloaded(other)) == before
    assert not [
        e for e in entries() if e.action.startswith("staff.") and e.action != "staff.create"
    ]
    act(SYSTEM, other)  # the command line may, like creating accounts


def test_an_account_that_does_not_exist_is_not_found(admin):
    with pytest.raises(NotFound):
        services.deactivate_staff(as_staff(admin), staff_id=admin.id + 100, now=NOW)


# ---------------------------------------------------------------------- guard rails


@pytest.mark.parametrize(
    "act",
    [
        lambda actor, staff: services.deactivate_staff(actor, staff_id=staff.id, now=NOW),
        lambda actor, staff: services.change_staff_role(
            actor, staff_id=staff.id, role="clerk", now=NOW
        ),
        lambda actor, staff: services.reset_staff_password(actor, staff_id=staff.id, now=NOW),
    ],
    ids=["deactivate", "demote", "reset_password"],
)
def test_an_administrator_cannot_deactivate_demote_or_reset_themself(admin, act):
    make_staff("admin", username="another-admin")
    with pytest.raises(NotAllowed) as refused:
        act(as_staff(admin), admin)
    assert refused.value.params == {"problem": "own_account"}
    assert services.staff_snapshot(reloaded(admin))["role"] == "admin"
    assert reloaded(admin).active


@pytest.mark.parametrize(
    "act",
    [
        lambda staff: services.deactivate_staff(SYSTEM, staff_id=staff.id, now=NOW),
        lambda staff: services.change_staff_role(SYSTEM, staff_id=staff.id, role="clerk", now=NOW),
    ],
    ids=["deactivate", "demote"],
)
def test_the_last_active_administrator_cannot_be_deactivated_or_demoted(admin, clerk, act):
    retired = make_staff("admin", username="retired")
    services.deactivate_staff(SYSTEM, staff_id=retired.id, now=NOW)  # inactive: not counted
    with pytest.raises(NotAllowed) as refused:
        act(admin)
    assert refused.value.params == {"problem": "last_admin"}
    assert reloaded(admin).active and reloaded(admin).role == "admin"
    # An inactive administrator may be demoted; with a second active one, either may go.
    services.change_staff_role(SYSTEM, staff_id=retired.id, role="clerk", now=NOW)
    services.change_staff_role(SYSTEM, staff_id=clerk.id, role="admin", now=NOW)
    act(admin)


def test_two_administrators_demoting_each_other_at_once_leave_one(any_app):
    first, second = make_staff("admin", username="first"), make_staff("admin", username="second")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def demote(actor: Staff, target: Staff) -> None:
        with any_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[actor.username] = services.change_staff_role(
                    as_staff(actor), staff_id=target.id, role="clerk", now=NOW
                )
            except Exception as error:  # noqa: BLE001 - inspected below
                outcomes[actor.username] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=demote, args=pair) for pair in ((first, second), (second, first))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refused = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], Forbidden), outcomes
    db.session.rollback()
    roles = db.session.execute(sa.select(Staff.username, Staff.role)).all()
    assert sorted(role for _, role in roles) == ["admin", "clerk"]


# -------------------------------------------------------------------------- unlock


def test_unlocking_lets_a_locked_out_account_sign_in_at_once(admin, clerk):
    lock_out("clerk")
    assert services.is_staff_locked(reloaded(clerk), NOW)
    services.unlock_staff(as_staff(admin), staff_id=clerk.id, now=NOW)
    assert not services.is_staff_locked(reloaded(clerk), NOW)
    assert services.verify_staff("clerk", PASSWORD, now=NOW).id == clerk.id
    [entry] = entries("staff.unlock")
    assert entry.before["locked"] is True and entry.before["failed_attempts"] == 20
    assert entry.after["locked"] is False and entry.after["failed_attempts"] == 0


def test_a_lock_is_over_when_the_lockout_has_passed(clerk):
    lock_out("clerk")
    assert not services.is_staff_locked(reloaded(clerk), NOW + timedelta(minutes=15))


# ---------------------------------------------------------------- password resets


def test_a_reset_issues_a_temporary_password_shown_once_and_kept_only_as_a_hash(admin, clerk):
    issued = services.reset_staff_password(as_staff(admin), staff_id=clerk.id, now=NOW)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", issued)
    assert not set(issued) & set("01ilo")
    with pytest.raises(InvalidCredentials):
        services.verify_staff("clerk", PASSWORD, now=NOW)
    signed_in = services.verify_staff("clerk", issued, now=NOW)
    assert signed_in.must_change_password
    [entry] = entries("staff.password_reset")
    assert entry.actor_staff_id == admin.id and entry.subject == "staff:clerk"
    assert (entry.before["must_change_password"], entry.after["must_change_password"]) == (
        False,
        True,
    )
    assert issued not in str(entry.before) + str(entry.after)
    assert "password_hash" not in entry.after


def test_an_administrator_may_choose_the_temporary_password_of_ten_characters_or_more(admin, clerk):
    with pytest.raises(InvalidInput) as refused:
        services.reset_staff_password(as_staff(admin), staff_id=clerk.id, now=NOW, password="short")
    assert refused.value.params == {"field": "password", "problem": "too_short", "minimum": 10}
    chosen = services.reset_staff_password(
        as_staff(admin), staff_id=clerk.id, now=NOW, password="temporary-123-x"
    )
    assert chosen == "temporary-123-x"
    assert services.verify_staff("clerk", "temporary-123-x", now=NOW).must_change_password


def test_a_reset_also_unlocks(admin, clerk):
    lock_out("clerk")
    issued = services.reset_staff_password(as_staff(admin), staff_id=clerk.id, now=NOW)
    assert services.verify_staff("clerk", issued, now=NOW).id == clerk.id


def test_a_temporary_password_allows_nothing_but_changing_it_or_signing_out(admin, clerk):
    gym = make_facility("gym")
    services.reset_staff_password(as_staff(admin), staff_id=clerk.id, now=NOW)
    with pytest.raises(Forbidden) as refused:
        services.register_resident(
            as_staff(clerk),
            name="山田 花子",
            name_kana="やまだ はなこ",
            phone=None,
            district="",
            is_resident=True,
            now=NOW,
        )
    assert refused.value.params == {"action": "change_password_first"}
    services.change_staff_role(SYSTEM, staff_id=clerk.id, role="admin", now=NOW)
    with pytest.raises(Forbidden):
        services.add_closure(
            as_staff(clerk),
            facility_id=gym.id,
            start=date(2026, 12, 16),
            end=date(2026, 12, 16),
            reason="点検",
            now=NOW,
        )
    services.sign_out_staff(as_staff(clerk), now=NOW)


def test_accounts_an_administrator_creates_start_with_a_temporary_password(admin):
    created = services.create_staff(
        as_staff(admin),
        username="new",
        display_name="新人 職員",
        password="initial-pass",
        role="clerk",
        now=NOW,
    )
    assert created.must_change_password
    from_command_line = make_staff("clerk", username="installer")
    assert not from_command_line.must_change_password


# ------------------------------------------------------------ changing one's own


def test_staff_change_their_own_password_with_the_current_one(admin, clerk):
    issued = services.reset_staff_password(as_staff(admin), staff_id=clerk.id, now=NOW)
    services.change_own_password(
        as_staff(clerk), current_password=issued, new_password="my-own-secret", now=NOW
    )
    changed = services.verify_staff("clerk", "my-own-secret", now=NOW)
    assert not changed.must_change_password
    with pytest.raises(InvalidCredentials):
        services.verify_staff("clerk", issued, now=NOW)
    [entry] = entries("staff.password_change")
    assert (entry.actor_staff_id, entry.channel, entry.subject) == (
        clerk.id,
        "counter",
        "staff:clerk",
    )
    assert (entry.before["must_change_password"], entry.after["must_change_password"]) == (
        True,
        False,
    )
    # Without a reset too.
    services.change_own_password(
        as_staff(admin), current_password=PASSWORD, new_password="fresh-new-one-7", now=NOW
    )
    assert services.verify_staff("admin", "fresh-new-one-7", now=NOW).id == admin.id


@pytest.mark.parametrize(
    "current, new, field, problem",
    [
        (PASSWORD, "short", "new_password", "too_short"),
        (PASSWORD, PASSWORD, "new_password", "unchanged"),
        ("not-the-password", "long-enough-1", "current_password", "wrong"),
    ],
)
def test_a_new_password_is_refused_when(clerk, current, new, field, problem):
    with pytest.raises(InvalidInput) as refused:
        services.change_own_password(
            as_staff(clerk), current_password=current, new_password=new, now=NOW
        )
    assert (refused.value.params["field"], refused.value.params["problem"]) == (field, problem)
    assert services.verify_staff("clerk", PASSWORD, now=NOW).id == clerk.id


def test_wrong_current_passwords_lock_the_account_as_at_sign_in(clerk):
    for _ in range(4):
        with pytest.raises(InvalidInput):
            services.change_own_password(
                as_staff(clerk), current_password="guess", new_password="long-enough-1", now=NOW
            )
    with pytest.raises(AccountLocked):
        services.change_own_password(
            as_staff(clerk), current_password="guess", new_password="long-enough-1", now=NOW
        )
    with pytest.raises(AccountLocked):
        services.change_own_password(
            as_staff(clerk), current_password=PASSWORD, new_password="long-enough-1", now=NOW
        )
    [entry] = entries("staff.locked")
    assert entry.actor_staff_id == clerk.id and entry.after == {"failed_attempts": 5}


def test_only_staff_change_a_staff_password(app):
    resident = make_resident()
    for actor in (SYSTEM, services.Actor.resident(resident.id, "web")):
        with pytest.raises(Forbidden):
            services.change_own_password(
                actor, current_password="x" * 10, new_password="y" * 10, now=NOW
            )


# ----------------------------------------------------------- who was at the counter


def test_signing_in_and_out_is_in_the_audit_trail(clerk):
    later = NOW + timedelta(hours=3)
    assert services.sign_in_staff("clerk", PASSWORD, now=NOW).id == clerk.id
    services.sign_out_staff(as_staff(clerk), now=later)
    services.expire_staff_session(as_staff(clerk), now=later, last_activity=NOW)
    signed = [e for e in entries() if e.action.startswith("staff.") and e.action != "staff.create"]
    assert [(e.action, e.channel, e.actor_staff_id, e.at) for e in signed] == [
        ("staff.sign_in", "counter", clerk.id, NOW),
        ("staff.sign_out", "counter", clerk.id, later),
        ("staff.session_expired", "counter", clerk.id, later),
    ]
    assert signed[2].after == {"reason": "idle", "last_activity": NOW.isoformat()}
    page = services.audit_trail(services.AuditFilter(staff_id=clerk.id))
    assert {e.action for e in page.entries} >= {"staff.sign_in", "staff.sign_out"}


def test_a_failed_sign_in_and_a_plain_password_check_record_no_sign_in(clerk):
    with pytest.raises(InvalidCredentials):
        services.sign_in_staff("clerk", "wrong", now=NOW)
    services.verify_staff("clerk", PASSWORD, now=NOW)
    assert entries("staff.sign_in") == []


# -------------------------------------------------------------------------- roles


def test_a_role_change_takes_effect_and_is_audited(admin, clerk):
    gym = make_facility("gym")
    services.change_staff_role(as_staff(admin), staff_id=clerk.id, role="admin", now=NOW)
    services.add_closure(
        as_staff(clerk),
        facility_id=gym.id,
        start=date(2026, 12, 16),
        end=date(2026, 12, 16),
        reason="点検",
        now=NOW,
    )
    [entry] = entries("staff.role_change")
    assert (entry.before["role"], entry.after["role"]) == ("clerk", "admin")
    with pytest.raises(InvalidInput) as refused:
        services.change_staff_role(as_staff(admin), staff_id=clerk.id, role="owner", now=NOW)
    assert refused.value.params == {"field": "role", "problem": "unknown"}


def test_a_typed_name_with_control_characters_is_counted_without_them(any_app):
    """A NUL or a bidirectional mark in a typed username reached the table of wrong
    sign-ins (a 500 on PostgreSQL, found by the fuzz suite there); no account's name has
    one, so the name is counted without them."""
    from reservations.errors import InvalidCredentials
    from reservations.models import SignInFailure

    make_staff("clerk", username="madoguchi")
    with pytest.raises(InvalidCredentials):
        services.verify_staff("mado\x00guchi\u200e", "wrong", now=NOW, source="counter:192.0.2.1")
    db.session.rollback()
    assert db.session.scalars(sa.select(SignInFailure.account)).all() == ["staff:madoguchi"]
