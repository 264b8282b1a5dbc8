"""The web channel's forms. Every field is validated on the server; messages say
what to do, in the resident's language."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from reservations import services

from ..formatting import TYPED_YEARS
from ..ids import parse_id

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def parse_date(text: str) -> date | None:
    """2026-12-16 (what a date field sends), 2026/12/16 or 2026年12月16日, in any width."""
    match = _DATE.match(unicodedata.normalize("NFKC", text or ""))
    if not match:
        return None
    try:
        parsed = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return parsed if parsed.year in TYPED_YEARS else None


class DateForm(FlaskForm):
    """The plain date field beside the availability table (a GET form)."""

    class Meta:
        csrf = False

    date = StringField(_l("Or enter a date"))

    def __init__(self, *args, earliest: date, latest: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.earliest, self.latest = earliest, latest
        self.day: date | None = None

    def validate_date(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter a date, for example 2026-12-16."))
        day = parse_date(field.data)
        if day is None:
            raise ValidationError(_l("Enter a real date, for example 2026-12-16."))
        if day < self.earliest:
            raise ValidationError(_l("The date must be today or later."))
        if day > self.latest:
            raise ValidationError(_l("The date must be within the next year."))
        self.day = day


class SearchForm(DateForm):
    """Which places are free on a day (a GET form): the date, and optionally a part
    of the day, a kind of facility and step-free access only."""

    date = StringField(_l("Date"))
    part = SelectField(_l("Time of day"), default="", validate_choice=False)
    kind = SelectField(_l("Kind of facility"), default="", validate_choice=False)
    step_free = BooleanField(_l("Only places with step-free access"))

    def validate_part(self, field) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(_l("Choose from the list."))

    validate_kind = validate_part


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist) -> None:
        ids = [parse_id(str(v)) for v in valuelist]
        self.data = [i for i in ids if i is not None]
        self._bad_values = len(self.data) != len(valuelist)

    def pre_validate(self, form) -> None:
        known = {value for value, *_ in self.iter_choices()}
        if getattr(self, "_bad_values", False) or any(v not in known for v in self.data or []):
            raise ValidationError(_l("Choose from the times listed."))


class BlocksForm(FlaskForm):
    blocks = MultiCheckboxField(_l("Times"), coerce=int)

    def __init__(self, *args, free: set[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.free = free

    def validate_blocks(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one time."))
        if any(block_id not in self.free for block_id in field.data):
            raise ValidationError(
                _l("A time you chose is no longer free. Choose from the free times.")
            )


class SignInForm(FlaskForm):
    registration_no = StringField(_l("Registration number"))
    pin = PasswordField(_l("PIN"))

    def validate_registration_no(self, field) -> None:
        digits = services.digits_only(field.data or "")
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter your registration number."))
        if len(digits) != services.REGISTRATION_NUMBER_LENGTH or not services.has_valid_check_digit(
            digits
        ):
            raise ValidationError(
                _l(
                    "Enter the 6-digit registration number as it is "
                    "written on your registration card."
                )
            )
        field.data = digits

    def validate_pin(self, field) -> None:
        digits = services.digits_only(field.data or "")
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter your PIN."))
        if len(digits) != services.PIN_LENGTH:
            raise ValidationError(_l("Enter your 4-digit PIN."))
        field.data = digits


class ForWhomRadioField(RadioField):
    def pre_validate(self, form) -> None:
        if self.data not in {value for value, *_ in self.iter_choices()}:
            raise ValidationError(_l("Choose who the booking is for, from the list."))


class ForWhomForm(FlaskForm):
    """A member of groups books for themself or for one of their groups."""

    for_whom = ForWhomRadioField(_l("Who is this booking for?"))
