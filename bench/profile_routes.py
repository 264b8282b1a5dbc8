"""Where a request's time goes, in process: each route of bench/http_ratios.py run
through Flask's test client under cProfile, its own time split by layer (our code,
Flask/Werkzeug, Jinja, SQLAlchemy, the database driver, ...), with the SQL statements
it sends and its wall time (which includes waiting for the database).

    python -m bench.profile_routes                 # PostgreSQL
    python -m bench.profile_routes --db sqlite --repeat 300

It explains the ratios bench/http_ratios.py measures over HTTP: what a route costs
beyond the bare route is what a faster route would have to remove.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import time
from collections import Counter
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from bench import phone_steps, town
from bench.app import bare, create_bench_app
from bench.common import markdown_table, report, scratch_database
from bench.http_ratios import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    free_slots,
    ivr_requests,
    prepare,
    server_env,
)
from bench.load import CSRF
from reservations.db import db

LAYERS = [  # (layer, a pattern of the file path), first match wins
    ("our code", r"/(channels|reservations)/"),
    ("SQLAlchemy", r"/sqlalchemy/"),
    ("database driver", r"/(psycopg|psycopg_pool)/|sqlite3"),
    ("Jinja", r"/(jinja2|markupsafe)/"),
    ("Flask, Werkzeug", r"/(flask|werkzeug|flask_wtf|flask_babel|itsdangerous|blinker)/"),
    ("forms (WTForms)", r"/wtforms/"),
    ("Babel", r"/babel/"),
    ("twilio (TwiML, signature)", r"/twilio/"),
    ("PIN hash (argon2)", r"argon2"),
]


DRIVER = r"sqlite3|psycopg"  # a C method of the driver, e.g. sqlite3.Cursor.execute


def layer_of(filename: str, function: str, builtin: str = "") -> str:
    where = f"{filename} {function} {builtin}"
    for layer, pattern in LAYERS:
        if re.search(pattern, where):
            return layer
    return "Python, other"


def layer_times(stats: dict) -> Counter[str]:
    """Own time per layer. A built-in function's time (isinstance, dict.get, a C
    method) goes to the layers of its callers, in proportion to their calls' time."""
    layers: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, tottime, _ct, callers) in stats.items():
        if filename == "~" and callers and not re.search(DRIVER, function):
            weights = {caller: caller_stats[2] for caller, caller_stats in callers.items()}
            whole = sum(weights.values())
            for (caller_file, _l, caller_function), weight in weights.items():
                share = weight / whole if whole else 1 / len(weights)
                layers[layer_of(caller_file, caller_function, function)] += tottime * share
        else:
            layers[layer_of(filename, function)] += tottime
    return layers


def profile(
    label: str,
    calls: list[Callable[[], object]],
    engine: sa.Engine,
    before_each: list[Callable[[], object]] | None = None,
) -> dict:
    """Profile `calls`; each `before_each[i]`, if given, runs unprofiled just before
    `calls[i]`."""
    statements = Counter()

    def count(*_args) -> None:
        statements["n"] += 1

    profiler = cProfile.Profile(time.process_time)  # CPU time, not wall time
    cpu = wall = 0.0
    for i, call in enumerate(calls):
        if before_each:
            before_each[i]()
        sa.event.listen(engine, "before_cursor_execute", count)
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        profiler.enable()
        call()
        profiler.disable()
        cpu += time.process_time() - cpu_start
        wall += time.perf_counter() - wall_start
        sa.event.remove(engine, "before_cursor_execute", count)
    layers = layer_times(pstats.Stats(profiler).stats)
    total = sum(layers.values()) or 1
    n = len(calls)
    return {
        "route": label,
        "wall ms": wall * 1000 / n,
        "CPU ms": cpu * 1000 / n,
        "SQL statements": statements["n"] / n,
        "layers": {layer: share / total for layer, share in layers.most_common()},
    }


def check(response, *statuses: int):
    if response.status_code not in statuses:
        raise RuntimeError(f"{response.request.path}: HTTP {response.status_code}")
    return response


def csrf_of(response) -> str:
    return CSRF.search(response.get_data(as_text=True)).group(1)


def measure(url: str, repeat: int) -> list[dict]:
    os.environ.update(server_env(url))  # the app as http_ratios serves it
    data = prepare(url, max(1, repeat // 5))
    app: Flask = create_bench_app()
    with app.app_context():
        engine = db.engine
    results = []

    plain = bare.test_client()
    results.append(
        profile("bare Flask route", [lambda: check(plain.get("/"), 200)] * repeat, engine)
    )

    client = app.test_client()
    month = f"/units/{data['whole']}/availability?month=2027-01"
    check(client.get(month), 200)
    results.append(
        profile(
            "availability page, one month (kept)",
            [lambda: check(client.get(month), 200)] * repeat,
            engine,
        )
    )

    calls = ivr_requests(repeat)
    results.append(
        profile(
            "IVR step (new call, TwiML)",
            [
                (lambda r=r: check(client.post(r.path, data=r.body, headers=r.headers), 200))
                for r in calls
            ],
            engine,
        )
    )

    # A plain menu step: signed-in calls at the main menu pressing `*` (one step each,
    # bench/phone_steps.py), the call made by the first webhooks through the client.
    template = "CA" + "f" * 32
    for path, extra in (("/phone/voice", {}), ("/phone/step/1", {"Digits": data["yamada_pin"]})):
        request = phone_steps.webhook(path, template, AUTH_TOKEN, PUBLIC_BASE_URL, **extra)
        check(client.post(request.path, data=request.body, headers=request.headers), 200)
    steps = phone_steps.menu_steps(
        phone_steps.copy_call(url, template, repeat), AUTH_TOKEN, PUBLIC_BASE_URL
    )
    results.append(
        profile(
            "IVR menu step (signed in, main menu)",
            [
                (lambda r=r: check(client.post(r.path, data=r.body, headers=r.headers), 200))
                for r in steps
            ],
            engine,
        )
    )

    # Booking: each resident signs in once; each confirm is for a different free block,
    # chosen (unprofiled) just before it, as the session holds one choice at a time.
    browsers = []
    for number in data["numbers"]:
        browser = app.test_client()
        page = check(browser.get("/sign-in"), 200)
        check(
            browser.post(
                "/sign-in",
                data={"registration_no": number, "pin": town.PIN, "csrf_token": csrf_of(page)},
            ),
            302,
        )
        # Signing in starts a new session with a new CSRF token.
        browsers.append((browser, csrf_of(check(browser.get("/my-reservations"), 200))))
    slots = free_slots(data)
    choose, confirm = [], []
    for i in range(repeat):
        browser, token = browsers[i % len(browsers)]
        unit_id, day, block_id = slots[i]
        path = f"/units/{unit_id}/days/{day.isoformat()}"
        choose.append(
            lambda b=browser, t=token, p=path, block=block_id: check(
                b.post(p, data={"blocks": block, "csrf_token": t}), 302
            )
        )
        confirm.append(
            lambda b=browser, t=token: check(b.post("/confirm", data={"csrf_token": t}), 302)
        )
    results.append(profile("booking POST (signed-in session)", confirm, engine, before_each=choose))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    with scratch_database(args.db) as url:
        results = measure(url, args.repeat)
    bare_cpu = results[0]["CPU ms"]
    rows = []
    for result in results:
        top = ", ".join(
            f"{layer} {share:.0%}" for layer, share in list(result["layers"].items())[:5]
        )
        rows.append(
            [
                result["route"],
                result["wall ms"],
                result["CPU ms"],
                bare_cpu / result["CPU ms"],
                result["SQL statements"],
                top,
            ]
        )
    report(
        f"Where a request's time goes, in process, {args.db} (bench/profile_routes.py)",
        markdown_table(
            [
                "route",
                "wall ms",
                "CPU ms",
                "bare CPU / route CPU",
                "SQL statements",
                "CPU by layer (cProfile own time, top 5)",
            ],
            rows,
        ),
        f"Flask's test client, no HTTP; {args.repeat} requests per route under cProfile "
        "(which slows Python code, so the CPU figures are higher than unprofiled; the "
        "shares are what matters). 'bare CPU / route CPU' is the ratio a CPU-bound "
        "server could reach at best.",
    )


if __name__ == "__main__":
    main()
