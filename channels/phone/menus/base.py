"""What the menus are made of, and what they see of the call.

`Turn` is the engine's turn (flow.Turn) as a menu sees it: the menus speak, record
events and move the call through it, and never import the engine that runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from reservations import services

from .. import prompts
from ..speech import Speech


@dataclass(frozen=True)
class Call:
    """What one step sees of the call."""

    sid: str
    step: int  # the step being answered; the next one is step + 1
    state: dict[str, Any]
    resident_id: int | None
    started_at: datetime
    now: datetime


class Turn(Protocol):
    """One webhook's worth of the call, as the menus use it."""

    call: Call
    now: datetime
    state: dict[str, Any]
    resident_id: int | None

    @property
    def today(self) -> date: ...

    def actor(self) -> services.Actor: ...

    def say(self, *speeches: Speech) -> None: ...

    def event(
        self, kind: str, detail: str | None = None, reservation_id: int | None = None
    ) -> None: ...

    def goto(self, name: str, **updates: Any) -> None:
        """Move to a menu and ask its question."""

    def resume(self) -> None:
        """Back to the menu the caller was in before the transfer to a person."""

    def ask(self, mode: str) -> None:
        """Ask the current menu's question again ("full": in full)."""

    def person_available(self) -> bool:
        """Whether `0` would reach a person now (the counter's telephone, in its hours):
        only then is a person offered."""


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


def is_number(digits: str, length: int) -> bool:
    """Keypad digits: ASCII only (str.isdigit() also takes ² and ١, which int() or the
    check digit then choke on)."""
    return len(digits) == length and digits.isascii() and digits.isdigit()


MORE_KEY = "4"  # the next page of a list: three items a page, four keys at most


class ListNode(Node):
    """A list, a page at a time, each item before its key: 1–3 choose, 4 the next page
    (at most four keys a menu). `9`, `*` and `0` are the engine's, as everywhere."""

    page_size = 3
    selectable = True
    one_say_per_item = False  # long items (reservations): each said on its own

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
        if not self._has_more(turn):
            return turn.state["items"]
        start = turn.state["page"] * self.page_size
        return turn.state["items"][start : start + self.page_size]

    def _has_more(self, turn: Turn) -> bool:
        """Four items fit one menu; more are paged three at a time, 4 the next."""
        return len(turn.state["items"]) > self.page_size + 1

    def listing(self, turn: Turn) -> Speech:
        listed = [
            (self.label(turn, item), str(index))
            for index, item in enumerate(self._page(turn), start=1)
        ]
        if self._has_more(turn):
            listed.append((self.more_label(), MORE_KEY))
        return prompts.choices(listed)

    def listings(self, turn: Turn) -> list[Speech]:
        if not self.one_say_per_item:
            return [self.listing(turn)]
        listed = [
            (self.label(turn, item), str(index))
            for index, item in enumerate(self._page(turn), start=1)
        ]
        if self._has_more(turn):
            listed.append((self.more_label(), MORE_KEY))
        return [
            prompts.choice(label, key, last=index == len(listed) - 1)
            for index, (label, key) in enumerate(listed)
        ]

    def prompt(self, turn):
        return [*self.intro(turn), *self.listings(turn)]

    def simple(self, turn):
        return self.listings(turn)

    def keys(self, turn):
        keys = [str(i) for i in range(1, len(self._page(turn)) + 1)] if self.selectable else []
        return keys + ([MORE_KEY] if self._has_more(turn) else [])

    def next_page(self, turn: Turn) -> None:
        pages = -(-len(turn.state["items"]) // self.page_size)
        turn.state["page"] = (turn.state["page"] + 1) % pages
        turn.state["failures"] = 0
        turn.ask("full")

    def handle(self, turn, digits):
        if digits == MORE_KEY and self._has_more(turn):
            self.next_page(turn)
            return True
        page = self._page(turn)
        if self.selectable and is_number(digits, 1) and 1 <= int(digits) <= len(page):
            self.choose(turn, page[int(digits) - 1])
            return True
        return False
