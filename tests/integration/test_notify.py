"""The confirmation outbox: written with the booking or cancellation, worded at
delivery, delivered through the Twilio client to a stand-in of Twilio's API on a local
port. The wording here is a plain renderer: the channels' Japanese text has its own
tests (tests/channels/phone/test_sms.py)."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import notify, services
from reservations.db import db, write_transaction
from reservations.errors import SlotTaken
from reservations.models import FAILED, PENDING, SENT, Notification
from tests.factories import at, block_of, make_facility, make_resident, unit_of
from tests.fake_twilio import FakeTwilio

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)  # a Wednesday


@pytest.fixture
def gym(app):
    return make_facility("gym")


@pytest.fixture
def mobile(app):
    return make_resident(phone="090-1234-5678")


@pytest.fixture
def fake_twilio(app):
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def plain_text(kind: str, params: dict) -> str:
    return f"{kind} {params['number']} {params['date']}"


def twilio_sender(fake: FakeTwilio, base_url: str | None = None) -> notify.TwilioSender:
    return notify.TwilioSender(
        fake.account_sid,
        fake.auth_token,
        from_number="+815012345678",
        api_base_url=base_url or fake.url,
    )


def send_due(now, sender=None, fake=None):
    return notify.deliver_due(sender or twilio_sender(fake), plain_text, now=now)


def book(resident, facility, block="morning", day=DAY, **kwargs):
    return services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit_of(facility, "whole").id,
        day=day,
        block_ids=[block_of(facility, block).id],
        now=NOW,
        **kwargs,
    )


def outbox() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def test_booking_by_a_mobile_resident_queues_a_confirmation_without_text(gym, mobile):
    reservation = book(mobile, gym)
    [message] = outbox()
    assert message.kind == notify.RESERVATION_BOOKED
    assert message.to_phone == "+819012345678"
    assert message.status == PENDING and message.reservation_id == reservation.id
    assert message.params == {
        "number": reservation.number,
        "facility": "gym 施設",
        "unit": "whole",
        "facility_en": reservation.unit.facility.name_en,
        "unit_en": reservation.unit.name_en,
        "single_unit": False,
        "date": "2026-12-16",
        "start": "09:00",
        "end": "12:00",
        "fee_yen": 1000,
        "cancel_last_day": "2026-12-13",
        # A hold (仮予約): to be paid by its due day.
        "payment_due": "2026-12-08",
        "due_on_the_day": False,
        # Worded in the resident's language (Japanese unless they chose English).
        "language": "ja",
    }


def test_a_landline_gets_no_sms_but_a_call_and_no_number_the_call_list(gym):
    landline = make_resident(phone="0166-12-3456")
    no_phone = make_resident()
    book(landline, gym)
    book(no_phone, gym, block="afternoon")
    assert [(m.medium, m.to_phone) for m in outbox()] == [
        ("call", "+81166123456"),
        ("counter", None),
    ]
    assert send_due(NOW, sender=notify.LogSender()).total == 0  # the SMS sender leaves them


def test_cancel_and_change_queue_their_own_confirmations(gym, mobile):
    reservation = book(mobile, gym)
    actor = services.Actor.resident(mobile.id, "web")
    services.change(
        actor,
        reservation_id=reservation.id,
        unit_id=unit_of(gym, "whole").id,
        day=DAY,
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
    )
    services.cancel(actor, reservation_id=reservation.id, now=NOW)
    assert [m.kind for m in outbox()] == [
        notify.RESERVATION_BOOKED,
        notify.RESERVATION_CHANGED,
        notify.RESERVATION_CANCELLED,
    ]
    assert outbox()[1].params["start"] == "18:00"


def test_no_confirmation_for_a_booking_that_rolled_back(gym, mobile):
    other = make_resident()
    book(other, gym)
    with pytest.raises(SlotTaken):
        book(mobile, gym)
    assert [m.resident_id for m in outbox()] == [other.id]  # the first booking's only


def test_a_repeated_request_confirms_once(gym, mobile):
    first = book(mobile, gym, idempotency_key="CAabc:7")
    again = book(mobile, gym, idempotency_key="CAabc:7")
    assert first.id == again.id
    assert len(outbox()) == 1


def test_delivered_through_twilios_messages_api(gym, mobile, fake_twilio):
    reservation = book(mobile, gym)
    report = send_due(NOW, fake=fake_twilio)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [request] = fake_twilio.received
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.auth == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert request.form["To"] == "+819012345678"
    assert request.form["From"] == "+815012345678"
    assert request.form["Body"] == f"reservation_booked {reservation.number} 2026-12-16"
    [message] = outbox()
    assert message.status == SENT and message.sent_at == NOW
    assert message.provider_id.startswith("SM")
    # Nothing is sent twice.
    assert send_due(NOW + timedelta(hours=1), fake=fake_twilio).total == 0
    assert len(fake_twilio.received) == 1


def test_a_server_error_is_retried_later_and_a_refusal_fails_at_once(gym, mobile, fake_twilio):
    book(mobile, gym)
    fake_twilio.replies = [(503, {"code": 20500, "message": "Unavailable", "status": 503})]
    report = send_due(NOW, fake=fake_twilio)
    assert report.retrying == 1
    [message] = outbox()
    assert message.status == PENDING and message.attempts == 1
    assert message.next_attempt_at == NOW + timedelta(minutes=1)
    assert "503" in message.last_error
    assert send_due(NOW + timedelta(seconds=30), fake=fake_twilio).total == 0  # not due yet
    fake_twilio.replies = [(400, {"code": 21211, "message": "Invalid 'To'", "status": 400})]
    report = send_due(NOW + timedelta(minutes=1), fake=fake_twilio)
    assert report.failed == 1
    db.session.refresh(message)
    assert message.status == FAILED and message.attempts == 2
    assert message.last_error == "twilio:400:21211"


def test_an_unreachable_twilio_is_retried(gym, mobile, fake_twilio):
    book(mobile, gym)
    nothing_listens = twilio_sender(fake_twilio, base_url="http://127.0.0.1:9")
    assert send_due(NOW, sender=nothing_listens).retrying == 1
    [message] = outbox()
    assert message.last_error.startswith("network:")


def test_gives_up_after_the_last_attempt(gym, mobile, fake_twilio):
    book(mobile, gym)
    fake_twilio.replies = [(500, {"status": 500, "code": 1, "message": "x"})] * notify.MAX_ATTEMPTS
    moment = NOW
    for _ in range(notify.MAX_ATTEMPTS):
        report = send_due(moment, fake=fake_twilio)
        moment += timedelta(hours=2)
    assert report.failed == 1
    assert outbox()[0].status == FAILED


def posted(fake: FakeTwilio) -> list[str]:
    """The texts Twilio accepted (GETs that look for them are not sends)."""
    return [m["body"] for m in fake.accepted]


def test_a_sender_that_died_before_sending_is_replaced_when_its_lease_ends(
    gym, mobile, fake_twilio
):
    book(mobile, gym)
    assert notify._claim_next(NOW) is not None  # a sender took it, then vanished
    assert send_due(NOW + timedelta(minutes=1), fake=fake_twilio).total == 0
    assert send_due(NOW + notify.LEASE, fake=fake_twilio).sent == 1
    assert len(posted(fake_twilio)) == 1
    assert outbox()[0].status == SENT


class Killed(BaseException):
    """The worker's process dying (SIGKILL, power): nothing after it runs."""


class DiesAfterTheProviderAccepts:
    """Twilio accepts the message, then the worker dies before it records that."""

    name = "dying"

    def __init__(self, sender):
        self.sender = sender

    def send(self, to, body):
        self.sender.send(to, body)
        raise Killed

    def find_sent(self, to, body, since):
        return self.sender.find_sent(to, body, since)


def test_a_worker_killed_between_twilios_accept_and_its_commit_sends_nothing_twice(
    gym, mobile, fake_twilio
):
    fake_twilio.clock = lambda: NOW
    reservation = book(mobile, gym)
    with pytest.raises(Killed):
        send_due(NOW, sender=DiesAfterTheProviderAccepts(twilio_sender(fake_twilio)))
    db.session.rollback()
    [message] = outbox()
    assert message.status == "sending" and len(posted(fake_twilio)) == 1
    # The restarted worker waits for the dead one's lease, asks Twilio, sends nothing.
    assert send_due(NOW + timedelta(minutes=1), fake=fake_twilio).total == 0
    report = send_due(NOW + notify.LEASE, fake=fake_twilio)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert posted(fake_twilio) == [f"reservation_booked {reservation.number} 2026-12-16"]
    db.session.refresh(message)
    assert message.status == SENT and message.provider_id == fake_twilio.accepted[0]["sid"]


def test_an_older_message_with_the_same_text_is_not_taken_for_the_lost_one(
    gym, mobile, fake_twilio
):
    """Only a message accepted since the notification was written counts as it."""
    reservation = book(mobile, gym)
    fake_twilio.clock = lambda: NOW - timedelta(days=3)
    twilio_sender(fake_twilio).send(
        "+819012345678", f"reservation_booked {reservation.number} 2026-12-16"
    )
    assert notify._claim_next(NOW) is not None  # taken, then the sender died unsent
    fake_twilio.clock = lambda: NOW + notify.LEASE
    assert send_due(NOW + notify.LEASE, fake=fake_twilio).sent == 1
    assert len(posted(fake_twilio)) == 2


def test_a_twilio_that_cannot_say_whether_it_was_sent_is_asked_again_later(
    gym, mobile, fake_twilio
):
    book(mobile, gym)
    assert notify._claim_next(NOW) is not None
    nothing_listens = twilio_sender(fake_twilio, base_url="http://127.0.0.1:9")
    assert send_due(NOW + notify.LEASE, sender=nothing_listens).retrying == 1
    [message] = outbox()
    assert message.status == PENDING and message.last_error.startswith("network:")
    assert posted(fake_twilio) == []


@pytest.mark.postgres
def test_two_workers_on_postgresql_send_a_thousand_messages_once_each(postgres_app):
    """Real concurrent connections: each worker claims rows the other skips (the
    `fake_twilio` fixture would bring the SQLite app along)."""
    fake_twilio = FakeTwilio().start()
    resident = make_resident(phone="090-1234-5678")
    with write_transaction():
        db.session.add_all(
            Notification(
                kind=notify.RESERVATION_BOOKED,
                resident_id=resident.id,
                to_phone="+819012345678",
                params={"number": f"R{n:04d}", "date": "2026-12-16"},
                created_at=NOW,
                next_attempt_at=NOW,
            )
            for n in range(1000)
        )
    barrier = threading.Barrier(2)
    reports: list = []

    def worker():
        with postgres_app.app_context():
            try:
                barrier.wait(timeout=30)
                report = notify.deliver_due(
                    twilio_sender(fake_twilio), plain_text, now=NOW, limit=1000
                )
                reports.append(report)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert len(reports) == 2
    assert sorted(report.sent for report in reports)[0] > 0, reports  # both took part
    assert sum(report.sent for report in reports) == 1000
    bodies = posted(fake_twilio)
    assert len(bodies) == 1000 and len(set(bodies)) == 1000
    db.session.expire_all()
    assert {m.status for m in outbox()} == {SENT}
    fake_twilio.stop()


def test_log_backend_keeps_the_message_in_the_outbox_and_masks_the_number(gym, mobile, caplog):
    book(mobile, gym)
    caplog.set_level("INFO", logger="reservations.notify")
    assert send_due(NOW, sender=notify.LogSender()).sent == 1
    assert outbox()[0].status == SENT and outbox()[0].provider_id is None
    assert "+81*******678" in caplog.text
    assert "09012345678" not in caplog.text and "1234-5678" not in caplog.text


def test_twilio_needs_credentials_and_a_sender():
    with pytest.raises(ValueError):
        notify.TwilioSender("", "token", from_number="+815012345678")
    with pytest.raises(ValueError):
        notify.TwilioSender("AC1", "token")


def test_a_message_that_cannot_be_worded_fails_without_being_sent(gym, mobile, fake_twilio):
    book(mobile, gym)

    def wording_without_this_kind(kind, params):
        raise ValueError(kind)

    report = notify.deliver_due(twilio_sender(fake_twilio), wording_without_this_kind, now=NOW)
    assert report.failed == 1 and fake_twilio.received == []
    assert outbox()[0].last_error == "render:ValueError"


def test_retry_delays_grow_to_an_hour():
    assert [notify.retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 4, 8)] == [1, 2, 4, 8, 60]
