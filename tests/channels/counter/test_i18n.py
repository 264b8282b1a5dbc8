"""The counter's catalog is complete in Japanese and English, and its pages follow
the language switch."""

from __future__ import annotations

import pytest

from channels.counter import words
from channels.i18n import missing_translations
from reservations.models import EXEMPTION_EVIDENCE
from tests.channels.counter.conftest import get_page


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_counter_catalog_has_every_string(locale):
    assert missing_translations(locale).get("counter") is None


def test_every_evidence_kind_has_a_name():
    assert set(words.EVIDENCE) == set(EXEMPTION_EVIDENCE)


def test_pages_are_japanese_by_default_and_english_on_request(clerk):
    soup = get_page(clerk, "/counter/")
    assert soup.html["lang"] == "ja" and soup.h1.get_text(strip=True) == "利用者を探す"
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, "/counter/")
    assert soup.html["lang"] == "en" and soup.h1.get_text(strip=True) == "Find a resident"
