"""Signing in: the registration number (unless the caller ID hinted who is calling),
the PIN, and what a locked account hears."""

from __future__ import annotations

from datetime import datetime

from reservations import services
from reservations.errors import AccountLocked, InvalidCredentials

from .. import prompts
from .base import Node, is_number


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
        if not is_number(digits, self.digits) or not services.has_valid_check_digit(digits):
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
        if not is_number(digits, self.digits):
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
        tz = services.town_timezone()
        moment = datetime.fromisoformat(until).astimezone(tz) if until else None
        return [
            prompts.locked(moment, turn.now.astimezone(tz)),
            prompts.locked_prompt(turn.person_available()),
        ]

    def simple(self, turn):
        return [prompts.locked_prompt(turn.person_available())]

    def help(self, turn):
        return [prompts.press_one_of(["0"])]
