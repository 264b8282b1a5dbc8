"""Normalisation of what people type: names, kana, phone numbers, digit strings."""

from __future__ import annotations

import re
import secrets
import unicodedata

import phonenumbers

from .errors import InputProblem, InvalidInput

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


def search_key(text: str) -> str:
    """A key under which 'ヤマダ　タロウ', 'やまだたろう' and 'ﾔﾏﾀﾞ ﾀﾛｳ' are the same.

    NFKC folds full-width Latin and digits to half width and half-width katakana to
    full width; katakana then become hiragana; spaces of every width go; Latin is
    lower-cased.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA)
    return "".join(ch for ch in folded if not ch.isspace()).casefold()


# Bidirectional embeddings, overrides and isolates: they can make a name or a reason
# read differently from what is stored (U+202E turns the text after it around).
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def clean_text(text: str | None, *, multiline: bool = False) -> str:
    """What people type, as it is kept: without control characters (NUL, escapes,
    bidirectional overrides; line breaks only where a text may have lines, as \\n),
    and without spaces around it."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch == "\n" and multiline:
            kept.append(ch)
        elif ch in "\t\n":
            kept.append(" ")
        elif unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS:
            kept.append(ch)
    return "".join(kept).strip()


def digits_only(text: str) -> str:
    """Digits typed in any width, with spaces, hyphens or dashes between them."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch.isdigit() and ch.isascii())


def normalize_phone(text: str) -> tuple[str, bool]:
    """A Japanese phone number in any common format as (E.164, is it a mobile number).

    Raises InvalidInput(field="phone") when it is not a valid Japanese number.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    try:
        number = phonenumbers.parse(folded, "JP")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(field="phone", problem=InputProblem.INVALID) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field="phone", problem=InputProblem.INVALID)
    kind = phonenumbers.number_type(number)
    is_mobile = kind in (phonenumbers.PhoneNumberType.MOBILE,)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), is_mobile


# The kinds of number a voice call can ring (fixed lines, 050 IP phones, 070/080/090
# mobiles called when SMS cannot be used); free dial, pagers and the like cannot be.
CALLABLE_NUMBER_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    }
)


def can_be_called(e164: str) -> bool:
    """Whether an outbound voice call can ring this number (libphonenumber's type:
    '+81312345678' yes, '+81120123456' (0120, free dial) no)."""
    try:
        number = phonenumbers.parse(e164, "JP")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in CALLABLE_NUMBER_TYPES


def format_phone_national(e164: str) -> str:
    """'+81312345678' as '03-1234-5678', the way it is written in Japan."""
    number = phonenumbers.parse(e164, "JP")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def has_valid_check_digit(number: str) -> bool:
    return (
        len(number) >= 2
        and number.isascii()
        and number.isdigit()
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def random_number_with_check_digit(length: int, prefix: str = "") -> str:
    """A random number of `length` digits (no leading zero; starting with `prefix` when
    one is given) whose last digit is a Luhn check digit, so that a mistyped or
    misheard digit is caught before any lookup."""
    first = prefix or str(secrets.randbelow(9) + 1)
    body = first + "".join(str(secrets.randbelow(10)) for _ in range(length - 1 - len(first)))
    return body + luhn_check_digit(body)


def column_maximum(column) -> int | None:
    """The most characters a model column keeps: its String length, or for a Text
    column the `max_length` in its `info` (the one place each text's maximum lives)."""
    stored = column.property.columns[0]
    return getattr(stored.type, "length", None) or stored.info.get("max_length")


def column_text(
    column, field: str, value: str | None, *, multiline: bool = False, required: bool = False
) -> str:
    """`value` as it is kept in `column` (see clean_text): InvalidInput(field,
    TOO_LONG, maximum) when it is longer than the column keeps, and (when `required`)
    InvalidInput(field, REQUIRED) when nothing is left of it."""
    maximum = column_maximum(column)
    if maximum is not None and value is not None and len(value) > 4 * maximum + 1000:
        # Far too long whatever cleaning would remove: refused before any is done.
        raise InvalidInput(field=field, problem=InputProblem.TOO_LONG, maximum=maximum)
    value = clean_text(value, multiline=multiline)
    if required and not value:
        raise InvalidInput(field=field, problem=InputProblem.REQUIRED)
    if maximum is not None and len(value) > maximum:
        raise InvalidInput(field=field, problem=InputProblem.TOO_LONG, maximum=maximum)
    return value


def fitted_key(column, text: str) -> str:
    """search_key(text) cut to what `column` keeps: NFKC may lengthen a name (㍿ is
    株式会社), and a search matches on the part kept."""
    return search_key(text)[: column_maximum(column)]


# Hiragana (with ゝゞゟ), katakana (with ヽヾヿ), the long-vowel mark and the middle dot
# of foreign names, after NFKC (which makes half-width katakana full width).
_KANA = re.compile(r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fb-\u30ff\s]+")


def is_kana(text: str) -> bool:
    """Hiragana or katakana, in any width, with ー, ・ and spaces between."""
    folded = unicodedata.normalize("NFKC", text)
    return bool(folded.strip()) and _KANA.fullmatch(folded) is not None


def kana_text(column, field: str, value: str | None) -> str:
    """A required reading (name_kana) that fits its column and is kana: markup or Latin
    would be spoken by the phone as the name's reading. InvalidInput(field, NOT_KANA)."""
    value = column_text(column, field, value, required=True)
    if not is_kana(value):
        raise InvalidInput(field=field, problem=InputProblem.NOT_KANA)
    return value
