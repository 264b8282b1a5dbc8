"""The core's checks of typed text: lengths from the model columns, kana readings, and
how guessable a staff password is."""

from __future__ import annotations

import pytest

from reservations.errors import InputProblem, InvalidInput, PasswordWeakness
from reservations.models import Reservation, Resident, Staff
from reservations.services.staff import check_staff_password, password_weakness
from reservations.text import column_maximum, column_text, fitted_key, is_kana


def test_the_maximum_is_the_columns_length_or_its_text_limit():
    assert column_maximum(Resident.name) == 100
    assert column_maximum(Staff.username) == 60
    assert column_maximum(Reservation.cancel_reason) == 1000  # Text, info={"max_length"}


def test_column_text_refuses_what_does_not_fit_with_field_and_maximum():
    assert column_text(Resident.name, "name", "  " + "あ" * 100 + "\t") == "あ" * 100
    with pytest.raises(InvalidInput) as refused:
        column_text(Resident.name, "name", "あ" * 101)
    assert refused.value.params == {
        "field": "name",
        "problem": InputProblem.TOO_LONG,
        "maximum": 100,
    }
    with pytest.raises(InvalidInput) as refused:
        column_text(Resident.name, "name", "x" * 20_000_000)
    assert refused.value.params["problem"] == InputProblem.TOO_LONG
    with pytest.raises(InvalidInput) as refused:
        column_text(Resident.name, "name", " \u202e ", required=True)
    assert refused.value.params["problem"] == InputProblem.REQUIRED


def test_a_search_key_is_cut_to_its_column():
    """NFKC lengthens ㍿ to 株式会社: 100 of them fit the name, not the key unless cut."""
    assert len(fitted_key(Resident.name_key, "㍿" * 100)) == 200


@pytest.mark.parametrize(
    "text", ["やまだ はなこ", "ヤマダ　ハナコ", "ｽﾐｽ ｼﾞｮﾝ", "スミス・ジョン", "ゆーこ", "ゞヽ"]
)
def test_kana_is_hiragana_katakana_long_vowels_dots_and_spaces(text):
    assert is_kana(text)


@pytest.mark.parametrize("text", ["", "  ", "yamada", "山田", "やまだ1", "<b>や</b>", "や&amp;"])
def test_anything_else_is_not_kana(text):
    assert not is_kana(text)


@pytest.mark.parametrize(
    ("password", "weakness"),
    [
        ("aaaaaaaaaa", PasswordWeakness.REPEAT),
        ("qwertyuiop", PasswordWeakness.COMMON),
        ("password123", PasswordWeakness.COMMON),
        ("abcdefghijkl", PasswordWeakness.SEQUENCE),
        ("zxcvfr4321qa", PasswordWeakness.KEYBOARD),
        ("tanaka-taro1", PasswordWeakness.NAME),  # zxcvbn alone scores it 3
        ("Jiro-Garden-42", PasswordWeakness.NAME),
    ],
)
def test_a_guessable_password_says_why(password, weakness):
    assert password_weakness(password, username="tanaka", display_name="田中 Jiro") == weakness


@pytest.mark.parametrize("password", ["k7mq-3xtd-9hwa", "correct horse battery staple"])
def test_a_hard_password_passes(password):
    assert password_weakness(password, username="tanaka", display_name="田中 次郎") is None
    check_staff_password("password", password, username="tanaka", display_name="田中 次郎")


def test_a_staff_password_has_a_length_range():
    for password, problem in (
        ("short", InputProblem.TOO_SHORT),
        ("x" * 129, InputProblem.TOO_LONG),
    ):
        with pytest.raises(InvalidInput) as refused:
            check_staff_password("password", password)
        assert refused.value.params["problem"] == problem
