"""Errors the core raises: a stable code and parameters, never display text.

Each channel turns the code into its own wording (an error summary, a spoken
re-prompt, a staff notice), all through Babel.
"""

from __future__ import annotations

from typing import Any


class ReservationError(Exception):
    code = "reservation_error"

    def __init__(self, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.code, params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"


class NotFound(ReservationError):
    """A facility, unit, block, resident or reservation that does not exist (``what``)."""

    code = "not_found"


class InvalidInput(ReservationError):
    """A value a channel passed that the core cannot accept (``field``, ``problem``)."""

    code = "invalid_input"


class InvalidRange(ReservationError):
    """A date range that is reversed or longer than the core will compute (``max_days``)."""

    code = "invalid_range"


class SlotTaken(ReservationError):
    """Someone else holds one of the requested blocks (``date``, ``block_ids``)."""

    code = "slot_taken"


class FacilityClosed(ReservationError):
    """The facility is closed on that date (``date``, ``reason``, ``note``)."""

    code = "facility_closed"


class BlockNotOffered(ReservationError):
    """A time block that the facility does not offer on that date (``block_id``)."""

    code = "block_not_offered"


class BlocksNotConsecutive(ReservationError):
    code = "blocks_not_consecutive"


class TooManyBlocks(ReservationError):
    """More blocks than the facility allows in one reservation (``maximum``)."""

    code = "too_many_blocks"


class InPast(ReservationError):
    """A block that has already started."""

    code = "in_past"


class OutsideWindow(ReservationError):
    """Booking is not open yet (``code="not_open_yet"``, ``opens_at``) or has closed
    (``code="booking_closed"``, ``closes_at``)."""

    code = "outside_window"


class LimitReached(ReservationError):
    """The resident already holds the most active reservations allowed in the category
    (``maximum``, ``category``)."""

    code = "limit_reached"


class TooLateToCancel(ReservationError):
    """The resident's cancellation deadline has passed (``deadline``, ``last_day``)."""

    code = "too_late_to_cancel"


class AlreadyCancelled(ReservationError):
    code = "already_cancelled"


class NotYourReservation(ReservationError):
    code = "not_your_reservation"


class InvalidCredentials(ReservationError):
    """Wrong registration number, PIN, username or password. Deliberately says nothing
    about which part was wrong or whether the account exists."""

    code = "invalid_credentials"


class AccountLocked(ReservationError):
    """Too many failed attempts (``until``: when it unlocks by itself, or None when only
    staff can unlock it)."""

    code = "account_locked"


class Forbidden(ReservationError):
    """The actor may not do this (``action``)."""

    code = "forbidden"


class ReasonRequired(ReservationError):
    """Staff overrides and staff cancellations need a written reason."""

    code = "reason_required"


class PossibleDuplicate(ReservationError):
    """A resident with the same phone, or the same name and kana, is already registered
    (``matches``: their registration numbers)."""

    code = "possible_duplicate"


class NotAllowed(ReservationError):
    """A change the state of things does not allow (``problem``): of a reservation
    (``paid_fee_differs``, ``not_unpaid``) or of a staff account (``own_account``: an
    administrator's own; ``last_admin``: the last active administrator's)."""

    code = "not_allowed"
