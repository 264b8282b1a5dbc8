"""The caller's reservations: hearing each upcoming one, and cancelling one. Their
groups' bookings that the group's rule lets them cancel are read with their own, each
said to be the group's."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.errors import AlreadyCancelled, ReservationError, TooLateToCancel

from .. import prompts
from .base import ListNode, Node, Turn
from .waitlist import open_offer


def _upcoming(turn: Turn) -> list[int]:
    own = services.reservations_of(turn.resident_id, now=turn.now).upcoming
    groups = services.group_bookings_handled_by(turn.resident_id, turn.now)
    return [r.id for r in sorted([*own, *groups], key=lambda r: (r.start_at, r.id))]


def _hold_due(reservation: services.Reservation, now) -> list:
    """A hold's payment, read with it in the list."""
    terms = services.hold_terms(reservation, now)
    if terms is None:
        return []
    return [prompts.hold_due(terms.last_day, terms.fee_yen, terms.on_the_day)]


def _for_group(reservation: services.Reservation) -> list:
    return [prompts.for_group(reservation.group)] if reservation.group is not None else []


class Hear(ListNode):
    """Each upcoming reservation read in full, three at a time: 1 the next three (or
    from the start again), `*` the same again, 9 the menu."""

    name = "hear"
    result = True
    selectable = False

    def items(self, turn):
        return _upcoming(turn)

    def enter(self, turn):
        offer = open_offer(turn)
        if offer is not None:
            turn.goto("waitlist_offer", entry_id=offer)  # answered first, then the list
            return
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
        items = []
        for index, item in enumerate(self._page(turn), start=1):
            reservation = services.get_reservation(turn.actor(), item)
            items += [
                *_for_group(reservation),
                prompts.reservation_item(start + index, reservation),
                prompts.reservation_number_heard(reservation.number),
                *_hold_due(reservation, turn.now),
                *(
                    [prompts.access_code(reservation.access_code)]
                    if reservation.access_code and reservation.is_active
                    else []
                ),
            ]
        count = [prompts.reservation_count(len(turn.state["items"]))] if start == 0 else []
        return [*count, *items, self.footer(turn)]

    def simple(self, turn):
        return [self.footer(turn)]

    def _has_more(self, turn):
        return len(turn.state["items"]) > self.page_size

    def footer(self, turn):
        if not self._has_more(turn):
            return prompts.task_done()
        if (turn.state["page"] + 1) * self.page_size >= len(turn.state["items"]):
            return prompts.hear_again_from_start_keys()  # 1 goes round to the first page
        return prompts.hear_more_keys()

    def keys(self, turn):
        return ["1"] if self._has_more(turn) else []

    def help(self, turn):
        return [self.footer(turn)]

    def handle(self, turn, digits):
        if digits == "1" and self._has_more(turn):
            self.next_page(turn)
            return True
        return False


class CancelList(ListNode):
    """Only what the caller may cancel now (the core says): a booking past its
    deadline is not offered, to be refused after it was chosen."""

    name = "cancel_list"
    one_say_per_item = True

    def items(self, turn):
        upcoming = _upcoming(turn)
        turn.state["nothing_upcoming"] = not upcoming
        return [item for item in upcoming if _cancellable(turn, item)]

    def empty(self, turn):
        if turn.state.pop("nothing_upcoming", False):
            turn.say(prompts.no_reservations())
        else:
            turn.say(prompts.nothing_to_cancel())
        turn.goto("main")

    def label(self, turn, item):
        return prompts.cancel_item(services.get_reservation(turn.actor(), item))

    def intro(self, turn):
        return [prompts.ask_which_to_cancel()]

    def more_label(self):
        return prompts.more_reservations()

    def choose(self, turn, item):
        try:
            services.check_cancellable(turn.actor(), reservation_id=item, now=turn.now)
        except TooLateToCancel as error:
            turn.event("refused", error.code, reservation_id=item)
            _too_late(turn, error, reservation_id=item)
        except AlreadyCancelled as error:
            turn.say(prompts.refusal(error, turn.now))
            turn.goto("main")
        except ReservationError as error:
            turn.event("refused", error.code, reservation_id=item)
            turn.say(prompts.cannot_cancel())
            turn.goto("main")
        else:
            turn.goto("cancel_confirm", reservation_id=item)


def _cancellable(turn: Turn, reservation_id: int) -> bool:
    try:
        services.check_cancellable(turn.actor(), reservation_id=reservation_id, now=turn.now)
    except ReservationError:
        return False
    return True


def _too_late(turn: Turn, error: TooLateToCancel, **updates) -> None:
    """The deadline and the facility's rule, as the core gave them."""
    turn.goto(
        "cancel_too_late",
        last_day=error.params["last_day"].isoformat(),
        days_before=error.params["days_before"],
        **updates,
    )


class CancelTooLate(Node):
    name = "cancel_too_late"
    result = True

    def prompt(self, turn):
        return [
            prompts.too_late_to_cancel(
                date.fromisoformat(turn.state["last_day"]), turn.state["days_before"]
            ),
            prompts.too_late_keys(turn.person_available()),
        ]

    def simple(self, turn):
        return [prompts.too_late_keys(turn.person_available())]


class CancelConfirm(Node):
    """The reservation read back before the caller confirms. As with a booking, the
    confirmation's idempotency key belongs to this question: the same confirmation
    again (a repeated webhook, or the question asked again after a lost answer) is the
    cancellation already made, not "already cancelled"."""

    name = "cancel_confirm"

    def enter(self, turn):
        turn.state["cancel_key"] = f"phone-cancel:{turn.call.sid}:{turn.call.step}"

    def prompt(self, turn):
        reservation = services.get_reservation(turn.actor(), turn.state["reservation_id"])
        return [
            *_for_group(reservation),
            prompts.confirm_cancel(reservation),
            *_series_date(reservation),
            prompts.confirm_cancel_keys(),
        ]

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
            services.cancel(
                turn.actor(),
                reservation_id=reservation_id,
                now=turn.now,
                idempotency_key=turn.state["cancel_key"],
            )
        except AlreadyCancelled as error:
            turn.say(prompts.refusal(error, turn.now))
            turn.goto("main")
            return True
        except TooLateToCancel as error:
            turn.event("refused", error.code, reservation_id=reservation_id)
            _too_late(turn, error)
            return True
        except ReservationError as error:
            turn.event("refused", error.code, reservation_id=reservation_id)
            turn.say(prompts.cannot_cancel())
            turn.goto("main")
            return True
        turn.event("cancelled", reservation_id=reservation_id)
        turn.goto("cancel_done")
        return True


class CancelDone(Node):
    name = "cancel_done"
    result = True

    def prompt(self, turn):
        return [prompts.cancelled(), prompts.task_done()]

    def simple(self, turn):
        return [prompts.task_done_simple()]

    def help(self, turn):
        return [prompts.task_done()]


def _series_date(reservation) -> list:
    """A date of a series says which, and that only it is cancelled."""
    position = services.series_position(reservation)
    return [prompts.series_date(position)] if position else []
