"""Availability pages as rendered for visitors who are not signed in, kept in each
worker process.

A month's table is about a hundred cells and costs several milliseconds to compute
and render; the same page is asked for again and again (never more than on the
morning booking opens). A kept page is served only while the core's availability
version is the one it was rendered under (no booking, cancellation, change or
closure since) and before the moment the clock alone changes one of its cells; the
check is one read of the audit trail's primary key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app


@dataclass(frozen=True)
class Kept:
    version: int
    valid_until: datetime | None
    html: str


class RenderedPages:
    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[tuple, Kept] = OrderedDict()
        self._lock = threading.Lock()

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
    app.extensions["web_rendered_pages"] = RenderedPages()


def rendered_pages() -> RenderedPages:
    return current_app.extensions["web_rendered_pages"]
