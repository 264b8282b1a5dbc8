"""`flask --app channels worker --once`: one round of the time-driven work through
the real command (holds expired, reminders, the outbox sent)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import SENT, Notification
from tests.factories import at, block_of, make_facility, make_resident, unit_of


def test_worker_once_expires_an_unpaid_hold_and_sends_its_messages(app):
    gym = make_facility("gym")
    mobile = make_resident(phone="090-1234-5678")
    hold = services.book(
        services.Actor.resident(mobile.id, "web"),
        resident_id=mobile.id,
        unit_id=unit_of(gym, "whole").id,
        day=date(2026, 12, 16),
        block_ids=[block_of(gym, "morning").id],
        now=at(2026, 12, 1, 10),
    )
    app.config["CLOCK"] = lambda: at(2026, 12, 9, 0, 5)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "holds expired 1, reminders 0; sent 2, retrying later 0, failed 0" in result.output
    db.session.expire_all()
    assert services.find_reservation(hold.number).cancelled_unpaid
    sent = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert [(n.kind, n.status) for n in sent] == [
        (services.RESERVATION_BOOKED, SENT),
        (services.HOLD_EXPIRED, SENT),
    ]
    again = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert "holds expired 0, reminders 0; sent 0" in again.output
