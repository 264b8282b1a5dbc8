"""Call state in the database, keyed by CallSid: any worker can answer any step, and a
repeated webhook gets the answer the first one got.

Each step is taken once. A webhook for step n first moves the call from step n to
n + 1 in its own short transaction (compare-and-set); only the request that wins does
the work (which may book or cancel through the core) and stores its TwiML. A repeat of
step n, from a Twilio retry or a racing duplicate, finds the call past n and replays
the stored TwiML, or, while the winner is still working, is asked to hold and come
back. If the winner died, the question is asked again from the saved state. On top of
this, a booking carries an idempotency key, so even a replayed confirmation books once.

The channel commits its own table here; the core's rows are written only by services.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from reservations.db import db, own_connection, own_write, write_transaction

from . import flow, twiml
from .models import PhoneCall, PhoneCallEvent
from .settings import PhoneSettings

log = logging.getLogger(__name__)

# After this long without a stored answer, the worker that took a step is presumed
# gone (Twilio itself waits 15 seconds for a webhook).
STEP_LEASE = timedelta(seconds=15)

# The step numbers a call can be at (the column is a 32-bit integer); a webhook for
# any other step is not this call's next one.
MAX_STEP = 2**31 - 2

# Twilio's final call statuses.
FINAL_STATUSES = ("completed", "busy", "failed", "no-answer", "canceled")


def outcome_of(kinds: set[str]) -> str:
    """A call's outcome for the statistics, from the events that happened in it: the
    first result it reached, else "unresolved" when the service ended the call, else
    "abandoned" (the caller hung up without a result)."""
    for kind in ("booked", "cancelled", "heard"):
        if kind in kinds:
            return kind
    if "operator_talked" in kinds:
        return "transferred"
    if "transferred" in kinds:
        return "transfer_unanswered" if "operator_no_answer" in kinds else "transferred"
    if "locked" in kinds:
        return "locked"
    return "unresolved" if "ended" in kinds else "abandoned"


@dataclass(frozen=True)
class _Row:
    id: int
    step: int
    node: str
    state: dict[str, Any]
    response: str | None
    claimed_at: datetime | None
    resident_id: int | None
    started_at: datetime


# The call state is read and written with SQLAlchemy Core on the tables, not through
# ORM objects, on a connection of the step's own in autocommit (reservations.db.
# own_connection): a step is one UPDATE ... RETURNING that leases the call and reads its
# state, and one UPDATE that stores the answer (with one INSERT of its events, if any,
# in the same transaction). The statements are built once, with bound parameters.
CALLS = PhoneCall.__table__
EVENTS = PhoneCallEvent.__table__
_ROW = (
    CALLS.c.id,
    CALLS.c.step,
    CALLS.c.node,
    CALLS.c.state,
    CALLS.c.response,
    CALLS.c.claimed_at,
    CALLS.c.resident_id,
    CALLS.c.started_at,
)
_NOW = bindparam("p_now", type_=CALLS.c.updated_at.type)

_LOAD = select(*_ROW).where(CALLS.c.call_sid == bindparam("p_sid"))

# Take `p_step` of the call (compare-and-set on the step number) and read its state in
# the same statement; the call is named by its CallSid (a webhook) or its id.
_LEASE_VALUES = {
    "step": CALLS.c.step + 1,
    "response": None,
    "claimed_at": _NOW,
    "updated_at": _NOW,
}
_LEASE_BY_SID = (
    update(CALLS)
    .where(CALLS.c.call_sid == bindparam("p_sid"), CALLS.c.step == bindparam("p_step"))
    .values(_LEASE_VALUES)
    .returning(*_ROW)
)
_LEASE_BY_ID = (
    update(CALLS)
    .where(CALLS.c.id == bindparam("p_id"), CALLS.c.step == bindparam("p_step"))
    .values(_LEASE_VALUES)
    .returning(CALLS.c.id)
)

# Keep the answer to the step taken, unless that step was already answered.
_STORE = (
    update(CALLS)
    .where(
        CALLS.c.id == bindparam("p_id"),
        CALLS.c.step == bindparam("p_step"),
        CALLS.c.response.is_(None),
    )
    .values(
        node=bindparam("p_node", type_=CALLS.c.node.type),
        state=bindparam("p_state", type_=CALLS.c.state.type),
        response=bindparam("p_response", type_=CALLS.c.response.type),
        resident_id=bindparam("p_resident_id", type_=CALLS.c.resident_id.type),
        claimed_at=None,
        updated_at=_NOW,
    )
)

_ADD_EVENTS = insert(EVENTS)

# The first webhook's upsert, INSERT ... ON CONFLICT (call_sid) DO NOTHING, so that a
# repeat of it is told apart without an error and a rollback.
_START = {
    name: module.insert(CALLS)
    .on_conflict_do_nothing(index_elements=[CALLS.c.call_sid])
    .returning(CALLS.c.id)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


@contextmanager
def _connection(connection: Connection | None) -> Iterator[Connection]:
    if connection is not None:
        yield connection
    else:
        with own_connection() as own:
            yield own


def _load(sid: str, connection: Connection | None = None) -> _Row | None:
    with _connection(connection) as connection:
        found = connection.execute(_LOAD, {"p_sid": sid}).first()
    return None if found is None else _Row(*found)


def _add_events(
    connection: Connection, call_id: int, events: list[flow.Event], now: datetime
) -> None:
    """The step's events, in one INSERT of all of them (none when nothing happened)."""
    if events:
        connection.execute(
            _ADD_EVENTS,
            [
                {
                    "call_id": call_id,
                    "at": now,
                    "kind": event.kind,
                    "node": event.node,
                    "detail": event.detail,
                    "reservation_id": event.reservation_id,
                }
                for event in events
            ],
        )


def _ending_session_reads(answer: Callable[..., str]) -> Callable[..., str]:
    """The core's reads during the step (the session's transaction, and on SQLite its
    snapshot) end with the step, so no snapshot older than the call's own writes on
    the own connection lingers in the session."""

    @functools.wraps(answer)
    def wrapper(*args, **kwargs) -> str:
        try:
            return answer(*args, **kwargs)
        finally:
            db.session.rollback()

    return wrapper


@_ending_session_reads
def start(
    sid: str,
    caller: str,
    now: datetime,
    settings: PhoneSettings,
    step_url: Callable[[int], str],
    *,
    callback_for: int | None = None,
    connection: Connection | None = None,
) -> str:
    """The first webhook of a call: greet and ask the first question. A repeat of it
    (a Twilio retry) finds the call already stored and hears the same answer; the
    unique CallSid decides, so the common case costs no extra read. `callback_for`:
    the call is the town's sign-in callback to that resident, answered."""
    if callback_for is not None:
        reply = flow.begin_callback(sid, callback_for, now, settings, step_url)
    else:
        reply = flow.begin(sid, caller, now, settings, step_url)
    with _connection(connection) as connection:
        with own_write(connection, atomic=bool(reply.events)):
            call_id = connection.execute(
                _START[connection.dialect.name],
                {
                    "call_sid": sid,
                    "started_at": now,
                    "updated_at": now,
                    "caller_known": "hint" in reply.state,
                    "resident_id": None,
                    "step": 1,
                    "node": reply.node,
                    "state": reply.state,
                    "response": reply.xml,
                },
            ).scalar()
            if call_id is not None:
                _add_events(connection, call_id, reply.events, now)
        if call_id is None:  # the same first webhook again, or twice at once
            return _replay(sid, _load(sid, connection), now, settings, step_url, connection)
    log.info(
        "phone call %s started at %s (caller %s)",
        sid,
        reply.node,
        "known" if "hint" in reply.state else "not known",
    )
    return reply.xml


@_ending_session_reads
def advance(
    sid: str,
    step: int,
    form: dict[str, str],
    now: datetime,
    settings: PhoneSettings,
    step_url: Callable[[int], str],
) -> str:
    """A webhook for `step` of the call: keys pressed, silence, or a dial's end."""
    with own_connection() as connection:
        row = _lease(connection, sid, step, now)
        if row is None:  # not this call's step: a repeat, or a call never seen here
            known = _load(sid, connection)
            if known is None:  # begin it properly
                return start(
                    sid, form.get("From", ""), now, settings, step_url, connection=connection
                )
            return _replay(sid, known, now, settings, step_url, connection)
        call = flow.Call(sid, step, row.state, row.resident_id, row.started_at, now)
        reply = flow.answer(call, form, settings, step_url)
        if not _store(row.id, step + 1, reply, now, connection):
            # Too slow: the step was presumed lost and asked again meanwhile; that
            # question is what the caller heard. (A booking made here is found again by
            # its key.)
            log.warning(
                "phone call %s step %d: answered too late, the repeated question stands",
                sid,
                step,
            )
            return _replay(sid, _load(sid, connection), now, settings, step_url, connection)
    log.info(
        "phone call %s step %d: %s -> %s%s",
        sid,
        step,
        row.node,
        reply.node,
        "".join(f" [{e.kind}{':' + e.detail if e.detail else ''}]" for e in reply.events),
    )
    return reply.xml


def _lease(connection: Connection, sid: str, step: int, now: datetime) -> _Row | None:
    """The call, leased for this step and read in one statement, or None when it is
    not at this step (or not known at all)."""
    if not 0 < step <= MAX_STEP:  # no call gets there; not a number for the database
        return None
    with own_write(connection):
        found = connection.execute(
            _LEASE_BY_SID, {"p_sid": sid, "p_step": step, "p_now": now}
        ).first()
    return None if found is None else _Row(*found)


def _claim(call_id: int, step: int, now: datetime) -> bool:
    """Take `step` of the call by its id (what a webhook does by its CallSid)."""
    with own_connection() as connection, own_write(connection):
        found = connection.execute(
            _LEASE_BY_ID, {"p_id": call_id, "p_step": step, "p_now": now}
        ).first()
    return found is not None


def _store(
    call_id: int,
    step: int,
    reply: flow.Reply,
    now: datetime,
    connection: Connection | None = None,
) -> bool:
    """Keep the answer to the step taken, unless that step was already answered."""
    with _connection(connection) as connection:
        with own_write(connection, atomic=bool(reply.events)):
            stored = (
                connection.execute(
                    _STORE,
                    {
                        "p_id": call_id,
                        "p_step": step,
                        "p_node": reply.node,
                        "p_state": reply.state,
                        "p_response": reply.xml,
                        "p_resident_id": reply.resident_id,
                        "p_now": now,
                    },
                ).rowcount
                == 1
            )
            if stored:
                _add_events(connection, call_id, reply.events, now)
    return stored


def _replay(
    sid: str,
    row: _Row,
    now: datetime,
    settings: PhoneSettings,
    step_url: Callable[[int], str],
    connection: Connection | None = None,
) -> str:
    """The answer already given for the call's latest step; a wait while it is being
    worked out; or, when its worker went away, the same question asked again."""
    if row.response is not None:
        log.info("phone call %s: repeated webhook, same answer replayed", sid)
        return row.response
    if row.claimed_at is not None and now - row.claimed_at < STEP_LEASE:
        return twiml.hold(step_url(row.step - 1))
    call = flow.Call(sid, row.step - 1, row.state, row.resident_id, row.started_at, now)
    reply = flow.reprompt(call, settings, step_url)
    if _store(row.id, row.step, reply, now, connection):
        log.warning("phone call %s: step %d was never answered; asked again", sid, row.step - 1)
        return reply.xml
    return _replay(sid, _load(sid, connection), now, settings, step_url, connection)


def _seconds(duration: str | None) -> int | None:
    """Twilio's CallDuration, when it is one: ASCII digits, under a day."""
    if not duration or not (duration.isascii() and duration.isdigit()) or len(duration) > 6:
        return None
    seconds = int(duration)
    return seconds if seconds < 24 * 3600 else None


def finish(sid: str, status: str, duration: str | None, now: datetime) -> None:
    """Twilio's status callback: record how the call ended and its outcome."""
    if status not in FINAL_STATUSES:
        return
    with write_transaction():
        call = db.session.scalar(
            select(PhoneCall).where(PhoneCall.call_sid == sid).with_for_update()
        )
        if call is None or call.ended_at is not None:
            return
        kinds = set(
            db.session.scalars(select(PhoneCallEvent.kind).where(PhoneCallEvent.call_id == call.id))
        )
        outcome = outcome_of(kinds)
        call.twilio_status = status
        call.ended_at = now
        call.duration_seconds = _seconds(duration)
        call.outcome = outcome
        call.abandoned_at = call.node if outcome == "abandoned" else None
        call.updated_at = now
        db.session.add(
            PhoneCallEvent(
                call_id=call.id, at=now, kind="call_ended", node=call.node, detail=status
            )
        )
    log.info("phone call %s ended (%s): %s", sid, status, outcome)
