"""The most characters a form's text field may hold, shown beside the field.

The maximum lives in one place, the model column the core stores the text in; the
core refuses longer text (InvalidInput(field, TOO_LONG, maximum)) and each channel
words that refusal. `Fits(column)` only carries the maximum to the form, where the
shared `input` macro says it in the field's hint ("100文字まで"): a browser's
`maxlength` would cut a pasted name silently instead.
"""

from __future__ import annotations

from reservations import services


class Fits:
    """A field's maximum (`field.flags.maximum`), from the model column it fills."""

    def __init__(self, column) -> None:
        self.maximum = services.column_maximum(column)
        self.field_flags = {"maximum": self.maximum}

    def __call__(self, form, field) -> None:
        """Nothing to check here: the core judges the length, with the rest."""
