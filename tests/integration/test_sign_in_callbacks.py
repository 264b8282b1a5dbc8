"""Sign-in callbacks through the core, on SQLite and PostgreSQL: bounded per resident,
rung only to the number on the resident's record (through Twilio's Calls API, the
local double), placed once however often the ended call is reported, answered only by
the call placed, and a callback disowned is in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, SignInCallback
from tests.factories import SYSTEM, at, make_resident
from tests.fake_twilio import FakeTwilio

NOW = at(2026, 12, 1, 10)
TOWN = "+81166000000"


@pytest.fixture
def fake(any_app):
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def caller(fake) -> services.TwilioCaller:
    return services.TwilioCaller(
        fake.account_sid, fake.auth_token, from_number=TOWN, api_base_url=fake.url
    )


def sid(n: int) -> str:
    return f"CA{n:032x}"


def place(fake, requested: str, now=NOW):
    return services.place_callback(
        caller(fake),
        requested_call_sid=requested,
        url=lambda callback_id: f"https://town.example/phone/callback/{callback_id}",
        status_callback="https://town.example/phone/status",
        now=now,
    )


def test_a_callback_rings_the_registered_number_once_and_only_that_call_answers(fake):
    resident = make_resident(phone="0166-12-3456")
    callback = services.request_callback(resident_id=resident.id, call_sid=sid(1), now=NOW)
    assert callback is not None
    assert services.request_callback(resident_id=resident.id, call_sid=sid(1), now=NOW).id == (
        callback.id
    )
    placed = place(fake, sid(1))
    assert place(fake, sid(1)) is None  # the ended call reported twice: placed once
    [call] = fake.calls
    assert call["to"] == "+81166123456" and call["from"] == TOWN
    assert call["url"] == f"https://town.example/phone/callback/{placed.id}"
    assert services.answer_callback(placed.id, sid(99), NOW) is None  # not the call placed
    assert services.answer_callback(placed.id, call["sid"], NOW) == resident.id
    assert services.answer_callback(placed.id, call["sid"], NOW) == resident.id  # a retry
    services.disown_callback(call["sid"], NOW)
    db.session.rollback()
    assert db.session.get(SignInCallback, placed.id).status == "disowned"
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "resident.callback_disowned")
    ).all()
    assert entry.after["callback"] == placed.id
    assert services.answer_callback(placed.id, call["sid"], NOW) is None


def test_callbacks_are_bounded_by_the_gap_and_the_day(fake):
    resident = make_resident(phone="0166-12-3456")
    request = services.request_callback
    assert request(resident_id=resident.id, call_sid=sid(1), now=NOW)
    assert request(resident_id=resident.id, call_sid=sid(2), now=NOW + timedelta(minutes=4)) is None
    assert request(resident_id=resident.id, call_sid=sid(3), now=NOW + timedelta(minutes=6))
    assert request(resident_id=resident.id, call_sid=sid(4), now=NOW + timedelta(minutes=12))
    assert (
        request(resident_id=resident.id, call_sid=sid(5), now=NOW + timedelta(minutes=18)) is None
    )
    assert request(
        resident_id=resident.id, call_sid=sid(6), now=NOW + timedelta(hours=24, minutes=1)
    )
    # Someone else's requests do not use this resident's.
    other = make_resident(phone="0166-98-7654")
    assert request(resident_id=other.id, call_sid=sid(7), now=NOW + timedelta(minutes=18))


def test_no_callback_without_a_number_or_while_staff_stopped_sign_in(fake):
    nobody = make_resident(phone=None)
    assert services.request_callback(resident_id=nobody.id, call_sid=sid(1), now=NOW) is None
    stopped = make_resident(phone="0166-12-3456")
    services.stop_resident_sign_in(SYSTEM, resident_id=stopped.id, reason="misuse", now=NOW)
    assert services.request_callback(resident_id=stopped.id, call_sid=sid(2), now=NOW) is None


def test_a_refused_placement_is_recorded(fake):
    resident = make_resident(phone="0166-12-3456")
    services.request_callback(resident_id=resident.id, call_sid=sid(1), now=NOW)
    fake.replies.append((400, {"code": 21211, "message": "Invalid 'To'", "status": 400}))
    assert place(fake, sid(1)).status == "failed"
    db.session.rollback()
    assert db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action == "resident.callback_failed")
    )


def test_a_callback_may_be_asked_only_with_the_right_pin_from_the_registered_line(fake):
    """What decides whether a callback rings: the PIN given on the asking call is right
    and the calling line is the resident's registered number. A forger with the number
    and the registration number but not the PIN gets None, and nothing is counted."""
    resident = make_resident(phone="0166-12-3456", pin="2580")
    line = services.line_key("+81166123456")
    assert services.line_key("0166-12-3456") == line  # the same line however written
    check = services.check_for_callback
    assert check(pin="2580", line=line, resident_id=resident.id) == resident.id
    assert check(pin="2580", line=line, registration_no=resident.registration_no) == resident.id
    assert check(pin="1234", line=line, resident_id=resident.id) is None
    assert check(pin="1234", line=line, registration_no=resident.registration_no) is None
    other_line = services.line_key("+81166987654")
    assert check(pin="2580", line=other_line, resident_id=resident.id) is None
    assert check(pin="2580", line=line, registration_no="0000000") is None
    db.session.rollback()
    assert resident.failed_pin_attempts == 0  # a check counts nothing
    # Two residents sharing the landline: the registration number says whose it is.
    housemate = make_resident(phone="0166-12-3456", pin="1357")
    assert check(pin="1357", line=line, registration_no=housemate.registration_no) == (housemate.id)
    assert check(pin="2580", line=line, registration_no=housemate.registration_no) is None
    # No number on record, or sign-in stopped by staff: none.
    nobody = make_resident(phone=None, pin="2580")
    assert check(pin="2580", line=line, resident_id=nobody.id) is None
    services.stop_resident_sign_in(SYSTEM, resident_id=resident.id, reason="misuse", now=NOW)
    assert check(pin="2580", line=line, resident_id=resident.id) is None
    # request_callback rings nobody when the check found nobody.
    assert services.request_callback(resident_id=None, call_sid=sid(1), now=NOW) is None
