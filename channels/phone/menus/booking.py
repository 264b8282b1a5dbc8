"""Booking: a facility, a unit, the next free time or a typed date, a time block, the
summary read back, and the reservation number."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.errors import ReservationError, SlotTaken

from .. import prompts
from ..speech import Reading, Speech
from .base import ListNode, Node, Turn, is_number


def _facility_reading(facility) -> Reading:
    return Reading(facility.name, facility.yomi)


class BookFacility(ListNode):
    name = "book_facility"

    def items(self, turn):
        return [facility.id for facility in services.list_facilities() if facility.units]

    def label(self, turn, item):
        return Speech(_facility_reading(services.get_facility(item)))

    def intro(self, turn):
        return [prompts.ask_facility()]

    def more_label(self):
        return prompts.more_facilities()

    def choose(self, turn, item):
        facility = services.get_facility(item)
        if len(facility.units) == 1:
            turn.goto("book_how", unit_id=facility.units[0].id)
        else:
            turn.goto("book_unit", facility_id=facility.id)

    def empty(self, turn):
        turn.say(prompts.no_free_blocks())
        turn.goto("main")


class BookUnit(ListNode):
    name = "book_unit"

    def items(self, turn):
        return [unit.id for unit in services.get_facility(turn.state["facility_id"]).units]

    def label(self, turn, item):
        unit = services.get_unit(item)
        return Speech(Reading(unit.name, unit.yomi))

    def intro(self, turn):
        return [prompts.ask_unit(services.get_facility(turn.state["facility_id"]))]

    def more_label(self):
        return prompts.more_units()

    def choose(self, turn, item):
        turn.goto("book_how", unit_id=item)

    def empty(self, turn):
        turn.say(prompts.no_free_blocks())
        turn.goto("main")


def _block(unit: services.Unit, block_id: int) -> services.TimeBlock:
    return next(block for block in unit.facility.time_blocks if block.id == block_id)


def _group_id(turn: Turn) -> int | None:
    """The group the caller books for (book_for_whom), or None: for themself."""
    return turn.state.get("group_id")


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


class BookHow(Node):
    name = "book_how"

    def prompt(self, turn):
        return [prompts.ask_how()]

    def simple(self, turn):
        return [prompts.ask_how_simple()]

    def keys(self, turn):
        return ["1", "2", "9"]

    def handle(self, turn, digits):
        if digits == "1":
            _propose(turn, None)
        elif digits == "2":
            turn.goto("book_date")
        elif digits == "9":
            turn.goto("main")
        else:
            return False
        return True


class BookOffer(Node):
    name = "book_offer"

    def _offer(self, turn: Turn) -> tuple[date, services.TimeBlock]:
        day, block_id = turn.state["offer"]
        return date.fromisoformat(day), _block(services.get_unit(turn.state["unit_id"]), block_id)

    def prompt(self, turn):
        day, block = self._offer(turn)
        return [prompts.offer(day, block.start_time, block.end_time), prompts.offer_keys()]

    def simple(self, turn):
        day, block = self._offer(turn)
        return [prompts.offer(day, block.start_time, block.end_time), prompts.offer_keys_simple()]

    def keys(self, turn):
        return ["1", "2", "3", "9"]

    def handle(self, turn, digits):
        day, block = self._offer(turn)
        if digits == "1":
            turn.goto("book_summary", choice=[day.isoformat(), block.id])
        elif digits == "2":
            _propose(turn, (day, block.id))
        elif digits == "3":
            turn.goto("book_date")
        elif digits == "9":
            turn.goto("main")
        else:
            return False
        return True


def _typed_date(digits: str, today: date) -> date | None:
    """MMDD as the next such date from today (this year, or next year if it has
    passed); None when there is no such date."""
    month, day = int(digits[:2]), int(digits[2:])
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
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
        day = _typed_date(digits, turn.today)
        if day is None:
            turn.say(prompts.no_such_date())
            return False
        unit_id = turn.state["unit_id"]
        [availability] = services.availability(
            unit_id, day, day, now=turn.now, resident_id=turn.resident_id, group_id=_group_id(turn)
        )
        if availability.closed is not None:
            turn.say(prompts.date_read_back(day), prompts.closed_day(availability.closed))
            turn.goto("book_date")
        elif availability.has_free_block:
            turn.goto("book_block", day=day.isoformat())
        else:
            statuses = {cell.status for cell in availability.blocks}
            turn.say(prompts.date_read_back(day))
            window = _outside_window(availability)
            if window is not None and services.BlockStatus.NOT_OPEN_YET in statuses:
                turn.say(_why_not(turn, day, window))
                turn.goto("book_date")
            elif statuses & {services.BlockStatus.TAKEN, services.BlockStatus.YOURS}:
                turn.say(prompts.day_full())
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


class BookBlock(ListNode):
    name = "book_block"

    def _day(self, turn: Turn) -> date:
        return date.fromisoformat(turn.state["day"])

    def items(self, turn):
        [availability] = services.availability(
            turn.state["unit_id"],
            self._day(turn),
            self._day(turn),
            now=turn.now,
            resident_id=turn.resident_id,
            group_id=_group_id(turn),
        )
        return [cell.block.id for cell in availability.blocks if cell.bookable]

    def label(self, turn, item):
        return prompts.block_label(_block(services.get_unit(turn.state["unit_id"]), item))

    def intro(self, turn):
        return [prompts.date_read_back(self._day(turn)), prompts.ask_block()]

    def more_label(self):
        return prompts.more_blocks()

    def choose(self, turn, item):
        turn.goto("book_summary", choice=[turn.state["day"], item])

    def empty(self, turn):
        turn.say(prompts.day_full())
        turn.goto("book_date")


class BookSummary(Node):
    """Everything read back (place, date, times, fee, cancellation deadline) before the
    caller confirms. The confirmation's idempotency key belongs to this summary, so a
    repeated webhook, or the same summary confirmed again, books once."""

    name = "book_summary"

    def _choice(self, turn: Turn) -> tuple[date, int]:
        day, block_id = turn.state["choice"]
        return date.fromisoformat(day), block_id

    def _quote(self, turn: Turn) -> services.Quote:
        day, block_id = self._choice(turn)
        return services.quote(
            turn.state["unit_id"],
            day,
            [block_id],
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

    def prompt(self, turn):
        quote = self._quote(turn)
        group_id = _group_id(turn)
        for_group = [prompts.for_group(services.get_group(group_id))] if group_id else []
        return [
            *for_group,
            prompts.summary(
                quote.facility,
                quote.unit,
                quote.date,
                quote.blocks,
                quote.fee.fee_yen,
                quote.fee.exemption_percent,
                quote.cancel.last_day,
                quote.cancel.has_passed(turn.now),
            ),
            prompts.confirm_keys(),
        ]

    def simple(self, turn):
        return [prompts.confirm_keys_simple()]

    def keys(self, turn):
        return ["1", "2"]

    def handle(self, turn, digits):
        if digits == "2":
            turn.say(prompts.starting_over())
            turn.goto("book_facility")
            return True
        if digits != "1":
            return False
        day, block_id = self._choice(turn)
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
            return True
        except ReservationError as error:
            turn.event("refused", error.code)
            turn.say(prompts.refusal(error, turn.now))
            turn.goto("main")
            return True
        turn.event("booked", reservation_id=reservation.id)
        turn.goto("book_done", number=reservation.number)
        return True


class BookDone(Node):
    name = "book_done"
    result = True

    def prompt(self, turn):
        return [
            prompts.booked(),
            prompts.reservation_number(turn.state["number"]),
            prompts.number_keys(),
        ]

    def simple(self, turn):
        return [prompts.reservation_number(turn.state["number"]), prompts.number_keys_simple()]

    def keys(self, turn):
        return ["1", "9"]

    def handle(self, turn, digits):
        if digits == "1":
            turn.state["failures"] = 0
            turn.ask("full")
        elif digits == "9":
            turn.goto("main")
        else:
            return False
        return True
