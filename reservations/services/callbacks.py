"""Sign-in callbacks: the town rings a resident's registered number back, so that a
resident whose own line was made to wait can still give their PIN by phone.

Caller ID can be forged. Someone who forges a resident's own number and enters wrong
PINs makes that line's sign-ins wait (the source "phone:from:<line>"), and the
resident, calling from that line, would wait too. What a forger cannot do is answer a
call placed to the real number. So on a clean call (no wrong PIN in it) from a line
whose sign-ins wait, the caller may ask to be called back; the town rings the number
on the resident's record (never a number the caller gives), and that call is a source
of its own ("phone:callback:<CallSid>"), clean until a wrong PIN is entered in it. Its
wrong PINs still count towards the account-wide last resort and the per-call limit.

A callback is rung only when the PIN given on the asking call was right and the
resident's registered number is the calling line (`check_for_callback`): a forger
without the PIN cannot make the resident's phone ring, and so cannot spend the
resident's callbacks either. The caller is told the same whatever the check found
(right or wrong PIN, a callback refused by the bounds): the asking call never says
whether the PIN was right, so a line that waits is no way to guess PINs. A line shared
by several residents (a family's landline) works alike: the registration number says
whose callback it is.

Callbacks are bounded per resident (`callback_gap`, `callbacks_per_day`), so nobody can
make the resident's phone ring often (and only someone with the PIN can make it ring at
all); whoever answers can say they did not ask for it, which the audit trail keeps for
staff: someone else knows the PIN.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..db import db, write_transaction
from ..errors import InvalidInput
from ..models import (
    CALLBACK_ANSWERED,
    CALLBACK_DISOWNED,
    CALLBACK_FAILED,
    CALLBACK_PLACED,
    CALLBACK_REQUESTED,
    CALLBACK_SIGNED_IN,
    Resident,
    SignInCallback,
)
from ..notify import DeliveryError
from ..settings import get_settings
from ..text import digits_only, normalize_phone
from . import audit, credentials
from .actors import Actor, require_aware

__all__ = [
    "SignInCallback",
    "answer_callback",
    "callback_answered_by",
    "callbacks_of",
    "check_for_callback",
    "disown_callback",
    "line_key",
    "place_callback",
    "request_callback",
    "signed_in_by_callback",
]

PHONE = Actor(channel="phone")
_DAY = timedelta(hours=24)


def _subject(resident: Resident) -> str:
    return f"resident:{resident.registration_no}"


def line_key(number: str) -> str:
    """The calling line as the phone channel keeps it (its sign-in source
    "phone:from:<line>", and the call's state): a hash of the number, in E.164 when it
    is a number, so that no number is kept."""
    try:
        number, _ = normalize_phone(number)
    except InvalidInput:
        pass
    return hashlib.sha256(number.encode()).hexdigest()[:20]


def check_for_callback(
    *,
    pin: str,
    line: str,
    resident_id: int | None = None,
    registration_no: str | None = None,
) -> int | None:
    """On a clean call from the line `line` (`line_key`) whose sign-ins wait: the
    resident a callback may be asked for, or None. The resident is the one the caller
    ID hinted (`resident_id`) or the one the caller's registration number names; a
    callback may be asked only when `pin` is that resident's PIN, the resident's
    registered number is the calling line, and staff have not stopped their sign-in.

    Nothing is counted and nothing is said of the result: the caller hears the same
    whatever it is (see the module's text). Every path runs one hash check, so the
    answer takes the same time too."""
    resident = None
    if resident_id is not None:
        resident = db.session.get(Resident, resident_id)
    elif registration_no:
        resident = db.session.scalar(
            select(Resident).where(Resident.registration_no == digits_only(registration_no))
        )
    if resident is None:
        credentials.verify_nothing(pin)
        return None
    right = credentials.matches(resident.pin_hash, pin)  # the one check
    if (
        not right
        or resident.sign_in_stopped_at is not None
        or not resident.phone_e164
        or line_key(resident.phone_e164) != line
    ):
        return None
    return resident.id


def request_callback(
    *, resident_id: int | None, call_sid: str, now: datetime
) -> SignInCallback | None:
    """Ask, on the call `call_sid`, for a callback to the registered number of
    `resident_id` (as `check_for_callback` answered: None when it found none), rung
    once that call has ended. None when none is rung: nobody to ring, no number on
    record, sign-in stopped by staff, one within `callback_gap`, or
    `callbacks_per_day` in the last 24 hours. The caller is told the same either way.
    Asking again on the same call gives the same callback."""
    require_aware(now)
    if resident_id is None:
        return None
    settings = get_settings()
    with write_transaction():
        resident = db.session.scalar(
            select(Resident).where(Resident.id == resident_id).with_for_update()
        )
        if resident is None or not resident.phone_e164 or resident.sign_in_stopped_at:
            return None
        same = db.session.scalar(
            select(SignInCallback).where(SignInCallback.requested_call_sid == call_sid)
        )
        if same is not None:
            return same if same.resident_id == resident_id else None
        recent = select(func.count()).where(SignInCallback.resident_id == resident_id)
        if db.session.scalar(
            recent.where(SignInCallback.requested_at > now - settings.callback_gap)
        ):
            return None
        if (
            db.session.scalar(recent.where(SignInCallback.requested_at > now - _DAY))
            >= settings.callbacks_per_day
        ):
            return None
        callback = SignInCallback(
            resident_id=resident_id,
            requested_at=now,
            requested_call_sid=call_sid,
            status=CALLBACK_REQUESTED,
        )
        db.session.add(callback)
        db.session.flush()
        audit.record(
            PHONE,
            now,
            "resident.callback_requested",
            _subject(resident),
            after={"callback": callback.id},
            resident_id=resident.id,
        )
    return callback


def place_callback(
    caller,
    *,
    requested_call_sid: str,
    url: Callable[[int], str],
    status_callback: str,
    now: datetime,
) -> SignInCallback | None:
    """Once the call it was asked on has ended: ring the registered number through
    `caller` (reservations/notify.py's TwilioCaller or LogCaller), with `url(id)` the
    TwiML Twilio asks once it is answered. Placed once, however often this is called;
    None when that call asked for no callback."""
    require_aware(now)
    with write_transaction():
        callback = db.session.scalar(
            select(SignInCallback)
            .where(
                SignInCallback.requested_call_sid == requested_call_sid,
                SignInCallback.status == CALLBACK_REQUESTED,
            )
            .with_for_update()
        )
        if callback is None:
            return None
        callback.status = CALLBACK_PLACED
        callback.placed_at = now
        to = callback.resident.phone_e164
        callback_id = callback.id
    try:
        sid = caller.place(to, url(callback_id), status_callback=status_callback)
    except DeliveryError as error:
        with write_transaction():
            callback = db.session.get(SignInCallback, callback_id)
            callback.status = CALLBACK_FAILED
            audit.record(
                PHONE,
                now,
                "resident.callback_failed",
                _subject(callback.resident),
                after={"callback": callback_id, "error": str(error)[:100]},
                resident_id=callback.resident_id,
            )
        return callback
    with write_transaction():
        callback = db.session.get(SignInCallback, callback_id)
        if sid and callback.call_sid is None:
            callback.call_sid = sid
    return callback


def answer_callback(callback_id: int, call_sid: str, now: datetime) -> int | None:
    """The placed call `call_sid` was answered at the registered number: the resident
    it is for, or None when it is no callback in progress (not placed, or another call,
    or answered already on another call). A repeat of the same webhook answers alike."""
    require_aware(now)
    with write_transaction():
        callback = db.session.scalar(
            select(SignInCallback).where(SignInCallback.id == callback_id).with_for_update()
        )
        if callback is None or callback.call_sid not in (None, call_sid):
            return None
        if callback.status == CALLBACK_PLACED:
            callback.call_sid = call_sid
            callback.status = CALLBACK_ANSWERED
            callback.answered_at = now
        elif callback.status != CALLBACK_ANSWERED or callback.call_sid != call_sid:
            return None
        return callback.resident_id


def callback_answered_by(call_sid: str) -> SignInCallback | None:
    """The callback the call `call_sid` is, once answered."""
    return db.session.scalar(select(SignInCallback).where(SignInCallback.call_sid == call_sid))


def _settle(call_sid: str, status: str, now: datetime, action: str | None) -> None:
    with write_transaction():
        callback = db.session.scalar(
            select(SignInCallback)
            .where(SignInCallback.call_sid == call_sid, SignInCallback.status == CALLBACK_ANSWERED)
            .with_for_update()
        )
        if callback is None:
            return
        callback.status = status
        if action is not None:
            audit.record(
                PHONE,
                now,
                action,
                _subject(callback.resident),
                after={
                    "callback": callback.id,
                    "requested_at": callback.requested_at.isoformat(),
                },
                resident_id=callback.resident_id,
            )


def signed_in_by_callback(call_sid: str, now: datetime) -> None:
    """The right PIN was given on the callback."""
    _settle(call_sid, CALLBACK_SIGNED_IN, now, None)


def disown_callback(call_sid: str, now: datetime) -> None:
    """Whoever answered the callback says they did not ask for it: recorded for staff
    (someone else asked for it, forging the resident's number)."""
    require_aware(now)
    _settle(call_sid, CALLBACK_DISOWNED, now, "resident.callback_disowned")


def callbacks_of(resident_id: int, limit: int = 5) -> list[SignInCallback]:
    """The resident's latest callbacks, newest first (the counter's resident page)."""
    return list(
        db.session.scalars(
            select(SignInCallback)
            .where(SignInCallback.resident_id == resident_id)
            .order_by(SignInCallback.requested_at.desc(), SignInCallback.id.desc())
            .limit(limit)
        )
    )
