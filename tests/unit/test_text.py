"""Normalising what residents and staff type."""

from __future__ import annotations

import pytest

from reservations.errors import InvalidInput
from reservations.text import (
    clean_text,
    digits_only,
    format_phone_national,
    has_valid_check_digit,
    luhn_check_digit,
    normalize_phone,
    random_number_with_check_digit,
    search_key,
)


@pytest.mark.parametrize("typed", ["ヤマダ　ハナ", "やまだはな", "ﾔﾏﾀﾞ ﾊﾅ", " やまだ はな "])
def test_search_key_ignores_width_script_and_spaces(typed):
    assert search_key(typed) == "やまだはな"


def test_search_key_folds_latin_width_and_case():
    assert search_key("ＪＯＨＮ Smith") == "johnsmith"


@pytest.mark.parametrize(
    ("typed", "e164", "mobile"),
    [
        ("090-1234-5678", "+819012345678", True),
        ("09012345678", "+819012345678", True),
        ("０９０－１２３４－５６７８", "+819012345678", True),
        ("+81 90 1234 5678", "+819012345678", True),
        ("(0166) 12-3456", "+81166123456", False),
        ("0166-12-3456", "+81166123456", False),
    ],
)
def test_phone_numbers_in_any_common_format(typed, e164, mobile):
    assert normalize_phone(typed) == (e164, mobile)


@pytest.mark.parametrize("typed", ["", "12345", "電話", "090-1234"])
def test_invalid_phone_numbers_are_refused(typed):
    with pytest.raises(InvalidInput) as error:
        normalize_phone(typed)
    assert error.value.params == {"field": "phone", "problem": "invalid"}


def test_phone_written_the_japanese_way():
    assert format_phone_national("+819012345678") == "090-1234-5678"


def test_digits_only_accepts_full_width_and_hyphens():
    assert digits_only("１２３-４５６") == "123456"


def test_check_digit_catches_one_wrong_digit_and_swaps():
    number = "7992739871"
    assert luhn_check_digit("7992739871") == "3"
    assert has_valid_check_digit(number + "3")
    assert not has_valid_check_digit(number + "4")
    assert not has_valid_check_digit("7992739817" + "3")  # two neighbours swapped


def test_random_numbers_have_length_check_digit_and_no_leading_zero():
    for _ in range(200):
        number = random_number_with_check_digit(8)
        assert len(number) == 8 and number[0] != "0" and has_valid_check_digit(number)


def test_typed_text_is_kept_without_control_characters_or_surrounding_spaces():
    assert clean_text("  山田\x00 ハナ\x1b\u3000") == "山田 ハナ"
    assert clean_text("\u202e山田\u202c") == "山田"
    assert clean_text("a\tb\r\nc") == "a b c"
    assert clean_text("first line\r\nsecond\x07", multiline=True) == "first line\nsecond"
    assert clean_text("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # joiners stay
    assert clean_text(None) == "" and clean_text("\x00\x7f ") == ""
