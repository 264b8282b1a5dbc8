"""Running wrk (Debian's package) against a local server and reading its numbers.

wrk is written in C and keeps its own cost small, so the server, not the load
generator, is what a run measures (a Python client was measured to cap the bare
route at two thirds of wrk's figure on this machine)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.load import Request

SCRIPT = Path(__file__).with_name("requests.lua")
THREADS = 2


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors and non-2xx/3xx responses
    output: str


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse(output: str) -> WrkResult:
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return WrkResult(requests, rps, p50, p99, errors, output)


def request_line(request: Request) -> str:
    headers = "|".join(f"{k}: {v}" for k, v in request.headers.items())
    return "\t".join([request.method, request.path, headers, request.body.decode()])


def run_wrk(
    base_url: str,
    path: str = "/",
    *,
    requests: list[Request] | None = None,
    seconds: float = 10,
    connections: int = 16,
) -> WrkResult:
    """wrk with `connections` connections for `seconds`, on one path or on prepared
    requests (each sent once while they last).

    A path is first asked for during one unmeasured second: each worker's first
    request of a page compiles its templates (about 125 ms for the month page, measured
    with one connection), and the requests queued behind five such first requests were
    most of the month page's p99 (about 380 ms) in runs without a warm-up. Prepared
    requests have no warm-up, as each may be sent only once (a booking)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    if not requests:
        subprocess.run(
            ["wrk", f"-t{THREADS}", f"-c{connections}", "-d1s", base_url + path],
            capture_output=True,
            check=True,
        )
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as handle:
        if requests:
            handle.write("\n".join(request_line(r) for r in requests) + "\n")
            command += ["-s", str(SCRIPT)]
        handle.flush()
        url = base_url + path
        if requests:
            command += [url, "--", handle.name, str(THREADS)]
        else:
            command += [url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(handle.name).unlink(missing_ok=True)
    return parse(output)
