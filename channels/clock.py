"""The time the channels act at: the town's clock, or a fixed one in tests."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from reservations import services


def now() -> datetime:
    """The town's current time. The CLOCK setting (a callable returning an aware
    datetime) replaces it, for tests only."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock is not None else services.clock_now()
