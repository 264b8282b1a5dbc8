"""Series (定期利用) at the counter through the test client: the form, the preview with
every date and every skipped date's reason, booking only after the clerk confirms,
the series page, its slip, the reservation page's "date k of m", cancelling from a
date, extending; bad input is worded on its field and changes nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import Reservation, ReservationSeries
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of, token_of
from tests.pages import check_page

NEW = "/counter/series/new"


def club():
    return services.find_groups("はばたき")[0]


def gym():
    return next(f for f in services.list_facilities() if f.code == "town-gym")


def form_data(**values) -> dict:
    facility = gym()
    data = {
        "unit": str(next(u for u in facility.units if u.code == "whole").id),
        "weekdays": ["1", "3"],
        "blocks": [str(next(b for b in facility.time_blocks if b.code == "evening").id)],
        "first_date": "2027-01-05",
        "last_date": "2027-03-25",
        "exceptions": "2027-02-04",
        "skip_holidays": "y",
        "purpose": "練習",
        "fee_rule": "standard",
        "action": "preview",
    }
    data.update(values)
    return data


def counts() -> tuple[int, int]:
    fresh()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ReservationSeries)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)),
    )


def the_form(soup, action: str) -> dict:
    """What the page's form with the button `action` would send."""
    button = soup.find("button", attrs={"name": "action", "value": action})
    form = button.find_parent("form")
    data: dict = {}
    for field in form.find_all("input"):
        data.setdefault(field["name"], []).append(field.get("value", ""))
    data["action"] = action
    return data


def get_page_from(response):
    return check_page(response.data)


def preview(admin, **values):
    url = f"{NEW}?group={club().id}"
    return post(admin, url, form_data(**values), form_page=url)


def test_a_series_is_previewed_with_every_skipped_date_then_booked_when_confirmed(admin):
    url = f"{NEW}?group={club().id}"
    page = get_page(admin, url)
    assert "新しい定期利用" in page.find("h1").get_text()
    before = counts()
    response = preview(admin)
    assert response.status_code == 200
    soup = get_page_from(response)
    text = text_of(soup)
    # 2/11 建国記念の日 and 2/23 天皇誕生日 are holidays; the gym's Monday closing day
    # moves to Tuesday after 1/11 成人の日 and the 2027 振替休日 of 3/22.
    for expected in ("建国記念の日", "天皇誕生日", "振替休館日", "除外日"):
        assert expected in text, expected
    assert "1月12日(火)" in text and "3月23日(火)" in text
    assert counts() == before  # a preview books nothing
    response = admin.post(url, data=the_form(soup, "commit"))
    assert response.status_code == 302, response.data.decode()[:3000]
    fresh()
    series = db.session.scalar(sa.select(ReservationSeries))
    assert series.group_id == club().id and len(series.reservations) == 19
    page = get_page(admin, response.location)
    assert "定期利用 " in text_of(page) and "振替休館日" in text_of(page)
    slip = get_page(admin, f"/counter/series/{series.id}/slip")
    assert "定期利用" in text_of(slip) and "1月5日(火)" in text_of(slip)
    third = series.reservations[2]
    reservation_page = text_of(get_page(admin, f"/counter/reservations/{third.id}"))
    assert f"定期利用 {series.id} の 3 / 19 回目" in reservation_page
    cancel_page = text_of(get_page(admin, f"/counter/reservations/{third.id}/cancel"))
    assert "この日だけを取り消します" in cancel_page


def test_a_date_taken_between_preview_and_booking_shows_the_preview_again(admin):
    url = f"{NEW}?group={club().id}"
    soup = get_page_from(preview(admin))
    facility = gym()
    services.book(
        services.Actor.system(),
        resident_id=services.find_residents("たなか")[0].id,
        unit_id=next(u for u in facility.units if u.code == "half-a").id,
        day=date(2027, 1, 7),
        block_ids=[next(b for b in facility.time_blocks if b.code == "evening").id],
        now=services.clock_now(),
    )
    before = counts()
    response = admin.post(url, data=the_form(soup, "commit"))
    assert response.status_code == 200
    text = text_of(get_page_from(response))
    assert "何も予約していません" in text and "1月7日(木)" in text
    assert counts() == before


def test_bad_series_are_worded_on_their_fields_and_change_nothing(admin):
    before = counts()
    for values, field, words in [
        ({"last_date": "2027-01-04"}, "last_date", "初日"),
        ({"last_date": "2027-04-30"}, "last_date", "年度"),
        ({"weekdays": ["0"]}, "weekdays", "月曜日"),
        ({"first_date": "not a date"}, "first_date", "日付"),
        ({"weekdays": []}, "weekdays", "曜日"),
        ({"exceptions": "someday"}, "exceptions", "除外"),
        ({"fee_rule": "granted", "exemption": "", "fee_reason": ""}, "fee_reason", "理由"),
    ]:
        response = preview(admin, **values)
        assert response.status_code == 200, values
        soup = get_page_from(response)
        error = soup.find(id=f"{field}-error")
        assert error is not None and words in error.get_text(), (values, text_of(soup)[:500])
    assert counts() == before


def test_only_administrators_make_series(client):
    sign_in(client)
    assert client.get(f"{NEW}?group={club().id}").status_code == 403


def test_the_rest_of_a_series_is_cancelled_and_the_series_extended_from_its_page(admin):
    url = f"{NEW}?group={club().id}"
    soup = get_page_from(preview(admin, last_date="2027-02-25", exceptions=""))
    admin.post(url, data=the_form(soup, "commit"))
    fresh()
    series = db.session.scalar(sa.select(ReservationSeries))
    page = f"/counter/series/{series.id}"
    missing = post(
        admin, f"{page}/cancel-from", {"from_date": "2027-02-16", "reason": ""}, form_page=page
    )
    assert missing.status_code == 409
    response = post(
        admin,
        f"{page}/cancel-from",
        {"from_date": "2027-02-16", "reason": "体育館の都合"},
        form_page=page,
    )
    assert response.status_code == 302
    fresh()
    statuses = {r.date.isoformat(): r.status for r in services.get_series(series.id).reservations}
    assert statuses["2027-02-16"] == "cancelled" and statuses["2027-02-09"] == "confirmed"
    extend = post(
        admin, f"{page}/extend", {"last_date": "2027-03-11", "action": "preview"}, form_page=page
    )
    assert extend.status_code == 200
    extend_page = get_page_from(extend)
    assert "3月2日(火)" in text_of(extend_page)
    done = admin.post(f"{page}/extend", data=the_form(extend_page, "commit"))
    assert done.status_code == 302
    fresh()
    assert services.get_series(series.id).last_date.isoformat() == "2027-03-11"
    assert token_of(get_page(admin, page))
