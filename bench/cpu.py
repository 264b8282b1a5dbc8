"""Where the CPU went during a load run: the app's workers, the database server, and
the machine as a whole (read from /proc, Linux only).

On a 2-core machine a route's throughput is bounded by the CPU each request costs;
these figures say whose CPU it is. Processes running with a positive nice value
(a background job) are left out of the machine's figure, as /proc/stat counts them
apart."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _machine_busy_ticks() -> int:
    # cpu  user nice system idle iowait irq softirq steal ...
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, _nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + system + irq + softirq + steal


def _process_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def _pids_named(name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass(frozen=True)
class CpuSample:
    machine: int
    app: int
    database: int


def sample(app_pids: list[int]) -> CpuSample:
    return CpuSample(
        _machine_busy_ticks(),
        sum(_process_ticks(p) for p in app_pids),
        sum(_process_ticks(p) for p in _pids_named("postgres")),
    )


@dataclass(frozen=True)
class CpuPerRequest:
    machine_ms: float
    app_ms: float
    database_ms: float


def per_request(before: CpuSample, after: CpuSample, requests: int) -> CpuPerRequest:
    """Milliseconds of CPU per request between two samples. A PostgreSQL backend that
    ended in between is missed; the app's pools keep theirs open, so this is rare."""
    scale = 1000 / TICKS / max(requests, 1)
    return CpuPerRequest(
        (after.machine - before.machine) * scale,
        (after.app - before.app) * scale,
        max(after.database - before.database, 0) * scale,
    )
