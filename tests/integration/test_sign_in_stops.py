"""Staff stopping a sign-in (a lost PIN slip, suspected misuse): the account's sessions
end, every sign-in is refused as a wrong secret (the same words for the right PIN as
for a wrong one or a number nobody holds), until staff lift the stop or reset the PIN
or password; each step audited with its reason. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotAllowed,
    ReasonRequired,
)
from reservations.models import AuditEntry, Resident, Staff
from tests.factories import SYSTEM, at, make_resident, make_staff

NOW = at(2026, 12, 1, 10)
PASSWORD = "correct-horse-1"
LATER = at(2026, 12, 1, 11)


@pytest.fixture
def town(any_app):
    admin = make_staff("admin", username="admin")
    clerk = make_staff("clerk", username="clerk")
    resident = make_resident(pin="2580", phone="090-1234-5678")
    return admin, clerk, resident


def entries(action: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def refusal_for(**kwargs) -> InvalidCredentials:
    with pytest.raises(InvalidCredentials) as refused:
        services.verify_pin("web", now=LATER, **kwargs)
    return refused.value


def test_a_stopped_resident_is_refused_as_a_wrong_pin_everywhere_until_lifted(town):
    _, clerk, resident = town
    generation = resident.session_generation
    services.stop_resident_sign_in(
        services.Actor.staff(clerk.id),
        resident_id=resident.id,
        reason="PIN slip lost on the bus",
        now=NOW,
    )
    db.session.rollback()
    stopped = db.session.get(Resident, resident.id)
    assert stopped.session_generation == generation + 1
    assert stopped.sign_in_stop_reason == "PIN slip lost on the bus"
    right = refusal_for(registration_no=resident.registration_no, pin="2580", source="web:1")
    wrong = refusal_for(registration_no=resident.registration_no, pin="1111", source="web:2")
    nobody = refusal_for(registration_no="999999999999", pin="2580", source="web:3")
    assert (right.code, right.params) == (wrong.code, wrong.params) == (nobody.code, nobody.params)
    # By phone, through the caller ID's resident id, as well.
    with pytest.raises(InvalidCredentials):
        services.verify_pin(
            "phone", resident_id=resident.id, pin="2580", now=LATER, source="phone:call:CA1"
        )
    [entry] = entries("resident.sign_in_stop")
    assert entry.after["reason"] == "PIN slip lost on the bus"
    assert entry.after["sessions_ended"] == {"generation": generation, "reason": "sign_in_stopped"}
    assert entry.actor_staff_id == clerk.id

    services.lift_resident_sign_in_stop(
        services.Actor.staff(clerk.id), resident_id=resident.id, now=LATER
    )
    # The wrong ones counted during the stop are forgotten: the source signs in at once.
    assert (
        services.verify_pin(
            "web", registration_no=resident.registration_no, pin="2580", now=LATER, source="web:1"
        ).id
        == resident.id
    )
    [lifted] = entries("resident.sign_in_stop_lift")
    assert lifted.after["sign_in_stop_lifted"]["reason"] == "PIN slip lost on the bus"


def test_a_pin_reset_lifts_the_stop(town):
    _, clerk, resident = town
    actor = services.Actor.staff(clerk.id)
    services.stop_resident_sign_in(actor, resident_id=resident.id, reason="misuse", now=NOW)
    pin = services.set_pin(actor, resident_id=resident.id, now=LATER)
    assert (
        services.verify_pin(
            "web", registration_no=resident.registration_no, pin=pin, now=LATER, source="web:1"
        ).id
        == resident.id
    )
    [entry] = entries("resident.pin_set")
    assert entry.after["sign_in_stop_lifted"]["reason"] == "misuse"


def test_a_stop_needs_a_reason_within_its_length_and_staff(town):
    _, clerk, resident = town
    actor = services.Actor.staff(clerk.id)
    with pytest.raises(ReasonRequired) as refused:
        services.stop_resident_sign_in(actor, resident_id=resident.id, reason="  ", now=NOW)
    assert refused.value.params == {"action": "sign_in_stop"}
    with pytest.raises(InvalidInput) as refused:
        services.stop_resident_sign_in(actor, resident_id=resident.id, reason="x" * 201, now=NOW)
    assert refused.value.params["problem"] == "too_long"
    with pytest.raises(Forbidden):
        services.stop_resident_sign_in(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            reason="x",
            now=NOW,
        )
    assert entries("resident.sign_in_stop") == []


def test_an_admin_stops_and_lifts_a_staff_account(town):
    admin, clerk, _ = town
    actor = services.Actor.staff(admin.id)
    with pytest.raises(Forbidden):
        services.stop_staff_sign_in(
            services.Actor.staff(clerk.id), staff_id=admin.id, reason="x", now=NOW
        )
    with pytest.raises(NotAllowed):
        services.stop_staff_sign_in(actor, staff_id=admin.id, reason="own", now=NOW)
    services.stop_staff_sign_in(actor, staff_id=clerk.id, reason="password on a note", now=NOW)
    with pytest.raises(InvalidCredentials) as right:
        services.verify_staff("clerk", PASSWORD, now=LATER, source="counter:1")
    with pytest.raises(InvalidCredentials) as nobody:
        services.verify_staff("nobody", PASSWORD, now=LATER, source="counter:2")
    assert right.value.params == nobody.value.params
    [entry] = entries("staff.sign_in_stop")
    assert entry.after["reason"] == "password on a note"
    assert entry.after["sessions_ended"]["reason"] == "sign_in_stopped"
    services.lift_staff_sign_in_stop(actor, staff_id=clerk.id, now=LATER)
    assert services.verify_staff("clerk", PASSWORD, now=LATER, source="counter:1").id == clerk.id


def test_a_password_reset_lifts_a_staff_stop(town):
    admin, clerk, _ = town
    actor = services.Actor.staff(admin.id)
    services.stop_staff_sign_in(actor, staff_id=clerk.id, reason="misuse", now=NOW)
    password = services.reset_staff_password(actor, staff_id=clerk.id, now=LATER)
    assert services.verify_staff("clerk", password, now=LATER).id == clerk.id


def test_the_last_admin_who_can_sign_in_is_never_stopped(town):
    admin, _, _ = town
    other = make_staff("admin", username="second")
    services.stop_staff_sign_in(
        services.Actor.staff(admin.id), staff_id=other.id, reason="away", now=NOW
    )
    with pytest.raises(NotAllowed) as refused:
        services.stop_staff_sign_in(SYSTEM, staff_id=admin.id, reason="x", now=NOW)
    assert refused.value.params["problem"] == "last_admin"
    db.session.rollback()
    assert db.session.get(Staff, admin.id).sign_in_stopped_at is None
