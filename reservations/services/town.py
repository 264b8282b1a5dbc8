"""The town and its counter (窓口): where every channel sends a resident who needs a
person, and whether someone is there now."""

from __future__ import annotations

from datetime import datetime

from .. import rules
from ..settings import CounterDetails, get_settings
from .actors import require_aware


def counter_details() -> CounterDetails:
    """The town's name and the counter's name, telephone, hours, address and map:
    the one source the web's footer and messages, the phone's transfers and spoken
    hours and the counter's pages all read."""
    return get_settings().counter


def counter_open(now: datetime, details: CounterDetails | None = None) -> bool:
    """Whether the counter's staff are there (and answer the telephone) at `now`:
    by the app's details, or by `details` (a channel checking its settings)."""
    require_aware(now)
    return rules.counter_is_open(details or counter_details(), now, get_settings().timezone)
