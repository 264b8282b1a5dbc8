"""Staff sign-in: every counter page needs it, a resident's session never grants it,
passwords lock out, idle sessions end with a warning, and every POST needs CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from reservations import services
from reservations.db import db, write_transaction
from reservations.models import Staff
from tests.channels.counter.conftest import get_page, post, sign_in, text_of, token_of
from tests.pages import check_page

# Any other argument of a route (an id) gets 1: a new page is covered without an edit here.
SAMPLE_VALUES = {"filename": "counter.css"}


def counter_routes(app) -> list[tuple[str, str]]:
    """(method, url) of every counter route but the sign-in page and static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("counter.") or rule.endpoint in (
            "counter.sign_in",
            "counter.static",
        ):
            continue
        url = rule.build({k: SAMPLE_VALUES.get(k, 1) for k in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302
    assert response.location.startswith("/counter/sign-in")


def test_every_counter_route_refuses_anonymous_users(app, client):
    routes = counter_routes(app)
    assert len(routes) >= 20
    token = token_of(get_page(client, "/counter/sign-in"))
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert_sent_to_sign_in(response)
    assert client.get("/counter/static/counter.css").status_code == 200


@pytest.mark.parametrize("key", ["resident_id", "web_resident_id", "web_resident", "resident"])
def test_a_resident_session_never_grants_counter_access(app, client, key):
    with client.session_transaction() as session:
        session[key] = 1
        session["user_id"] = 1
    token = token_of(get_page(client, "/counter/sign-in"))
    for method, url in counter_routes(app):
        assert_sent_to_sign_in(client.open(url, method=method, data={"csrf_token": token}))


def test_staff_sign_in_replaces_whatever_the_browser_held(client):
    with client.session_transaction() as session:
        session["resident_id"] = 1
    sign_in(client)
    with client.session_transaction() as session:
        assert "resident_id" not in session
        assert isinstance(session["counter_staff_id"], int)


def test_sign_in_returns_to_the_page_asked_for_and_never_elsewhere(client):
    response = client.get("/counter/day?day=2026-12-16")
    assert response.location == "/counter/sign-in?next=/counter/day?day%3D2026-12-16"
    soup = get_page(client, response.location)
    response = client.post(
        "/counter/sign-in",
        data={
            "csrf_token": token_of(soup),
            "username": "clerk",
            "password": "window-desk-2026",
            "next": soup.find("input", attrs={"name": "next"})["value"],
        },
    )
    assert response.location == "/counter/day?day=2026-12-16"
    post(client, "/counter/sign-out", form_page="/counter/")
    response = post(
        client,
        "/counter/sign-in",
        {
            "username": "clerk",
            "password": "window-desk-2026",
            "next": "https://evil.example/counter/",
        },
    )
    assert response.location == "/counter/"


def test_an_outsiders_wrong_passwords_make_only_their_address_wait(app, client):
    """Staff lockout by an outsider: one address guessing the clerk's password waits
    (warned before), and the clerk at another address signs in."""
    client.set_cookie("lang", "en")
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    wrong = {"username": "clerk", "password": "wrong"}
    response = post(client, "/counter/sign-in", wrong)
    assert response.status_code == 200
    assert "The username or password is not right." in text_of(get_page_from(response))
    response = post(client, "/counter/sign-in", wrong)
    assert "If the next try is wrong too" in text_of(get_page_from(response))
    response = post(client, "/counter/sign-in", wrong)
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert "too many times from this computer" in text_of(get_page_from(response))
    right = {"username": "clerk", "password": "window-desk-2026"}
    assert post(client, "/counter/sign-in", right).status_code == 429  # this address waits
    desk = app.test_client()
    desk.environ_base["REMOTE_ADDR"] = "192.168.10.21"
    sign_in(desk)


def test_a_locked_account_answers_as_a_wrong_password_and_the_desk_still_signs_in(app, client):
    """The last resort: an outsider guessing from many addresses locks the clerk's
    account. A guessing address is then told, even with the right password, exactly what
    a wrong password or an unknown username is told (before issue 11 a locked account
    answered differently); the clerk at the desk, an address with a clean record, signs
    in. (tests/integration/test_sign_in_answers.py: the same one argon2 check on each
    path, the time an answer takes.)"""

    def attempt(address: str, username: str, password: str):
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = address
        visitor.set_cookie("lang", "en")
        return post(visitor, "/counter/sign-in", {"username": username, "password": password})

    for n in range(20):  # STAFF_ACCOUNT_LOCK_FAILURES: 20, one from each address
        assert attempt(f"203.0.113.{n}", "clerk", "wrong").status_code == 200
    db.session.rollback()
    clerk = db.session.scalar(db.select(Staff).where(Staff.username == "clerk"))
    assert clerk.locked_at is not None
    # Each address below has one wrong try on record: its second is answered.
    attempt("198.51.100.5", "nobody-here", "wrong")
    attempt("198.51.100.6", "admin", "wrong")
    answers = [
        attempt("203.0.113.0", "clerk", "window-desk-2026"),  # locked, the right password
        attempt("203.0.113.1", "clerk", "wrong"),  # locked, a wrong one
        attempt("198.51.100.5", "nobody-here", "window-desk-2026"),  # nobody's username
        attempt("198.51.100.6", "admin", "wrong"),  # an account not locked, a wrong one
    ]
    told = [(r.status_code, text_of(get_page_from(r).find("main"))) for r in answers]
    assert told[0] == told[1] == told[2] == told[3], told
    assert "The username or password is not right." in told[0][1]
    desk = app.test_client()
    desk.environ_base["REMOTE_ADDR"] = "192.168.10.21"
    sign_in(desk)


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(app, client):
    answers = []
    for address, username in (("192.0.2.1", "clerk"), ("192.0.2.2", "nobody-here")):
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = address
        visitor.set_cookie("lang", "en")
        response = post(visitor, "/counter/sign-in", {"username": username, "password": "wrong"})
        answers.append((response.status_code, text_of(get_page_from(response))))
    assert answers[0] == answers[1]


def get_page_from(response):
    return check_page(response.data)


def test_sign_out_ends_the_staff_session(clerk):
    response = post(clerk, "/counter/sign-out", form_page="/counter/")
    assert_sent_to_sign_in(response)
    assert_sent_to_sign_in(clerk.get("/counter/"))


def test_idle_session_ends_with_a_notice_and_activity_keeps_it(clerk, clock):
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, "/counter/")
    warning = soup.find(id="session-warning")
    assert warning.has_attr("hidden") and warning["data-idle-seconds"] == "1200"
    assert warning["data-warning-seconds"] == "120"
    assert warning.find("button", id="session-extend")
    clock.now += timedelta(minutes=19)
    response = post(
        clerk, "/counter/session/extend", {"next": "/counter/day"}, form_page="/counter/"
    )
    assert response.location == "/counter/day"
    response = post(clerk, "/counter/session/extend", {"background": "1"}, form_page="/counter/")
    assert response.status_code == 204
    clock.now += timedelta(minutes=19)
    get_page(clerk, "/counter/")  # still signed in: each request counts as activity
    clock.now += timedelta(minutes=21)
    response = clerk.get("/counter/audit")
    assert response.location == "/counter/sign-in?next=/counter/audit"
    soup = get_page(clerk, response.location)
    assert "signed out after 20 minutes without activity" in text_of(soup)
    assert_sent_to_sign_in(clerk.get("/counter/"))


def test_idle_minutes_come_from_the_configuration(app, clerk, clock):
    app.config["COUNTER_IDLE_MINUTES"] = 5
    clock.now += timedelta(minutes=6)
    assert_sent_to_sign_in(clerk.get("/counter/"))


def test_a_deactivated_staff_member_is_signed_out_at_once(clerk):
    with write_transaction():
        staff = db.session.scalar(db.select(Staff).where(Staff.username == "clerk"))
        staff.active = False
    assert_sent_to_sign_in(clerk.get("/counter/"))


def test_a_post_without_the_csrf_token_is_refused(clerk):
    resident = services.find_residents("やまだ")[0]
    response = clerk.post(f"/counter/residents/{resident.id}/pin")
    assert response.status_code == 400
    assert check_page(response.data).h1.get_text(strip=True) == "フォームを送信できませんでした"
    response = clerk.post("/counter/sign-out", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert clerk.get("/counter/").status_code == 200  # still signed in


def test_clerks_do_not_get_the_admin_pages_and_admins_do(clerk, client):
    for url in ("/counter/staff", "/counter/closures"):
        soup = get_page(clerk, url, status=403)
        assert soup.find("form", attrs={"method": "post", "action": url}) is None
    menu = text_of(get_page(clerk, "/counter/").find("nav", class_="counter-nav"))
    assert not re.search("Staff accounts|職員アカウント", menu)
    post(clerk, "/counter/sign-out", form_page="/counter/")
    sign_in(client, "admin", "ledger-desk-2026")
    for url in ("/counter/staff", "/counter/closures"):
        get_page(client, url)
