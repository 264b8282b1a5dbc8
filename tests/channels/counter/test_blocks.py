"""Staff blocks (行政使用) at the counter through the test client: the list, the form,
the preview listing the reservations in the way, blocking only once confirmed (and
cancelling those reservations only with a reason), a series date refusing the block,
lifting a block; bad input is worded on its field and changes nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import Reservation
from tests.channels.counter.conftest import NOW, fresh, get_page, post, text_of, token_of
from tests.factories import SYSTEM
from tests.pages import check_page

NEW = "/counter/blocks/new"
DAY = date(2026, 12, 16)


def gym():
    return next(f for f in services.list_facilities() if f.code == "town-gym")


def unit(code="whole"):
    return next(u for u in gym().units if u.code == code)


def block(code="evening"):
    return next(b for b in gym().time_blocks if b.code == code)


def form_data(**values) -> dict:
    data = {
        "unit": str(unit().id),
        "day": DAY.isoformat(),
        "blocks": [str(block().id)],
        "kind": "election",
        "note": "投票所の設営",
        "action": "preview",
    }
    data.update(values)
    return data


def counts() -> tuple[int, int]:
    fresh()
    active = sa.select(sa.func.count()).select_from(Reservation)
    return (
        db.session.scalar(active.where(Reservation.origin == "block")),
        db.session.scalar(active.where(Reservation.status != "cancelled")),
    )


def the_form(soup, action: str) -> dict:
    button = soup.find("button", attrs={"name": "action", "value": action})
    form = button.find_parent("form")
    data: dict = {}
    for field in form.find_all("input"):
        if field.get("type") == "checkbox" and not field.has_attr("checked"):
            continue
        data.setdefault(field["name"], []).append(field.get("value", ""))
    data["action"] = action
    return data


def book_half_a(name="山田"):
    person = services.find_residents(name)[0]
    return services.book(
        SYSTEM,
        resident_id=person.id,
        unit_id=unit("half-a").id,
        day=DAY,
        block_ids=[block().id],
        now=NOW,
    )


def test_a_block_is_previewed_then_made_when_confirmed_and_listed(admin):
    page = get_page(admin, "/counter/blocks")
    assert "行政使用" in page.find("h1").get_text()
    get_page(admin, NEW)
    before = counts()
    response = post(admin, NEW, form_data())
    assert response.status_code == 200
    soup = check_page(response.data)
    text = text_of(soup)
    assert "選挙" in text and "投票所の設営" in text and "妨げになる予約はありません" in text
    assert counts() == before  # a preview blocks nothing
    response = admin.post(NEW, data=the_form(soup, "commit"))
    assert response.status_code == 302 and response.location.endswith("/counter/blocks")
    assert counts() == (before[0] + 1, before[1] + 1)
    listed = text_of(get_page(admin, "/counter/blocks"))
    assert "選挙" in listed and "12月16日" in listed


def test_reservations_in_the_way_are_cancelled_only_when_ticked_and_with_a_reason(admin):
    taken = book_half_a()
    soup = check_page(post(admin, NEW, form_data()).data)
    table = soup.find("table", id="in-the-way")
    assert taken.number in table.get_text()
    data = the_form(soup, "commit")
    response = admin.post(NEW, data=data)  # not ticked: refused, nothing changes
    assert response.status_code == 409
    assert "予約" in text_of(check_page(response.data))
    fresh()
    assert db.session.get(Reservation, taken.id).status != "cancelled"
    data["cancel_in_the_way"] = "y"
    response = admin.post(NEW, data=data)  # ticked, no reason: asked for one
    assert response.status_code == 409
    error = check_page(response.data).find(id="reason-error")
    assert error is not None and error.get_text(strip=True)
    data["reason"] = "町の選挙のため"
    response = admin.post(NEW, data=data)
    assert response.status_code == 302
    fresh()
    cancelled = db.session.get(Reservation, taken.id)
    assert cancelled.status == "cancelled" and cancelled.cancel_reason_kind == "town"


def test_a_series_date_in_the_way_refuses_the_block(admin):
    club = services.find_groups("はばたき")[0]
    series = services.create_series(
        SYSTEM,
        services.SeriesRequest(
            unit_id=unit("half-b").id,
            weekdays=[2],
            block_ids=[block().id],
            first_date=date(2026, 12, 9),
            last_date=date(2026, 12, 23),
            group_id=club.id,
        ),
        now=NOW,
    )
    number = next(r.number for r in series.reservations if r.date == DAY)
    soup = check_page(post(admin, NEW, form_data()).data)
    text = text_of(soup)
    assert number in text and "定期利用" in text
    assert soup.find("button", attrs={"name": "action", "value": "commit"}) is None


def test_bad_input_is_worded_on_its_field_and_changes_nothing(admin):
    before = counts()
    for values, field in (
        ({"day": "きのう"}, "day"),
        ({"blocks": []}, "blocks"),
        ({"note": "あ" * 501}, "note"),
        ({"blocks": [str(block("morning").id), str(block().id)]}, "blocks"),
        ({"day": "2026-11-30"}, "day"),
    ):
        response = post(admin, NEW, form_data(**values))
        soup = check_page(response.data)
        error = soup.find(id=f"{field}-error")
        assert error is not None and error.get_text(strip=True), (values, text_of(soup)[:500])
    assert counts() == before


def test_a_block_is_lifted_with_a_reason(admin):
    made = services.create_block(
        SYSTEM,
        services.BlockRequest(unit_id=unit().id, date=DAY, block_ids=[block().id], kind="school"),
        now=NOW,
    )
    url = f"/counter/blocks/{made.id}/cancel"
    page = get_page(admin, url)
    assert "学校使用" in text_of(page)
    response = admin.post(url, data={"csrf_token": token_of(page), "reason": ""})
    assert response.status_code == 409
    response = post(admin, url, {"reason": "行事の中止"})
    assert response.status_code == 302
    fresh()
    assert db.session.get(Reservation, made.id).status == "cancelled"
    taken = book_half_a()
    get_page(admin, f"/counter/blocks/{taken.id}/cancel", status=404)


def test_clerks_cannot_block(clerk):
    get_page(clerk, "/counter/blocks", status=403)
    get_page(clerk, NEW, status=403)


def test_a_blocks_reservation_page_and_the_day_sheet_show_its_kind(admin):
    made = services.create_block(
        SYSTEM,
        services.BlockRequest(
            unit_id=unit().id, date=DAY, block_ids=[block().id], kind="maintenance"
        ),
        now=NOW,
    )
    response = admin.get(f"/counter/reservations/{made.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/counter/blocks/{made.id}/cancel")
    assert "保守・点検" in text_of(get_page(admin, response.location))
    sheet = text_of(get_page(admin, f"/counter/day?day={DAY.isoformat()}"))
    assert made.number in sheet


def test_a_closure_of_one_unit_and_block_lists_the_reservations_in_it_first(admin):
    taken = book_half_a()
    data = {
        "facility": str(gym().id),
        "unit": str(unit("half-a").id),
        "blocks": [str(block().id)],
        "start": DAY.isoformat(),
        "end": DAY.isoformat(),
        "reason": "照明の修理",
        "reason_en": "Lighting repair",
        "action": "preview",
    }
    response = post(admin, "/counter/closures", data)
    assert response.status_code == 200
    soup = check_page(response.data)
    assert taken.number in soup.find("table", id="affected").get_text()
    fresh()
    assert not services.list_closures(DAY)
    response = post(admin, "/counter/closures", {**data, "action": "commit"})
    assert response.status_code == 302
    listed = text_of(get_page(admin, "/counter/closures"))
    assert "半面A" in listed and "照明の修理" in listed
    soup = get_page(
        admin,
        f"/counter/residents/{services.find_residents('佐藤')[0].id}/book?unit={unit().id}&day={DAY.isoformat()}",
    )
    assert "照明の修理" in text_of(soup)


def test_a_closure_of_a_unit_of_another_facility_is_worded_on_its_field(admin):
    hall = next(f for f in services.list_facilities() if f.code != "town-gym")
    response = post(
        admin,
        "/counter/closures",
        {
            "facility": str(hall.id),
            "unit": str(unit("half-a").id),
            "start": DAY.isoformat(),
            "end": DAY.isoformat(),
            "reason": "点検",
        },
    )
    soup = check_page(response.data)
    error = soup.find(id="unit-error")
    assert error is not None and error.get_text(strip=True)
    fresh()
    assert not services.list_closures(DAY)
