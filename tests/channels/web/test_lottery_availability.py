"""A unit a lottery round allocates is 抽選 ("By lottery") on the web until the round's
release, with when first come first served opens: never "free" while booking it is
refused (LOTTERY_FIRST). The demo's closed town-gym round (seed_lottery) covers February 2027."""

from __future__ import annotations

from datetime import date

import pytest

from channels import demo
from channels.i18n import EASY_JAPANESE
from tests.channels.web.conftest import NOW, Visitor
from tests.channels.web.test_booking import gym_whole
from tests.channels.web.test_easy_japanese import plain

DAY = date(2027, 2, 6)  # a Saturday in the demo's closed round
LOTTERY = {"ja": "抽選", "en": "By lottery", EASY_JAPANESE: "くじで決めます"}
DAY_SAYS = {
    "ja": "この日は抽選で決めます。残った時間は、",
    "en": "This day goes by lottery. What is left can be booked first come first served from",
    EASY_JAPANESE: "この日は、くじで決めます。残った時間は、",
}


@pytest.fixture(params=["ja", "en", EASY_JAPANESE])
def any_visitor(app, town, request) -> Visitor:
    demo.seed_lottery(NOW)  # as seed-demo does
    return Visitor(app.test_client(), request.param)


def test_the_week_and_the_day_say_by_lottery_until_the_release(any_visitor):
    _, whole = gym_whole()
    locale = any_visitor.locale
    any_visitor.get(f"/units/{whole.id}/availability?week={DAY.isoformat()}")
    table = any_visitor.soup.find("table", class_="availability")
    cells = [plain(td).strip() for td in table.tbody.find_all("td")]
    assert LOTTERY[locale] in cells
    assert table.find("a", class_="status-free") is None
    notes = plain(any_visitor.soup.find("ul", class_="opening-notes"))
    assert LOTTERY[locale] in notes
    any_visitor.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    assert DAY_SAYS[locale] in plain(any_visitor.soup.find("main"))
    assert any_visitor.soup.find("fieldset") is None


def test_search_says_the_gym_goes_by_lottery(any_visitor):
    locale = any_visitor.locale
    any_visitor.get(f"/availability?date={DAY.isoformat()}")
    not_free = " ".join(plain(any_visitor.soup.find("ul", class_="not-free")).split())
    assert DAY_SAYS[locale] in not_free
