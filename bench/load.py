"""A small HTTP/1.1 load client on asyncio streams: bounded in time and in count,
one connection per request (gunicorn's sync workers close each connection), with
cookies and forms handled by the scripts that use it."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.common import percentile


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def form(cls, path: str, data: dict | list, cookie: str = "", headers: dict | None = None):
        body = urlencode(data, doseq=True).encode()
        merged = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        if cookie:
            merged["Cookie"] = cookie
        return cls("POST", path, merged, body)

    @classmethod
    def get(cls, path: str, cookie: str = ""):
        return cls("GET", path, {"Cookie": cookie} if cookie else {})


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> dict[str, str]:
        cookies = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name] = rest.split(";", 1)[0]
        return cookies

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(response: Response) -> str:
    match = CSRF.search(response.text)
    if not match:
        raise ValueError(f"no CSRF token in the page (HTTP {response.status})")
    return match.group(1)


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def fetch(host: str, port: int, request: Request, timeout: float = 30.0) -> Response:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        headers = {
            "Host": f"{host}:{port}",
            "Connection": "close",
            "Content-Length": str(len(request.body)),
            **request.headers,
        }
        head = (
            f"{request.method} {request.path} HTTP/1.1\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        )
        writer.write(head.encode("latin-1") + request.body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    if not raw:
        raise ConnectionResetError("the server closed the connection without answering")
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    parsed = [
        tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line
    ]
    return Response(status, parsed, body)


@dataclass
class LoadResult:
    requests: int
    failures: int
    statuses: Counter
    latencies_ms: list[float]
    elapsed: float

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def p(self, fraction: float) -> float:
        return percentile(self.latencies_ms, fraction) if self.latencies_ms else float("nan")


async def _load(host, port, next_request, ok, concurrency, duration, max_requests) -> LoadResult:
    statuses: Counter = Counter()
    latencies: list[float] = []
    failures = 0
    issued = 0
    deadline = time.monotonic() + duration

    async def worker() -> None:
        nonlocal failures, issued
        while time.monotonic() < deadline and issued < max_requests:
            request = next_request(issued)
            if request is None:
                return
            issued += 1
            started = time.perf_counter()
            try:
                response = await fetch(host, port, request)
            except (TimeoutError, OSError, ValueError, IndexError):
                failures += 1
                statuses["connection error"] += 1
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status] += 1
            if not ok(response):
                failures += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LoadResult(
        len(latencies) + statuses["connection error"],
        failures,
        statuses,
        latencies,
        time.perf_counter() - started,
    )


def run_load(
    host: str,
    port: int,
    next_request: Callable[[int], Request | None],
    *,
    ok: Callable[[Response], bool] = lambda r: r.status < 400,
    concurrency: int = 16,
    duration: float = 10.0,
    max_requests: int = 100_000,
) -> LoadResult:
    """Send requests from `concurrency` connections until `duration` seconds or
    `max_requests` have passed, or next_request returns None."""
    return asyncio.run(_load(host, port, next_request, ok, concurrency, duration, max_requests))


def gather(coroutines: list[Awaitable], limit: int = 16) -> list:
    """Run setup requests `limit` at a time."""

    async def bounded():
        semaphore = asyncio.Semaphore(limit)

        async def one(coroutine):
            async with semaphore:
                return await coroutine

        return await asyncio.gather(*(one(c) for c in coroutines))

    return asyncio.run(bounded())
