"""At the counter a day a lottery round allocates shows its blocks as 抽選 with the day
first come first served opens (the demo's closed town-gym round, seed_lottery, covers
February 2027), and none of them can be ticked."""

from __future__ import annotations

from channels import demo
from reservations import services
from tests.channels.counter.conftest import NOW, get_page, text_of


def test_the_choose_page_says_the_day_goes_by_lottery(clerk):
    demo.seed_lottery(NOW)
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    whole = next(u for u in gym.units if u.code == "whole")
    person = services.find_residents("山田")[0]
    soup = get_page(clerk, f"/counter/residents/{person.id}/book?unit={whole.id}&day=2027-02-06")
    text = text_of(soup)
    assert "この日は抽選の対象です。残った枠は" in text
    assert "抽選（先着受付前）" in text
    boxes = soup.find_all("input", attrs={"name": "blocks"})
    assert boxes and all(box.has_attr("disabled") for box in boxes)
