"""What every benchmark shares: a scratch database (SQLite file or PostgreSQL),
latency statistics, and appending a results table to bench/RESULTS.md with the
machine's CPU count and the date."""

from __future__ import annotations

import os
import platform
import secrets
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "RESULTS.md"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# The SECRET_KEY (MACHI_ENV=production refuses a guessable one): random for each
# benchmark run, the same for every server of the run, as sessions need.
SERVER_SECRET_KEY = secrets.token_urlsafe(32)

# Hashing at the production cost unless a benchmark says otherwise.
BASE_CONFIG = {"SECRET_KEY": SERVER_SECRET_KEY}


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A new, empty database for one benchmark run, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="machi-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    admin_url = sa.make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES))
    name = f"machi_bench_{secrets.token_hex(4)}"
    # pre-ping: a benchmark may restart the server (bench/faults.py), which ends the
    # connection this engine keeps for dropping the database afterwards.
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def migrated_app(url: str, **config):
    """The real app on `url`, schema built by the migrations."""
    from flask_migrate import upgrade

    from channels import create_app

    app = create_app({**BASE_CONFIG, "DATABASE_URL": url, **config})
    with app.app_context():
        upgrade()
    return app


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_calls(fn: Callable[[], object], repeat: int, warmup: int = 3) -> dict[str, float]:
    """Call fn `repeat` times; latencies in milliseconds, and the median CPU time the
    calling process spent on a call (`cpu_p50`: what other processes on a busy machine
    inflate less than the wall time)."""
    for _ in range(warmup):
        fn()
    samples, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "p50": statistics.median(samples),
        "p99": percentile(samples, 0.99),
        "mean": statistics.fmean(samples),
        "cpu_p50": statistics.median(cpu),
    }


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = cpu
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH_DIR
        ).stdout.strip()
        or "unknown"
    )
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {os.cpu_count()} CPUs ({model}), "
        f"Python {platform.python_version()}, commit {commit}"
    )


def markdown_table(headers: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        return f"{value:,.2f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def report(title: str, table: str, notes: str = "") -> None:
    """Print the table and append it, dated, to bench/RESULTS.md."""
    section = f"\n## {title}\n\n{machine_line()}\n\n{table}\n"
    if notes:
        section += f"\n{notes.strip()}\n"
    print(section)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nEach section is one run, appended by the "
            "script named in its title. Reproduce with the commands in the "
            "README's Benchmarks section.\n"
        )
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(section)
