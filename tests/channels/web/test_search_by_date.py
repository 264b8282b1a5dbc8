"""Search by date (/availability?date=…) through the test client, in Japanese and
English: what it lists is what the core's search says, bad input is explained and
changes nothing, and the way in from the home page and from a full day."""

from __future__ import annotations

from datetime import date

import pytest

from reservations import services
from tests.channels.web.conftest import NOW
from tests.channels.web.test_booking import gym_whole


def links(visitor) -> set[str]:
    results = visitor.soup.find(id="results")
    return {a["href"] for a in results.select("a.status-free")} if results else set()


def test_the_search_lists_every_free_unit_with_its_times_fee_and_link(visitor, locale):
    visitor.get("/availability?date=2026-12-16")
    found = services.free_on(date(2026, 12, 16), now=NOW)
    expected = {
        f"/units/{u.unit.id}/days/2026-12-16?block={b.block.id}"
        for place in found.free
        for u in place.units
        for b in u.free
    }
    assert links(visitor) == expected and expected
    gym, whole = gym_whole()
    assert gym.name if locale == "ja" else gym.name_en in visitor.text
    assert ("1,500円" if locale == "ja" else "¥1,500") in visitor.text


def test_the_search_narrows_to_a_part_of_the_day_a_kind_and_step_free_places(visitor):
    visitor.get("/availability?date=2026-12-16&part=evening&kind=gym&step_free=y")
    found = services.free_on(
        date(2026, 12, 16),
        now=NOW,
        part=services.PartOfDay.EVENING,
        category="gym",
        step_free_only=True,
    )
    assert {f.facility.code for f in found.free} == {"town-gym"}  # the school gym has steps
    assert len(links(visitor)) == sum(len(u.free) for f in found.free for u in f.units) == 3


@pytest.mark.parametrize(
    ("query", "ja", "en"),
    [
        ("date=2026-02-30", "正しい日付", "real date"),
        ("date=", "日付を入力", "Enter a date"),
        ("date=2026-11-20", "今日以降", "today or later"),
        ("date=2029-01-01", "1年以内", "within the next year"),
        ("date=2026-12-16&part=midnight", "一覧から", "Choose from the list"),
        ("date=2026-12-16&kind=casino", "一覧から", "Choose from the list"),
    ],
)
def test_bad_search_input_is_explained_in_the_visitors_language(visitor, locale, query, ja, en):
    visitor.get(f"/availability?{query}")
    [message] = visitor.error_summary()
    assert (ja if locale == "ja" else en) in message
    assert visitor.soup.find(id="results") is None


def test_the_home_page_and_a_full_day_lead_to_the_search(visitor, town):
    visitor.get("/")
    form = visitor.soup.find("form", action="/availability")
    assert form is not None and form.find("input", attrs={"name": "date"})
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/2026-12-14")  # a Monday: the gym is closed
    assert visitor.soup.find("a", href="/availability?date=2026-12-14")
    visitor.get("/availability?date=2026-12-14")
    not_free = visitor.soup.select_one(".not-free").get_text(" ", strip=True)
    assert ("定休日" if visitor.locale == "ja" else "Regular closing day") in not_free
