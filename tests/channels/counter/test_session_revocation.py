"""Sessions end on the server side: a cookie saved before a sign-out, a new password or
PIN, a role change or a deactivation opens nothing when it is sent again afterwards, and a session
ends at its absolute lifetime however active it is. The audit trail says which session
ended and why.

Each test saves the browser's session cookie while it works, lets the revocation
happen, then replays the saved cookie from a fresh browser, as a thief who copied it
would."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from reservations.db import db
from reservations.models import AuditEntry, Resident, Staff
from reservations.settings import Settings
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of

STAFF_PAGE = "/counter/"
RESIDENT_PAGE = "/my-reservations"


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str, url: str, locale: str = "en"):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    thief.set_cookie("lang", locale)
    return thief.get(url)


def assert_counter_refused(app, cookie: str) -> None:
    response = replay(app, cookie, STAFF_PAGE)
    assert response.status_code == 302
    assert response.location.startswith("/counter/sign-in")


def assert_web_refused(app, cookie: str) -> None:
    response = replay(app, cookie, RESIDENT_PAGE)
    assert response.status_code == 302
    assert response.location == "/sign-in"


def staff_named(username: str) -> Staff:
    fresh()
    return db.session.scalar(sa.select(Staff).where(Staff.username == username))


def last_audit(action: str) -> AuditEntry:
    fresh()
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc())
    ).first()


def after_of(entry: AuditEntry) -> dict:
    return entry.after


def resident_signed_in(client, line) -> None:
    client.set_cookie("lang", "en")
    response = post(client, "/sign-in", {"registration_no": line.registration_no, "pin": line.pin})
    assert response.status_code == 302, response.data.decode()[:2000]
    assert client.get(RESIDENT_PAGE).status_code == 200


# -------------------------------------------------------------------------- staff


def test_a_staff_cookie_saved_before_sign_out_opens_nothing_after(app, clerk):
    assert clerk.get(STAFF_PAGE).status_code == 200
    cookie = saved_cookie(clerk)
    assert replay(app, cookie, STAFF_PAGE).status_code == 200  # the copy works until then
    post(clerk, "/counter/sign-out", form_page=STAFF_PAGE)
    assert_counter_refused(app, cookie)
    entry = last_audit("staff.sign_out")
    assert after_of(entry)["sessions_ended"]["reason"] == "sign_out"
    assert after_of(entry)["session"]


def test_signing_out_in_one_browser_ends_the_others(app, client, clerk):
    other = app.test_client()
    sign_in(other)
    cookie = saved_cookie(other)
    post(clerk, "/counter/sign-out", form_page=STAFF_PAGE)
    response = replay(app, cookie, STAFF_PAGE)
    assert response.location.startswith("/counter/sign-in")


def test_a_staff_cookie_saved_before_a_password_change_opens_nothing_after(app, clerk):
    cookie = saved_cookie(clerk)
    response = post(
        clerk,
        "/counter/password",
        {
            "current_password": "window-desk-2026",
            "new_password": "bright-own-pass",
            "new_password_again": "bright-own-pass",
        },
    )
    assert response.status_code == 302
    # The session the password was changed in goes on; the saved copy does not.
    assert clerk.get(STAFF_PAGE).status_code == 200
    assert_counter_refused(app, cookie)
    entry = last_audit("staff.password_change")
    assert after_of(entry)["sessions_ended"]["reason"] == "password_change"


def test_a_staff_cookie_saved_before_an_admin_reset_opens_nothing_after(app, client, admin):
    clerk = app.test_client()
    sign_in(clerk)
    cookie = saved_cookie(clerk)
    member = f"/counter/staff/{staff_named('clerk').id}"
    response = post(admin, f"{member}/password", {"password": ""}, form_page=member)
    assert response.status_code == 200
    assert_counter_refused(app, cookie)
    entry = last_audit("staff.password_reset")
    assert after_of(entry)["sessions_ended"]["reason"] == "password_reset"


def test_a_cookie_saved_before_deactivation_stays_dead_after_reactivation(app, client, admin):
    clerk = app.test_client()
    sign_in(clerk)
    cookie = saved_cookie(clerk)
    member = f"/counter/staff/{staff_named('clerk').id}"
    assert post(admin, f"{member}/deactivate", form_page=member).status_code == 302
    assert post(admin, f"{member}/reactivate", form_page=member).status_code == 302
    assert staff_named("clerk").active
    response = replay(app, cookie, STAFF_PAGE)
    assert response.location.startswith("/counter/sign-in")
    entry = last_audit("staff.deactivate")
    assert after_of(entry)["sessions_ended"]["reason"] == "deactivated"


@pytest.mark.parametrize(("before", "after"), [("clerk", "admin"), ("admin", "clerk")])
def test_a_staff_cookie_saved_before_a_role_change_opens_nothing_after(
    app, client, admin, before, after
):
    """A session begun in one role does not go on in the other, either way."""
    member = f"/counter/staff/{staff_named('clerk').id}"
    if before == "admin":
        post(admin, f"{member}/role", {"role": "admin"}, form_page=member)
    clerk = app.test_client()
    sign_in(clerk)
    cookie = saved_cookie(clerk)
    generation = staff_named("clerk").session_generation
    assert post(admin, f"{member}/role", {"role": after}, form_page=member).status_code == 302
    assert staff_named("clerk").role == after
    assert staff_named("clerk").session_generation == generation + 1
    assert_counter_refused(app, cookie)
    response = clerk.get(STAFF_PAGE)
    assert response.location.startswith("/counter/sign-in")
    entry = last_audit("staff.role_change")
    assert (entry.before["role"], entry.after["role"]) == (before, after)
    assert after_of(entry)["sessions_ended"] == {
        "generation": generation,
        "reason": "role_change",
    }
    # The administrator's own session goes on, and a new sign-in works in the new role.
    assert admin.get(STAFF_PAGE).status_code == 200
    sign_in(clerk)
    assert clerk.get(STAFF_PAGE).status_code == 200


def test_the_ended_session_is_told_why_in_words(app, client, clerk):
    other = app.test_client()
    sign_in(other)
    post(clerk, "/counter/sign-out", form_page=STAFF_PAGE)
    other.set_cookie("lang", "en")
    response = other.get(STAFF_PAGE)
    soup = get_page(other, response.location)
    assert "This session has ended" in text_of(soup.find(class_="notices"))


def test_an_automatic_lock_ends_no_session(app, clerk):
    """Wrong passwords from elsewhere must not sign the holder out."""
    generation = staff_named("clerk").session_generation
    stranger = app.test_client()
    for _ in range(6):
        post(stranger, "/counter/sign-in", {"username": "clerk", "password": "wrong-guess"})
    assert staff_named("clerk").session_generation == generation
    assert clerk.get(STAFF_PAGE).status_code == 200


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_staff_session_ends_at_its_lifetime_however_active(app, client, clock, locale):
    sign_in(client)
    client.set_cookie("lang", locale)
    step = timedelta(minutes=19)  # a page every 19 minutes: never idle
    for _ in range(timedelta(hours=12) // step):  # 11 h 43 min
        clock.now += step
        assert client.get(STAFF_PAGE).status_code == 200
    clock.now += step
    response = client.get(STAFF_PAGE)
    assert response.location.startswith("/counter/sign-in")
    notice = text_of(get_page(client, response.location).find(class_="notices"))
    assert ("12時間" if locale == "ja" else "at most 12 hours") in notice
    entry = last_audit("staff.session_expired")
    assert after_of(entry)["reason"] == "lifetime" and after_of(entry)["session"]


def test_the_staff_lifetime_comes_from_the_configuration(app, client, clock):
    app.config["COUNTER_SESSION_HOURS"] = 1
    app.extensions["reservations"] = Settings.from_mapping(app.config)
    sign_in(client)
    for _ in range(3):
        clock.now += timedelta(minutes=19)
        assert client.get(STAFF_PAGE).status_code == 200
    clock.now += timedelta(minutes=4)
    assert client.get(STAFF_PAGE).location.startswith("/counter/sign-in")


# ---------------------------------------------------------------------- residents


def test_a_resident_cookie_saved_before_sign_out_opens_nothing_after(app, client, town):
    line = town.residents[0]
    resident_signed_in(client, line)
    cookie = saved_cookie(client)
    assert replay(app, cookie, RESIDENT_PAGE).status_code == 200
    post(client, "/sign-out", form_page=RESIDENT_PAGE)
    assert_web_refused(app, cookie)
    entry = last_audit("resident.sign_out")
    assert after_of(entry)["sessions_ended"]["reason"] == "sign_out"
    assert entry.actor_resident_id == db.session.scalar(
        sa.select(Resident.id).where(Resident.registration_no == line.registration_no)
    )


def test_a_resident_cookie_saved_before_a_pin_reset_opens_nothing_after(app, client, town):
    line = town.residents[0]
    browser = app.test_client()
    resident_signed_in(browser, line)
    cookie = saved_cookie(browser)
    sign_in(client)
    fresh()
    resident_id = db.session.scalar(
        sa.select(Resident.id).where(Resident.registration_no == line.registration_no)
    )
    page = f"/counter/residents/{resident_id}"
    response = post(client, f"{page}/pin", form_page=page)
    assert response.status_code in (200, 302)
    assert_web_refused(app, cookie)
    response = browser.get(RESIDENT_PAGE)
    assert response.location == "/sign-in"
    notice = text_of(get_page(browser, "/sign-in").find(class_="notices"))
    assert "PIN was changed" in notice
    entry = last_audit("resident.pin_set")
    assert after_of(entry)["sessions_ended"]["reason"] == "pin_set"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_resident_session_ends_at_its_lifetime_however_active(app, client, clock, town, locale):
    resident_signed_in(client, town.residents[0])
    client.set_cookie("lang", locale)
    for _ in range(2 * 6 - 1):  # a page every 10 minutes: never idle
        clock.now += timedelta(minutes=10)
        assert client.get(RESIDENT_PAGE).status_code == 200
    clock.now += timedelta(minutes=10)
    response = client.get(RESIDENT_PAGE)
    assert response.location == "/sign-in"
    notice = text_of(get_page(client, "/sign-in").find(class_="notices"))
    assert ("2時間" if locale == "ja" else "at most 2 hours") in notice
    entry = last_audit("resident.session_expired")
    assert after_of(entry)["reason"] == "lifetime"


def test_a_resident_session_left_idle_is_recorded_as_ended_idle(app, client, clock, town):
    resident_signed_in(client, town.residents[0])
    assert client.get(RESIDENT_PAGE).status_code == 200
    clock.now += timedelta(minutes=app.config["WEB_SESSION_MINUTES"] + 1)
    assert client.get(RESIDENT_PAGE).location == "/sign-in"
    entry = last_audit("resident.session_expired")
    assert after_of(entry)["reason"] == "idle"
