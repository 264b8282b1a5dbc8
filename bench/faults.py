"""Faults under load, over HTTP: a gunicorn worker killed in the middle of booking
requests, PostgreSQL restarted during load, and many concurrent writers on SQLite.

    python -m bench.faults                    # all three
    python -m bench.faults --only kill-worker --db sqlite

Each scenario books through the web's confirm POST (prepared sessions, as in
bench/http_ratios.py) and afterwards checks the database: every confirmed
reservation holds exactly its claims, no claim belongs to anything else, and the
audit trail has one booking entry per reservation. Requests cut off by the fault
itself are counted apart; after the fault the app must recover by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from bench.common import markdown_table, report, scratch_database
from bench.http_ratios import (
    NOW,
    booking_in_progress,
    free_slots,
    prepare,
    server_env,
    signed_in_session,
)
from bench.load import Request, fetch, gather
from bench.server import WORKERS, gunicorn

CONSISTENCY_SQL = {
    "claims missing or extra": """
        SELECT count(*) FROM (
            SELECT r.id AS reservation_id, up.part_id, r.date, rb.time_block_id
            FROM reservations r
            JOIN unit_parts up ON up.unit_id = r.unit_id
            JOIN reservation_blocks rb ON rb.reservation_id = r.id
            WHERE r.status = 'confirmed'
            EXCEPT
            SELECT c.reservation_id, c.part_id, c.date, c.time_block_id FROM slot_claims c
        ) AS missing""",
    "claims of no active reservation": """
        SELECT count(*) FROM slot_claims c LEFT JOIN reservations r ON r.id = c.reservation_id
        WHERE r.id IS NULL OR r.status <> 'confirmed'""",
    "reservations without blocks": """
        SELECT count(*) FROM reservations r
        WHERE NOT EXISTS (SELECT 1 FROM reservation_blocks rb WHERE rb.reservation_id = r.id)""",
    "bookings not audited once": """
        SELECT count(*) FROM reservations r
        WHERE (SELECT count(*) FROM audit_entries a
               WHERE a.reservation_id = r.id AND a.action = 'reservation.book') <> 1""",
}


def consistency_problems(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        problems = {
            name: connection.exec_driver_sql(sql).scalar() for name, sql in CONSISTENCY_SQL.items()
        }
        problems["reservations"] = connection.exec_driver_sql(
            "SELECT count(*) FROM reservations"
        ).scalar()
    engine.dispose()
    return problems


def prepared_confirms(server, data, count: int) -> list[Request]:
    host, port = server.host, server.port
    first_room = data["rooms"][0][0]
    form_page = f"/units/{first_room}/days/{(NOW.date() + timedelta(days=1)).isoformat()}"
    sessions = gather([signed_in_session(host, port, n, form_page) for n in data["numbers"]])
    slots = free_slots(data)
    cookies = gather(
        [
            booking_in_progress(host, port, sessions[i % len(sessions)], *slots[i])
            for i in range(count)
        ]
    )
    return [
        Request.form("/confirm", {"csrf_token": sessions[i % len(sessions)][1]}, cookies[i])
        for i in range(count)
    ]


async def _book_all(host, port, requests, concurrency, log: list) -> None:
    queue = list(reversed(requests))

    async def worker():
        while queue:
            request = queue.pop()
            started = time.time()
            try:
                response = await fetch(host, port, request, timeout=30)
                booked = response.status == 302 and "/booked" in (response.header("Location") or "")
                outcome = "booked" if booked else f"HTTP {response.status}"
            except (TimeoutError, OSError, ValueError, IndexError) as error:
                outcome = f"cut off ({type(error).__name__})"
            log.append((started, outcome))

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def book_under_fault(
    server, requests, fault, at_seconds: list[float], concurrency: int = 16
) -> tuple[Counter, Counter, list]:
    """Send the confirm POSTs while `fault()` runs at the given offsets; outcomes
    before and after the last fault's recovery are counted apart."""
    log: list = []
    started = time.time()
    marks: list[float] = []

    def faults() -> None:
        for offset in at_seconds:
            time.sleep(max(0, started + offset - time.time()))
            marks.append(time.time())
            fault()
            marks.append(time.time())

    thread = threading.Thread(target=faults)
    thread.start()
    asyncio.run(_book_all(server.host, server.port, requests, concurrency, log))
    thread.join()
    recovered_at = (marks[-1] + 3) if marks else started  # 3 s to recover after the last one
    during = Counter(outcome for at, outcome in log if at < recovered_at)
    after = Counter(outcome for at, outcome in log if at >= recovered_at)
    return during, after, marks


def kill_worker(kind: str, count: int) -> list:
    with scratch_database(kind) as url:
        data = prepare(url, 100)
        with gunicorn("bench.app:create_bench_app()", server_env(url)) as server:
            requests = prepared_confirms(server, data, count)
            rng = random.Random(3)

            def fault():
                os.kill(rng.choice(server.worker_pids()), signal.SIGKILL)

            during, after, _ = book_under_fault(server, requests, fault, [2.0, 4.0, 6.0])
        problems = consistency_problems(url)
    return ["kill -9 a gunicorn worker, 3 times", kind, during, after, problems]


def restart_postgres(count: int) -> list:
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    with scratch_database("postgresql") as url:
        data = prepare(url, 100)
        with gunicorn("bench.app:create_bench_app()", server_env(url)) as server:
            requests = prepared_confirms(server, data, count)

            def fault():
                subprocess.run(
                    [
                        "pg_ctlcluster",
                        "--skip-systemctl-redirect",
                        cluster,
                        "main",
                        "restart",
                        "--mode",
                        "fast",
                    ],
                    check=True,
                )

            during, after, _ = book_under_fault(server, requests, fault, [3.0])
        problems = consistency_problems(url)
    return ["restart PostgreSQL (fast mode)", "postgresql", during, after, problems]


def sqlite_writers(count: int, concurrency: int) -> list:
    with scratch_database("sqlite") as url:
        data = prepare(url, 100)
        with gunicorn("bench.app:create_bench_app()", server_env(url)) as server:
            requests = prepared_confirms(server, data, count)
            during, after, _ = book_under_fault(
                server, requests, lambda: None, [], concurrency=concurrency
            )
        problems = consistency_problems(url)
    return [
        f"{concurrency} concurrent writers, {WORKERS} worker processes",
        "sqlite",
        during,
        after,
        problems,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["kill-worker", "restart-postgres", "sqlite-writers"])
    parser.add_argument(
        "--db",
        choices=["postgresql", "sqlite"],
        default="postgresql",
        help="database for kill-worker",
    )
    parser.add_argument("--bookings", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    if args.only in (None, "kill-worker"):
        rows.append(kill_worker(args.db, args.bookings))
    if args.only in (None, "restart-postgres"):
        rows.append(restart_postgres(args.bookings))
    if args.only in (None, "sqlite-writers"):
        rows.append(sqlite_writers(args.bookings, 32))
    table_rows = []
    for scenario, kind, during, after, problems in rows:
        errors_after = sum(n for k, n in after.items() if k != "booked")
        inconsistent = sum(v for k, v in problems.items() if k != "reservations")
        table_rows.append(
            [
                scenario,
                kind,
                during.get("booked", 0) + after.get("booked", 0),
                dict(during),
                dict(after),
                errors_after,
                problems["reservations"],
                inconsistent,
            ]
        )
    report(
        "Faults under load (bench/faults.py)",
        markdown_table(
            [
                "fault",
                "database",
                "booked",
                "outcomes until 3 s after the fault",
                "outcomes afterwards",
                "errors afterwards",
                "reservations in the DB",
                "inconsistencies",
            ],
            table_rows,
        ),
        "Requests cut off by the fault itself (the killed worker's, or those in flight while "
        "the database restarts) are expected and listed; afterwards the app must answer "
        "every request (errors afterwards: 0) and the database must be consistent "
        "(inconsistencies: 0). SQLite's row must have no error at all: no 'database is "
        "locked' reaches a resident.",
    )


if __name__ == "__main__":
    main()
