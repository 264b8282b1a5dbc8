"""The waitlist (キャンセル待ち) on the phone: an open offer is read before the caller's
reservations (in "hear my reservations"), with its deadline, and answered with 1
(accept: the hold stays, read with its payment) or 2 (decline); and when the day the
caller chose has no free time, 1 puts them in line for a booked time (which one, when
several), 2 goes on to the next free time."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.errors import ReservationError

from .. import prompts
from ..speech import spoken_time_range
from .base import ListNode, Node, Turn
from .booking import _group_id, _propose


def open_offer(turn: Turn) -> int | None:
    """The first entry of the caller's with an offer still to answer (the core says
    which can be: not lapsed) and not yet answered in this call."""
    heard = turn.state.get("offers_heard", [])
    for place in services.waitlist_of(turn.resident_id, turn.now):
        if place.offer is not None and place.entry.id not in heard:
            return place.entry.id
    return None


class WaitlistOffer(Node):
    """A freed time offered to the caller: 1 accepts it, 2 declines it; then their
    reservations are read (the accepted one among them, with its payment)."""

    name = "waitlist_offer"

    def _place(self, turn: Turn) -> services.WaitlistPlace:
        return services.waitlist_place(turn.actor(), turn.state["entry_id"], turn.now)

    def _what(self, turn: Turn) -> list:
        place = self._place(turn)
        if place.offer is None:
            return []
        return [
            prompts.waitlist_offer(place.offer),
            prompts.waitlist_offer_deadline(place.entry.offer_expires_at, turn.today),
        ]

    def prompt(self, turn):
        return [*self._what(turn), prompts.waitlist_offer_keys()]

    def simple(self, turn):
        return [*self._what(turn), prompts.waitlist_offer_keys_simple()]

    def keys(self, turn):
        return ["1", "2"]

    def handle(self, turn, digits):
        if digits not in ("1", "2"):
            return False
        entry_id = turn.state["entry_id"]
        answer = services.accept_offer if digits == "1" else services.decline_offer
        try:
            done = answer(turn.actor(), entry_id=entry_id, now=turn.now)
        except ReservationError as error:
            turn.event("refused", error.code)
            turn.say(prompts.refusal(error, turn.now))
        else:
            if digits == "1":
                turn.event("waitlist_accepted", reservation_id=done.id)
                turn.say(prompts.waitlist_accepted())
            else:
                turn.event("waitlist_declined")
                turn.say(prompts.waitlist_declined())
        turn.state["offers_heard"] = [*turn.state.get("offers_heard", []), entry_id]
        turn.goto("hear")
        return True


class WaitlistAsk(Node):
    """The day chosen has no free time: 1 waits for a booked time, 2 hears the next
    free one (as before)."""

    name = "waitlist_ask"

    def prompt(self, turn):
        return [prompts.waitlist_ask()]

    def simple(self, turn):
        return [prompts.waitlist_ask_simple()]

    def keys(self, turn):
        return ["1", "2"]

    def handle(self, turn, digits):
        if digits == "2":
            day, block_id = turn.state["wait_after"]
            _propose(turn, (date.fromisoformat(day), block_id))
            return True
        if digits != "1":
            return False
        blocks = turn.state["wait_blocks"]
        if len(blocks) == 1:
            join(turn, blocks[0])
        else:
            turn.goto("waitlist_block")
        return True


class WaitlistBlock(ListNode):
    """Which booked time to wait for, each before its key."""

    name = "waitlist_block"

    def items(self, turn):
        return list(turn.state["wait_blocks"])

    def label(self, turn, item):
        block = next(
            b for b in services.get_unit(turn.state["unit_id"]).facility.time_blocks if b.id == item
        )
        return spoken_time_range(block.start_time, block.end_time)

    def intro(self, turn):
        return [prompts.waitlist_which_block()]

    def more_label(self):
        return prompts.more_reservations()

    def choose(self, turn, item):
        join(turn, item)

    def empty(self, turn):
        turn.goto("main")


def join(turn: Turn, block_id: int) -> None:
    """Put the caller (or the group they book for) in line for the block."""
    try:
        entry = services.join_waitlist(
            turn.actor(),
            resident_id=turn.resident_id,
            group_id=_group_id(turn),
            unit_id=turn.state["unit_id"],
            day=date.fromisoformat(turn.state["wait_day"]),
            block_ids=[block_id],
            now=turn.now,
        )
    except ReservationError as error:
        turn.event("refused", error.code)
        turn.say(prompts.refusal(error, turn.now))
        turn.goto("main")
        return
    turn.event("waitlist_joined")
    place = services.waitlist_place(turn.actor(), entry.id, turn.now)
    turn.goto("waitlist_joined", position=place.position)


class WaitlistJoined(Node):
    name = "waitlist_joined"
    result = True

    def prompt(self, turn):
        return [prompts.waitlist_joined(turn.state["position"]), prompts.task_done()]

    def simple(self, turn):
        return [prompts.task_done_simple()]

    def help(self, turn):
        return [prompts.task_done()]
