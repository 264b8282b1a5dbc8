"""Lockout by staff at the counter: a clerk stops a resident's sign-in with a reason (a
lost PIN slip, misuse), which ends the resident's sessions and refuses their web
sign-in with the usual words until a clerk lifts it; an administrator does the same
for a staff account. Through the test client with CSRF on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from reservations.db import db
from reservations.models import AuditEntry, Resident, Staff
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of
from tests.pages import check_page


def resident_of(line) -> Resident:
    fresh()
    return db.session.scalar(
        sa.select(Resident).where(Resident.registration_no == line.registration_no)
    )


def web_sign_in(app, registration_no: str, pin: str, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    browser.set_cookie("lang", "en")
    response = post(browser, "/sign-in", {"registration_no": registration_no, "pin": pin})
    return browser, response


def error_words(response) -> str:
    return text_of(check_page(response.data).find(class_="error-summary"))


def last_audit(action: str) -> AuditEntry:
    fresh()
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def test_a_clerk_stops_a_residents_sign_in_and_lifts_it(app, clerk, town):
    line = town.residents[0]
    browser, response = web_sign_in(app, line.registration_no, line.pin, "198.51.100.7")
    assert response.status_code == 302
    cookie = browser.get_cookie("session").value
    page = f"/counter/residents/{resident_of(line).id}"
    soup = get_page(clerk, page)
    assert soup.find("a", href=f"{page}/sign-in-stop")

    clerk.set_cookie("lang", "en")
    response = post(clerk, f"{page}/sign-in-stop", {"reason": "PIN slip lost"})
    assert response.status_code == 302 and response.location == page
    soup = get_page(clerk, page)
    assert "Stopped by staff since" in text_of(soup) and "PIN slip lost" in text_of(soup)
    entry = last_audit("resident.sign_in_stop")
    assert entry.after["reason"] == "PIN slip lost"
    assert entry.after["sessions_ended"]["reason"] == "sign_in_stopped"

    # The session open before ends; the right PIN is refused as a wrong one is.
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/my-reservations").location == "/sign-in"
    _, right = web_sign_in(app, line.registration_no, line.pin, "198.51.100.8")
    _, wrong = web_sign_in(app, line.registration_no, "0000", "198.51.100.9")
    assert right.status_code == wrong.status_code == 200
    assert error_words(right) == error_words(wrong)

    response = post(clerk, f"{page}/sign-in-stop/lift", form_page=page)
    assert response.status_code == 302
    assert "sign in with their PIN again" in text_of(get_page(clerk, page))
    assert last_audit("resident.sign_in_stop_lift").after["sign_in_stop_lifted"]["reason"] == (
        "PIN slip lost"
    )
    _, response = web_sign_in(app, line.registration_no, line.pin, "198.51.100.8")
    assert response.status_code == 302 and response.location == "/my-reservations"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_stop_without_a_reason_shows_the_error_summary(app, clerk, town, locale):
    line = town.residents[0]
    page = f"/counter/residents/{resident_of(line).id}/sign-in-stop"
    clerk.set_cookie("lang", locale)
    response = post(clerk, page, {"reason": "  "})
    assert response.status_code == 200
    soup = check_page(response.data)
    assert soup.find(class_="error-summary").find("a", href="#reason")
    assert ("理由" if locale == "ja" else "Write why sign-in is stopped") in text_of(
        soup.find(id="reason-error")
    )
    assert ("200文字まで" if locale == "ja" else "200 characters") in text_of(soup)
    response = post(clerk, page, {"reason": "x" * 201})
    assert soup.find(class_="error-summary")
    assert "200" in text_of(check_page(response.data).find(id="reason-error"))
    assert resident_of(line).sign_in_stopped_at is None


def test_an_admin_stops_a_staff_account_and_a_clerk_cannot(app, client, town):
    fresh()
    clerk_id = db.session.scalar(sa.select(Staff.id).where(Staff.username == "clerk"))
    admin_id = db.session.scalar(sa.select(Staff.id).where(Staff.username == "admin"))
    desk = app.test_client()
    sign_in(desk)
    assert desk.get(f"/counter/staff/{admin_id}/sign-in-stop").status_code == 403
    admin = app.test_client()
    sign_in(admin, "admin", "ledger-desk-2026")
    member = f"/counter/staff/{clerk_id}"
    assert get_page(admin, member).find("a", href=f"{member}/sign-in-stop")
    response = post(admin, f"{member}/sign-in-stop", {"reason": "password written on a note"})
    assert response.status_code == 302
    assert desk.get("/counter/").location.startswith("/counter/sign-in")
    refused = post(desk, "/counter/sign-in", {"username": "clerk", "password": "window-desk-2026"})
    assert refused.status_code == 200
    assert last_audit("staff.sign_in_stop").after["reason"] == "password written on a note"
    post(admin, f"{member}/sign-in-stop/lift", form_page=member)
    sign_in(desk)
    assert desk.get("/counter/").status_code == 200


def test_a_disowned_callback_is_shown_on_the_residents_page(app, clerk, town):
    """Whoever answered a sign-in callback said they had not asked for it (the phone's
    test_sign_in_callback.py): staff see it on the resident's page."""
    from reservations import services
    from tests.factories import at

    person = resident_of(town.residents[0])
    now = at(2026, 12, 1, 9)
    asked = f"CA{1:032x}"
    placed = f"CA{2:032x}"
    callback = services.request_callback(resident_id=person.id, call_sid=asked, now=now)
    services.place_callback(
        services.LogCaller(), requested_call_sid=asked, url=str, status_callback="", now=now
    )
    services.answer_callback(callback.id, placed, now)
    services.disown_callback(placed, now)
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/residents/{person.id}")
    assert "answered by someone who had not asked for it" in text_of(
        soup.find(class_="notice-warning")
    )
    audit_page = get_page(clerk, f"/counter/audit?resident={person.registration_no}")
    assert "they had not asked for it" in text_of(audit_page)
