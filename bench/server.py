"""A gunicorn server for one benchmark, on 127.0.0.1 only, stopped afterwards."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2 * (os.cpu_count() or 1) + 1  # gunicorn's rule of thumb, as DESIGN.md measured


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def _wait_until_listening(host: str, port: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start listening in time")


def _wait_until_answering(host: str, port: int, process: subprocess.Popen, seconds: float) -> None:
    """Until a worker answers an HTTP request (any status): the socket listens as soon
    as the master binds it, but each worker first imports the app, which on a busy
    machine took over 20 s, and a measurement started before that counted nothing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=5) as sock:
                sock.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn's workers did not answer in time")


@contextmanager
def gunicorn(
    app_spec: str, env: dict[str, str] | None = None, *, workers: int = WORKERS, threads: int = 1
) -> Iterator[Server]:
    """`gunicorn -w WORKERS` with sync workers (gthread when threads > 1)."""
    host, port = "127.0.0.1", free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--threads",
        str(threads),
        "--bind",
        f"{host}:{port}",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--backlog",
        "2048",
        "--log-level",
        "warning",
        app_spec,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True
    )
    try:
        _wait_until_listening(host, port, process, 60)
        _wait_until_answering(host, port, process, 120)
        time.sleep(0.5 + 0.2 * workers)  # let every worker import the app
        yield Server(host, port, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
