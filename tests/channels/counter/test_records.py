"""The day sheet, the audit view and its CSV export, and the administrators' pages."""

from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import Closure, Staff
from tests.channels.counter.conftest import NOW, fresh, get_page, post, text_of
from tests.factories import kana_number
from tests.pages import check_page

DAY = date(2026, 12, 16)


def book_as(actor, resident, facility_code="town-gym", block=0, day=DAY):
    facility = next(f for f in services.list_facilities() if f.code == facility_code)
    return services.book(
        actor,
        resident_id=resident.id,
        unit_id=facility.units[0].id,
        day=day,
        block_ids=[facility.time_blocks[block].id],
        now=NOW,
    )


def residents():
    return services.find_residents("やまだ")[0], services.find_residents("さとう")[0]


def clerk_actor():
    return services.Actor.staff(services.verify_staff("clerk", "window-desk-2026", now=NOW).id)


def test_day_sheet_lists_each_facility_with_who_booked_through_which_channel(clerk):
    hana, ichiro = residents()
    by_web = book_as(services.Actor.resident(ichiro.id, "web"), ichiro, block=0)
    by_counter = book_as(clerk_actor(), hana, block=2)
    by_phone = book_as(services.Actor.resident(ichiro.id, "phone"), ichiro, "tennis", block=3)
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, "/counter/day?day=2026-12-16")
    gym = soup.find("section", attrs={"aria-labelledby": lambda v: v and v.startswith("facility-")})
    rows = [
        [c.get_text(" ", strip=True) for c in tr.find_all("td")]
        for tr in gym.find("tbody").find_all("tr")
    ]
    assert rows[0][3] == by_web.number and rows[0][4] == "Web"
    assert rows[1][3] == by_counter.number and rows[1][4] == "Counter (窓口 一子)"
    assert rows[1][2].startswith("山田 ハナ") and rows[1][5].startswith("Not paid yet")
    assert by_phone.number in text_of(soup) and "Telephone" in text_of(soup)
    assert "No reservations." in text_of(soup)  # the community hall that day


def test_day_sheet_for_one_facility_and_a_closed_day(admin):
    hana, _ = residents()
    booked = book_as(services.Actor.resident(hana.id, "web"), hana)
    gym_id = booked.unit.facility_id
    response = post(
        admin,
        "/counter/closures",
        {
            "facility": str(gym_id),
            "start": "2026-12-16",
            "end": "12/16",
            "reason": "床の補修",
            "reason_en": "",
            "action": "commit",
        },
    )
    assert response.status_code == 302
    fresh()
    assert db.session.scalar(sa.select(Closure.reason)) == "床の補修"
    admin.set_cookie("lang", "en")
    soup = get_page(admin, f"/counter/day?day=2026-12-16&facility={gym_id}")
    assert len(soup.find_all("section")) == 1
    notice = text_of(soup.find("section").find(class_="notice-warning"))
    assert "Closed: 床の補修" in notice and "Call the residents below." in notice
    assert booked.number in text_of(soup)


def test_day_sheet_date_errors_and_default_today(clerk):
    assert "2026年12月1日(火)" in get_page(clerk, "/counter/day").h1.get_text()
    soup = check_page(clerk.get("/counter/day?day=13/45").data)
    assert soup.find(class_="error-summary").find("a", href="#day")


def test_audit_view_shows_who_did_what_for_whom_and_filters(clerk):
    hana, ichiro = residents()
    mine = book_as(clerk_actor(), hana)
    book_as(services.Actor.resident(ichiro.id, "web"), ichiro, block=2)
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/audit?reservation={mine.number}")
    rows = soup.find("table").find("tbody").find_all("tr")
    assert len(rows) == 1
    cells = [c.get_text(" ", strip=True) for c in rows[0].find_all("td")]
    assert cells[1] == "Booked Counter" and cells[2] == "窓口 一子 (clerk)"
    assert cells[3] == f"山田 ハナ {hana.registration_no}" and cells[4] == mine.number
    by_resident = get_page(clerk, f"/counter/audit?resident={ichiro.registration_no}")
    actions = [
        tr.find_all("td")[1].get_text(" ", strip=True)
        for tr in by_resident.find("tbody").find_all("tr")
    ]
    assert actions == ["Booked Web", "Resident registered System"]
    clerk_id = str(services.verify_staff("clerk", "window-desk-2026", now=NOW).id)
    by_staff = get_page(clerk, f"/counter/audit?staff={clerk_id}&start=2026-12-01&end=2026-12-01")
    assert [
        tr.find_all("td")[1].get_text(" ", strip=True)
        for tr in by_staff.find("tbody").find_all("tr")
    ] == ["Booked Counter", "Signed in at the counter Counter"]  # the clerk fixture signed in
    reversed_range = check_page(clerk.get("/counter/audit?start=2026-12-02&end=2026-12-01").data)
    assert reversed_range.find(class_="error-summary").find("a", href="#end")


def test_audit_view_pages_of_fifty_newest_first(clerk):
    for n in range(50):
        services.register_resident(
            services.Actor.system(),
            name=f"住民 {n}",
            name_kana=f"じゅうみん {kana_number(n)}",
            phone=None,
            district="",
            is_resident=True,
            now=NOW,
        )
    total = services.audit_trail(services.AuditFilter()).total
    assert total > 50
    clerk.set_cookie("lang", "en")
    first = get_page(clerk, "/counter/audit")
    assert len(first.find("tbody").find_all("tr")) == 50
    assert f"Entries 1 to 50 of {total}, newest first." in text_of(first)
    older = first.find("a", rel="next")["href"]
    second = get_page(clerk, older)
    assert len(second.find("tbody").find_all("tr")) == total - 50
    assert second.find("a", rel="prev") and second.find("a", rel="next") is None


def test_csv_export_is_utf8_with_bom_and_has_the_filtered_entries(clerk):
    hana, ichiro = residents()
    mine = book_as(clerk_actor(), hana)
    book_as(services.Actor.resident(ichiro.id, "web"), ichiro, block=2)
    response = clerk.get(f"/counter/audit.csv?resident={hana.registration_no}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    body = response.data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["日時", "操作", "操作コード", "受付方法"]
    assert [row[2] for row in rows[1:]] == ["reservation.book", "resident.register"]
    booked = rows[1]
    assert booked[0] == "2026-12-01T10:00:00+09:00"
    assert booked[3:9] == ["窓口", "clerk", "窓口 一子", "", hana.registration_no, "山田 ハナ"]
    assert booked[9] == mine.number and '"fee_yen": 1500' in booked[13]


def test_csv_cells_cannot_start_a_formula(admin):
    services.register_resident(
        services.Actor.system(),
        name='=HYPERLINK("x")',
        name_kana="あ",
        phone=None,
        district="-",
        is_resident=True,
        now=NOW,
    )
    rows = list(csv.reader(io.StringIO(admin.get("/counter/audit.csv").data.decode("utf-8-sig"))))
    registered = next(
        row for row in rows if row[2] == "resident.register" and "HYPERLINK" in row[13]
    )
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert registered[13].startswith("{")


def test_admin_adds_a_staff_account_and_errors_show_on_fields(admin):
    admin.set_cookie("lang", "en")
    response = post(
        admin,
        "/counter/staff",
        {"username": "suzuki", "display_name": "鈴木 三郎", "role": "clerk", "password": "short"},
    )
    soup = check_page(response.data)
    assert soup.find(id="password-error") and "at least 10 characters" in text_of(soup)
    response = post(
        admin,
        "/counter/staff",
        {
            "username": "suzuki",
            "display_name": "鈴木 三郎",
            "role": "clerk",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 302
    fresh()
    assert db.session.scalar(sa.select(Staff.role).where(Staff.username == "suzuki")) == "clerk"
    assert "suzuki" in text_of(get_page(admin, "/counter/staff"))
    response = post(
        admin,
        "/counter/staff",
        {"username": "suzuki", "display_name": "x", "role": "clerk", "password": "long-enough-pw"},
    )
    assert check_page(response.data).find(id="username-error")


def test_a_clerk_posting_to_admin_pages_changes_nothing(clerk, client):
    token = get_page(clerk, "/counter/").find("input", attrs={"name": "csrf_token"})["value"]
    response = clerk.post(
        "/counter/staff",
        data={
            "csrf_token": token,
            "username": "x",
            "display_name": "x",
            "role": "admin",
            "password": "long-enough-pw",
        },
    )
    assert response.status_code == 403
    fresh()
    assert db.session.scalar(sa.select(Staff).where(Staff.username == "x")) is None
