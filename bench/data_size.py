"""Cost against data size: the core's reads and a booking with 10k, 100k and 1M
reservations in the database, on SQLite and PostgreSQL.

    python -m bench.data_size                       # both databases, 10k/100k/1M
    python -m bench.data_size --db sqlite --sizes 10000,100000

The database grows in place from one size to the next (bulk inserts of reservations
with their claims, blocks and audit rows, spread over 200 rooms and the town gym):
the first 9,000 fill the coming weeks, the same at every size; the rest are the
town's history, going back a day per round of the rooms (1M is about four and a half
years of a full calendar). The same operations are timed at each size, so a query
that scans the history shows up as a ratio. Target: at 1M no operation is slower
than 1.3x its 10k figure; the statistics of a year (the core's figures, and the whole
counter page through the app, charts included) under 1 s at 1M. The statistics grow
with the year's bookings by design (about 1,000 at 10k, 220,000 at 1M), so their
ratio says what a fuller year costs, not a missing index.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench import town
from bench.common import markdown_table, migrated_app, report, scratch_database, time_calls
from channels import demo
from reservations import services
from reservations.db import db, write_transaction
from reservations.models import (
    AuditEntry,
    Reservation,
    Resident,
    SlotClaim,
    reservation_blocks,
)
from reservations.settings import get_settings
from reservations.text import luhn_check_digit

ROOMS = 200
RESIDENTS = 5000
CHUNK = 20_000
NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
FUTURE = 9_000  # reservations in the coming weeks, the same at every size
CLUB_UPCOMING, CLUB_PAST = 5, 30  # the measured resident's own, the same at every size
MEASURED_MONTH = (date(2026, 12, 1), date(2026, 12, 31))
SHEET_DAY = date(2026, 12, 10)  # inside the booked weeks


def slot_plan():
    """Every bookable (unit, parts, block ids) in a fixed order: the town gym's whole
    court first, then the rooms."""
    plan = []
    for facility in services.list_facilities():
        if facility.code != "town-gym" and not facility.code.startswith("room-"):
            continue
        units = [u for u in facility.units if u.code in ("whole", "room")]
        for unit in units:
            for block in facility.time_blocks:
                plan.append((unit.id, [p.id for p in unit.parts], block.id, block))
    return plan


def resident_for(k: int, resident_ids: list[int]) -> int:
    """The measured resident (the first) holds the same reservations at every size:
    CLUB_UPCOMING coming ones and CLUB_PAST in the history; everyone else shares the
    rest, so the town's history grows around them."""
    if k < CLUB_UPCOMING or FUTURE <= k < FUTURE + CLUB_PAST:
        return resident_ids[0]
    return resident_ids[1 + k % (len(resident_ids) - 1)]


def grow(start: int, stop: int, plan, resident_ids) -> None:
    """Reservations start..stop-1: reservation k takes slot k % len(plan); the first
    FUTURE go forward a day per round of the plan from tomorrow, the others back from
    yesterday."""
    tz = get_settings().timezone
    next_id = (db.session.scalar(sa.select(sa.func.max(Reservation.id))) or 0) + 1
    taken_numbers = set(
        db.session.scalars(sa.select(Reservation.number).where(Reservation.created_at >= NOW))
    )
    for chunk_start in range(start, stop, CHUNK):
        reservations, blocks, claims, audits = [], [], [], []
        for k in range(chunk_start, min(stop, chunk_start + CHUNK)):
            unit_id, part_ids, block_id, block = plan[k % len(plan)]
            if k < FUTURE:
                day = NOW.date() + timedelta(days=1 + k // len(plan))
            else:
                day = NOW.date() - timedelta(days=1 + (k - FUTURE) // len(plan))
            body = str(1_000_000 + k)
            if body + luhn_check_digit(body) in taken_numbers:  # a booking made while timing
                body = str(3_000_000 + k)
            reservation_id = next_id
            next_id += 1
            resident_id = resident_for(k, resident_ids)
            start_at = datetime.combine(day, block.start_time, tz)
            reservations.append(
                dict(
                    id=reservation_id,
                    number=body + luhn_check_digit(body),
                    resident_id=resident_id,
                    unit_id=unit_id,
                    date=day,
                    start_at=start_at,
                    end_at=datetime.combine(day, block.end_time, tz),
                    status="confirmed",
                    fee_base_yen=500,
                    exemption_percent=0,
                    fee_yen=500,
                    payment_status="unpaid",
                    created_at=start_at - timedelta(days=30),
                    channel="web",
                    cancelled_after_deadline=False,
                )
            )
            blocks.append(dict(reservation_id=reservation_id, time_block_id=block_id))
            claims.extend(
                dict(
                    part_id=part_id, date=day, time_block_id=block_id, reservation_id=reservation_id
                )
                for part_id in part_ids
            )
            audits.append(
                dict(
                    at=start_at - timedelta(days=30),
                    action="reservation.book",
                    channel="web",
                    actor_resident_id=resident_id,
                    reservation_id=reservation_id,
                    subject=f"reservation:{body}",
                    after={"number": body, "status": "confirmed"},
                )
            )
        with write_transaction():
            db.session.execute(sa.insert(Reservation), reservations)
            db.session.execute(sa.insert(reservation_blocks), blocks)
            db.session.execute(sa.insert(SlotClaim), claims)
            db.session.execute(sa.insert(AuditEntry), audits)
    if db.engine.dialect.name == "postgresql":
        with write_transaction():
            db.session.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('reservations', 'id'), "
                    "(SELECT max(id) FROM reservations))"
                )
            )
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")


STATISTICS_YEAR = services.Period(start=date(2025, 12, 1), end=date(2026, 11, 30))
STATISTICS_URL = "/counter/statistics?start=2025-12-01&end=2026-11-30"


def statistics_client(app):
    """A test client signed in as the demo's statistics staff member."""
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post(
        "/counter/sign-in", data={"username": "stats", "password": "census-chart-2026"}
    )
    assert response.status_code == 302, response.status_code
    return client


def statistics_page(client) -> None:
    response = client.get(STATISTICS_URL)
    assert response.status_code == 200, response.status_code


def backend_cpu_ms(fn, repeat: int = 5) -> float | None:
    """The median CPU time the session's PostgreSQL backend spends on `fn` (utime +
    stime from /proc/<backend pid>/stat, when the server runs on this machine): what
    the database costs, hardly inflated by other processes on a busy machine."""
    if db.engine.dialect.name != "postgresql":
        return None
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    path = f"/proc/{pid}/stat"
    if not os.path.exists(path):
        return None

    def cpu() -> float:
        fields = open(path).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    samples = []
    for _ in range(repeat):
        before = cpu()
        fn()
        samples.append(cpu() - before)
        if db.session.scalar(sa.text("SELECT pg_backend_pid()")) != pid:
            return None  # fn ended the transaction: another backend may have served it
    return sorted(samples)[len(samples) // 2]


def database_ms(fn) -> float | None:
    """PostgreSQL's own execution time of the statements `fn` runs: each is run again
    under EXPLAIN ANALYZE with its parameters and the reported execution times summed
    (the server's time, less inflated than the client's wall time by a busy machine)."""
    if db.engine.dialect.name != "postgresql":
        return None
    seen = []

    def record(conn, cursor, statement, params, context, many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    total = 0.0
    with db.engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        for statement, params in seen:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
            total += cursor.fetchone()[0][0]["Execution Time"]
    return total


def operations(resident_ids, client):
    """The reads every channel makes, a booking that is cancelled again, and the
    statistics of a year."""
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    whole = next(u for u in gym.units if u.code == "whole")
    half_a = next(u for u in gym.units if u.code == "half-a")
    busy_resident = resident_ids[0]
    some_number = db.session.scalar(sa.select(Reservation.number).limit(1))
    free_day = date(2027, 2, 10)  # beyond the generated data, inside the window
    clerk = db.session.scalar(sa.select(services.Staff.id).where(services.Staff.role == "admin"))
    actor = services.Actor.staff(clerk)

    def book_and_cancel():
        reservation = services.book(
            actor,
            resident_id=resident_ids[1],
            unit_id=half_a.id,
            day=free_day,
            block_ids=[gym.time_blocks[0].id],
            now=NOW,
            override_reason="benchmark",
        )
        services.cancel(actor, reservation_id=reservation.id, now=NOW, reason="benchmark")

    return {
        "availability, gym, one month": lambda: services.availability(
            whole.id, *MEASURED_MONTH, now=NOW, resident_id=busy_resident
        ),
        "next free block, gym": lambda: services.next_free_blocks(whole.id, now=NOW, limit=3),
        "a resident's reservations": lambda: services.reservations_of(busy_resident, now=NOW),
        "find reservation by number": lambda: services.find_reservation(some_number),
        "day sheet, all facilities": lambda: services.reservations_on(SHEET_DAY),
        "book + cancel (counter)": book_and_cancel,
        "statistics, a year (core)": lambda: services.statistics(
            actor, STATISTICS_YEAR, today=NOW.date()
        ),
        "statistics page, a year (HTTP)": lambda: statistics_page(client),
    }


def run(kind: str, sizes: list[int], repeat: int) -> list[list[object]]:
    rows = []
    with scratch_database(kind) as url:
        app = migrated_app(url)
        with app.app_context():
            demo.seed(now=NOW)
            town.add_rooms(ROOMS)
            numbers = town.add_residents(RESIDENTS, NOW)
            plan = slot_plan()
            resident_ids = list(
                db.session.scalars(
                    sa.select(Resident.id).where(Resident.registration_no.in_(numbers))
                )
            )
            have = 0
            baseline: dict[str, float] = {}
            for size in sizes:
                grow(have, size, plan, resident_ids)
                have = size
                # Signed in afresh at each size: growing 1M takes longer than a session.
                client = statistics_client(app)
                for name, fn in operations(resident_ids, client).items():
                    times = max(5, repeat // 10) if name.startswith("statistics") else repeat
                    stats = time_calls(fn, times)
                    baseline.setdefault(name, stats["p50"])
                    core = name == "statistics, a year (core)"
                    in_database = database_ms(fn) if core else None
                    backend = backend_cpu_ms(fn) if core else None
                    rows.append(
                        [
                            kind,
                            f"{size:,}",
                            name,
                            stats["p50"],
                            stats["p99"],
                            stats["p50"] / baseline[name],
                            stats["cpu_p50"],
                            "–" if in_database is None else in_database,
                            "–" if backend is None else backend,
                        ]
                    )
                    print(rows[-1], flush=True)
            db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    load_before = os.getloadavg()[0]
    rows = [row for kind in kinds for row in run(kind, sizes, args.repeat)]
    worst = max((row[5] for row in rows if not row[2].startswith("statistics")), default=0.0)
    stats_page = max((row[3] for row in rows if row[2].startswith("statistics page")), default=0.0)
    report(
        "Cost against data size (bench/data_size.py)",
        markdown_table(
            [
                "database",
                "reservations",
                "operation",
                "p50 ms",
                "p99 ms",
                f"p50 / p50 at {sizes[0]:,}",
                "app CPU p50 ms",
                "PostgreSQL execution ms",
                "PostgreSQL backend CPU ms",
            ],
            rows,
        ),
        f"Target: at {sizes[-1]:,} no operation above 1.3x its {sizes[0]:,} figure "
        "(the statistics excepted: a year holds more bookings as the data grows) and the "
        f"statistics page of a year under 1 s. Worst ratio in this run: {worst:.2f}; "
        f"slowest statistics page p50: {stats_page:.0f} ms. App CPU: the benchmark "
        "process's CPU time per call (the app runs in it, through Flask's test client for "
        "the page). PostgreSQL execution: the core statistics' statements run again under "
        "EXPLAIN ANALYZE, their execution times summed; PostgreSQL backend CPU: the median "
        "CPU time of the session's server process over five runs of the core statistics "
        "(/proc, 10 ms ticks). Load average (1 min) at the start "
        f"{load_before:.1f}, at the end {os.getloadavg()[0]:.1f}, on {os.cpu_count()} CPUs.",
    )


if __name__ == "__main__":
    main()
