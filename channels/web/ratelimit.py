"""A small sliding-window rate limit for the sign-in form, per client address.

It lives in the process's memory: with several gunicorn workers each worker counts
on its own, so the effective limit is the setting times the workers. The core's
per-account PIN lockout is the main defence; this one slows a single client that
tries many registration numbers.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """Count one attempt for `key`. Returns None when it is allowed, or the seconds
        to wait when `limit` attempts were already made in the last `window_seconds`."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + window_seconds - now
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for idle in [k for k, v in self._hits.items() if not v]:
                    del self._hits[idle]
            return None
