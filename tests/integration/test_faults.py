"""Faults: processes killed in the middle of their transactions, and the database
dropping the app's connections, leave nothing half-done and the app recovers by
itself."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Reservation, SlotClaim
from tests.factories import (
    at,
    block_of,
    make_category,
    make_facility,
    make_resident,
    make_staff,
    unit_of,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _wait_for_killed_sessions(timeout: float = 10.0) -> None:
    """A killed client's last COMMIT may still be finishing in its PostgreSQL backend:
    wait until no other session of this database is working, so that the reads below
    see every transaction that will ever commit (they are separate statements)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite commits in the writer's own process, which is gone
    deadline = time.monotonic() + timeout
    busy = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle'"
    )
    while db.session.scalar(busy) and time.monotonic() < deadline:
        db.session.rollback()
        time.sleep(0.05)
    db.session.rollback()


def assert_consistent() -> dict[str, int]:
    """Every confirmed reservation holds exactly its claims; nothing else holds any;
    every reservation was audited once when booked and once per cancellation."""
    db.session.rollback()
    _wait_for_killed_sessions()
    reservations = db.session.scalars(sa.select(Reservation)).all()
    claims = db.session.execute(
        sa.select(
            SlotClaim.reservation_id, SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id
        )
    ).all()
    held: dict[int, set] = {}
    for reservation_id, part_id, day, block_id in claims:
        held.setdefault(reservation_id, set()).add((part_id, day, block_id))
    for reservation in reservations:
        expected = (
            {
                (p.id, reservation.date, b.id)
                for p in reservation.unit.parts
                for b in reservation.time_blocks
            }
            if reservation.is_active
            else set()
        )
        assert held.pop(reservation.id, set()) == expected, reservation.number
    assert held == {}, f"claims of no reservation: {held}"
    audited = dict(
        db.session.execute(
            sa.select(AuditEntry.action, sa.func.count()).group_by(AuditEntry.action)
        ).all()
    )
    cancelled = sum(r.status == "cancelled" for r in reservations)
    assert audited.get("reservation.book", 0) == len(reservations)
    assert audited.get("reservation.cancel", 0) == cancelled
    return {"reservations": len(reservations), "cancelled": cancelled}


def town():
    facility = make_facility("gym", category=make_category("gyms", max_active=1000))
    for _ in range(10):
        make_resident()
    make_staff("clerk")
    return facility


def test_killed_booking_processes_leave_no_partial_rows(any_app):
    town()
    url = any_app.config["SQLALCHEMY_DATABASE_URI"]
    rng = random.Random(7)
    for round_number in range(3):
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.integration.booking_worker",
                    url,
                    str(round_number * 10 + i),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for i in range(3)
        ]
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.3, 0.8))
        for worker in workers:
            # Still booking: no error (such as "database is locked") stopped it early.
            assert worker.poll() is None, worker.stdout.read()
            os.kill(worker.pid, signal.SIGKILL)
        for worker in workers:
            worker.wait(timeout=10)
            worker.stdout.close()
        counts = assert_consistent()
    assert counts["reservations"] > 0, "the workers booked nothing before they were killed"


def test_the_app_recovers_when_the_database_drops_its_connections(postgres_app):
    facility = town()
    resident = make_resident()
    whole = unit_of(facility, "whole")
    staff = services.Actor.staff(make_staff("clerk").id)

    def book(day: int):
        return services.book(
            staff,
            resident_id=resident.id,
            unit_id=whole.id,
            day=date(2026, 12, day),
            block_ids=[block_of(facility, "morning").id],
            now=at(2026, 12, 1, 10),
        )

    book(16)
    db.session.remove()
    # What a server restart does to the pool: every connection of this database is cut.
    admin = sa.create_engine(
        postgres_app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        cut = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert cut >= 1
    assert book(17).date == date(2026, 12, 17)  # pool_pre_ping replaces the dead connection
    assert assert_consistent() == {"reservations": 2, "cancelled": 0}
