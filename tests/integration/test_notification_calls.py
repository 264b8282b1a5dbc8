"""Notification calls to landlines, placed by the worker through the official Twilio
client against the local double of Twilio's REST API (tests/fake_twilio.py): daytime
hours only, never 年末年始, never twice for one notification (a worker killed between
Twilio's accept and its commit included), busy and unanswered lines retried a bounded
number of times, then the counter's call list. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import calls, notify, services
from reservations.db import db
from reservations.models import (
    CALLING,
    COUNTER_CALL,
    PENDING,
    SENDING,
    SENT,
    VOICE_CALL,
    Notification,
)
from tests.factories import at, block_of, make_facility, make_resident, unit_of
from tests.fake_twilio import FakeTwilio

NOW = at(2026, 12, 1, 10)  # a Tuesday morning, inside the hours
DAY = date(2026, 12, 16)
TOWN_NUMBER = "+81501234567"


class Killed(Exception):
    pass


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def fake():
    fake = FakeTwilio().start()
    fake.clock = lambda: NOW
    yield fake
    fake.stop()


def caller(fake):
    return notify.TwilioCaller(
        fake.account_sid, fake.auth_token, from_number=TOWN_NUMBER, api_base_url=fake.url
    )


def urls(notification_id):
    base = f"https://town.example/phone/notice/{notification_id}"
    return base, base + "/status"


def place(now, fake=None, with_caller=None):
    return services.place_due_calls(with_caller or caller(fake), urls, now=now)


def book(resident, facility, block="morning"):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(facility, "whole").id,
        day=DAY,
        block_ids=[block_of(facility, block).id],
        now=NOW,
    )


def the_call() -> Notification:
    db.session.expire_all()
    [row] = db.session.scalars(sa.select(Notification).where(Notification.medium != "sms"))
    return row


@pytest.fixture
def landline(gym):
    resident = make_resident(phone="03-1234-5678")
    book(resident, gym)
    return resident


def test_the_worker_rings_a_landline_once_with_our_twiml(landline, fake):
    report = place(NOW, fake)
    assert report.placed == 1
    [placed] = fake.calls
    row = the_call()
    assert (row.status, row.provider_id, row.attempts) == (CALLING, placed["sid"], 1)
    assert placed["to"] == "+81312345678" and placed["from"] == TOWN_NUMBER
    assert placed["url"] == urls(row.id)[0] and placed["status_callback"] == urls(row.id)[1]
    # Later rounds, before and after the outcome was due, ring nothing again.
    assert place(NOW + timedelta(minutes=1), fake).total == 0
    fake.set_call_status(placed["sid"], "completed")
    assert place(NOW + calls.OUTCOME_WAIT, fake).answered == 1
    assert len(fake.calls) == 1 and the_call().status == SENT


@pytest.mark.parametrize(
    ("now", "rings_at"),
    [
        (at(2026, 12, 1, 19, 30), at(2026, 12, 2, 9)),
        (at(2026, 12, 2, 6), at(2026, 12, 2, 9)),
        (at(2026, 12, 30, 10), at(2027, 1, 4, 9)),  # 年末年始
    ],
)
def test_outside_the_hours_the_call_waits(landline, fake, now, rings_at):
    report = place(now, fake)
    assert report.waiting == 1 and fake.calls == []
    assert (the_call().status, the_call().next_attempt_at) == (PENDING, rings_at)
    assert place(rings_at, fake).placed == 1 and len(fake.calls) == 1


def test_a_worker_killed_between_twilios_accept_and_its_commit_rings_nothing_twice(landline, fake):
    class DiesAfterTwilioAccepts(notify.TwilioCaller):
        def place(self, *args, **kwargs):
            super().place(*args, **kwargs)
            raise Killed

    dying = DiesAfterTwilioAccepts(
        fake.account_sid, fake.auth_token, from_number=TOWN_NUMBER, api_base_url=fake.url
    )
    with pytest.raises(Killed):
        place(NOW, with_caller=dying)
    db.session.rollback()
    assert the_call().status == SENDING and len(fake.calls) == 1
    # The restarted worker waits for the lease, asks Twilio, and records that call.
    assert place(NOW + timedelta(minutes=1), fake).total == 0
    report = place(NOW + notify.LEASE, fake)
    assert report.placed == 1 and len(fake.calls) == 1
    assert (the_call().status, the_call().provider_id) == (CALLING, fake.calls[0]["sid"])


def test_an_answered_calls_twiml_request_records_its_sid_before_the_worker_does(landline, fake):
    class AnsweredBeforeTheCommit(notify.TwilioCaller):
        def place(self, *args, **kwargs):
            sid = super().place(*args, **kwargs)
            # Twilio asks for the TwiML before our commit: another request, own transaction.
            services.call_answered(the_call().id, sid, NOW)
            return sid

    early = AnsweredBeforeTheCommit(
        fake.account_sid, fake.auth_token, from_number=TOWN_NUMBER, api_base_url=fake.url
    )
    assert place(NOW, with_caller=early).placed == 1  # recorded once, by the request
    row = the_call()
    assert (row.status, row.provider_id, row.attempts) == (CALLING, fake.calls[0]["sid"], 1)


def test_busy_and_unanswered_lines_are_retried_then_go_to_the_counter_call_list(landline, fake):
    now = NOW
    for attempt, outcome in enumerate(["busy", "no-answer", "failed"], start=1):
        assert place(now, fake).placed == 1
        sid = fake.calls[-1]["sid"]
        status = services.record_outcome(the_call().id, sid, outcome, now)
        row = the_call()
        assert row.attempts == attempt and row.last_error == f"call:{outcome}"
        if attempt < 3:
            assert status == PENDING and row.next_attempt_at == now + timedelta(minutes=60)
            assert place(now + timedelta(minutes=59), fake).total == 0  # not yet
            now = row.next_attempt_at
    assert status == COUNTER_CALL
    assert (row.medium, row.status) == (COUNTER_CALL, PENDING) and len(fake.calls) == 3
    clerk = services.Actor.system()
    assert [n.id for n in services.call_list(clerk, now)] == [row.id]
    assert place(now + timedelta(days=1), fake).total == 0  # no more calls


def test_a_repeated_or_stray_status_report_changes_nothing(landline, fake):
    place(NOW, fake)
    row = the_call()
    sid = row.provider_id
    assert services.record_outcome(row.id, "CA" + "0" * 32, "busy", NOW) == "unknown"
    assert services.record_outcome(row.id, sid, "completed", NOW) == SENT
    assert services.record_outcome(row.id, sid, "busy", NOW) == SENT
    assert the_call().status == SENT and the_call().attempts == 1


def test_a_call_still_ringing_is_asked_about_again_later(landline, fake):
    place(NOW, fake)
    fake.set_call_status(fake.calls[0]["sid"], "in-progress")
    later = NOW + calls.OUTCOME_WAIT
    assert place(later, fake).total == 0
    assert (the_call().status, the_call().next_attempt_at) == (CALLING, later + calls.OUTCOME_WAIT)


def test_a_number_twilio_refuses_goes_to_the_counter_at_once(landline, fake):
    fake.replies.append((400, {"code": 21217, "message": "Invalid To", "status": 400}))
    assert place(NOW, fake).to_counter == 1
    row = the_call()
    assert (row.medium, row.status, row.last_error) == (COUNTER_CALL, PENDING, "twilio:400:21217")


def test_a_twilio_outage_is_retried_later_within_the_bound(landline, fake):
    fake.replies.append((503, {"code": 20503, "message": "Unavailable", "status": 503}))
    assert place(NOW, fake).retrying == 1
    row = the_call()
    assert (row.medium, row.status, row.attempts) == (VOICE_CALL, PENDING, 1)
    assert place(row.next_attempt_at, fake).placed == 1


def test_one_line_is_not_rung_for_two_notifications_at_once(gym, fake):
    landline = make_resident(phone="03-1234-5678")
    book(landline, gym)
    book(landline, gym, block="afternoon")
    report = place(NOW, fake)
    assert (report.placed, report.waiting) == (1, 1) and len(fake.calls) == 1
    first = fake.calls[0]["sid"]
    notifications = sa.select(Notification).order_by(Notification.id)
    services.record_outcome(db.session.scalars(notifications).first().id, first, "completed", NOW)
    assert place(NOW + calls.LINE_BUSY_WAIT, fake).placed == 1 and len(fake.calls) == 2


def test_the_log_caller_places_nothing_and_the_notification_is_done(landline, caplog):
    caplog.set_level("INFO", logger="reservations.notify")
    assert place(NOW, with_caller=notify.LogCaller()).placed == 1
    assert the_call().status == SENT and "+81******678" in caplog.text


@pytest.mark.postgres
def test_two_workers_on_postgresql_ring_each_landline_once(postgres_app, fake):
    gym = make_facility("gym")
    residents = [make_resident(phone=f"03-1234-{n:04d}") for n in range(12)]  # Wed-Sat
    for n, resident in enumerate(residents):
        services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=unit_of(gym, "whole").id,
            day=DAY + timedelta(days=n // 3),
            block_ids=[block_of(gym, ["morning", "afternoon", "evening"][n % 3]).id],
            now=NOW,
        )
    numbers = sorted(r.phone_e164 for r in residents)
    db.session.remove()

    def worker():
        with postgres_app.app_context():
            place(NOW, fake)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c["to"] for c in fake.calls) == numbers
    assert {n.status for n in db.session.scalars(sa.select(Notification))} == {CALLING}
