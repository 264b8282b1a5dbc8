"""Outgoing messages: confirmations, reminders and offers, in the medium each resident
has.

Enqueueing. The services call `reservation_message(kind, reservation, now)` inside their
write transaction, so a Notification row (a kind and parameters, never display text)
joins the outbox and commits or rolls back with the booking or cancellation it tells
of. The row names its medium (`medium_for`): an SMS to a mobile, a voice call to a
landline (placed by reservations/calls.py), or the counter's call list when neither
can be used (reservations/services/calling.py).

Delivery of SMS. Later and outside any request, `deliver_due(sender, render, now=)`
leases the SMS rows that are due, words each one with `render(kind, params)` (the app registers the
wording; the core holds no display text), hands it to a `Sender` and records what
happened. Two senders:

- `LogSender`: development and tests. Nothing leaves the machine: the outbox row and a
  log line (with the number masked) are the end of the line.
- `TwilioSender`: Twilio's Messages API, for production.

A failed send is retried with a growing delay up to `max_attempts`; a refusal that
retrying cannot cure (Twilio's 4xx, e.g. an invalid number) fails the row at once.

Never twice. A sender claims one row at a time, in its own transaction (`FOR UPDATE
SKIP LOCKED` on PostgreSQL, so several workers on several machines share the outbox
without meeting), and holds it for `LEASE` while it sends that one message. A sender
that dies between the provider's accept and our commit leaves its row claimed; when
the lease ends, the next sender first asks the provider whether the message already
went out (`Sender.find_sent`: Twilio's list of messages to that number, compared by
text and time) and records it as sent if so. A message is sent exactly once, or
retried when it is certain it did not go out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from . import payment_rules, rules
from .db import db, write_transaction
from .models import (
    COUNTER_CALL,
    FAILED,
    HELD,
    PENDING,
    SENDING,
    SENT,
    SMS,
    VOICE_CALL,
    Notification,
    Reservation,
    Resident,
    WaitlistEntry,
)
from .settings import get_settings
from .text import can_be_called

log = logging.getLogger(__name__)

# The kinds of message, each worded by the app's renderer.
RESERVATION_BOOKED = "reservation_booked"
RESERVATION_CANCELLED = "reservation_cancelled"
RESERVATION_CHANGED = "reservation_changed"
HOLD_REMINDER = "hold_reminder"  # a hold's payment is due tomorrow
HOLD_EXPIRED = "hold_expired"  # a hold was cancelled as unpaid
WAITLIST_OFFER = "waitlist_offer"  # a freed slot is held for a waiter until `offer_expires`
WAITLIST_CLOSED = "waitlist_closed"  # the waiter may no longer book the slot (`reason`)
KINDS = (
    RESERVATION_BOOKED,
    RESERVATION_CANCELLED,
    RESERVATION_CHANGED,
    HOLD_REMINDER,
    HOLD_EXPIRED,
    WAITLIST_OFFER,
    WAITLIST_CLOSED,
)
# What the resident did themselves: told on the spot when done by phone or at the counter.
CONFIRMATIONS = (RESERVATION_BOOKED, RESERVATION_CANCELLED, RESERVATION_CHANGED)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
MAX_RETRY_DELAY = timedelta(hours=1)


# --------------------------------------------------------------------------- enqueue


def reservation_params(reservation: Reservation) -> dict[str, Any]:
    """What a confirmation says about a reservation, as data: the number, the place,
    the date and times, the fee and the last day to cancel."""
    facility = reservation.unit.facility
    tz = get_settings().timezone
    blocks = reservation.time_blocks
    params = {
        "number": reservation.number,
        "facility": facility.name,
        "unit": reservation.unit.name,
        "facility_en": facility.name_en,
        "unit_en": reservation.unit.name_en,
        "single_unit": len(facility.units) == 1,
        "date": reservation.date.isoformat(),
        "start": blocks[0].start_time.strftime("%H:%M"),
        "end": blocks[-1].end_time.strftime("%H:%M"),
        "fee_yen": reservation.fee_yen,
        "cancel_last_day": rules.cancel_deadline(
            facility, reservation.date, tz
        ).last_day.isoformat(),
    }
    if reservation.group is not None:
        params["group"] = reservation.group.name  # the name it is booked under
    if reservation.status == HELD and reservation.payment_due_at is not None:
        params["payment_due"] = payment_rules.due_day(reservation.payment_due_at, tz).isoformat()
        params["due_on_the_day"] = reservation.payment_due_at == reservation.start_at
    return params


def medium_for(resident: Resident) -> tuple[str, str | None]:
    """How a notification reaches `resident`, as (medium, E.164 number): an SMS to a
    registered mobile, a voice call to a number that can be rung (a landline), or the
    counter's call list when neither can be used (no number, or one no call reaches)."""
    phone = resident.phone_e164
    if not phone:
        return COUNTER_CALL, None
    if resident.phone_is_mobile:
        return SMS, phone
    if can_be_called(phone):
        return VOICE_CALL, phone
    return COUNTER_CALL, phone


def confirmed_by_sms(reservation: Reservation) -> bool:
    """Whether the person who asked for the reservation (the resident, or the member
    who booked for their group) gets its confirmations by SMS: a registered mobile."""
    resident = reservation.booked_by or reservation.resident
    return bool(resident is not None and resident.phone_e164 and resident.phone_is_mobile)


def told_in_person(actor: Any) -> bool:
    """Whether the resident heard the outcome from `actor` (a services Actor, or None)
    as it happened: on the phone, or from the clerk at the counter."""
    return bool(actor) and actor.channel in ("phone", "counter") and not actor.is_system


def reservation_message(
    kind: str,
    reservation: Reservation,
    now: datetime,
    *,
    by: Any = None,
    **extra: Any,
) -> Notification | None:
    """Add a notification of `kind` to the outbox, in the caller's transaction, for the
    person who asked for the reservation (the resident, or the member who booked for
    their group), in the medium they have (`medium_for`). A confirmation of what was
    just done `by` an actor on the phone or at the counter goes only by SMS: the
    resident heard it as it happened, so no call and no call list for it. `extra`
    joins the parameters (an offer's deadline)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    resident = reservation.booked_by or reservation.resident
    if resident is None:
        return None  # a staff block: nobody to tell
    medium, phone = medium_for(resident)
    if medium != SMS and kind in CONFIRMATIONS and told_in_person(by):
        return None
    notification = Notification(
        kind=kind,
        resident_id=resident.id,
        reservation_id=reservation.id,
        medium=medium,
        to_phone=phone,
        params={
            **reservation_params(reservation),
            "language": resident.preferred_language,
            **extra,
        },
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(notification)
    return notification


def waitlist_message(kind: str, entry: WaitlistEntry, now: datetime, **extra: Any):
    """Tell the person who asked for a waitlist entry (no reservation of theirs yet)
    about it, in the medium they have (`medium_for`), as reservation_message does.
    `extra` joins the parameters (why it was closed)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    resident = entry.asked_by
    medium, phone = medium_for(resident)
    facility, blocks = entry.unit.facility, entry.time_blocks
    params = {
        "facility": facility.name,
        "unit": entry.unit.name,
        "facility_en": facility.name_en,
        "unit_en": entry.unit.name_en,
        "unit_id": entry.unit.id,  # the call says the place with the unit's reading
        "single_unit": len(facility.units) == 1,
        "date": entry.date.isoformat(),
        "start": blocks[0].start_time.strftime("%H:%M"),
        "end": blocks[-1].end_time.strftime("%H:%M"),
        "language": resident.preferred_language,
        **({"group": entry.group.name} if entry.group is not None else {}),
        **extra,
    }
    notification = Notification(
        kind=kind,
        resident_id=resident.id,
        medium=medium,
        to_phone=phone,
        params=params,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(notification)
    return notification


# -------------------------------------------------------------------------- delivery


class DeliveryError(Exception):
    """A send that did not go through: `code` says why (no personal data), `permanent`
    whether retrying could help."""

    def __init__(self, code: str, *, permanent: bool) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class Sender(Protocol):
    name: str

    def send(self, to: str, body: str) -> str | None:
        """Send `body` to the E.164 number `to`; return the provider's message id.
        Raise DeliveryError when it did not go through."""

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of a message with this text to `to` accepted at or after
        `since`, or None: asked before sending again what a sender that died may have
        sent. Raise DeliveryError when the provider cannot tell."""


def mask_phone(e164: str) -> str:
    """'+819012345678' as '+81*******678': enough to tell numbers apart in a log."""
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:3] + "*" * (len(e164) - 6) + e164[-3:]


class LogSender:
    """Development and tests: log that a message would be sent (number masked, text
    length only) and keep it in the outbox."""

    name = "log"

    def send(self, to: str, body: str) -> str | None:
        log.info("SMS (log backend, not sent) to %s: %d characters", mask_phone(to), len(body))
        return None

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        return None  # nothing ever left the machine


class TwilioSender:
    """Twilio's Messages API through the official client. `api_base_url` points the
    client at another host (a test double or an egress proxy) by way of the client's
    injectable HTTP client; empty means Twilio itself."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        from twilio.rest import Client

        if not account_sid or not auth_token:
            raise ValueError("Twilio SMS needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not from_number and not messaging_service_sid:
            raise ValueError("Twilio SMS needs TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.client = Client(
            account_sid, auth_token, http_client=_http_client(api_base_url, timeout)
        )

    def send(self, to: str, body: str) -> str | None:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        sender: dict[str, str] = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        try:
            message = self.client.messages.create(to=to, body=body, **sender)
        except TwilioRestException as error:
            # 4xx (but 429, too many requests) will not get better by trying again.
            permanent = 400 <= error.status < 500 and error.status != 429
            raise DeliveryError(
                f"twilio:{error.status}:{error.code}", permanent=permanent
            ) from error
        except (TwilioException, RequestException) as error:
            raise DeliveryError(f"network:{type(error).__name__}", permanent=False) from error
        return message.sid

    # How many of the number's latest messages are compared: a dead sender's message
    # is at most a lease (minutes) old, so it is among the last few.
    FIND_SENT_LOOKBACK = 50

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            messages = self.client.messages.list(to=to, limit=self.FIND_SENT_LOOKBACK)
        except TwilioRestException as error:
            raise DeliveryError(f"twilio:{error.status}:{error.code}", permanent=False) from error
        except (TwilioException, RequestException) as error:
            raise DeliveryError(f"network:{type(error).__name__}", permanent=False) from error
        for message in messages:
            created = message.date_created
            if message.body == body and (created is None or created >= since - CLOCK_SKEW):
                return message.sid
        return None


class LogCaller:
    """Development and tests: log that a call would be placed (number masked) and place
    none."""

    name = "log"

    def place(
        self, to: str, url: str, *, status_callback: str = "", ring_seconds: int = 30
    ) -> str | None:
        log.info("call (log backend, not placed) to %s: %s", mask_phone(to), url)
        return None

    def placed_since(self, to: str, since: datetime) -> list[str]:
        return []  # nothing ever left the machine

    def outcome(self, sid: str) -> str:
        return "completed"


class TwilioCaller:
    """Outbound voice calls through Twilio's Calls API (the official client, the same
    `api_base_url` override as TwilioSender). Twilio rings `to` from `from_number` and,
    once answered, asks `url` (this app's TwiML) what to say; `status_callback` hears
    how the call ended. Used by the notification calls and any other call the town
    places (a sign-in callback)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str,
        api_base_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        from twilio.rest import Client

        if not account_sid or not auth_token:
            raise ValueError("Twilio calls need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        if not from_number:
            raise ValueError("Twilio calls need TWILIO_CALL_FROM (the town's number)")
        self.from_number = from_number
        self.client = Client(
            account_sid, auth_token, http_client=_http_client(api_base_url, timeout)
        )

    def place(
        self, to: str, url: str, *, status_callback: str = "", ring_seconds: int = 30
    ) -> str | None:
        """Ring `to`; return the call's SID once Twilio accepted it. Raise DeliveryError
        (permanent for a refusal retrying cannot cure, e.g. an invalid number)."""
        extra: dict[str, Any] = {}
        if status_callback:
            extra["status_callback"] = status_callback
            extra["status_callback_event"] = ["completed"]
        with _twilio_errors(permanent_4xx=True):
            call = self.client.calls.create(
                to=to, from_=self.from_number, url=url, timeout=ring_seconds, **extra
            )
        return call.sid

    def placed_since(self, to: str, since: datetime) -> list[str]:
        """The SIDs of the calls from our number to `to` created at or after `since`
        (newest first): asked before calling again what a worker that died may have
        placed. Raise DeliveryError when Twilio cannot tell."""
        with _twilio_errors(permanent_4xx=False):
            calls = self.client.calls.list(to=to, from_=self.from_number, limit=50)
        return [
            call.sid
            for call in calls
            if call.date_created is None or call.date_created >= since - CLOCK_SKEW
        ]

    def outcome(self, sid: str) -> str:
        """Twilio's status of a call: queued, ringing, in-progress, completed, busy,
        no-answer, failed or canceled."""
        with _twilio_errors(permanent_4xx=False):
            return self.client.calls(sid).fetch().status


class _twilio_errors:  # noqa: N801 - used as a context manager, like contextlib's
    """Twilio's and the network's exceptions as DeliveryError."""

    def __init__(self, *, permanent_4xx: bool) -> None:
        self.permanent_4xx = permanent_4xx

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        from requests import RequestException
        from twilio.base.exceptions import TwilioException, TwilioRestException

        if isinstance(error, TwilioRestException):
            permanent = self.permanent_4xx and 400 <= error.status < 500 and error.status != 429
            raise DeliveryError(
                f"twilio:{error.status}:{error.code}", permanent=permanent
            ) from error
        if isinstance(error, TwilioException | RequestException):
            raise DeliveryError(f"network:{type(error).__name__}", permanent=False) from error
        return False


# Our clock and the provider's may disagree by this much.
CLOCK_SKEW = timedelta(minutes=5)

TWILIO_API = "https://api.twilio.com"


def _http_client(api_base_url: str, timeout: float):
    from twilio.http.http_client import TwilioHttpClient

    if not api_base_url:
        return TwilioHttpClient(timeout=timeout)

    base = api_base_url.rstrip("/")

    class RebasedHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            if url.startswith(TWILIO_API):
                url = base + url[len(TWILIO_API) :]
            return super().request(method, url, *args, **kwargs)

    return RebasedHttpClient(timeout=timeout)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.retrying + self.failed


@dataclass(frozen=True)
class _Leased:
    id: int
    kind: str
    to_phone: str
    params: dict[str, Any]
    attempts: int
    created_at: datetime
    resumed: bool  # another sender had it and went away: it may have been sent


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd … failed attempt, at most an hour."""
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_RETRY_DELAY)


def _claim_next(now: datetime) -> _Leased | None:
    """Claim the next due row for this sender, in a transaction of its own: a pending
    one, or one whose sender went away (its lease ended). PostgreSQL skips rows another
    sender holds; SQLite's write lock already lets only one sender in at a time. One
    row at a time, so that no lease runs out while its message waits its turn."""
    with write_transaction():
        row = db.session.scalars(
            select(Notification)
            .where(
                Notification.medium == SMS,
                Notification.status.in_((PENDING, SENDING)),
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            return None
        resumed = row.status == SENDING
        row.status = SENDING
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        return _Leased(
            row.id, row.kind, row.to_phone, dict(row.params), row.attempts, row.created_at, resumed
        )


def _record(
    leased: _Leased,
    now: datetime,
    *,
    provider_id: str | None = None,
    error: DeliveryError | None = None,
    max_attempts: int,
) -> str:
    with write_transaction():
        row = db.session.get(Notification, leased.id, with_for_update=True)
        if error is None:
            row.status = SENT
            row.sent_at = now
            row.provider_id = provider_id
            row.last_error = None
        elif error.permanent or leased.attempts >= max_attempts:
            row.status = FAILED
            row.last_error = error.code[:200]
        else:
            row.status = PENDING
            row.next_attempt_at = now + retry_delay(leased.attempts)
            row.last_error = error.code[:200]
        return row.status


def deliver_due(
    sender: Sender,
    render: Callable[[str, dict[str, Any]], str],
    *,
    now: datetime,
    limit: int = 100,
    max_attempts: int = MAX_ATTEMPTS,
) -> DeliveryReport:
    """Send what is due at `now` (at most `limit` messages) and record each outcome."""
    report = DeliveryReport()
    for _ in range(limit):
        leased = _claim_next(now)
        if leased is None:
            break
        provider_id, error = None, None
        try:
            body = render(leased.kind, leased.params)
        except (KeyError, ValueError) as exc:
            error = DeliveryError(f"render:{type(exc).__name__}", permanent=True)
        else:
            try:
                if leased.resumed:
                    provider_id = sender.find_sent(leased.to_phone, body, leased.created_at)
                    if provider_id is not None:
                        log.info("notification %s was already sent: %s", leased.id, provider_id)
                if provider_id is None:
                    provider_id = sender.send(leased.to_phone, body)
            except DeliveryError as exc:
                error = exc
        status = _record(
            leased, now, provider_id=provider_id, error=error, max_attempts=max_attempts
        )
        if status == SENT:
            report.sent += 1
        elif status == FAILED:
            report.failed += 1
            log.warning(
                "notification %s to %s failed for good: %s",
                leased.id,
                mask_phone(leased.to_phone),
                error.code if error else "",
            )
        else:
            report.retrying += 1
            log.info("notification %s will be retried: %s", leased.id, error.code if error else "")
    return report
