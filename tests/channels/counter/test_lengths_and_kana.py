"""Every text the counter's forms send is held to its model column's length by the
core, on SQLite (which keeps any length) and on PostgreSQL (which refused with a 500);
forms say the maximum; readings must be kana; staff passwords must be hard to guess."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reservations.db import db
from reservations.models import AuditEntry, Closure, Resident, Staff
from tests.channels.counter.conftest import fresh, get_page, post, text_of
from tests.pages import check_page


@pytest.fixture
def app(any_app):
    """These tests on both databases."""
    return any_app


def count(model) -> int:
    fresh()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def field_error(response, field: str) -> str:
    assert response.status_code == 200, response.status_code
    soup = check_page(response.data)
    error = soup.find(id=f"{field}-error")
    assert error is not None, text_of(soup)
    return text_of(error)


def register(admin, **fields):
    data = {"name": "長さ 試験", "name_kana": "ながさ しけん", "is_resident": "yes"}
    data.update(fields)
    return post(admin, "/counter/residents/new", {**data, "confirm_different": "y"})


@pytest.mark.parametrize(
    ("field", "value", "maximum"),
    [
        ("name", "あ" * 101, 100),
        ("name_kana", "あ" * 201, 200),
        ("district", "区" * 150, 100),
        ("name", "x" * 2_000_000, 100),  # 2 MB: refused before it is cleaned or stored
    ],
)
def test_an_over_long_resident_field_is_refused_with_its_maximum(admin, field, value, maximum):
    admin.set_cookie("lang", "en")
    before = count(Resident)
    message = field_error(register(admin, **{field: value}), field)
    assert message == f"Error: Write at most {maximum} characters"
    assert count(Resident) == before


def test_a_field_at_its_maximum_is_stored(admin):
    before = count(Resident)
    response = register(admin, name="名" * 100, name_kana="な" * 200, district="区" * 100)
    assert response.status_code == 200 and count(Resident) == before + 1  # the slip


def test_a_long_closure_reason_is_refused_in_japanese(admin):
    response = post(
        admin,
        "/counter/closures",
        {"facility": "", "start": "2027-03-01", "end": "2027-03-01", "reason": "理" * 201},
    )
    assert field_error(response, "reason") == "エラー: 200文字以内で入力してください"
    assert count(Closure) == 0


def test_a_staff_username_of_58_characters_fits_and_61_is_refused(admin):
    """A 58-character username overflowed audit_entries.subject ("staff:" + username)."""
    admin.set_cookie("lang", "en")
    fields = {"display_name": "長い 名前", "role": "clerk", "password": "long-enough-pw"}
    response = post(admin, "/counter/staff", {"username": "u" * 58, **fields})
    assert response.status_code == 302
    fresh()
    subjects = db.session.scalars(
        sa.select(AuditEntry.subject).where(AuditEntry.action == "staff.create")
    )
    assert "staff:" + "u" * 58 in list(subjects)
    response = post(admin, "/counter/staff", {"username": "v" * 61, **fields})
    assert field_error(response, "username") == "Error: Write at most 60 characters"


def test_forms_show_each_fields_maximum(admin):
    soup = get_page(admin, "/counter/residents/new")
    assert text_of(soup.find(id="name-hint")).endswith("100文字まで入力できます。")
    assert "200文字まで" in text_of(soup.find(id="name_kana-hint"))
    admin.set_cookie("lang", "en")
    soup = get_page(admin, "/counter/closures")
    assert "Up to 200 characters." in text_of(soup.find(id="reason-hint"))
    assert "Up to 60 characters." in text_of(
        get_page(admin, "/counter/staff").find(id="username-hint")
    )


@pytest.mark.parametrize(
    "kana", ["<b>やまだ</b>", "yamada", "山田", "やまだ1", "<say-as>ヤマダ</say-as>"]
)
def test_a_reading_must_be_kana(admin, kana):
    """The phone speaks the reading: markup or Latin there was read out to callers."""
    before = count(Resident)
    message = field_error(register(admin, name_kana=kana), "name_kana")
    assert "ひらがなかカタカナ" in message
    assert count(Resident) == before


@pytest.mark.parametrize(
    "kana", ["やまだ はなこ", "ヤマダ　ハナコ", "ｽﾐｽ ｼﾞｮﾝ", "スミス・ジョン", "ゆーこ"]
)
def test_hiragana_katakana_half_width_long_vowels_and_spaces_are_kana(admin, kana):
    before = count(Resident)
    register(admin, name=f"試験 {kana}", name_kana=kana)
    assert count(Resident) == before + 1


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaa", "It repeats characters"),
        ("qwertyuiop", "common password"),
        ("abcdefghijkl", "sequence"),
        ("suzuki-1-2-3-4", "username or the staff member's name"),
    ],
)
def test_a_guessable_staff_password_is_refused_with_the_reason(admin, password, reason):
    admin.set_cookie("lang", "en")
    before = count(Staff)
    response = post(
        admin,
        "/counter/staff",
        {"username": "suzuki", "display_name": "鈴木 三郎", "role": "clerk", "password": password},
    )
    message = field_error(response, "password")
    assert "too easy to guess" in message and reason in message
    assert count(Staff) == before
