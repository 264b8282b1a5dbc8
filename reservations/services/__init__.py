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
    quotes        who a booking is for, what it would cost, until when it can be cancelled
    booking       book, change, cancel, payment (for a resident or one of their groups)
    permissions   what an actor may do with a reservation
    exemptions    staff granting or refusing one booking's exemption
    lookup        finding reservations
    residents     registering, finding, PINs, signing in
    groups        registering, renewing, suspending and finding groups (団体)
    rosters       a group's members and their roles
    members       who is on a roster now
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
    GROUP_PURPOSES,
    PAID,
    PAYMENT_STATUSES,
    RESERVATION_STATUSES,
    STAFF_ROLES,
    UNPAID,
    AuditEntry,
    Closure,
    ExemptionBasis,
    ExemptionCategory,
    Facility,
    Group,
    GroupMember,
    GroupStatus,
    MemberRole,
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
    Exemption,
    FeeQuote,
    holiday_name,
    is_holiday,
    is_year_end,
)
from ..settings import GroupRules, MembersMayCancel
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
from .booking import book, cancel, change, check_booking, record_payment
from .catalog import (
    add_closure,
    closed_facilities_on,
    get_facility,
    get_unit,
    list_closures,
    list_facilities,
)
from .exemptions import exemption_of, set_booking_exemption
from .groups import (
    GroupStanding,
    dissolve_group,
    find_groups,
    get_group,
    group_rules,
    group_snapshot,
    group_standing,
    groups_expiring,
    groups_of,
    list_groups,
    pays_resident_fee,
    register_group,
    reinstate_group,
    renew_group,
    status_of,
    suspend_group,
)
from .lookup import (
    ResidentReservations,
    find_reservation,
    get_reservation,
    group_reservations,
    reservation_snapshot,
    reservations_of,
    reservations_on,
)
from .numbers import (
    GROUP_NUMBER_LENGTH,
    PIN_LENGTH,
    REGISTRATION_NUMBER_LENGTH,
    RESERVATION_NUMBER_LENGTH,
    digits_only,
    format_phone_national,
    has_valid_check_digit,
    normalize_phone,
    pin_problem,
)
from .permissions import (
    RECORDABLE_PAYMENTS,
    ReservationActions,
    actions_for,
    check_cancellable,
    choosable_statuses,
    group_bookings_handled_by,
    may_override,
    reservation_actions,
)
from .quotes import Party, Quote, cancellation_deadline, quote
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
from .rosters import add_member, remove_member, set_member_role
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
    "GROUP_NUMBER_LENGTH",
    "GROUP_PURPOSES",
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
    "ExemptionBasis",
    "GroupStatus",
    "MemberRole",
    "MembersMayCancel",
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
    "Exemption",
    "Group",
    "GroupMember",
    "GroupRules",
    "GroupStanding",
    "Party",
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
    "add_member",
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
    "dissolve_group",
    "exemption_of",
    "expire_staff_session",
    "find_groups",
    "find_reservation",
    "find_residents",
    "get_facility",
    "get_group",
    "get_reservation",
    "get_resident",
    "get_staff",
    "get_unit",
    "group_bookings_handled_by",
    "group_reservations",
    "group_rules",
    "group_snapshot",
    "group_standing",
    "groups_expiring",
    "groups_of",
    "is_staff_locked",
    "list_closures",
    "list_exemptions",
    "list_facilities",
    "list_groups",
    "list_staff",
    "may_override",
    "next_free_blocks",
    "pays_resident_fee",
    "possible_duplicates",
    "quote",
    "reactivate_staff",
    "record_payment",
    "register_group",
    "register_resident",
    "reinstate_group",
    "remove_member",
    "renew_group",
    "reservation_actions",
    "reservation_snapshot",
    "reservations_of",
    "reservations_on",
    "reset_staff_password",
    "resident_snapshot",
    "residents_with_phone",
    "set_booking_exemption",
    "set_member_role",
    "set_pin",
    "sign_in_staff",
    "sign_out_staff",
    "staff_snapshot",
    "status_of",
    "suspend_group",
    "unlock_resident",
    "unlock_staff",
    "verify_pin",
    "verify_staff",
]
