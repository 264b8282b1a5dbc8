"""The numbers residents read out and type: registration and reservation numbers
(each with a check digit, so that a mistyped or misheard digit is caught before any
lookup), PINs and phone numbers. Channels use these to check what was typed before
they ask a service."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from ..db import db
from ..errors import InputProblem, InvalidInput
from ..text import (
    digits_only,
    format_phone_national,
    has_valid_check_digit,
    normalize_phone,
    random_number_with_check_digit,
)

__all__ = [
    "GROUP_NUMBER_LENGTH",
    "GROUP_NUMBER_PREFIX",
    "PIN_LENGTH",
    "REGISTRATION_NUMBER_LENGTH",
    "RESERVATION_NUMBER_LENGTH",
    "checked_pin",
    "digits_only",
    "format_phone_national",
    "has_valid_check_digit",
    "new_unique_number",
    "normalize_phone",
    "pin_problem",
]

RESERVATION_NUMBER_LENGTH = 8
REGISTRATION_NUMBER_LENGTH = 6
# A group's registration number (団体登録番号): the residents' check digit, in a range of
# its own that no resident's or reservation's number can fall in (seven digits from 9).
GROUP_NUMBER_LENGTH = 7
GROUP_NUMBER_PREFIX = "9"
PIN_LENGTH = 4


def new_unique_number(column, length: int, prefix: str = "") -> str:
    """A random number with a check digit that `column` does not hold yet."""
    while True:
        number = random_number_with_check_digit(length, prefix)
        if not db.session.scalar(number_used(column, number)):
            return number


def number_used(column, number: str):
    """How many rows hold `number` in `column` (a query of one value: 0 or 1), for a
    caller that asks it with others (booking_rules.scalars)."""
    return select(func.count()).where(column == number)


def pin_problem(pin: str) -> InputProblem | None:
    """Why a PIN cannot be used: FORMAT (not four digits) or TOO_SIMPLE."""
    if len(pin) != PIN_LENGTH or not pin.isdigit() or not pin.isascii():
        return InputProblem.FORMAT
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return InputProblem.TOO_SIMPLE  # 0000, 1234, 9876
    return None


def _new_pin() -> str:
    while True:
        pin = "".join(str(secrets.randbelow(10)) for _ in range(PIN_LENGTH))
        if pin_problem(pin) is None:
            return pin


def checked_pin(pin: str | None) -> str:
    """The PIN chosen, when it can be used, or a new one when none was chosen."""
    if pin is None:
        return _new_pin()
    problem = pin_problem(pin)
    if problem is not None:
        raise InvalidInput(field="pin", problem=problem)
    return pin
