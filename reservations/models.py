"""The town's facilities, residents and reservations, as stored.

Names follow the education division's words: a facility (施設) has bookable units
(e.g. the whole court, half A, half B) made of atomic parts; time blocks (時間区分)
divide its day; a reservation (予約) claims one row per part, date and block.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import AwareDateTime, db

Model = db.Model

# Status and role vocabularies, kept as plain strings in the database.
HELD = "held"  # 仮予約: claims its slots until paid or its payment due time passes
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
RESERVATION_STATUSES = (HELD, CONFIRMED, CANCELLED)
# The statuses that claim slots and count toward limits.
ACTIVE_STATUSES = (HELD, CONFIRMED)

UNPAID = "unpaid"
PAID = "paid"
EXEMPT = "exempt"
PAYMENT_STATUSES = (UNPAID, PAID, EXEMPT)

CLERK = "clerk"
ADMIN = "admin"
# A school's or hall's caretaker (管理人): only the day lists of their facilities.
CARETAKER = "caretaker"
# Read-only figures (統計): the statistics pages, nothing else.
STATISTICS = "statistics"
STAFF_ROLES = (CLERK, ADMIN, CARETAKER, STATISTICS)


class UseState(StrEnum):
    """What became of a confirmed booking on its day (利用実績). None: not recorded."""

    USED = "used"  # checked in: the key handed over, or the caretaker saw them
    NO_SHOW = "no_show"  # 無断不使用: nobody came


CHANNELS = ("web", "phone", "counter", "cli")

# What counter staff saw when granting an exemption (減免の確認書類): recorded as one of
# these kinds, never as a copy or the document's number.
EXEMPTION_EVIDENCE = (
    "disability_certificate",  # 身体障害者手帳
    "rehabilitation_certificate",  # 療育手帳
    "mental_health_certificate",  # 精神障害者保健福祉手帳
    "group_registration",  # 団体登録書
    "club_roster",  # 老人クラブ・子ども会の名簿
    "cohost_decision",  # 共催決定通知
    "other",  # その他の書類
)


class GroupStatus(StrEnum):
    """A group's standing. EXPIRED is never stored: it is an active group whose
    registration has ended (its valid-until date has passed), so no job must run for a
    registration to end on time."""

    ACTIVE = "active"  # 登録中
    SUSPENDED = "suspended"  # 停止中 (staff, with a reason; may be reinstated)
    DISSOLVED = "dissolved"  # 解散 (staff, with a reason; final)
    EXPIRED = "expired"  # 期限切れ (derived)


STORED_GROUP_STATUSES = (GroupStatus.ACTIVE, GroupStatus.SUSPENDED, GroupStatus.DISSOLVED)


class MemberRole(StrEnum):
    """What a person is in a group: one representative (代表者), contacts (連絡担当),
    members (会員)."""

    REPRESENTATIVE = "representative"
    CONTACT = "contact"
    MEMBER = "member"


# What a group does (活動内容): exemption categories may cover only some of these.
GROUP_PURPOSES = ("sport", "culture", "learning", "welfare", "children", "community", "other")


class ExemptionBasis(StrEnum):
    """How a booking's exemption (減免) was decided: by the core from the category of
    the person or group it is for, or by staff on that one booking."""

    NONE = "none"  # no category with an exemption
    CATEGORY = "category"  # the category's exemption applies
    EVIDENCE_EXPIRED = "evidence_expired"  # the evidence ends before the booking's date
    PURPOSE_NOT_COVERED = "purpose_not_covered"  # the category does not cover the purpose
    STAFF_GRANTED = "staff_granted"  # staff granted it on this booking, with a reason
    STAFF_REFUSED = "staff_refused"  # staff refused it on this booking, with a reason


class ReservationOrigin(StrEnum):
    """How a reservation came to be (DESIGN: direct, series, lottery, waitlist, block)."""

    DIRECT = "direct"  # booked one by one, on any channel
    SERIES = "series"  # a date of a series (定期利用)
    LOTTERY = "lottery"  # a lottery win (抽選)
    WAITLIST = "waitlist"  # a waitlist offer taken (キャンセル待ち)
    BLOCK = "block"  # a staff block (行政使用): no resident, no group


class StaffBlockKind(StrEnum):
    """Why the town uses its own facility (行政使用)."""

    TOWN_EVENT = "town_event"  # 町の行事
    SCHOOL = "school"  # 学校使用
    MAINTENANCE = "maintenance"  # 保守・点検
    ELECTION = "election"  # 選挙
    OTHER = "other"  # その他


class CancelReasonKind(StrEnum):
    """Who or what ended a reservation, as the refund rules read it (DESIGN's
    cancel_reason): the free text stays in `cancel_reason`."""

    RESIDENT = "resident"  # the resident (or a member of the group) cancelled
    STAFF = "staff"  # staff cancelled for the resident, at their request
    TOWN = "town"  # the town cancelled it: a staff block or a closure took the slot
    UNPAID = "unpaid"  # a hold not paid by its deadline
    LOTTERY_UNCONFIRMED = "lottery_unconfirmed"  # a lottery win not confirmed in time
    OFFER_EXPIRED = "offer_expired"  # a waitlist offer not taken in time


class WaitlistStatus(StrEnum):
    """Where a waitlist entry (キャンセル待ち) stands: waiting in line, offered the slot
    (a hold with an acceptance deadline), or ended: accepted, declined, the offer's
    deadline passed, left by the waiter, or closed by the core (``end_reason``: the
    waiter may no longer book the slot, or the town uses it)."""

    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    LEFT = "left"
    CLOSED = "closed"


# The entries still in line for their slot (counted by the limit, shown with a position).
OPEN_WAITLIST_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class LotteryApplicationStatus(StrEnum):
    """An application to a lottery round (抽選): in the draw, or withdrawn by its
    applicant before the period ended (it cannot be made again)."""

    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class LotteryAnswer(StrEnum):
    """What the applicant did with a won choice (当選): confirmed it by the round's
    deadline, declined it, or let the deadline pass (the hold was cancelled)."""

    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"


class SeriesStatus(StrEnum):
    """A series (定期利用): prepared for an allocation season (its dates not yet
    claimed), committed (its dates booked), or cancelled (every remaining date)."""

    DRAFT = "draft"
    COMMITTED = "committed"
    CANCELLED = "cancelled"


class SeriesFeeRule(StrEnum):
    """The fee of a series' dates: as the core decides each booking's exemption from
    the category of the person or group (STANDARD), or as staff decided for the whole
    series: one category's exemption granted, or none."""

    STANDARD = "standard"
    GRANTED = "granted"
    REFUSED = "refused"


class SkipReason(StrEnum):
    """Why a date of a series was not booked."""

    WEEKLY = "weekly"  # 定休日
    HOLIDAY = "holiday"  # a national holiday (祝日): closed, or skipped by the series
    MOVED_CLOSED_DAY = "moved_closed_day"  # 振替休館日
    YEAR_END = "year_end"  # 年末年始 12/29–1/3
    CLOSURE = "closure"  # 臨時休館 of the facility, the unit or the blocks
    NOT_OFFERED = "not_offered"  # outside the facility's opening (the block not offered)
    TAKEN = "taken"  # already taken, by reservation `reservation_number`
    BLOCKED = "blocked"  # a staff block (行政使用), `reservation_number`
    PAST = "past"  # the date has begun already
    EXCEPTION = "exception"  # a date the series was asked to skip


class SeasonStatus(StrEnum):
    """An allocation season (利用調整): series are prepared, then committed at once."""

    PREPARING = "preparing"
    COMMITTED = "committed"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class FacilityCategory(Model):
    """A kind of facility (gyms, rooms, grounds, courts); limits per resident apply per
    category, so that one club cannot hold every gym evening of the month."""

    __tablename__ = "facility_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    max_active_per_resident: Mapped[int] = mapped_column(Integer)
    # A group's own limit of active future bookings in the category (団体の上限).
    max_active_per_group: Mapped[int] = mapped_column(Integer, default=8)

    facilities: Mapped[list[Facility]] = relationship(back_populates="category")


class Facility(Model):
    __tablename__ = "facilities"
    __table_args__ = (
        CheckConstraint("window_months_ahead >= 0", name="window_months_ahead"),
        CheckConstraint("window_opens_day BETWEEN 1 AND 28", name="window_opens_day"),
        CheckConstraint("nonresident_delay_days >= 0", name="nonresident_delay_days"),
        CheckConstraint("window_closes_days_before >= 0", name="window_closes_days_before"),
        CheckConstraint("cancel_days_before >= 0", name="cancel_days_before"),
        CheckConstraint("max_blocks_per_reservation >= 1", name="max_blocks"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("facility_categories.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    yomi: Mapped[str] = mapped_column(String(200))  # how the phone voice should read the name
    purpose: Mapped[str] = mapped_column(Text, default="")
    purpose_en: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    step_free: Mapped[bool] = mapped_column(Boolean, default=False)
    parking: Mapped[bool] = mapped_column(Boolean, default=False)
    accessible_toilet: Mapped[bool] = mapped_column(Boolean, default=False)
    # A keybox (キーボックス) instead of a key at the counter: each booking gets a code.
    uses_access_code: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    access_note: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    access_note_en: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    # What a resident needs to get there and use it (admins edit these at the counter).
    address: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    address_en: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    directions: Mapped[str] = mapped_column(
        Text, default="", info={"max_length": 1000}
    )  # how to get there
    directions_en: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    hours: Mapped[str] = mapped_column(
        Text, default="", info={"max_length": 1000}
    )  # hours of use, in words
    hours_en: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    equipment: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    equipment_en: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})
    phone: Mapped[str] = mapped_column(String(20), default="")  # the facility's own number
    map_url: Mapped[str] = mapped_column(Text, default="", info={"max_length": 1000})

    # Opening rules.
    closed_weekdays: Mapped[str] = mapped_column(String(7), default="")  # "0" = Monday
    open_on_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    # 月曜休館（祝日の場合は翌平日）: a closed weekday that is a holiday opens, and the next
    # non-holiday day closes instead.
    closed_day_moves_after_holiday: Mapped[bool] = mapped_column(Boolean, default=False)
    year_end_closure: Mapped[bool] = mapped_column(Boolean, default=True)

    # Booking window: dates in month M open on day `window_opens_day` of month
    # M - `window_months_ahead` at `window_opens_time` (non-residents that many days
    # later) and close at midnight `window_closes_days_before` days before the date.
    window_months_ahead: Mapped[int] = mapped_column(Integer, default=2)
    window_opens_day: Mapped[int] = mapped_column(Integer, default=1)
    window_opens_time: Mapped[time] = mapped_column(Time, default=time(9, 0))
    nonresident_delay_days: Mapped[int] = mapped_column(Integer, default=14)
    window_closes_days_before: Mapped[int] = mapped_column(Integer, default=1)
    # Residents may cancel up to and including `cancel_days_before` days before the date.
    cancel_days_before: Mapped[int] = mapped_column(Integer, default=3)
    max_blocks_per_reservation: Mapped[int] = mapped_column(Integer, default=3)

    category: Mapped[FacilityCategory] = relationship(back_populates="facilities")
    units: Mapped[list[Unit]] = relationship(back_populates="facility", order_by="Unit.position")
    parts: Mapped[list[Part]] = relationship(back_populates="facility", order_by="Part.code")
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        back_populates="facility", order_by="TimeBlock.position"
    )


class Part(Model):
    """An atomic piece of a facility that can be claimed once per date and block."""

    __tablename__ = "parts"
    __table_args__ = (UniqueConstraint("facility_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    code: Mapped[str] = mapped_column(String(40))

    facility: Mapped[Facility] = relationship(back_populates="parts")


unit_parts = Table(
    "unit_parts",
    Model.metadata,
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
    Column("part_id", ForeignKey("parts.id"), primary_key=True),
)


class Unit(Model):
    """What a resident books: the whole court (parts A and B), half A (part A), a room."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("facility_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    yomi: Mapped[str] = mapped_column(String(200))

    facility: Mapped[Facility] = relationship(back_populates="units")
    parts: Mapped[list[Part]] = relationship(secondary=unit_parts, order_by="Part.code")
    fees: Mapped[list[Fee]] = relationship(back_populates="unit")


class TimeBlock(Model):
    """A bookable block of a facility's day, e.g. 午前 9:00–12:00."""

    __tablename__ = "time_blocks"
    __table_args__ = (
        UniqueConstraint("facility_id", "code"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    # Days the block is offered: weekday digits (Monday = 0) on ordinary days, and
    # `on_holidays` on national holidays (an elementary-school gym: evenings and weekends).
    weekdays: Mapped[str] = mapped_column(String(7), default="0123456")
    on_holidays: Mapped[bool] = mapped_column(Boolean, default=True)

    facility: Mapped[Facility] = relationship(back_populates="time_blocks")


class Fee(Model):
    """使用料 of one unit for one block, in yen."""

    __tablename__ = "fees"
    __table_args__ = (
        UniqueConstraint("unit_id", "time_block_id"),
        CheckConstraint("resident_yen >= 0 AND nonresident_yen >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    time_block_id: Mapped[int] = mapped_column(ForeignKey("time_blocks.id"))
    resident_yen: Mapped[int] = mapped_column(Integer)
    nonresident_yen: Mapped[int] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(back_populates="fees")
    time_block: Mapped[TimeBlock] = relationship()


closure_blocks = Table(
    "closure_blocks",
    Model.metadata,
    Column("closure_id", ForeignKey("closures.id"), primary_key=True),
    Column("time_block_id", ForeignKey("time_blocks.id"), primary_key=True),
)


class Closure(Model):
    """An ad-hoc closure (臨時休館) of one facility, or of all when facility_id is NULL;
    of one unit only (court 2: its parts, so the whole court too) when unit_id is set,
    and of some time blocks only (the evenings) when it has blocks."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
        CheckConstraint("unit_id IS NULL OR facility_id IS NOT NULL", name="unit_of_facility"),
        Index("ix_closures_facility_dates", "facility_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    reason_en: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    unit: Mapped[Unit | None] = relationship()
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        secondary=closure_blocks, order_by="TimeBlock.position"
    )

    @property
    def is_partial(self) -> bool:
        """Of one unit or some blocks, not the whole facility's day."""
        return self.unit_id is not None or self.unit is not None or bool(self.time_blocks)


class ExemptionCategory(Model):
    """減免区分: a share of the fee waived, e.g. 100% for school-age clubs."""

    __tablename__ = "exemption_categories"
    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    percent: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The group purposes (GROUP_PURPOSES) the exemption covers, comma-separated; empty
    # covers every purpose (and every booking for a person, who has no purpose).
    purposes: Mapped[str] = mapped_column(String(200), default="")

    @property
    def purpose_list(self) -> tuple[str, ...]:
        return tuple(p for p in (self.purposes or "").split(",") if p)


# The languages a resident's messages (SMS, calls) can be in: 日本語, やさしい日本語
# (easy Japanese, as the web's locale names it), English.
MESSAGE_LANGUAGES = ("ja", "ja@easy", "en")


class Resident(Model):
    """利用者: a person or group registered to book, resident of the town or not."""

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint(_in("preferred_language", MESSAGE_LANGUAGES), name="preferred_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(200))
    # Search keys: width-folded, katakana as hiragana, no spaces (see text.search_key).
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kana_key: Mapped[str] = mapped_column(String(200), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_is_mobile: Mapped[bool] = mapped_column(Boolean, default=False)
    district: Mapped[str] = mapped_column(String(100), default="")
    is_resident: Mapped[bool] = mapped_column(Boolean, default=True)
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("exemption_categories.id"))
    exemption_evidence: Mapped[str | None] = mapped_column(String(100))
    # The last day the evidence seen for the exemption holds (None: no end recorded).
    exemption_valid_until: Mapped[date | None] = mapped_column(Date)
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_pin_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    # Raised to end every session of the account at its next request (sign-out, a new
    # secret, deactivation): services/sessions.py.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The language of their SMS and calls (MESSAGE_LANGUAGES), set at the counter or
    # by the resident on the web.
    preferred_language: Mapped[str] = mapped_column(String(10), default="ja", server_default="ja")
    # Sign-in stopped by staff (a lost PIN slip, suspected misuse): since when and why,
    # until staff lift it or reset the PIN (services/sign_in_stops.py).
    sign_in_stopped_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    sign_in_stop_reason: Mapped[str | None] = mapped_column(String(200))

    exemption: Mapped[ExemptionCategory | None] = relationship()


class Group(Model):
    """団体: a club or circle registered to book as itself. People act; groups are
    booked for. Its registration is valid for a period (one school year by default) and
    renewed at the counter."""

    __tablename__ = "groups"
    __table_args__ = (
        CheckConstraint(_in("status", STORED_GROUP_STATUSES), name="status"),
        CheckConstraint(_in("purpose", GROUP_PURPOSES), name="purpose"),
        CheckConstraint(
            "resident_members >= 0 AND resident_members <= declared_members", name="counts"
        ),
        CheckConstraint("valid_from <= valid_until", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kana_key: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    # The group's category (which drives its exemption), the kind of document staff saw
    # for it and the last day that document holds (None: the registration's end).
    category_id: Mapped[int | None] = mapped_column(ForeignKey("exemption_categories.id"))
    evidence: Mapped[str | None] = mapped_column(String(100))
    evidence_valid_until: Mapped[date | None] = mapped_column(Date)
    # As the group declared them: how many members it has, and how many live in town.
    declared_members: Mapped[int] = mapped_column(Integer)
    resident_members: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=GroupStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())

    category: Mapped[ExemptionCategory | None] = relationship()
    memberships: Mapped[list[GroupMember]] = relationship(
        back_populates="group", order_by="GroupMember.id"
    )

    @property
    def members(self) -> list[GroupMember]:
        """The current roster (people who left are kept, with the day they left)."""
        return [m for m in self.memberships if m.left_at is None]


class GroupMember(Model):
    """A resident on a group's roster, with their role; leaving keeps the row."""

    __tablename__ = "group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "resident_id"),
        CheckConstraint(_in("role", MemberRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(AwareDateTime())
    left_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    group: Mapped[Group] = relationship(back_populates="memberships")
    resident: Mapped[Resident] = relationship()


class Staff(Model):
    """A member of the education division who signs in at the counter."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    # Raised to end every session of the account at its next request (sign-out, a new
    # secret, deactivation): services/sessions.py.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Sign-in stopped by an administrator, since when and why (services/sign_in_stops.py).
    sign_in_stopped_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    sign_in_stop_reason: Mapped[str | None] = mapped_column(String(200))
    # The password was set by someone else (an administrator's reset): the counter lets
    # its holder do nothing but change it.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    # A caretaker's facilities: the day lists they may open and mark.
    facilities: Mapped[list[Facility]] = relationship(
        secondary="staff_facilities", order_by="Facility.position"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


staff_facilities = Table(
    "staff_facilities",
    Model.metadata,
    Column("staff_id", ForeignKey("staff.id"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id"), primary_key=True),
)


reservation_blocks = Table(
    "reservation_blocks",
    Model.metadata,
    Column("reservation_id", ForeignKey("reservations.id"), primary_key=True),
    Column("time_block_id", ForeignKey("time_blocks.id"), primary_key=True),
)


class Reservation(Model):
    """予約. Never deleted: cancelling releases its claims and keeps its history."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'confirmed', 'cancelled')", name="status"),
        CheckConstraint("payment_status IN ('unpaid', 'paid', 'exempt')", name="payment_status"),
        CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name="channel"),
        CheckConstraint("fee_yen >= 0 AND fee_yen <= fee_base_yen", name="fee"),
        # For a person or for a group, never both.
        # For a person or for a group, never both; a staff block for neither.
        CheckConstraint(
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)"
            " OR (resident_id IS NULL AND group_id IS NULL AND origin = 'block')",
            name="for_whom",
        ),
        CheckConstraint(_in("exemption_basis", ExemptionBasis), name="exemption_basis"),
        CheckConstraint(_in("origin", ReservationOrigin), name="origin"),
        CheckConstraint(
            "(origin = 'block' AND block_kind IS NOT NULL)"
            " OR (origin <> 'block' AND block_kind IS NULL)",
            name="block_kind",
        ),
        CheckConstraint(_in("block_kind", StaffBlockKind), name="block_kind_known"),
        CheckConstraint(_in("cancel_reason_kind", CancelReasonKind), name="cancel_reason_kind"),
        CheckConstraint("(origin = 'series') = (series_id IS NOT NULL)", name="series"),
        CheckConstraint(_in("use_state", UseState), name="use_state"),
        # A resident's (or a group's) reservations by time: upcoming ones, the latest
        # past ones, and the active ones counted against the limit, bounded by start_at.
        Index("ix_reservations_resident_start", "resident_id", "start_at"),
        Index("ix_reservations_group_start", "group_id", "start_at"),
        Index("ix_reservations_date_unit", "date", "unit_id"),
        # The worker's holds whose payment is due, and the counter's list of them.
        Index("ix_reservations_status_due", "status", "payment_due_at"),
        # The statistics' staff blocks (行政使用) of a period: few among many bookings.
        Index(
            "ix_reservations_staff_blocks",
            "date",
            postgresql_where=text("origin = 'block'"),
            sqlite_where=text("origin = 'block'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    # Who it is for: a person (resident_id) or a group (group_id); and the person who
    # asked for it (the member booking for their group, or the resident themself).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(AwareDateTime())
    end_at: Mapped[datetime] = mapped_column(AwareDateTime())
    status: Mapped[str] = mapped_column(String(10), default=CONFIRMED)

    fee_base_yen: Mapped[int] = mapped_column(Integer)
    exemption_percent: Mapped[int] = mapped_column(Integer, default=0)
    fee_yen: Mapped[int] = mapped_column(Integer)
    # The exemption of this booking (減免): how it was decided, on which category, the
    # evidence it rested on and until when that held, and staff's reason for theirs.
    exemption_basis: Mapped[str] = mapped_column(String(20), default=ExemptionBasis.NONE)
    exemption_category_id: Mapped[int | None] = mapped_column(ForeignKey("exemption_categories.id"))
    exemption_evidence: Mapped[str | None] = mapped_column(String(100))
    exemption_valid_until: Mapped[date | None] = mapped_column(Date)
    exemption_reason: Mapped[str | None] = mapped_column(String(500))
    payment_status: Mapped[str] = mapped_column(String(10), default=UNPAID)
    paid_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    paid_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A hold (仮予約) is cancelled as unpaid when this passes; set while it is held.
    payment_due_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # An administrator's extension of the due time: why (the audit has who and when).
    due_extension_reason: Mapped[str | None] = mapped_column(String(500))
    # The day-before reminder of the due time was put in the outbox.
    reminded_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # 使用許可書: its number, issued when the fee is paid (or the booking is exempt).
    permit_number: Mapped[str | None] = mapped_column(String(12), unique=True)

    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    channel: Mapped[str] = mapped_column(String(10))
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    override_reason: Mapped[str | None] = mapped_column(Text, info={"max_length": 1000})
    # A channel's key for "this request, once" (a phone call's confirm step): a repeated
    # request finds the reservation it already made instead of making a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    origin: Mapped[str] = mapped_column(
        String(10), default=ReservationOrigin.DIRECT, server_default=ReservationOrigin.DIRECT
    )
    # A date of a series (定期利用), or a staff block (行政使用) with its kind and note.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("reservation_series.id"), index=True)
    block_kind: Mapped[str | None] = mapped_column(String(20))
    block_note: Mapped[str | None] = mapped_column(String(500))

    cancelled_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    cancelled_channel: Mapped[str | None] = mapped_column(String(10))
    cancelled_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text, info={"max_length": 1000})
    # Who or what ended it (a CancelReasonKind): the refund rules read TOWN.
    cancel_reason_kind: Mapped[str | None] = mapped_column(String(30))
    cancelled_after_deadline: Mapped[bool] = mapped_column(Boolean, default=False)
    # The cancel request's key, like `idempotency_key`: the same request again finds
    # the reservation it already cancelled instead of "already cancelled".
    cancel_idempotency_key: Mapped[str | None] = mapped_column(String(100))

    # The use record (利用実績): used or a no-show, who recorded it and when.
    use_state: Mapped[str | None] = mapped_column(String(10))
    use_recorded_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    use_recorded_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # A keybox facility's code for this booking (鍵箱の暗証番号), shown on the slip and
    # read out by phone; the caretaker types it at handover, three wrong in a row lock it.
    access_code: Mapped[str | None] = mapped_column(String(4))
    access_code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    group: Mapped[Group | None] = relationship()
    booked_by: Mapped[Resident | None] = relationship(foreign_keys=[booked_by_id])
    exemption_category: Mapped[ExemptionCategory | None] = relationship()
    unit: Mapped[Unit] = relationship()
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        secondary=reservation_blocks, order_by="TimeBlock.position"
    )
    created_by_staff: Mapped[Staff | None] = relationship(foreign_keys=[created_by_staff_id])
    series: Mapped[ReservationSeries | None] = relationship(back_populates="reservations")

    @property
    def facility(self) -> Facility:
        return self.unit.facility

    @property
    def is_staff_block(self) -> bool:
        return self.origin == ReservationOrigin.BLOCK

    @property
    def cancelled_by_town(self) -> bool:
        return self.cancel_reason_kind == CancelReasonKind.TOWN

    @property
    def holder_name(self) -> str:
        """The name it is booked under: the group's, or the person's."""
        holder = self.group if self.group is not None else self.resident
        return holder.name if holder is not None else ""

    @property
    def is_active(self) -> bool:
        """Held or confirmed: it claims its slots."""
        return self.status in ACTIVE_STATUSES

    @property
    def is_held(self) -> bool:
        return self.status == HELD

    @property
    def has_permit(self) -> bool:
        """A permit (使用許可書) was issued: once paid, exempt or free of charge."""
        return self.permit_number is not None

    @property
    def has_receipt(self) -> bool:
        """A receipt (領収書) exists: a fee was paid and the permit issued."""
        return self.has_permit and self.payment_status == PAID

    @property
    def is_confirmed(self) -> bool:
        return self.status == CONFIRMED

    @property
    def cancelled_unpaid(self) -> bool:
        """A hold the worker cancelled because its payment due time passed."""
        return self.status == CANCELLED and self.cancel_reason_kind == CancelReasonKind.UNPAID

    @property
    def is_paid(self) -> bool:
        return self.payment_status == PAID

    @property
    def is_unpaid(self) -> bool:
        return self.payment_status == UNPAID


class AllocationSeason(Model):
    """利用調整: a season (2027年度, 1 April to 31 March) whose series are prepared while
    the public window is still closed and committed at once."""

    __tablename__ = "allocation_seasons"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
        CheckConstraint(_in("status", SeasonStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=SeasonStatus.PREPARING)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    committed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    series: Mapped[list[ReservationSeries]] = relationship(
        back_populates="season", order_by="ReservationSeries.id"
    )


reservation_series_blocks = Table(
    "reservation_series_blocks",
    Model.metadata,
    Column("series_id", ForeignKey("reservation_series.id"), primary_key=True),
    Column("time_block_id", ForeignKey("time_blocks.id"), primary_key=True),
)


class ReservationSeries(Model):
    """定期利用: a unit on some weekdays and blocks from a first to a last date, for a
    person or a group, expanded into ordinary reservations (one per date, each with its
    claims); the dates not booked are kept with their reasons."""

    __tablename__ = "reservation_series"
    __table_args__ = (
        CheckConstraint("first_date <= last_date", name="first_before_last"),
        CheckConstraint(_in("status", SeriesStatus), name="status"),
        CheckConstraint(_in("fee_rule", SeriesFeeRule), name="fee_rule"),
        CheckConstraint(
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)",
            name="for_whom",
        ),
        Index("ix_reservation_series_group_first", "group_id", "first_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    # The person who asked (the group's representative unless staff name a member).
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    weekdays: Mapped[str] = mapped_column(String(7))  # "13": Tuesday and Thursday
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    # Dates asked to be skipped (ISO strings), and whether national holidays are.
    exceptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    fee_rule: Mapped[str] = mapped_column(String(10), default=SeriesFeeRule.STANDARD)
    exemption_category_id: Mapped[int | None] = mapped_column(ForeignKey("exemption_categories.id"))
    fee_reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default=SeriesStatus.DRAFT)
    season_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_seasons.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    committed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Cancelled from this date on (every date when it is the first), and why.
    cancelled_from: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    group: Mapped[Group | None] = relationship()
    booked_by: Mapped[Resident | None] = relationship(foreign_keys=[booked_by_id])
    unit: Mapped[Unit] = relationship()
    exemption_category: Mapped[ExemptionCategory | None] = relationship()
    season: Mapped[AllocationSeason | None] = relationship(back_populates="series")
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        secondary=reservation_series_blocks, order_by="TimeBlock.position"
    )
    reservations: Mapped[list[Reservation]] = relationship(
        back_populates="series", order_by="Reservation.date"
    )
    skipped: Mapped[list[SeriesSkippedDate]] = relationship(
        back_populates="series", order_by="SeriesSkippedDate.date", cascade="all, delete-orphan"
    )

    @property
    def holder_name(self) -> str:
        holder = self.group if self.group is not None else self.resident
        return holder.name if holder is not None else ""

    @property
    def weekday_list(self) -> list[int]:
        return sorted(int(d) for d in self.weekdays)


class SeriesSkippedDate(Model):
    """A date a series would have had and did not book, with the reason (and, when
    it was taken, the reservation that holds it)."""

    __tablename__ = "series_skipped_dates"
    __table_args__ = (
        UniqueConstraint("series_id", "date"),
        CheckConstraint(_in("reason", SkipReason), name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("reservation_series.id"))
    date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))
    # The holiday's name, the closure's reason; the number of what holds the slot.
    detail: Mapped[str | None] = mapped_column(String(200))
    reservation_number: Mapped[str | None] = mapped_column(String(12))

    series: Mapped[ReservationSeries] = relationship(back_populates="skipped")


waitlist_entry_blocks = Table(
    "waitlist_entry_blocks",
    Model.metadata,
    Column("entry_id", ForeignKey("waitlist_entries.id"), primary_key=True),
    Column("time_block_id", ForeignKey("time_blocks.id"), primary_key=True),
)


class WaitlistEntry(Model):
    """キャンセル待ち: a person, or a group through one of its members, waiting for a
    taken slot (a unit, a date, consecutive blocks). When the slot frees, the worker
    offers it to the first in line as a hold (`offer_reservation`) that they accept by
    `offer_expires_at`, or it passes to the next."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(_in("status", WaitlistStatus), name="status"),
        CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name="channel"),
        CheckConstraint(
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)",
            name="for_whom",
        ),
        CheckConstraint(
            "status NOT IN ('offered', 'accepted')"
            " OR (offer_reservation_id IS NOT NULL AND offer_expires_at IS NOT NULL)",
            name="offer",
        ),
        # The worker's line for each slot, and a person's entries counted by the limit.
        Index("ix_waitlist_entries_status_date", "status", "date"),
        Index("ix_waitlist_entries_asked_by_date", "asked_by_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who waits: a person (resident_id) or a group (group_id); the person who asked.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=WaitlistStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    channel: Mapped[str] = mapped_column(String(10))
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The offer: the hold made for the waiter and until when they may accept it.
    offer_reservation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations.id"), unique=True
    )
    offered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    offer_expires_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Staff phoned the waiter about the offer (the counter's call list).
    phoned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    # Why the core closed it (status closed): the ErrorCode a booking would get now.
    end_reason: Mapped[str | None] = mapped_column(String(40))

    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    group: Mapped[Group | None] = relationship()
    asked_by: Mapped[Resident] = relationship(foreign_keys=[asked_by_id])
    unit: Mapped[Unit] = relationship()
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        secondary=waitlist_entry_blocks, order_by="TimeBlock.position"
    )
    offer_reservation: Mapped[Reservation | None] = relationship()

    @property
    def holder_name(self) -> str:
        holder = self.group if self.group is not None else self.resident
        return holder.name if holder is not None else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_WAITLIST_STATUSES

    @property
    def is_offered(self) -> bool:
        return self.status == WaitlistStatus.OFFERED


lottery_round_units = Table(
    "lottery_round_units",
    Model.metadata,
    Column("round_id", ForeignKey("lottery_rounds.id"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class LotteryRound(Model):
    """抽選: one month of some units allocated by lottery. Its dates come from the
    town's round rule when it is defined (lottery_rules.round_dates) and are kept, so a
    later change of the rule never moves a round under way. The seed's commitment (its
    SHA-256) is published before the period ends and the seed revealed after it; the
    draw records when it ran and the fingerprint of everything that went in and out."""

    __tablename__ = "lottery_rounds"
    __table_args__ = (
        CheckConstraint("seed IS NULL OR seed_commitment IS NOT NULL", name="reveal"),
        CheckConstraint(
            "drawn_at IS NULL OR (seed IS NOT NULL AND fingerprint IS NOT NULL)", name="drawn"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # `lottery draw --round CODE`
    month: Mapped[date] = mapped_column(Date)  # the first day of the month of use
    opens_at: Mapped[datetime] = mapped_column(AwareDateTime())
    closes_at: Mapped[datetime] = mapped_column(AwareDateTime())  # exclusive
    draw_at: Mapped[datetime] = mapped_column(AwareDateTime())
    confirm_by: Mapped[datetime] = mapped_column(AwareDateTime())  # exclusive
    release_at: Mapped[datetime] = mapped_column(AwareDateTime())
    max_choices: Mapped[int] = mapped_column(Integer)
    max_wins: Mapped[int] = mapped_column(Integer)  # 0: every choice can be won
    seed_commitment: Mapped[str | None] = mapped_column(String(64))
    committed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    seed: Mapped[str | None] = mapped_column(String(200))
    revealed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    drawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    units: Mapped[list[Unit]] = relationship(secondary=lottery_round_units, order_by="Unit.id")
    applications: Mapped[list[LotteryApplication]] = relationship(
        back_populates="round", order_by="LotteryApplication.id"
    )


class LotteryApplication(Model):
    """An application to a round: for a person, or for a group through its
    representative or a contact (`applied_by`). One per person and one per group in a
    round (a person applying for themself and for their group has two)."""

    __tablename__ = "lottery_applications"
    __table_args__ = (
        UniqueConstraint("round_id", "resident_id"),
        UniqueConstraint("round_id", "group_id"),
        CheckConstraint(_in("status", LotteryApplicationStatus), name="status"),
        CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name="channel"),
        CheckConstraint(
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)",
            name="for_whom",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("lottery_rounds.id"))
    receipt_number: Mapped[str] = mapped_column(String(12), unique=True)  # 受付番号
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=LotteryApplicationStatus.SUBMITTED)
    channel: Mapped[str] = mapped_column(String(10))
    created_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    changed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    round: Mapped[LotteryRound] = relationship(back_populates="applications")
    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    group: Mapped[Group | None] = relationship()
    applied_by: Mapped[Resident] = relationship(foreign_keys=[applied_by_id])
    choices: Mapped[list[LotteryChoice]] = relationship(
        back_populates="application", order_by="LotteryChoice.rank", cascade="all, delete-orphan"
    )

    @property
    def holder_name(self) -> str:
        holder = self.group if self.group is not None else self.resident
        return holder.name if holder is not None else ""


lottery_choice_blocks = Table(
    "lottery_choice_blocks",
    Model.metadata,
    Column("choice_id", ForeignKey("lottery_choices.id"), primary_key=True),
    Column("time_block_id", ForeignKey("time_blocks.id"), primary_key=True),
)


class LotteryChoice(Model):
    """One ranked choice of an application: a unit, a date, consecutive blocks. The
    draw records whether the slot was unavailable before it (taken by a series or a
    staff block, or closed), the choice's place in the draw and whether it was won; a
    win is a hold (`reservation`) until the applicant confirms or declines it."""

    __tablename__ = "lottery_choices"
    __table_args__ = (
        UniqueConstraint("application_id", "rank"),
        CheckConstraint("rank >= 1", name="rank"),
        CheckConstraint("answer IS NULL OR " + _in("answer", LotteryAnswer), name="answer"),
        Index("ix_lottery_choices_unit_date", "unit_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("lottery_applications.id"))
    rank: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    date: Mapped[date] = mapped_column(Date)
    unavailable: Mapped[bool | None] = mapped_column(Boolean)
    position: Mapped[int | None] = mapped_column(Integer)
    won: Mapped[bool | None] = mapped_column(Boolean)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), unique=True)
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    application: Mapped[LotteryApplication] = relationship(back_populates="choices")
    unit: Mapped[Unit] = relationship()
    time_blocks: Mapped[list[TimeBlock]] = relationship(
        secondary=lottery_choice_blocks, order_by="TimeBlock.position"
    )
    reservation: Mapped[Reservation | None] = relationship()


REFUND_OWED = "owed"
REFUND_PAID = "paid"
REFUND_STATUSES = (REFUND_OWED, REFUND_PAID)
CASH = "cash"
TRANSFER = "transfer"
REFUND_METHODS = (CASH, TRANSFER)


class Refund(Model):
    """還付: what the town owes for a paid booking that was cancelled, with the rule
    that set the amount (the town's reason, or the tier for the days before the date of
    use), and its payout (how, by whom, when). One per reservation; never more than was
    paid (the database holds both)."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint(_in("status", REFUND_STATUSES), name="status"),
        CheckConstraint(
            "method IS NULL OR " + _in("method", REFUND_METHODS),
            name="method",
        ),
        CheckConstraint(
            "amount_yen > 0 AND amount_yen <= paid_yen AND percent BETWEEN 1 AND 100",
            name="amount",
        ),
        CheckConstraint(
            "(status = 'owed' AND paid_out_at IS NULL AND method IS NULL)"
            " OR (status = 'paid' AND paid_out_at IS NOT NULL AND method IS NOT NULL"
            " AND paid_out_by_staff_id IS NOT NULL)",
            name="payout",
        ),
        Index("ix_refunds_owed_at", "owed_at"),
        Index("ix_refunds_paid_out_at", "paid_out_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), unique=True)
    paid_yen: Mapped[int] = mapped_column(Integer)  # what the resident had paid
    amount_yen: Mapped[int] = mapped_column(Integer)  # what the town gives back
    percent: Mapped[int] = mapped_column(Integer)
    # The rule: the town's reason (100%), or the tier for days before the date of use.
    town_reason: Mapped[bool] = mapped_column(Boolean, default=False)
    days_before: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=REFUND_OWED)
    owed_at: Mapped[datetime] = mapped_column(AwareDateTime())
    method: Mapped[str | None] = mapped_column(String(10))
    paid_out_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    paid_out_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    reservation: Mapped[Reservation] = relationship()
    paid_out_by: Mapped[Staff | None] = relationship()

    @property
    def is_owed(self) -> bool:
        return self.status == REFUND_OWED


class SignInFailure(Model):
    """Wrong secrets given for one account name from one source, in a row.

    ``account`` is the name as typed ("resident:<registration no>", "staff:<username>"),
    so a name that belongs to nobody is counted like one that does; ``source`` is where
    the attempts come from ("web:<address>", "counter:<address>", "phone:from:<number>",
    "phone:call:<call id>", "phone:callback:<call id>"). A right secret from the source deletes its row.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("account", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(120))
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)


# A sign-in callback's states (services/callbacks.py).
CALLBACK_REQUESTED = "requested"  # asked for on a call; rung once that call has ended
CALLBACK_PLACED = "placed"  # Twilio accepted the outbound call
CALLBACK_FAILED = "failed"  # Twilio refused to place it
CALLBACK_ANSWERED = "answered"  # someone answered at the registered number
CALLBACK_SIGNED_IN = "signed_in"  # and gave the right PIN
CALLBACK_DISOWNED = "disowned"  # and said they had not asked for it
CALLBACK_STATES = (
    CALLBACK_REQUESTED,
    CALLBACK_PLACED,
    CALLBACK_FAILED,
    CALLBACK_ANSWERED,
    CALLBACK_SIGNED_IN,
    CALLBACK_DISOWNED,
)


class SignInCallback(Model):
    """The town rings a resident's registered number back so that they can give their
    PIN on a call nobody could have forged: asked for on a call from that number while
    the number's own sign-ins wait (someone may have forged it as caller ID to make it
    wait). ``requested_call_sid`` is the call it was asked on; ``call_sid`` the call the
    town placed, once placed."""

    __tablename__ = "sign_in_callbacks"
    __table_args__ = (CheckConstraint(_in("status", CALLBACK_STATES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime())
    requested_call_sid: Mapped[str] = mapped_column(String(34), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    call_sid: Mapped[str | None] = mapped_column(String(34), unique=True)
    placed_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(AwareDateTime())

    resident: Mapped[Resident] = relationship()


class SlotClaim(Model):
    """One part of a facility, on one date, in one block, held by one reservation.

    The UNIQUE constraint is the guarantee that no slot is ever booked twice.
    """

    __tablename__ = "slot_claims"
    __table_args__ = (
        UniqueConstraint("part_id", "date", "time_block_id"),
        # The statistics count a period's claims by day and block from this index alone.
        Index("ix_slot_claims_date_block", "date", "time_block_id", "part_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    date: Mapped[date] = mapped_column(Date)
    time_block_id: Mapped[int] = mapped_column(ForeignKey("time_blocks.id"))
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), index=True)


class AuditEntry(Model):
    """One change, written in the same transaction as the change. Append-only: the
    database refuses UPDATE and DELETE on this table (see the migration's triggers)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime(), index=True)
    action: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    actor_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    # The group the change was for (a member booking for their group, a roster change).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), index=True)
    subject: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text, info={"max_length": 1000})

    actor_resident: Mapped[Resident | None] = relationship(foreign_keys=[actor_resident_id])
    actor_staff: Mapped[Staff | None] = relationship(foreign_keys=[actor_staff_id])
    on_behalf_of: Mapped[Resident | None] = relationship(foreign_keys=[on_behalf_of_id])
    group: Mapped[Group | None] = relationship(foreign_keys=[group_id])
    reservation: Mapped[Reservation | None] = relationship(foreign_keys=[reservation_id])


# What an outgoing message is doing: waiting, being sent (leased to one sender until
# `next_attempt_at`), a call placed whose outcome is awaited, sent (for the counter's
# call list: phoned), or given up on.
PENDING = "pending"
SENDING = "sending"
CALLING = "calling"
SENT = "sent"
FAILED = "failed"
NOTIFICATION_STATUSES = (PENDING, SENDING, CALLING, SENT, FAILED)

# How a notification reaches its resident: an SMS to a mobile, a voice call to a
# landline, or the counter's call list (staff phone them) when neither can be used.
SMS = "sms"
VOICE_CALL = "call"
COUNTER_CALL = "counter"
NOTIFICATION_MEDIA = (SMS, VOICE_CALL, COUNTER_CALL)


class Notification(Model):
    """An outgoing confirmation (the outbox): written in the same transaction as the
    booking or cancellation it tells of, so that none is lost and none is sent for a
    change that rolled back. It holds a kind and parameters, never display text; the
    text is worded when it is delivered (see reservations/notify.py)."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(_in("status", NOTIFICATION_STATUSES), name="status"),
        CheckConstraint(_in("medium", NOTIFICATION_MEDIA), name="medium"),
        CheckConstraint("medium = 'counter' OR to_phone IS NOT NULL", name="to_phone"),
        Index("ix_notifications_status_due", "status", "next_attempt_at"),
        Index("ix_notifications_medium_status", "medium", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), index=True)
    medium: Mapped[str] = mapped_column(String(10), default=SMS)
    to_phone: Mapped[str | None] = mapped_column(String(20))  # E.164; none on the call list
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(AwareDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    provider_id: Mapped[str | None] = mapped_column(String(64))  # e.g. Twilio's message SID
    last_error: Mapped[str | None] = mapped_column(String(200))
    # The counter's call list: when a clerk recorded the resident phoned, and who.
    phoned_at: Mapped[datetime | None] = mapped_column(AwareDateTime())
    phoned_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    reservation: Mapped[Reservation | None] = relationship(foreign_keys=[reservation_id])
    phoned_by: Mapped[Staff | None] = relationship(foreign_keys=[phoned_by_id])
