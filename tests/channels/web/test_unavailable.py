"""A slot the town uses (a staff block, 行政使用) or a closure of one unit or block is
「使用できません」 on the web: never "booked", and a closure's reason is shown."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.web.test_booking import block_ids, gym_whole
from tests.factories import SYSTEM

from .conftest import NOW

THURSDAY = date(2026, 12, 3)
UNAVAILABLE = {"ja": "使用できません", "en": "Unavailable"}
TAKEN = {"ja": "予約済み", "en": "Booked"}


def block_the_evening(day=THURSDAY, codes=("evening",)):
    gym, whole = gym_whole()
    return services.create_block(
        SYSTEM,
        services.BlockRequest(
            unit_id=whole.id, date=day, block_ids=block_ids(gym, *codes), kind="election"
        ),
        now=NOW,
    )


def week_cells(visitor, unit) -> dict:
    visitor.get(f"/units/{unit.id}/availability")
    rows = visitor.soup.find("table", class_="availability").tbody.find_all("tr")
    return {
        row.th.get_text(" ", strip=True).split()[0]: [
            td.get_text(" ", strip=True) for td in row.find_all("td")
        ]
        for row in rows
    }


def test_a_blocked_slot_is_unavailable_not_booked_in_the_week_and_the_day(visitor, locale):
    block_the_evening()
    gym, whole = gym_whole()
    thursday = "12月3日(木)" if locale == "ja" else "Thu"
    for unit in (whole, gym.units[1]):  # the whole gym, and half A under it
        cells = week_cells(visitor, unit)
        assert cells[thursday][2] == UNAVAILABLE[locale]
    visitor.get(f"/units/{whole.id}/days/{THURSDAY.isoformat()}")
    evening = visitor.soup.find("input", attrs={"value": str(block_ids(gym, "evening")[0])})
    assert evening.has_attr("disabled")
    assert UNAVAILABLE[locale] in visitor.text and TAKEN[locale] not in visitor.text
    assert "election" not in visitor.text and "選挙" not in visitor.text  # residents see no why


def test_a_day_the_town_uses_whole_says_it_cannot_be_used(visitor, locale):
    block_the_evening(codes=("morning", "afternoon", "evening"))
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/{THURSDAY.isoformat()}")
    said = {"ja": "この日の時間は使用できません。", "en": "The times on this day cannot be used."}
    assert said[locale] in visitor.text
    assert visitor.soup.find("fieldset") is None


def test_a_unit_closed_for_one_block_shows_the_reason(visitor, locale):
    gym, whole = gym_whole()
    half = gym.units[1]
    services.add_closure(
        SYSTEM,
        facility_id=gym.id,
        unit_id=half.id,
        block_ids=block_ids(gym, "evening"),
        start=THURSDAY,
        end=THURSDAY,
        reason="照明の修理",
        reason_en="Lighting repair",
        now=NOW,
    )
    thursday = "12月3日(木)" if locale == "ja" else "Thu"
    reason = {"ja": "照明の修理", "en": "Lighting repair"}[locale]
    for unit in (half, whole):
        cells = week_cells(visitor, unit)
        assert cells[thursday][2] == f"{UNAVAILABLE[locale]} {reason}"
        assert cells[thursday][1] != f"{UNAVAILABLE[locale]} {reason}"
    visitor.get(f"/units/{half.id}/days/{THURSDAY.isoformat()}")
    assert f"{UNAVAILABLE[locale]} · {reason}" in visitor.text
