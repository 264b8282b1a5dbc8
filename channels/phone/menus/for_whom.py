"""For whom a caller books: themself or one of their groups (団体). A member of
exactly one group hears 「ご自身のご予約は1、<団体>のご予約は2」; of several, the groups
are listed three at a time (with 4 for the next ones: four keys at most a menu), each
item before its key (measured: a page of the demo's longest names is about 10 s). The choice stays
with the call (`group_id`) for the booking that follows; the core decides what the
group may book."""

from __future__ import annotations

from reservations import services

from .. import prompts
from .base import MORE_KEY, Node, Turn, is_number
from .booking import start_booking

PAGE = 3  # choices a page (yourself first), and 4 for the next when there are more


def groups_to_offer(turn: Turn) -> list[int]:
    """The caller's groups that are not dissolved (the core refuses the others with
    the reason when the caller books)."""
    return [membership.group_id for membership in services.groups_of(turn.resident_id)]


class BookForWhom(Node):
    name = "book_for_whom"

    def enter(self, turn):
        turn.state["whom"] = [None, *groups_to_offer(turn)]
        turn.state["whom_page"] = 0

    def _paged(self, turn: Turn) -> bool:
        return len(turn.state["whom"]) > PAGE + 1

    def _page(self, turn: Turn) -> list[int | None]:
        choices = turn.state["whom"]
        if not self._paged(turn):
            return choices
        start = turn.state["whom_page"] * PAGE
        return choices[start : start + PAGE]

    def _label(self, choice: int | None):
        if choice is None:
            return prompts.yourself()
        return prompts.group_reading(services.get_group(choice))

    def prompt(self, turn):
        choices = turn.state["whom"]
        if len(choices) == 2:
            return [prompts.for_whom_one_group(services.get_group(choices[1]))]
        listed = [(self._label(c), str(i)) for i, c in enumerate(self._page(turn), start=1)]
        if self._paged(turn):
            listed.append((prompts.more_groups(), MORE_KEY))
        return [prompts.for_whom_groups(listed)]

    def simple(self, turn):
        if len(turn.state["whom"]) == 2:
            return [prompts.for_whom_one_group_simple()]
        return self.prompt(turn)

    def keys(self, turn):
        keys = [str(i) for i in range(1, len(self._page(turn)) + 1)]
        return keys + ([MORE_KEY] if self._paged(turn) else [])

    def handle(self, turn, digits):
        if digits == MORE_KEY and self._paged(turn):
            pages = -(-len(turn.state["whom"]) // PAGE)
            turn.state["whom_page"] = (turn.state["whom_page"] + 1) % pages
            turn.state["failures"] = 0
            turn.ask("full")
            return True
        page = self._page(turn)
        if not (is_number(digits, 1) and 1 <= int(digits) <= len(page)):
            return False
        group_id = page[int(digits) - 1]
        if group_id is not None:
            turn.say(prompts.for_group(services.get_group(group_id)))
        start_booking(turn, turn.state.get("how", "next"), group_id)
        return True
