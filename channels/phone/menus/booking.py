"""Booking: how (the soonest free block or a date: chosen in the main menu), the place
(the one booked last time first, else the kind of place, then the place of that kind),
a date when the caller wants one, and the offer, which reads back the date and says
what matters before the caller books (place, fee, the cancellation deadline or that it
has passed); 1 books it, and the reservation number is read for writing down.

Decisions after sign-in, measured by bench/phone_load.py: the soonest free block is
the main menu, the kind, the place and the offer (four); by date, the same and the
date (five); the place booked last time saves one or two.
"""

from __future__ import annotations

from datetime import date, timedelta

from reservations import services
from reservations.errors import ReservationError, SlotTaken

from .. import prompts
from ..speech import Reading, Silence, Speech
from .base import MORE_KEY, ListNode, Node, Turn, is_number

NEXT = "next"  # how: the soonest free block
BY_DATE = "date"  # how: a date the caller types
RECENT_DAYS = 31  # a date typed this many days back is "passed", not next year's


def _facility_reading(facility) -> Reading:
    return Reading(facility.name, facility.yomi)


def _unit_reading(unit) -> Reading:
    return Reading(unit.name, unit.yomi)


def _bookable_units() -> list[services.Unit]:
    return [unit for facility in services.list_facilities() for unit in facility.units]


def _group_id(turn: Turn) -> int | None:
    """The group the caller books for (book_for_whom), or None: for themself."""
    return turn.state.get("group_id")


def start_booking(turn: Turn, how: str, group_id: int | None = None) -> None:
    """From the main menu (or for whom): the place booked last time first, if any."""
    turn.state["how"] = how
    last = _last_unit(turn, group_id)
    if last is not None:
        turn.goto("book_last", last_unit_id=last, group_id=group_id)
    else:
        turn.goto("book_kind", group_id=group_id)


def _last_unit(turn: Turn, group_id: int | None) -> int | None:
    """The unit of the caller's latest booking (or the group's, booking for it), if it
    is still offered."""
    if group_id is not None:
        lists = services.group_reservations(group_id, now=turn.now, past_limit=5)
    else:
        lists = services.reservations_of(turn.resident_id, now=turn.now, past_limit=5)
    booked = [*lists.upcoming, *lists.past]
    if not booked:
        return None
    latest = max(booked, key=lambda reservation: reservation.id)
    offered = {unit.id for unit in _bookable_units()}
    return latest.unit_id if latest.unit_id in offered else None


def place_chosen(turn: Turn, unit_id: int) -> None:
    """The place is known: offer its soonest free block, or ask the date."""
    turn.state["unit_id"] = unit_id
    if turn.state.get("how") == BY_DATE:
        turn.goto("book_date")
    else:
        _propose(turn, None)


class BookLast(Node):
    """「前回と同じ、町民体育館の全面でよろしければ1、ほかの施設は2」."""

    name = "book_last"

    def _place(self, turn: Turn) -> Speech:
        unit = services.get_unit(turn.state["last_unit_id"])
        return prompts.place(unit.facility, unit)

    def prompt(self, turn):
        return [prompts.last_place(self._place(turn))]

    def simple(self, turn):
        return [prompts.last_place_simple()]

    def keys(self, turn):
        return ["1", "2"]

    def handle(self, turn, digits):
        if digits == "1":
            place_chosen(turn, turn.state["last_unit_id"])
        elif digits == "2":
            turn.goto("book_kind")
        else:
            return False
        return True


class BookKind(ListNode):
    """The kind of place (体育館, 公民館の部屋, …: the facility categories), so that no
    menu of a town's five facilities needs an "other facilities" page. A town with one
    kind skips the question."""

    name = "book_kind"

    def items(self, turn):
        kinds: dict[int, str] = {}
        for unit in _bookable_units():
            kinds.setdefault(unit.facility.category_id, unit.facility.category.name)
        return [[category_id, name] for category_id, name in kinds.items()]

    def enter(self, turn):
        super().enter(turn)
        if len(turn.state["items"]) == 1:
            self.choose(turn, turn.state["items"][0])

    def label(self, turn, item):
        return Speech(item[1])

    def more_label(self):
        return prompts.more_places()

    def choose(self, turn, item):
        units = [unit.id for unit in _bookable_units() if unit.facility.category_id == item[0]]
        if len(units) == 1:
            place_chosen(turn, units[0])
        else:
            turn.goto("book_unit", category_id=item[0])

    def empty(self, turn):
        turn.say(prompts.no_free_blocks())
        turn.goto("main")


class BookUnit(ListNode):
    """The places of the chosen kind, a facility with several units named once."""

    name = "book_unit"

    def items(self, turn):
        return [
            unit.id
            for unit in _bookable_units()
            if unit.facility.category_id == turn.state["category_id"]
        ]

    def label(self, turn, item):
        unit = services.get_unit(item)
        return prompts.place(unit.facility, unit)

    def listing(self, turn):
        groups: list[tuple[Reading | str, list[tuple[Reading | None, str]]]] = []
        for key, unit_id in enumerate(self._page(turn), start=1):
            unit = services.get_unit(unit_id)
            facility = _facility_reading(unit.facility)
            label = None if len(unit.facility.units) == 1 else _unit_reading(unit)
            if groups and groups[-1][0] == facility:
                groups[-1][1].append((label, str(key)))
            else:
                groups.append((facility, [(label, str(key))]))
        if self._has_more(turn):
            groups.append((prompts.more_places(), [(None, MORE_KEY)]))
        return prompts.place_choices(groups)

    def more_label(self):
        return prompts.more_places()

    def choose(self, turn, item):
        place_chosen(turn, item)

    def empty(self, turn):
        turn.say(prompts.no_free_blocks())
        turn.goto("main")


def _block(unit: services.Unit, block_id: int) -> services.TimeBlock:
    return next(block for block in unit.facility.time_blocks if block.id == block_id)


def _propose(turn: Turn, after: tuple[date, int] | None) -> None:
    """The next free block the core finds (after the one just offered, if any)."""
    found = services.next_free_blocks(
        turn.state["unit_id"],
        now=turn.now,
        after=after,
        limit=1,
        resident_id=turn.resident_id,
        group_id=_group_id(turn),
    )
    if not found:
        turn.say(prompts.no_free_blocks())
        turn.goto("main")
        return
    day, block = found[0]
    turn.goto("book_offer", offer=[day.isoformat(), block.id])


class BookOffer(Node):
    """One free block with what matters before booking it: the date and times (read
    back first), the place, the fee and the cancellation deadline, plainly, or that it
    has passed. 1 books it: the offer is the summary. Its idempotency key belongs to
    this offer, so a repeated webhook, or the same offer confirmed again, books once."""

    name = "book_offer"

    def _offer(self, turn: Turn) -> tuple[date, services.TimeBlock]:
        day, block_id = turn.state["offer"]
        return date.fromisoformat(day), _block(services.get_unit(turn.state["unit_id"]), block_id)

    def _quote(self, turn: Turn) -> services.Quote:
        day, block = self._offer(turn)
        return services.quote(
            turn.state["unit_id"],
            day,
            [block.id],
            resident_id=turn.resident_id,
            group_id=_group_id(turn),
        )

    def enter(self, turn):
        turn.state["booking_key"] = f"phone:{turn.call.sid}:{turn.call.step}"
        try:
            self._quote(turn)
        except ReservationError as error:
            turn.event("refused", error.code)
            turn.say(prompts.refusal(error, turn.now))
            turn.goto("main")

    def _what(self, turn: Turn) -> list[Speech]:
        quote = self._quote(turn)
        group_id = _group_id(turn)
        for_group = [prompts.for_group(services.get_group(group_id))] if group_id else []
        blocks = quote.blocks
        return [
            *for_group,
            prompts.offer(
                quote.date,
                blocks[0].start_time,
                blocks[-1].end_time,
                turn.today,
            ),
            prompts.terms(
                quote.fee.fee_yen,
                quote.fee.exemption_percent,
                quote.cancel.last_day,
                quote.cancel.has_passed(turn.now),
            ),
        ]

    def prompt(self, turn):
        return [*self._what(turn), prompts.offer_keys()]

    def simple(self, turn):
        return [*self._what(turn), prompts.offer_keys_simple()]

    def keys(self, turn):
        return ["1", "2", "3"]

    def handle(self, turn, digits):
        day, block = self._offer(turn)
        if digits == "1":
            _book(turn, day, block.id)
        elif digits == "2":
            _propose(turn, (day, block.id))
        elif digits == "3":
            turn.goto("book_date")
        else:
            return False
        return True


def _book(turn: Turn, day: date, block_id: int) -> None:
    try:
        reservation = services.book(
            turn.actor(),
            resident_id=turn.resident_id,
            group_id=_group_id(turn),
            unit_id=turn.state["unit_id"],
            day=day,
            block_ids=[block_id],
            now=turn.now,
            idempotency_key=turn.state["booking_key"],
        )
    except SlotTaken as error:
        turn.event("refused", error.code)
        turn.say(prompts.refusal(error, turn.now))
        _propose(turn, (day, block_id))
        return
    except ReservationError as error:
        turn.event("refused", error.code)
        turn.say(prompts.refusal(error, turn.now))
        turn.goto("main")
        return
    turn.event("booked", reservation_id=reservation.id)
    terms = services.hold_terms(reservation, turn.now)
    hold = [terms.last_day.isoformat(), terms.fee_yen, terms.on_the_day] if terms else None
    turn.goto(
        "book_done",
        number=reservation.number,
        sms=services.confirmed_by_sms(reservation),
        hold=hold,
        access_code=reservation.access_code,
    )


def typed_date(digits: str, today: date) -> date | None:
    """MMDD as the next such date from today (this year, or next year if it has
    passed more than RECENT_DAYS ago: a date of the last month is the one the caller
    meant, and is said to have passed); None when there is no such date."""
    month, day = int(digits[:2]), int(digits[2:])
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today - timedelta(days=RECENT_DAYS):
            return candidate
    return None


class BookDate(Node):
    name = "book_date"
    digits = 4

    def prompt(self, turn):
        return [prompts.ask_date()]

    def simple(self, turn):
        return [prompts.ask_date_simple()]

    def help(self, turn):
        return [prompts.date_help()]

    def handle(self, turn, digits):
        if not is_number(digits, 4):
            return False
        day = typed_date(digits, turn.today)
        if day is None:
            turn.say(prompts.no_such_date())
            return False
        if day < turn.today:
            turn.say(prompts.date_passed(day))
            turn.goto("book_date")
            return True
        unit_id = turn.state["unit_id"]
        [availability] = services.availability(
            unit_id, day, day, now=turn.now, resident_id=turn.resident_id, group_id=_group_id(turn)
        )
        if availability.closed is not None:
            turn.say(prompts.date_read_back(day), prompts.closed_day(availability.closed))
            turn.goto("book_date")
            return True
        bookable = [cell.block for cell in availability.blocks if cell.bookable]
        if bookable:  # the offer reads the date back first
            turn.goto("book_offer", offer=[day.isoformat(), bookable[0].id])
            return True
        statuses = {cell.status for cell in availability.blocks}
        turn.say(prompts.date_read_back(day))
        window = _outside_window(availability)
        if window is not None and services.BlockStatus.NOT_OPEN_YET in statuses:
            turn.say(_why_not(turn, day, window))
            turn.goto("book_date")
        elif services.BlockStatus.LOTTERY in statuses:
            turn.say(prompts.day_lottery(availability.lottery_release_at))
            turn.goto("book_date")
        elif statuses & {
            services.BlockStatus.TAKEN,
            services.BlockStatus.YOURS,
            services.BlockStatus.WAITLISTED,
        }:
            turn.say(prompts.day_full())
            last_block = services.get_unit(unit_id).facility.time_blocks[-1]
            taken = [
                cell.block.id
                for cell in availability.blocks
                if cell.status == services.BlockStatus.TAKEN
            ]
            if taken:  # booked by others: 1 waits for one of them (キャンセル待ち)
                turn.goto(
                    "waitlist_ask",
                    wait_day=day.isoformat(),
                    wait_blocks=taken,
                    wait_after=[day.isoformat(), last_block.id],
                )
            else:
                _propose(turn, (day, last_block.id))
        elif services.BlockStatus.UNAVAILABLE in statuses:
            note = next((cell.note for cell in availability.blocks if cell.note), None)
            turn.say(prompts.day_unavailable(note))
            last_block = services.get_unit(unit_id).facility.time_blocks[-1]
            _propose(turn, (day, last_block.id))
        elif window is not None:
            turn.say(_why_not(turn, day, window))
            turn.goto("book_date")
        else:
            turn.say(prompts.day_booking_closed())
            turn.goto("book_date")
        return True


def _outside_window(availability: services.DayAvailability) -> services.TimeBlock | None:
    """A block of the day that only the booking window keeps from being booked."""
    for status in (services.BlockStatus.NOT_OPEN_YET, services.BlockStatus.BOOKING_CLOSED):
        for cell in availability.blocks:
            if cell.status == status:
                return cell.block
    return None


def _why_not(turn: Turn, day: date, block: services.TimeBlock) -> Speech:
    """What the core says to booking the block: when booking opens, or when it closed
    (with the counter), in the caller's words."""
    try:
        services.check_booking(
            resident_id=turn.resident_id,
            group_id=_group_id(turn),
            unit_id=turn.state["unit_id"],
            day=day,
            block_ids=[block.id],
            now=turn.now,
        )
    except ReservationError as error:
        return prompts.refusal(error, turn.now)
    return prompts.day_booking_closed()


NUMBER_PAUSE = Silence(2)  # time to find a pen after 「メモのご用意はよろしいですか」


def _hold_due(turn) -> list:
    """The hold's payment, read after booking (the booking is a hold until paid)."""
    hold = turn.state.get("hold")
    if not hold:
        return []
    last_day, fee_yen, on_the_day = hold
    return [prompts.hold_due(date.fromisoformat(last_day), fee_yen, on_the_day)]


class BookDone(Node):
    """The number, for writing down: announced, a pause, in two groups of four, and
    once again; a mobile caller hears that an SMS follows, a landline caller that a
    slip can be had at the counter; then `*` hears it again, 9 the menu, or the caller
    hangs up."""

    name = "book_done"
    result = True

    def prompt(self, turn):
        number = turn.state["number"]
        return [
            prompts.booked(),
            NUMBER_PAUSE,
            prompts.reservation_number(number),
            prompts.number_again(number),
            *_hold_due(turn),
            *([prompts.access_code(code)] if (code := turn.state.get("access_code")) else []),
            prompts.sms_coming() if turn.state.get("sms") else prompts.slip_at_the_counter(),
            prompts.task_done(),
        ]

    def simple(self, turn):
        return [prompts.reservation_number(turn.state["number"]), prompts.task_done_simple()]

    def help(self, turn):
        return [prompts.task_done()]
