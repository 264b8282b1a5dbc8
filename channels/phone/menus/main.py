"""The main menu, and the way back to it after the counter did not answer."""

from __future__ import annotations

from .. import prompts
from .base import Node
from .for_whom import groups_to_offer


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
        if target == "book_facility" and groups_to_offer(turn):
            target = "book_for_whom"  # a member of groups: for whom, first
        turn.goto(target, group_id=None)
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
        turn.resume()
        return True
