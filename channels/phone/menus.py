"""The menus of a call. Each speaks its question and handles the keys pressed; what
to offer, what it costs and what is allowed comes from reservations.services.

Keys 1–3 choose from a list (5: more, 9: the menu); `*`, `0`, silence and wrong keys
are handled for every menu by the engine in flow.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from reservations import rules, services
from reservations.errors import (
    AccountLocked,
    AlreadyCancelled,
    InvalidCredentials,
    ReservationError,
    SlotTaken,
    TooLateToCancel,
)
from reservations.models import TimeBlock, Unit
from reservations.settings import get_settings
from reservations.text import has_valid_check_digit

from . import prompts
from .speech import Reading, Speech

if TYPE_CHECKING:
    from .flow import Turn


class Node:
    name = ""
    digits = 1
    result = False  # a result was given: a second silence says goodbye
    needs_resident = True

    def enter(self, turn: Turn) -> None:
        """Prepare the node's state when the call arrives at it."""

    def prompt(self, turn: Turn) -> list[Speech]:
        raise NotImplementedError

    def simple(self, turn: Turn) -> list[Speech]:
        return self.prompt(turn)

    def keys(self, turn: Turn) -> list[str]:
        return []

    def help(self, turn: Turn) -> list[Speech]:
        keys = self.keys(turn)
        return [prompts.press_one_of(keys)] if keys else []

    def handle(self, turn: Turn, digits: str) -> bool:
        """Act on valid keys and return True; return False for keys that mean nothing
        here (the caller hears which keys work)."""
        return False


def _is_number(digits: str, length: int) -> bool:
    """Keypad digits: ASCII only (str.isdigit() also takes ² and ١, which int() or the
    check digit then choke on)."""
    return len(digits) == length and digits.isascii() and digits.isdigit()


class Registration(Node):
    name = "registration"
    digits = services.REGISTRATION_NUMBER_LENGTH
    needs_resident = False

    def prompt(self, turn):
        return [prompts.ask_registration()]

    def simple(self, turn):
        return [prompts.ask_registration_simple()]

    def help(self, turn):
        return [prompts.registration_help()]

    def handle(self, turn, digits):
        if not _is_number(digits, self.digits) or not has_valid_check_digit(digits):
            turn.say(prompts.registration_not_valid())
            return False
        turn.goto("pin", registration_no=digits)
        return True


class Pin(Node):
    name = "pin"
    digits = services.PIN_LENGTH
    needs_resident = False

    def prompt(self, turn):
        return [prompts.ask_pin()]

    def simple(self, turn):
        return [prompts.ask_pin_simple()]

    def help(self, turn):
        return [prompts.pin_help()]

    def handle(self, turn, digits):
        if not _is_number(digits, self.digits):
            return False
        registration_no = turn.state.get("registration_no")
        try:
            resident = services.verify_pin(
                "phone",
                pin=digits,
                now=turn.now,
                registration_no=registration_no,
                resident_id=None if registration_no else turn.state.get("hint"),
            )
        except InvalidCredentials:
            turn.event("sign_in_failed")
            if registration_no:
                turn.say(prompts.wrong_registration_or_pin())
                turn.goto("registration", registration_no=None)
            else:
                turn.say(prompts.wrong_pin())
                turn.goto("pin")
            return True
        except AccountLocked as locked:
            turn.event("locked")
            until = locked.params.get("until")
            turn.goto("locked", locked_until=until.isoformat() if until else None)
            return True
        turn.resident_id = resident.id
        turn.state.pop("registration_no", None)
        turn.state.pop("hint", None)
        turn.event("signed_in")
        turn.say(prompts.signed_in(resident.name, resident.name_kana))
        turn.goto("main")
        return True


class Locked(Node):
    name = "locked"
    result = True
    needs_resident = False

    def prompt(self, turn):
        until = turn.state.get("locked_until")
        moment = (
            datetime.fromisoformat(until).astimezone(get_settings().timezone) if until else None
        )
        return [
            prompts.locked(moment, turn.now.astimezone(get_settings().timezone)),
            prompts.locked_prompt(),
        ]

    def simple(self, turn):
        return [prompts.locked_prompt()]

    def help(self, turn):
        return [prompts.press_one_of(["0"])]


class Main(Node):
    name = "main"

    def prompt(self, turn):
        return [prompts.main_menu()]

    def simple(self, turn):
        return [prompts.main_menu_simple()]

    def keys(self, turn):
        return ["1", "2", "3"]

    def handle(self, turn, digits):
        target = {"1": "book_facility", "2": "hear", "3": "cancel_list"}.get(digits)
        if target is None:
            return False
        turn.goto(target)
        return True


class ListNode(Node):
    """A numbered list, a page at a time: 1–3 choose, 5 the next page, 9 the menu (at
    most five choices in a menu)."""

    page_size = 3
    selectable = True

    def items(self, turn: Turn) -> list[Any]:
        raise NotImplementedError

    def label(self, turn: Turn, item: Any) -> Speech:
        raise NotImplementedError

    def intro(self, turn: Turn) -> list[Speech]:
        return []

    def more_label(self) -> str:
        raise NotImplementedError

    def choose(self, turn: Turn, item: Any) -> None:
        raise NotImplementedError

    def empty(self, turn: Turn) -> None:
        raise NotImplementedError

    def enter(self, turn):
        items = self.items(turn)
        turn.state["items"] = items
        turn.state["page"] = 0
        if not items:
            self.empty(turn)

    def _page(self, turn: Turn) -> list[Any]:
        start = turn.state["page"] * self.page_size
        return turn.state["items"][start : start + self.page_size]

    def _has_more(self, turn: Turn) -> bool:
        return len(turn.state["items"]) > self.page_size

    def listing(self, turn: Turn) -> Speech:
        return Speech.join(
            prompts.numbered(str(index), self.label(turn, item))
            for index, item in enumerate(self._page(turn), start=1)
        )

    def footer(self, turn: Turn) -> Speech:
        return prompts.list_footer(self._has_more(turn), self.more_label())

    def prompt(self, turn):
        return [*self.intro(turn), self.listing(turn), prompts.choose_number(), self.footer(turn)]

    def simple(self, turn):
        return [prompts.choose_number(), self.listing(turn), self.footer(turn)]

    def keys(self, turn):
        keys = [str(i) for i in range(1, len(self._page(turn)) + 1)] if self.selectable else []
        return keys + (["5"] if self._has_more(turn) else []) + ["9"]

    def handle(self, turn, digits):
        if digits == "9":
            turn.goto("main")
            return True
        if digits == "5" and self._has_more(turn):
            pages = -(-len(turn.state["items"]) // self.page_size)
            turn.state["page"] = (turn.state["page"] + 1) % pages
            turn.state["failures"] = 0
            turn.ask("full")
            return True
        page = self._page(turn)
        if self.selectable and _is_number(digits, 1) and 1 <= int(digits) <= len(page):
            self.choose(turn, page[int(digits) - 1])
            return True
        return False


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


def _block(unit: Unit, block_id: int) -> TimeBlock:
    return next(block for block in unit.facility.time_blocks if block.id == block_id)


def _propose(turn: Turn, after: tuple[date, int] | None) -> None:
    """The next free block the core finds (after the one just offered, if any)."""
    found = services.next_free_blocks(
        turn.state["unit_id"], now=turn.now, after=after, limit=1, resident_id=turn.resident_id
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

    def _offer(self, turn: Turn) -> tuple[date, TimeBlock]:
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
        if not _is_number(digits, 4):
            return False
        day = _typed_date(digits, turn.today)
        if day is None:
            turn.say(prompts.no_such_date())
            return False
        unit_id = turn.state["unit_id"]
        [availability] = services.availability(
            unit_id, day, day, now=turn.now, resident_id=turn.resident_id
        )
        if availability.closed is not None:
            turn.say(prompts.date_read_back(day), prompts.closed_day(availability.closed))
            turn.goto("book_date")
        elif availability.has_free_block:
            turn.goto("book_block", day=day.isoformat())
        else:
            statuses = {cell.status for cell in availability.blocks}
            turn.say(prompts.date_read_back(day))
            if rules.NOT_OPEN_YET in statuses:
                turn.say(prompts.day_not_open_yet())
                turn.goto("book_date")
            elif statuses & {rules.TAKEN, rules.YOURS}:
                turn.say(prompts.day_full())
                last_block = services.get_unit(unit_id).facility.time_blocks[-1]
                _propose(turn, (day, last_block.id))
            else:
                turn.say(prompts.day_booking_closed())
                turn.goto("book_date")
        return True


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
        return services.quote(turn.state["unit_id"], day, [block_id], resident_id=turn.resident_id)

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
        return [
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


def _upcoming(turn: Turn) -> list[int]:
    return [r.id for r in services.reservations_of(turn.resident_id, now=turn.now).upcoming]


class Hear(ListNode):
    """Each upcoming reservation read in full, three at a time."""

    name = "hear"
    result = True
    selectable = False

    def items(self, turn):
        return _upcoming(turn)

    def enter(self, turn):
        super().enter(turn)
        if turn.state["items"]:
            turn.event("heard")

    def empty(self, turn):
        turn.say(prompts.no_reservations())
        turn.goto("main")

    def more_label(self):
        return prompts.more_reservations()

    def prompt(self, turn):
        start = turn.state["page"] * self.page_size
        items = [
            prompts.reservation_item(start + index, services.get_reservation(item))
            for index, item in enumerate(self._page(turn), start=1)
        ]
        count = [prompts.reservation_count(len(turn.state["items"]))] if start == 0 else []
        return [*count, *items, self.footer(turn)]

    def simple(self, turn):
        return [self.footer(turn)]

    def footer(self, turn):
        if not self._has_more(turn):
            return prompts.hear_end_keys()
        if (turn.state["page"] + 1) * self.page_size >= len(turn.state["items"]):
            return prompts.hear_again_from_start_keys()  # 5 goes round to the first page
        return super().footer(turn)


class CancelList(ListNode):
    name = "cancel_list"

    def items(self, turn):
        return _upcoming(turn)

    def empty(self, turn):
        turn.say(prompts.no_reservations())
        turn.goto("main")

    def label(self, turn, item):
        return prompts.cancel_item(services.get_reservation(item))

    def intro(self, turn):
        return [prompts.ask_which_to_cancel()]

    def more_label(self):
        return prompts.more_reservations()

    def choose(self, turn, item):
        try:
            services.check_cancellable(turn.actor(), reservation_id=item, now=turn.now)
        except TooLateToCancel as error:
            turn.event("refused", error.code, reservation_id=item)
            turn.goto(
                "cancel_too_late",
                reservation_id=item,
                last_day=error.params["last_day"].isoformat(),
            )
        except AlreadyCancelled:
            turn.say(prompts.already_cancelled())
            turn.goto("main")
        except ReservationError as error:
            turn.event("refused", error.code, reservation_id=item)
            turn.say(prompts.cannot_cancel())
            turn.goto("main")
        else:
            turn.goto("cancel_confirm", reservation_id=item)


class CancelTooLate(Node):
    name = "cancel_too_late"
    result = True

    def prompt(self, turn):
        reservation = services.get_reservation(turn.state["reservation_id"])
        return [
            prompts.too_late_to_cancel(
                date.fromisoformat(turn.state["last_day"]),
                reservation.unit.facility.cancel_days_before,
            ),
            prompts.too_late_keys(),
        ]

    def simple(self, turn):
        return [prompts.too_late_keys()]

    def keys(self, turn):
        return ["9"]

    def handle(self, turn, digits):
        if digits != "9":
            return False
        turn.goto("main")
        return True


class CancelConfirm(Node):
    name = "cancel_confirm"

    def prompt(self, turn):
        reservation = services.get_reservation(turn.state["reservation_id"])
        return [prompts.confirm_cancel(reservation), prompts.confirm_cancel_keys()]

    def simple(self, turn):
        return [prompts.confirm_cancel_keys_simple()]

    def keys(self, turn):
        return ["1", "2"]

    def handle(self, turn, digits):
        if digits == "2":
            turn.say(prompts.not_cancelled())
            turn.goto("main")
            return True
        if digits != "1":
            return False
        reservation_id = turn.state["reservation_id"]
        try:
            services.cancel(turn.actor(), reservation_id=reservation_id, now=turn.now)
        except AlreadyCancelled:
            if not self._cancelled_in_this_call(turn, reservation_id):
                turn.say(prompts.already_cancelled())
                turn.goto("main")
                return True
        except TooLateToCancel as error:
            turn.event("refused", error.code, reservation_id=reservation_id)
            turn.goto("cancel_too_late", last_day=error.params["last_day"].isoformat())
            return True
        except ReservationError as error:
            turn.event("refused", error.code, reservation_id=reservation_id)
            turn.say(prompts.cannot_cancel())
            turn.goto("main")
            return True
        else:
            turn.event("cancelled", reservation_id=reservation_id)
        turn.goto("cancel_done")
        return True

    @staticmethod
    def _cancelled_in_this_call(turn: Turn, reservation_id: int) -> bool:
        """A repeated confirmation racing the first: the first one cancelled it."""
        reservation = services.get_reservation(reservation_id)
        return (
            reservation.resident_id == turn.resident_id
            and reservation.cancelled_channel == "phone"
            and reservation.cancelled_at is not None
            and reservation.cancelled_at >= turn.call.started_at
        )


class CancelDone(Node):
    name = "cancel_done"
    result = True

    def prompt(self, turn):
        return [prompts.cancelled(), prompts.back_to_menu()]

    def simple(self, turn):
        return [prompts.back_to_menu()]

    def keys(self, turn):
        return ["9"]

    def handle(self, turn, digits):
        if digits != "9":
            return False
        turn.goto("main")
        return True


class AfterDial(Node):
    """The counter did not answer: back to the automatic service, or goodbye."""

    name = "after_dial"
    result = True
    needs_resident = False

    def prompt(self, turn):
        return [prompts.nobody_answered(), prompts.back_to_automatic()]

    def simple(self, turn):
        return [prompts.back_to_automatic_simple()]

    def keys(self, turn):
        return ["1"]

    def handle(self, turn, digits):
        if digits != "1":
            return False
        target = turn.state.pop("return_node", None) or "main"
        if NODES[target].needs_resident and turn.resident_id is None:
            target = "pin" if turn.state.get("hint") else "registration"
        if target == "after_dial":
            target = "main" if turn.resident_id else "registration"
        turn.goto(target)
        return True


NODES: dict[str, Node] = {
    node.name: node
    for node in (
        Registration(),
        Pin(),
        Locked(),
        Main(),
        BookFacility(),
        BookUnit(),
        BookHow(),
        BookOffer(),
        BookDate(),
        BookBlock(),
        BookSummary(),
        BookDone(),
        Hear(),
        CancelList(),
        CancelTooLate(),
        CancelConfirm(),
        CancelDone(),
        AfterDial(),
    )
}
