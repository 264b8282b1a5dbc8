"""The statistics page through the test client: admins and statistics staff only;
every chart is static SVG (no script) with its summary and the same figures in a
table; every table downloads as formula-safe UTF-8 CSV with a BOM; bad periods and an
unknown facility are said in words."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from reservations import services
from tests.channels.counter.conftest import get_page, sign_in, text_of
from tests.factories import at

URL = "/counter/statistics?start=2026-12-01&end=2026-12-31"


@pytest.fixture
def booked(town):
    hana = services.find_residents("やまだ")[0]
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return services.book(
        services.Actor.resident(hana.id, "phone"),
        resident_id=hana.id,
        unit_id=gym.units[0].id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=at(2026, 12, 1, 10),
    )


@pytest.fixture
def statistician(client):
    sign_in(client, "stats", "census-chart-2026")
    return client


def test_each_chart_has_its_summary_and_table(statistician, booked):
    statistician.set_cookie("lang", "en")
    assert statistician.get("/counter/").location.endswith("/counter/statistics")
    soup = get_page(statistician, URL)
    sections = soup.select("section.statistics-figure")
    assert len(sections) >= 9
    for section in sections:
        assert section.find("h2") and section.find("p").get_text(strip=True)
        svg = section.find("svg")
        if svg is not None:
            assert svg["role"] == "img" and svg["aria-label"].strip()
            assert not section.find("script")
            table = section.find("table")
            assert table is not None and table.find("caption")
            assert table.find("tbody").find_all("tr")
    channels = soup.find("table", attrs={"data-figure": "bookings-by-channel"})
    assert [
        [c.get_text() for c in tr.find_all(["th", "td"])] for tr in channels.tbody.find_all("tr")
    ] == [["Telephone", "1"]]
    assert "1 bookings in the period" in text_of(soup)
    assert not soup.find("script", src=lambda v: v and "pygal" in v)


def test_a_table_downloads_as_csv(statistician, booked):
    statistician.set_cookie("lang", "en")
    response = statistician.get(URL.replace("statistics?", "statistics/bookings-by-channel.csv?"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Channel", "Bookings"], ["Telephone", "1"]]
    assert statistician.get("/counter/statistics/nothing.csv").status_code == 404


def test_refunds_and_waitlist_demand_have_their_tables(statistician, booked):
    clerk = services.Actor.staff(next(s for s in services.list_staff() if s.username == "clerk").id)
    services.record_payment(
        clerk, reservation_id=booked.id, status=services.PAID, now=at(2026, 12, 1, 10)
    )
    services.cancel(clerk, reservation_id=booked.id, now=at(2026, 12, 2, 10), reason="都合")
    soup = get_page(statistician, URL)
    refunds = soup.find("table", attrs={"data-figure": "refunds"})
    assert [
        [c.get_text() for c in tr.find_all(["th", "td"])] for tr in refunds.tbody.find_all("tr")
    ] == [["未払い", "1", str(booked.fee_yen)], ["還付済み", "0", "0"]]
    assert soup.find("section", id="demand") is not None
    assert "抽選の申込み0件とキャンセル待ち0件" in text_of(soup)


def test_demand_against_supply_lists_the_slots_asked_for(statistician, booked):
    waiter = services.find_residents("さとう")[0]
    services.join_waitlist(
        services.Actor.resident(waiter.id, "web"),
        resident_id=waiter.id,
        unit_id=booked.unit_id,
        day=booked.date,
        block_ids=[b.id for b in booked.time_blocks],
        now=at(2026, 12, 1, 11),
    )
    statistician.set_cookie("lang", "en")
    soup = get_page(statistician, URL)
    section = soup.find("section", id="demand")
    assert "0 lottery applications and 1 waitlist entries" in section.get_text(" ", strip=True)
    assert section.find("svg")["aria-label"].startswith("Requests per slot")
    rows = [
        [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
        for tr in section.tbody.find_all("tr")
    ]
    assert len(rows) == 1 and rows[0][1:] == ["0", "1", "1"]
    assert "Dec" in rows[0][0] and "Town Gym" in rows[0][0]
    response = statistician.get(URL.replace("statistics?", "statistics/demand.csv?"))
    assert response.data.decode("utf-8").lstrip("\ufeff").splitlines()[1].endswith(",0,1,1")


def test_a_reversed_or_too_long_period_is_said(statistician):
    statistician.set_cookie("lang", "en")
    soup = get_page(statistician, "/counter/statistics?start=2026-12-31&end=2026-12-01", 400)
    assert "at most 731 days" in text_of(soup)
    soup = get_page(statistician, "/counter/statistics?start=2020-01-01&end=2026-12-01", 400)
    assert "at most 731 days" in text_of(soup)
    soup = get_page(statistician, "/counter/statistics?start=yesterday", 400)
    assert "Enter a date" in text_of(soup)


def test_an_unknown_facility_is_said(statistician):
    statistician.set_cookie("lang", "en")
    soup = get_page(statistician, URL + "&facility=999999", 400)
    assert "not found" in text_of(soup)


def test_statistics_staff_open_nothing_else(statistician):
    for url in ("/counter/day", "/counter/use", "/counter/audit", "/counter/residents/new"):
        assert statistician.get(url).status_code == 403, url


def test_clerks_and_caretakers_cannot_see_the_statistics(client):
    sign_in(client, "clerk", "window-desk-2026")
    assert client.get(URL).status_code == 403
    sign_in(client, "caretaker", "keybox-round-2026")
    assert client.get(URL).status_code == 403
    assert client.get(URL.replace("statistics?", "statistics/fees.csv?")).status_code == 403


def test_admins_see_the_statistics(admin):
    soup = get_page(admin, URL)
    assert soup.find("section", id="occupancy-by-month")
