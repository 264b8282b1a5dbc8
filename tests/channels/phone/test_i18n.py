"""The phone's catalogs: Japanese msgids (Japanese is the phone's source of truth), the
ja catalog identical to them, and English complete with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from channels.i18n import missing_translations

CATALOGS = Path(__file__).resolve().parents[3] / "channels" / "phone" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalog(locale: str):
    with (CATALOGS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return [m for m in read_po(po, locale=locale) if m.id]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_nothing_said_on_the_phone_is_missing_from_the_catalog(locale):
    assert "phone" not in missing_translations(locale)


def test_the_japanese_catalog_says_exactly_the_source():
    assert all(message.string == message.id for message in catalog("ja"))


def test_english_keeps_every_placeholder():
    for message in catalog("en"):
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), message.id


def test_a_phone_request_is_answered_in_japanese_whatever_the_headers(phone_app, town):
    from tests.channels.phone.test_webhooks import PARAMS, sign

    response = phone_app.test_client().post(
        "/phone/voice",
        data=PARAMS,
        headers={
            **sign("https://yoyaku.example.jp/phone/voice", PARAMS),
            "Accept-Language": "en",
            "Cookie": "lang=en",
        },
    )
    assert "お電話ありがとうございます" in response.get_data(as_text=True)


def test_the_english_catalog_is_the_one_loaded_for_english(app):
    from flask import g
    from flask_babel import force_locale

    from channels.phone import prompts

    with app.test_request_context("/phone/voice", method="POST"):
        for key in list(g):
            g.pop(key)
        for hook in app.before_request_funcs[None]:  # the app's hooks choose the catalog
            hook()
        with force_locale("en"):
            assert prompts.main_menu().text.startswith("To book the soonest free time, press 1")
        with force_locale("ja"):
            assert prompts.main_menu().text.startswith("早い日のご予約は1、")
