"""Throughput and latency over HTTP, as ratios of a bare Flask route in the same run.

    python -m bench.http_ratios                 # PostgreSQL, 10 s per route
    python -m bench.http_ratios --db sqlite --seconds 5

gunicorn serves with the same configuration for every route (sync workers,
2 x CPUs + 1, bound to 127.0.0.1); wrk (2 threads, 16 connections) sends the load,
with bench/requests.lua for prepared requests. Measured, in this order:

- bare: a Flask app whose one route returns a constant (the yardstick);
- static file: the real app serving its style sheet, i.e. the cost of the hooks every
  request of the app goes through, with no view code: the floor of any page;
- availability: the web page of the town gym's whole court for a month;
- IVR step: Twilio's first webhook of a new call (signed), answered with TwiML; also
  at 4 concurrent calls, for the latency a caller hears on a town's line;
- IVR menu step: the next key of a signed-in call at the main menu (bench/phone_steps.py),
  16 calls at once: the plain step issue 19 prices (<= 1.2 ms CPU, p99 < 50 ms);
- booking: the web's booking POST (/confirm) from a signed-in resident's session,
  each for a different free block; the sign-in and the choice of blocks happen
  before the clock starts, so the number is the booking's own;
- sign-in: the web's sign-in POST (an argon2id PIN check at production cost),
  reported beside the booking because "a booking with its sign-in" costs both.

Targets (issue 6): availability >= 0.5, booking >= 0.3, IVR step >= 0.6 of the bare
route's throughput, IVR p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from twilio.request_validator import RequestValidator

from bench import cpu, phone_steps, town
from bench.common import SERVER_SECRET_KEY, markdown_table, migrated_app, report, scratch_database
from bench.load import Request, cookie_header, csrf_token, fetch, gather
from bench.server import WORKERS, Server, gunicorn
from bench.wrk import WrkResult, run_wrk
from channels import demo
from reservations import services

NOW = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Tokyo"))  # December and January are open
AUTH_TOKEN = "bench-twilio-auth-token"
PUBLIC_BASE_URL = "https://yoyaku.example.jp"
ROOMS = 200


def server_env(url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "MACHI_ENV": "production",
        "SECRET_KEY": SERVER_SECRET_KEY,
        "BENCH_NOW": NOW.isoformat(),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "PHONE_OPERATOR_NUMBER": "0166-00-0111",
        # The sign-in rate limit counts wrong sign-ins per client address; every
        # benchmark client is 127.0.0.1, so it is lifted here (the core's limit per
        # registration number and address still applies).
        "SIGN_IN_SOURCE_LIMITS": "1000000 per minute",
    }


def prepare(url: str, residents: int) -> dict:
    app = migrated_app(url)
    with app.app_context():
        seeded = demo.seed(now=NOW)
        town.add_rooms(ROOMS)
        numbers = town.add_residents(residents, NOW)
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        whole = next(u for u in gym.units if u.code == "whole")
        yamada = next(line for line in seeded.residents if line.name == "山田 ハナ")
        return {
            "numbers": numbers,
            "whole": whole.id,
            "rooms": town.room_slots(),
            "yamada_pin": yamada.pin,
        }


async def signed_in_session(
    host: str, port: int, registration_no: str, form_page: str
) -> tuple[str, str]:
    """A resident's session cookie after the web's sign-in, and the CSRF token of the
    new session (signing in starts a new session, with a new CSRF secret), read from
    `form_page`."""
    page = await fetch(host, port, Request.get("/sign-in"))
    cookies = page.set_cookies()
    response = await fetch(
        host,
        port,
        Request.form(
            "/sign-in",
            {"registration_no": registration_no, "pin": town.PIN, "csrf_token": csrf_token(page)},
            cookie_header(cookies),
        ),
    )
    if response.status != 302:
        raise RuntimeError(f"sign-in failed: HTTP {response.status}")
    cookies.update(response.set_cookies())
    page = await fetch(host, port, Request.get(form_page, cookie_header(cookies)))
    cookies.update(page.set_cookies())
    return cookie_header(cookies), csrf_token(page)


async def booking_in_progress(
    host, port, session: tuple[str, str], unit_id: int, day: date, block_id: int
) -> str:
    """The session cookie with these blocks chosen: what the confirm POST carries."""
    cookie, token = session
    response = await fetch(
        host,
        port,
        Request.form(
            f"/units/{unit_id}/days/{day.isoformat()}",
            {"blocks": block_id, "csrf_token": token},
            cookie,
        ),
    )
    if response.status != 302:
        raise RuntimeError(f"choosing blocks failed: HTTP {response.status}")
    return cookie_header(
        {**dict(c.split("=", 1) for c in cookie.split("; ")), **response.set_cookies()}
    )


def ivr_requests(count: int) -> list[Request]:
    """Twilio's first webhook of `count` new calls, each signed as Twilio signs it."""
    validator = RequestValidator(AUTH_TOKEN)
    requests = []
    for i in range(count):
        params = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": "CA" + secrets.token_hex(16),
            "CallStatus": "ringing",
            "Direction": "inbound",
            "From": f"+8116655{i % 100000:05d}",
            "To": "+81166000000",
        }
        signature = validator.compute_signature(PUBLIC_BASE_URL + "/phone/voice", params)
        requests.append(
            Request.form("/phone/voice", params, headers={"X-Twilio-Signature": signature})
        )
    return requests


def free_slots(data: dict) -> list[tuple[int, date, int]]:
    """(unit id, day, block id) of every bench room's blocks over the next 59 days, all
    free after `prepare`: one per booking measured."""
    return [
        (unit_id, NOW.date() + timedelta(days=d), block_id)
        for d in range(1, 60)
        for unit_id, block_ids in data["rooms"]
        for block_id in block_ids
    ]


def count_rows(url: str, query: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql(query).scalar()
    engine.dispose()
    return count


def count_reservations(url: str) -> int:
    return count_rows(url, "SELECT count(*) FROM reservations")


def measure(url: str, seconds: float, residents: int, phase: str = "all") -> list[list[object]]:
    data = prepare(url, residents)
    env = server_env(url)
    rows: list[list[object]] = []

    def record(
        server: Server, name: str, load: Callable[[], WrkResult], note: str = ""
    ) -> WrkResult:
        before = cpu.sample(server.worker_pids())
        result = load()
        used = cpu.per_request(before, cpu.sample(server.worker_pids()), result.requests)
        rows.append(
            [
                name,
                result.requests,
                result.rps,
                result.p50_ms,
                result.p99_ms,
                result.errors,
                used.machine_ms,
                used.app_ms,
                used.database_ms,
                note,
            ]
        )
        print(rows[-1], flush=True)
        return result

    with gunicorn("bench.app:bare", env) as server:
        record(server, "bare Flask route", lambda: run_wrk(server.url, "/", seconds=seconds))

    with gunicorn("bench.app:create_bench_app()", env) as server:
        host, port = server.host, server.port
        # The app's own floor: Flask serving a small static file through every hook the
        # app installs (session, CSRF, locale, security headers), no view code at all.
        record(
            server,
            "static file (the app's per-request floor)",
            lambda: run_wrk(server.url, "/static/css/site.css", seconds=seconds),
        )
        month = f"/units/{data['whole']}/availability?month=2027-01"
        record(
            server,
            "availability page, one month",
            lambda: run_wrk(server.url, month, seconds=seconds),
        )

        calls = ivr_requests(int(seconds * 2000))
        record(
            server,
            "IVR step (new call, TwiML)",
            lambda: run_wrk(server.url, requests=calls, seconds=seconds),
        )
        # A town's phone line rarely has more than a few calls at once: the latency a
        # caller hears is measured at 4 concurrent calls as well.
        quiet_calls = ivr_requests(int(seconds * 1000))
        record(
            server,
            "IVR step, 4 calls at once",
            lambda: run_wrk(server.url, requests=quiet_calls, seconds=seconds, connections=4),
            "latency at a realistic load",
        )
        # A plain menu step (issue 19): signed-in calls at the main menu pressing `*`,
        # one step per call (see bench/phone_steps.py), at 16 calls at once.
        template = gather(
            [
                phone_steps.signed_in_call(
                    host, port, data["yamada_pin"], AUTH_TOKEN, PUBLIC_BASE_URL
                )
            ]
        )[0]
        steps = phone_steps.menu_steps(
            phone_steps.copy_call(url, template, int(seconds * 2500)), AUTH_TOKEN, PUBLIC_BASE_URL
        )
        result = record(
            server,
            "IVR menu step (signed in, main menu), 16 calls at once",
            lambda: run_wrk(server.url, requests=steps, seconds=seconds),
        )
        # Each prepared call takes one step; were there more requests than calls, the
        # rest were replays of an answer already given (cheaper), and the note says so.
        taken = count_rows(url, "SELECT count(*) FROM phone_calls WHERE step = 3")
        rows[-1][-1] = f"a plain menu step; {taken} steps taken by {result.requests} webhooks"
        if phase == "phone":
            return rows

        first_room = data["rooms"][0][0]
        form_page = f"/units/{first_room}/days/{(NOW.date() + timedelta(days=1)).isoformat()}"
        sessions = gather([signed_in_session(host, port, n, form_page) for n in data["numbers"]])
        slots = free_slots(data)
        prepared = min(len(slots), int(seconds * 600))
        cookies = gather(
            [
                booking_in_progress(host, port, sessions[i % len(sessions)], *slots[i])
                for i in range(prepared)
            ]
        )
        confirms = [
            Request.form("/confirm", {"csrf_token": sessions[i % len(sessions)][1]}, cookies[i])
            for i in range(prepared)
        ]
        before = count_reservations(url)
        result = record(
            server,
            "booking POST (signed-in session)",
            lambda: run_wrk(server.url, requests=confirms, seconds=seconds),
        )
        booked = count_reservations(url) - before
        # wrk counts the responses that arrived within its time; the few POSTs still in
        # flight when it stopped were served too, so `booked` may be a little larger.
        rows[-1][-1] = f"{booked} reservations made by {result.requests} POSTs"
        if result.requests > prepared:
            rows[-1][-1] += f" (only {prepared} were prepared: the rest repeated earlier ones)"

        pages = gather([fetch(host, port, Request.get("/sign-in")) for _ in range(64)])
        sign_ins = [
            Request.form(
                "/sign-in",
                {
                    "registration_no": data["numbers"][i % len(data["numbers"])],
                    "pin": town.PIN,
                    "csrf_token": csrf_token(page),
                },
                cookie_header(page.set_cookies()),
            )
            for i, page in enumerate(pages)
        ]
        record(
            server,
            "sign-in POST (argon2id PIN check)",
            lambda: run_wrk(server.url, requests=sign_ins, seconds=seconds),
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument(
        "--routes",
        choices=["all", "phone"],
        default="all",
        help="phone: stop after the IVR rows (bare, static file, availability, IVR)",
    )
    args = parser.parse_args()
    with scratch_database(args.db) as url:
        rows = measure(url, args.seconds, args.residents, args.routes)
    bare_rps = rows[0][2]
    table = markdown_table(
        [
            "route",
            "requests",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "ratio to bare",
            "CPU ms/request",
            "of which app",
            "of which PostgreSQL",
            "note",
        ],
        [
            [name, n, rps, p50, p99, errors, rps / bare_rps, machine, app, database, note]
            for name, n, rps, p50, p99, errors, machine, app, database, note in rows
        ],
    )
    report(
        f"HTTP throughput as ratios of a bare route, {args.db} (bench/http_ratios.py)",
        table,
        f"gunicorn: {WORKERS} sync workers on 127.0.0.1; load: wrk, 2 threads, 16 connections, "
        f"{args.seconds:g} s per route; errors are socket errors and responses other than "
        "2xx/3xx. Targets: availability >= 0.5, booking >= 0.3, IVR step >= 0.6 with p99 "
        "< 50 ms. CPU ms/request: the machine's busy CPU time (wrk included, niced "
        "processes not) per request; 'app' is the gunicorn workers', 'PostgreSQL' its "
        "server processes'. Throughput on this machine is about 2 cores x 1000 / CPU ms.",
    )


if __name__ == "__main__":
    main()
