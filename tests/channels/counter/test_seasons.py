"""The allocation season (利用調整) at the counter through the test client: opening a
season, preparing series in it (nothing booked), the season's page naming the series
that want the same times and the dates taken already, withdrawing one, committing
the season at once; refusals are worded and change nothing."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AllocationSeason, Reservation, ReservationSeries
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of
from tests.channels.counter.test_series import club, form_data, get_page_from, gym, the_form

SEASONS = "/counter/seasons"


def counts() -> tuple[int, int]:
    fresh()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ReservationSeries)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)),
    )


def open_season(admin) -> AllocationSeason:
    response = post(admin, SEASONS, {"name": "2026年度", "day": "2026-04-01"})
    assert response.status_code == 302, response.data.decode()[:2000]
    fresh()
    season = db.session.scalar(sa.select(AllocationSeason))
    assert response.location.endswith(f"{SEASONS}/{season.id}")
    return season


def prepare(admin, season, holder: str, **values):
    """Prepare a series through the form and its preview; the season's page after it."""
    url = f"/counter/series/new?{holder}&season={season.id}"
    page = get_page(admin, url)
    assert "2026年度の定期利用を準備" in page.find("h1").get_text()
    response = post(admin, url, form_data(**values), form_page=url)
    assert response.status_code == 200, response.data.decode()[:2000]
    preview = get_page_from(response)
    assert "2026年度に準備する" in text_of(preview)
    done = admin.post(url, data=the_form(preview, "commit"))
    assert done.status_code == 302, done.data.decode()[:3000]
    assert done.location.endswith(f"{SEASONS}/{season.id}")
    return get_page(admin, done.location)


def test_a_season_is_prepared_reviewed_and_committed_at_the_counter(admin):
    page = get_page(admin, SEASONS)
    assert "利用調整" in page.find("h1").get_text()
    season = open_season(admin)
    before = counts()
    prepare(admin, season, f"group={club().id}")
    resident = services.find_residents("たなか")[0]
    half_a = str(next(u for u in gym().units if u.code == "half-a").id)
    review = prepare(
        admin, season, f"resident={resident.id}", unit=half_a, weekdays=["1"], exceptions=""
    )
    assert counts() == (before[0] + 2, before[1])  # prepared, nothing booked
    text = text_of(review)
    assert "同じ時間を希望する定期利用" in text and "はばたき" in text
    overlaps = review.find(id="overlaps").find_next("table")
    assert overlaps is not None and "1月5日" in text_of(overlaps)
    assert review.find("form", action=f"{SEASONS}/{season.id}/commit") is None
    fresh()
    drafts = services.get_season(season.id).series
    refused = post(admin, f"{SEASONS}/{season.id}/commit", {"key": ""}, form_page=SEASONS)
    assert refused.status_code == 409
    assert "同じ時間を希望しています" in text_of(get_page_from(refused))
    second = f"/counter/series/{drafts[1].id}"
    draft_page = text_of(get_page(admin, second))
    assert "準備したもの" in draft_page and "予約される日" in draft_page
    missing = post(admin, f"{second}/withdraw", {"reason": ""}, form_page=second)
    assert missing.status_code == 409
    withdrawn = post(admin, f"{second}/withdraw", {"reason": "利用調整で水曜に"}, form_page=second)
    assert withdrawn.status_code == 302
    review = get_page(admin, withdrawn.location)
    assert "同じ時間を希望する定期利用はありません" in text_of(review)
    commit = review.find("form", action=f"{SEASONS}/{season.id}/commit")
    key = commit.find("input", attrs={"name": "key"})["value"]
    token = commit.find("input", attrs={"name": "csrf_token"})["value"]
    done = admin.post(commit["action"], data={"key": key, "csrf_token": token})
    assert done.status_code == 302
    committed = text_of(get_page(admin, done.location))
    assert "2026年度を確定しました" in committed and "確定済み" in committed
    fresh()
    booked = services.get_series(drafts[0].id)
    assert booked.status == "committed" and counts()[1] == before[1] + len(booked.reservations)
    assert services.get_series(drafts[1].id).status == "cancelled"


def test_a_date_taken_after_the_review_refuses_the_commit_and_says_which(admin):
    season = open_season(admin)
    review = prepare(admin, season, f"group={club().id}")
    commit = review.find("form", action=f"{SEASONS}/{season.id}/commit")
    data = {i["name"]: i.get("value", "") for i in commit.find_all("input")}
    facility = gym()
    services.book(
        services.Actor.system(),
        resident_id=services.find_residents("たなか")[0].id,
        unit_id=next(u for u in facility.units if u.code == "half-b").id,
        day=date(2027, 1, 7),
        block_ids=[next(b for b in facility.time_blocks if b.code == "evening").id],
        now=services.clock_now(),
    )
    before = counts()
    response = admin.post(commit["action"], data=data)
    assert response.status_code == 409
    text = text_of(get_page_from(response))
    assert "何も予約していません" in text and "1月7日(木)" in text
    assert counts() == before


def test_bad_seasons_are_worded_on_their_fields(admin):
    bad_day = post(admin, SEASONS, {"name": "2026年度", "day": "someday"})
    assert bad_day.status_code == 400
    assert get_page_from(bad_day).find(id="day-error") is not None
    open_season(admin)
    again = post(admin, SEASONS, {"name": "令和8年度", "day": "2026-10-01"})
    assert again.status_code == 409
    error = get_page_from(again).find(id="name-error")
    assert error is not None and "2026年度" in error.get_text()


def test_only_administrators_prepare_seasons(client):
    sign_in(client)
    assert client.get(SEASONS).status_code == 403
    assert client.post(f"{SEASONS}/1/commit").status_code in (400, 403)
