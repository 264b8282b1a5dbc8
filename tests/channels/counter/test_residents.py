"""Finding residents by what they tell the counter, and registering walk-ins."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Resident
from tests.channels.counter.conftest import fresh, get_page, post, search, text_of
from tests.pages import check_page


def result_rows(soup):
    table = soup.find("table")
    return (
        [
            [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
            for row in table.find("tbody").find_all("tr")
        ]
        if table
        else []
    )


@pytest.mark.parametrize(
    "query",
    [
        "やまだ",
        "ヤマダ",
        "ﾔﾏﾀﾞ",
        "やまだ　はな",
        "ヤマダハナ",
        "山田",
        "山田ハナ",
        "0166-12-3456",
        "０１６６１２３４５６",
        "(0166) 12 3456",
        "+81 166-12-3456",
    ],
)
def test_search_is_tolerant_of_width_kana_spaces_and_phone_formats(clerk, query):
    rows = result_rows(search(clerk, query))
    assert [row[0] for row in rows] == ["山田 ハナ"]


def test_search_by_registration_number_in_any_width(clerk, town):
    number = town.residents[1].registration_no
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert [row[0] for row in result_rows(search(clerk, wide))] == ["佐藤 一郎"]


def test_results_tell_people_apart_and_show_nothing_more(clerk, town):
    soup = search(clerk, "さとう")
    assert result_rows(soup) == [["佐藤 一郎", "さとう いちろう", "東町", "末尾 5678"]]
    page = soup.find("main").get_text()
    assert "090-1234-5678" not in page and "09012345678" not in page
    assert town.residents[1].registration_no not in page


def test_search_by_reservation_number_offers_the_reservation(clerk, town):
    hana = services.find_residents("やまだ")[0]
    unit = services.list_facilities()[0].units[0]
    booked = services.book(
        services.Actor.resident(hana.id, "web"),
        resident_id=hana.id,
        unit_id=unit.id,
        day=__import__("datetime").date(2026, 12, 16),
        block_ids=[unit.facility.time_blocks[0].id],
        now=services.clock_now(),
    )
    soup = search(clerk, booked.number)
    assert soup.find("a", href=f"/counter/reservations/{booked.id}")


def test_search_box_has_an_access_key_on_every_page(clerk):
    home = get_page(clerk, "/counter/")
    assert home.find("input", attrs={"name": "q"})["accesskey"] in ("s", ["s"])
    assert home.find(id="header-q") is None  # one search box per page
    other = get_page(clerk, "/counter/day")
    assert other.find(id="header-q")["accesskey"] in ("s", ["s"])


def test_nothing_found_offers_registration(clerk):
    soup = search(clerk, "だれもいない")
    assert soup.find("a", href="/counter/residents/new")
    assert result_rows(soup) == []


WALK_IN = {
    "name": "鈴木 次郎",
    "name_kana": "すずき じろう",
    "phone": "090-5555-6666",
    "district": "南町",
    "is_resident": "yes",
    "exemption": "",
    "exemption_evidence": "",
}


def test_registering_a_walk_in_prints_a_slip_with_number_and_pin(clerk):
    response = post(clerk, "/counter/residents/new", WALK_IN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    soup = check_page(response.data)
    numbers = [dd.get_text(strip=True) for dd in soup.find_all("dd", class_="slip-number")]
    registration_no, pin = numbers
    fresh()
    resident = db.session.scalar(
        sa.select(Resident).where(Resident.registration_no == registration_no)
    )
    assert resident.name == "鈴木 次郎" and resident.phone_e164 == "+819055556666"
    assert (
        services.verify_pin(
            "web", registration_no=registration_no, pin=pin, now=services.clock_now()
        ).id
        == resident.id
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "resident.register", AuditEntry.on_behalf_of_id == resident.id
        )
    ).one()
    staff = services.verify_staff("clerk", "window-desk-2026", now=services.clock_now())
    assert entry.channel == "counter" and entry.actor_staff_id == staff.id
    assert "body" in soup.find("body").name and "slip-page" in soup.find("body")["class"]


@pytest.mark.parametrize(
    "change",
    [
        {"phone": "090 1234 5678"},  # 佐藤 一郎's phone
        {"name": "山田ハナ", "name_kana": "ヤマダ　ハナ", "phone": ""},  # 山田 ハナ's name and kana
    ],
)
def test_duplicate_phone_or_name_and_kana_warns_before_creating(clerk, change):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Resident))
    response = post(clerk, "/counter/residents/new", {**WALK_IN, **change})
    soup = check_page(response.data)
    assert soup.title.get_text().startswith("エラー:")
    assert soup.find(class_="error-summary").find("a", href="#confirm_different")
    warned = [row[0] for row in result_rows(soup.find(class_="panel-warning"))]
    assert warned in (["佐藤 一郎"], ["山田 ハナ"])
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == before
    # Staff confirm it is someone else: a second record is made.
    response = post(
        clerk,
        "/counter/residents/new",
        {**WALK_IN, **change, "confirm_different": "y"},
        form_page="/counter/residents/new",
    )
    assert response.status_code == 200 and check_page(response.data).find(class_="slip")
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == before + 1


def test_registration_errors_are_shown_on_their_fields(clerk):
    clerk.set_cookie("lang", "en")
    response = post(clerk, "/counter/residents/new", {**WALK_IN, "phone": "12345"})
    soup = check_page(response.data)
    assert soup.find(id="phone-error")
    assert soup.find(class_="error-summary").find("a", href="#phone")
    response = post(clerk, "/counter/residents/new", {**WALK_IN, "name": " ", "is_resident": ""})
    summary = text_of(check_page(response.data).find(class_="error-summary"))
    assert "Enter the resident's name" in summary
    assert "Choose whether the resident lives in the town" in summary


def test_an_exemption_records_the_kind_of_document_seen_never_a_copy(clerk):
    clerk.set_cookie("lang", "en")
    exempt = {**WALK_IN, "exemption": "disability"}
    soup = check_page(post(clerk, "/counter/residents/new", exempt).data)
    assert soup.find(class_="error-summary").find("a", href="#exemption_evidence")
    options = [o["value"] for o in soup.find(id="exemption_evidence").find_all("option")]
    assert "disability_certificate" in options
    response = post(
        clerk, "/counter/residents/new", {**exempt, "exemption_evidence": "disability_certificate"}
    )
    registration_no = (
        check_page(response.data).find("dd", class_="slip-number").get_text(strip=True)
    )
    fresh()
    resident = services.find_residents(registration_no)[0]
    assert resident.exemption.code == "disability"
    assert resident.exemption_evidence == "disability_certificate"
    page = text_of(get_page(clerk, f"/counter/residents/{resident.id}"))
    assert "Physical disability certificate" in page


def test_pin_reset_prints_a_new_slip_and_unlocks(clerk, town):
    hana = services.find_residents("やまだ")[0]
    for _ in range(5):
        try:
            services.verify_pin("web", resident_id=hana.id, pin="0001", now=services.clock_now())
        except Exception:
            pass
    soup = get_page(clerk, f"/counter/residents/{hana.id}")
    assert soup.find("form", action=f"/counter/residents/{hana.id}/unlock")
    response = post(
        clerk, f"/counter/residents/{hana.id}/pin", form_page=f"/counter/residents/{hana.id}"
    )
    assert response.headers["Cache-Control"] == "no-store"
    numbers = [
        dd.get_text(strip=True)
        for dd in check_page(response.data).find_all("dd", class_="slip-number")
    ]
    assert numbers[0] == hana.registration_no and numbers[1] != "4826"
    fresh()
    assert services.verify_pin(
        "phone", resident_id=hana.id, pin=numbers[1], now=services.clock_now()
    )


def test_unlock_without_a_new_pin(clerk):
    hana = services.find_residents("やまだ")[0]
    for _ in range(5):
        try:
            services.verify_pin("web", resident_id=hana.id, pin="0001", now=services.clock_now())
        except Exception:
            pass
    response = post(
        clerk, f"/counter/residents/{hana.id}/unlock", form_page=f"/counter/residents/{hana.id}"
    )
    assert response.status_code == 302
    fresh()
    assert services.verify_pin("web", resident_id=hana.id, pin="4826", now=services.clock_now())


def test_unknown_resident_is_a_not_found_page(clerk):
    get_page(clerk, "/counter/residents/999999", status=404)
    get_page(clerk, "/counter/reservations/999999", status=404)
