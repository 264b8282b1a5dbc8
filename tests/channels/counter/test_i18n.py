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


def test_the_counter_stays_in_japanese_for_an_easy_japanese_browser(clerk):
    """やさしい日本語 is for residents: a browser that chose it gets the counter in
    Japanese, without furigana, and the switch offers only Japanese and English."""
    clerk.set_cookie("lang", "ja@easy")
    page = get_page(clerk, "/counter/")
    assert page.html["lang"] == "ja" and page.find("ruby") is None
    switch = page.find("nav", class_="language-switch")
    assert [item.get_text(strip=True) for item in switch.find_all("li")] == ["日本語", "English"]
    assert switch.find(attrs={"aria-current": "true"}).get_text() == "日本語"
    assert page.find(class_="skip-link").get_text() == "本文へ移動"  # Japanese, not easy
