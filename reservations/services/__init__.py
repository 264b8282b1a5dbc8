"""The operations every channel calls: the only door into the core.

Each write is one transaction (``write_transaction``): the change and its audit row
commit together or not at all. Every operation takes an explicit actor and ``now``
and raises ``ReservationError`` subclasses carrying an ``ErrorCode`` and parameters.

Channels use this package as ``from reservations import services``: it re-exports the
operations of its modules, the value types they return and the vocabularies (statuses,
roles, evidence kinds) a channel words. The modules, one per area:

    actors        Actor, the role checks, the clock
    audit         writing and reading the audit trail
    catalog       facilities, units, closures
    availability  what is free
    claims        slot locks and claims (no slot is ever booked twice)
    quotes        what a booking would cost and until when it can be cancelled
    booking       book, change, cancel, payment, and what an actor may do
    lookup        finding reservations
    residents     registering, finding, PINs, signing in
    staff         staff accounts
    credentials   hashing, and one lockout for PINs and passwords
    numbers       the numbers residents type: check digits, PINs, phone numbers
    system        binding to the app, the database's health

The outbox (reservations/notify.py) is delivered through `deliver_due` with a sender.
"""

from __future__ import annotations

from ..models import (
    ADMIN,
    CANCELLED,
    CHANNELS,
    CLERK,
    CONFIRMED,
    EXEMPT,
    EXEMPTION_EVIDENCE,
    PAID,
    PAYMENT_STATUSES,
    RESERVATION_STATUSES,
    STAFF_ROLES,
    UNPAID,
    AuditEntry,
    Closure,
    ExemptionCategory,
    Facility,
    Reservation,
    Resident,
    Staff,
    TimeBlock,
    Unit,
)
from ..notify import (
    RESERVATION_BOOKED,
    RESERVATION_CANCELLED,
    RESERVATION_CHANGED,
    DeliveryReport,
    LogSender,
    Sender,
    TwilioSender,
    deliver_due,
)
from ..rules import (
    OVERRIDABLE,
    BlockStatus,
    CancelDeadline,
    ClosedDay,
    ClosedReason,
    FeeQuote,
    holiday_name,
    is_holiday,
    is_year_end,
)
from .actors import Actor, clock_now, town_timezone
from .audit import AuditFilter, AuditPage, audit_trail, audit_trail_all
from .availability import (
    AvailabilitySnapshot,
    BlockAvailability,
    DayAvailability,
    availability,
    availability_snapshot,
    availability_version,
    next_free_blocks,
)
from .booking import (
    RECORDABLE_PAYMENTS,
    ReservationActions,
    actions_for,
    book,
    cancel,
    change,
    check_booking,
    check_cancellable,
    choosable_statuses,
    may_override,
    record_payment,
    reservation_actions,
    reservation_snapshot,
)
from .catalog import (
    add_closure,
    closed_facilities_on,
    get_facility,
    get_unit,
    list_closures,
    list_facilities,
)
from .lookup import (
    ResidentReservations,
    find_reservation,
    get_reservation,
    reservations_of,
    reservations_on,
)
from .numbers import (
    PIN_LENGTH,
    REGISTRATION_NUMBER_LENGTH,
    RESERVATION_NUMBER_LENGTH,
    digits_only,
    format_phone_national,
    has_valid_check_digit,
    normalize_phone,
    pin_problem,
)
from .quotes import Quote, cancellation_deadline, quote
from .residents import (
    SEARCH_MAX_LENGTH,
    find_residents,
    get_resident,
    list_exemptions,
    possible_duplicates,
    register_resident,
    resident_snapshot,
    residents_with_phone,
    set_pin,
    unlock_resident,
    verify_pin,
)
from .staff import (
    STAFF_PASSWORD_MIN_LENGTH,
    change_own_password,
    change_staff_role,
    create_staff,
    deactivate_staff,
    expire_staff_session,
    get_staff,
    is_staff_locked,
    list_staff,
    reactivate_staff,
    reset_staff_password,
    sign_in_staff,
    sign_out_staff,
    staff_snapshot,
    unlock_staff,
    verify_staff,
)
from .system import database_check, discard_unfinished_work, init_app

__all__ = [
    # vocabularies
    "ADMIN",
    "CANCELLED",
    "CHANNELS",
    "CLERK",
    "CONFIRMED",
    "EXEMPT",
    "EXEMPTION_EVIDENCE",
    "OVERRIDABLE",
    "PAID",
    "PAYMENT_STATUSES",
    "PIN_LENGTH",
    "RECORDABLE_PAYMENTS",
    "REGISTRATION_NUMBER_LENGTH",
    "RESERVATION_NUMBER_LENGTH",
    "RESERVATION_STATUSES",
    "SEARCH_MAX_LENGTH",
    "STAFF_PASSWORD_MIN_LENGTH",
    "STAFF_ROLES",
    "UNPAID",
    "RESERVATION_BOOKED",
    "RESERVATION_CANCELLED",
    "RESERVATION_CHANGED",
    "BlockStatus",
    "ClosedReason",
    # value types
    "Actor",
    "AuditEntry",
    "AuditFilter",
    "AuditPage",
    "AvailabilitySnapshot",
    "BlockAvailability",
    "CancelDeadline",
    "ClosedDay",
    "Closure",
    "DayAvailability",
    "DeliveryReport",
    "LogSender",
    "Sender",
    "TwilioSender",
    "ExemptionCategory",
    "Facility",
    "FeeQuote",
    "Quote",
    "Reservation",
    "ReservationActions",
    "Resident",
    "ResidentReservations",
    "Staff",
    "TimeBlock",
    "Unit",
    # the clock, the calendar, typed numbers
    "clock_now",
    "digits_only",
    "format_phone_national",
    "has_valid_check_digit",
    "holiday_name",
    "is_holiday",
    "is_year_end",
    "normalize_phone",
    "pin_problem",
    "town_timezone",
    # the app and the outbox
    "database_check",
    "deliver_due",
    "discard_unfinished_work",
    "init_app",
    # operations
    "actions_for",
    "add_closure",
    "audit_trail",
    "audit_trail_all",
    "availability",
    "availability_snapshot",
    "availability_version",
    "book",
    "cancel",
    "cancellation_deadline",
    "change",
    "change_own_password",
    "change_staff_role",
    "check_booking",
    "check_cancellable",
    "choosable_statuses",
    "closed_facilities_on",
    "create_staff",
    "deactivate_staff",
    "expire_staff_session",
    "find_reservation",
    "find_residents",
    "get_facility",
    "get_reservation",
    "get_resident",
    "get_staff",
    "get_unit",
    "is_staff_locked",
    "list_closures",
    "list_exemptions",
    "list_facilities",
    "list_staff",
    "may_override",
    "next_free_blocks",
    "possible_duplicates",
    "quote",
    "reactivate_staff",
    "record_payment",
    "register_resident",
    "reservation_actions",
    "reservation_snapshot",
    "reservations_of",
    "reservations_on",
    "reset_staff_password",
    "resident_snapshot",
    "residents_with_phone",
    "set_pin",
    "sign_in_staff",
    "sign_out_staff",
    "staff_snapshot",
    "unlock_resident",
    "unlock_staff",
    "verify_pin",
    "verify_staff",
]
