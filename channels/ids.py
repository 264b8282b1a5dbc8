"""Ids in addresses, query strings and forms: the database's ids are 32-bit on
PostgreSQL (and 64-bit on SQLite), so a number beyond them names nothing. It must
be answered as "not found" or as a wrong choice, never reach the database, where it
is an error (SQLite cannot bind it; PostgreSQL says the value is out of range)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER


def parse_id(text: str | None) -> int | None:
    """An id as typed in ASCII digits, or None (fullwidth, superscript and other
    Unicode digits, signs, spaces, and numbers beyond MAX_ID are no id)."""
    text = text or ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond MAX_ID matches no page (404)."""

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed
