"""Opening-day rush: many residents race for a few popular blocks the moment booking
opens, over HTTP, each through the web's real pages.

    python -m bench.rush                                   # PostgreSQL, 1,000 residents, 50 blocks
    python -m bench.rush --db sqlite --residents 200 --blocks 20

Booking for February opens on 1 December at 9:00:00. The server's clock is set to
run from a little before that (BENCH_CLOCK_START), every resident signs in and waits
on the day's page, and at 9:00:00 all of them at once choose their block, open the
confirm page and press the button. Each resident wants one of the popular blocks
(the first few are the most wanted). Reported: how many booked, how many were told
cleanly that the block had been taken, errors (target 0), double bookings found in
the database afterwards (must be 0), and the latency of the rush's requests (p99
target under 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench import cpu, town
from bench.common import (
    SERVER_SECRET_KEY,
    markdown_table,
    migrated_app,
    percentile,
    report,
    scratch_database,
)
from bench.http_ratios import signed_in_session
from bench.load import Request, fetch
from bench.server import WORKERS, gunicorn
from channels import demo

TOKYO = ZoneInfo("Asia/Tokyo")
OPENING = datetime(2026, 12, 1, 9, 0, 0, tzinfo=TOKYO)  # February opens
FIRST_DAY = date(2027, 2, 6)  # a Saturday


def prepare(url: str, residents: int, blocks: int) -> dict:
    app = migrated_app(url)
    with app.app_context():
        demo.seed(now=OPENING - timedelta(days=1))
        town.add_rooms(max(1, -(-blocks // 3)), max_active=1)
        numbers = town.add_residents(residents, OPENING - timedelta(days=1))
        popular = [
            (unit_id, FIRST_DAY, block_id)
            for unit_id, block_ids in town.room_slots()
            for block_id in block_ids
        ][:blocks]
    return {"numbers": numbers, "popular": popular}


def wanted_slot(rng: random.Random, popular: list) -> tuple:
    """Most residents want the first few blocks: a Zipf-like choice."""
    weights = [1 / (rank + 1) for rank in range(len(popular))]
    return rng.choices(popular, weights)[0]


async def resident(host, port, session, slot, timings: list, outcome: Counter) -> None:
    cookie, token = session
    unit_id, day, block_id = slot
    day_path = f"/units/{unit_id}/days/{day.isoformat()}"

    async def timed(request: Request):
        started = time.perf_counter()
        try:
            response = await fetch(host, port, request, timeout=60)
        except (TimeoutError, OSError, ValueError, IndexError) as error:
            timings.append((time.perf_counter() - started) * 1000)
            raise ConnectionError(type(error).__name__) from error
        timings.append((time.perf_counter() - started) * 1000)
        if response.status >= 500:
            raise ConnectionError(f"HTTP {response.status}")
        return response

    try:
        chosen = await timed(
            Request.form(day_path, {"blocks": block_id, "csrf_token": token}, cookie)
        )
        if chosen.status == 200:  # the day's page again: the block is no longer free
            outcome["taken (on choosing)"] += 1
            return
        cookie = merge(cookie, chosen.set_cookies())
        page = await timed(Request.get("/confirm", cookie))
        cookie = merge(cookie, page.set_cookies())
        if page.status == 302:  # back to the week: taken between choosing and confirming
            outcome["taken (on the confirm page)"] += 1
            return
        done = await timed(Request.form("/confirm", {"csrf_token": token}, cookie))
        location = done.header("Location") or ""
        if done.status == 302 and "/booked" in location:
            outcome["booked"] += 1
        elif done.status == 302 and ("/availability" in location or "/waitlist/join" in location):
            # taken: the page that offers the waiting list for it (キャンセル待ち)
            outcome["taken (on pressing book)"] += 1
        else:
            outcome[f"unexpected HTTP {done.status}"] += 1
    except ConnectionError as error:
        outcome[f"error: {error}"] += 1


def merge(cookie: str, new: dict[str, str]) -> str:
    cookies = dict(part.split("=", 1) for part in cookie.split("; ") if part)
    cookies.update(new)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def double_bookings(url: str) -> int:
    """Slots held by more than one active reservation, counted from the reservations
    themselves (their units' parts and their blocks), not from the claims."""
    engine = sa.create_engine(url)
    query = """
        SELECT count(*) FROM (
            SELECT up.part_id, r.date, rb.time_block_id
            FROM reservations r
            JOIN unit_parts up ON up.unit_id = r.unit_id
            JOIN reservation_blocks rb ON rb.reservation_id = r.id
            WHERE r.status IN ('held', 'confirmed')
            GROUP BY up.part_id, r.date, rb.time_block_id
            HAVING count(*) > 1
        ) AS doubled
    """
    with engine.connect() as connection:
        doubled = connection.exec_driver_sql(query).scalar()
        orphans = connection.exec_driver_sql(
            "SELECT count(*) FROM slot_claims c JOIN reservations r ON r.id = c.reservation_id "
            "WHERE r.status NOT IN ('held', 'confirmed')"
        ).scalar()
    engine.dispose()
    return doubled + orphans


def setup_seconds(residents: int) -> float:
    """App time before the opening: enough to sign everyone in (an argon2id check
    each, about 40 a second on two cores), with a margin."""
    return 20 + residents / 25


async def rush(
    host, port, sessions, slots, clock_epoch: float, setup: float, app_pids: list[int]
) -> tuple[Counter, list, float, cpu.CpuPerRequest]:
    outcome: Counter = Counter()
    timings: list[float] = []
    opening_in = setup - (time.time() - clock_epoch)
    if opening_in < 0:
        raise SystemExit(f"signing in took longer than {setup:.0f} s of app time")
    await asyncio.sleep(opening_in + 0.05)  # 9:00:00 in the app's clock
    started = time.perf_counter()
    before = cpu.sample(app_pids)
    await asyncio.gather(
        *(
            resident(host, port, session, slot, timings, outcome)
            for session, slot in zip(sessions, slots, strict=True)
        )
    )
    used = cpu.per_request(before, cpu.sample(app_pids), 1)  # CPU ms of the whole rush
    return outcome, timings, time.perf_counter() - started, used


def run(kind: str, residents: int, blocks: int, seed: int) -> list[list[object]]:
    with scratch_database(kind) as url:
        data = prepare(url, residents, blocks)
        epoch = time.time()
        setup = setup_seconds(residents)
        env = {
            "DATABASE_URL": url,
            "MACHI_ENV": "production",
            "SECRET_KEY": SERVER_SECRET_KEY,
            "BENCH_CLOCK_START": (OPENING - timedelta(seconds=setup)).isoformat(),
            "BENCH_CLOCK_EPOCH": str(epoch),
            "SIGN_IN_SOURCE_LIMITS": "1000000 per minute",
            "TWILIO_AUTH_TOKEN": "bench",
        }
        rng = random.Random(seed)
        with gunicorn("bench.app:create_bench_app()", env) as server:
            host, port = server.host, server.port
            first_day = f"/units/{data['popular'][0][0]}/days/{FIRST_DAY.isoformat()}"

            async def sign_everyone_in():
                semaphore = asyncio.Semaphore(16)

                async def one(number):
                    async with semaphore:
                        return await signed_in_session(host, port, number, first_day)

                return await asyncio.gather(*(one(n) for n in data["numbers"]))

            sessions = asyncio.run(sign_everyone_in())
            slots = [wanted_slot(rng, data["popular"]) for _ in sessions]
            outcome, timings, seconds, used = asyncio.run(
                rush(host, port, sessions, slots, epoch, setup, server.worker_pids())
            )
        doubled = double_bookings(url)
    errors = sum(n for key, n in outcome.items() if key.startswith(("error", "unexpected")))
    taken = sum(n for key, n in outcome.items() if key.startswith("taken"))
    return [
        [
            kind,
            residents,
            blocks,
            outcome["booked"],
            taken,
            errors,
            doubled,
            len(timings),
            percentile(timings, 0.5),
            percentile(timings, 0.99),
            max(timings),
            seconds,
            used.app_ms / 1000,
            used.database_ms / 1000,
            (used.app_ms + used.database_ms) / 1000 / (os.cpu_count() or 1),
            dict(outcome),
        ]
    ]


def raise_open_file_limit() -> None:
    """A thousand residents at once are a thousand sockets."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))


def main() -> None:
    raise_open_file_limit()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = run(args.db, args.residents, args.blocks, args.seed)
    report(
        f"Opening-day rush, {args.db} (bench/rush.py)",
        markdown_table(
            [
                "database",
                "residents",
                "blocks",
                "booked",
                "told 'taken'",
                "errors",
                "double bookings",
                "requests",
                "p50 ms",
                "p99 ms",
                "max ms",
                "rush s",
                "app CPU s",
                "PostgreSQL CPU s",
                "CPU-bound least rush s",
                "outcomes",
            ],
            rows,
        ),
        f"gunicorn: {WORKERS} sync workers on 127.0.0.1. Every resident signed in before 9:00 "
        "and, at 9:00:00 in the app's clock, all at once chose a block (most wanted the "
        "first few), opened the confirm page and pressed the button: up to three requests "
        "each, one connection per request. Targets: 0 errors, 0 double bookings, p99 < 1 s. "
        "'app CPU s' and 'PostgreSQL CPU s' are the CPU the server's workers and the "
        "database used during the rush; divided by the CPU count they give the least time "
        "the rush can take on this machine, whatever the scheduling (the load client's own "
        "CPU not counted), so the last resident's wait cannot be shorter.",
    )


if __name__ == "__main__":
    main()
