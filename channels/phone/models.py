"""The phone channel's own tables: each call's state, keyed by Twilio's CallSid, and
what happened in it, for the division's statistics.

No PIN and no phone number is stored here: the caller's number is only used, during
the first webhook, as a hint of who may be calling.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reservations.db import AwareDateTime, db


class PhoneCall(db.Model):
    """One telephone call. Any worker can answer any step: the state lives here, not in
    a cookie. `step` is the number the next webhook must carry; `response` is the TwiML
    answered for the step before it, replayed when Twilio repeats a request."""

    __tablename__ = "phone_calls"
    __table_args__ = (Index("ix_phone_calls_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime())
    # Caller ID matched exactly one registered resident (a hint, never proof).
    caller_known: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    step: Mapped[int] = mapped_column(Integer, default=1)
    node: Mapped[str] = mapped_column(String(40))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    response: Mapped[str | None] = mapped_column(Text)
    # When a worker took the current step; a step taken long ago whose response never
    # came (the worker died) is answered again from the state.
    claimed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # From Twilio's status callback.
    twilio_status: Mapped[str | None] = mapped_column(String(20))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # booked, cancelled, heard, transferred, abandoned, ...: see calls.outcome_of.
    outcome: Mapped[str | None] = mapped_column(String(20))
    abandoned_at: Mapped[str | None] = mapped_column(String(40))  # the node the caller left


class PhoneCallEvent(db.Model):
    """Something that happened in a call: signed in, booked, heard, cancelled,
    transferred, refused (with the core's error code) ..."""

    __tablename__ = "phone_call_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("phone_calls.id"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    node: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(60))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"))
