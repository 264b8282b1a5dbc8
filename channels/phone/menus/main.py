"""The main menu, and the way back to it after the counter did not answer."""

from __future__ import annotations

from .. import prompts
from .base import Node
from .booking import BY_DATE, NEXT, start_booking
from .for_whom import groups_to_offer

TASKS = {"1": NEXT, "2": BY_DATE, "3": "hear", "4": "cancel_list"}


class Main(Node):
    name = "main"

    def prompt(self, turn):
        return [prompts.main_menu()]

    def simple(self, turn):
        return [prompts.main_menu_simple()]

    def keys(self, turn):
        return list(TASKS)

    def handle(self, turn, digits):
        task = TASKS.get(digits)
        if task is None:
            return False
        turn.state["group_id"] = None
        if task in (NEXT, BY_DATE):
            if groups_to_offer(turn):  # a member of groups: for whom, first
                turn.goto("book_for_whom", how=task)
            else:
                start_booking(turn, task)
        else:
            turn.goto(task)
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
