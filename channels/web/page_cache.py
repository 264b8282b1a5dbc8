"""Availability pages as rendered for visitors who are not signed in, kept in each
worker process.

A month's table is about a hundred cells and costs several milliseconds to compute
and render; the same page is asked for again and again (never more than on the
morning booking opens). A kept page is served only while the core's availability
version is the one it was rendered under (no booking, cancellation, change or
closure since) and before the moment the clock alone changes one of its cells.

Reading the version is a round trip to the database, which measured as half the
cost of serving a kept page; each worker therefore trusts the version it read for
`WEB_AVAILABILITY_FRESHNESS_SECONDS` (default 1 s). A page may so show a booking up to
a second late, which changes nothing for the resident: every page is a snapshot, and
the core checks the slot again when they book. The clock-driven changes (a window
opening at 9:00:00) are never late.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app


@dataclass(frozen=True)
class Kept:
    version: int
    valid_until: datetime | None
    html: str


class RenderedPages:
    def __init__(
        self,
        capacity: int = 512,
        freshness: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.freshness = freshness
        self._monotonic = monotonic
        self._pages: OrderedDict[tuple, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._version: tuple[float, int] | None = None  # (when read, version)

    def version(self, read: Callable[[], int]) -> int:
        """The availability version, read again when the last read is older than
        `freshness` seconds."""
        now = self._monotonic()
        known = self._version
        if known is not None and now - known[0] < self.freshness:
            return known[1]
        version = read()
        self._version = (now, version)
        return version

    def get(self, key: tuple, version: int, now: datetime) -> str | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if kept.version != version or (kept.valid_until and now >= kept.valid_until):
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return kept.html

    def put(self, key: tuple, kept: Kept) -> None:
        with self._lock:
            self._pages[key] = kept
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


def init_app(app: Flask) -> None:
    freshness = float(app.config.get("WEB_AVAILABILITY_FRESHNESS_SECONDS", 1.0))
    app.extensions["web_rendered_pages"] = RenderedPages(freshness=freshness)


def rendered_pages() -> RenderedPages:
    return current_app.extensions["web_rendered_pages"]
