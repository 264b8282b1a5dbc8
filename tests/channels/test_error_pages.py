"""HTTP errors that no channel answers itself are whole pages in the visitor's
language (found by fuzzing: they were Werkzeug's bare English pages): an address
that matches nothing, a page asked for with the wrong method. Ids beyond what the
database holds match no page instead of reaching the database."""

from __future__ import annotations

import pytest

from channels import demo
from channels.ids import MAX_ID, parse_id
from tests.channels.web.conftest import NOW
from tests.pages import check_page

HEADINGS = {
    (404, "ja"): "ページが見つかりません",
    (404, "en"): "Page not found",
    (405, "ja"): "このページはこの方法では使えません",
    (405, "en"): "This page cannot be used that way",
}


def _page(app, method: str, path: str, locale: str, status: int):
    client = app.test_client()
    client.set_cookie("lang", locale)
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    soup = check_page(response.data)
    assert soup.html["lang"] == locale
    assert soup.h1.get_text(strip=True) == HEADINGS[status, locale]
    return soup


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",
        "/counter/no-such-page",
        "/language/xx",
        "/units/abc/availability",
        "/facilities/%EF%BC%91",
    ],
)
def test_an_unknown_address_gets_a_not_found_page_in_the_visitors_language(app, path, locale):
    soup = _page(app, "GET", path, locale, 404)
    home = "/counter/" if path.startswith("/counter/") else "/"
    assert soup.main.find("a", href=home)


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize(
    "method, path", [("PUT", "/facilities"), ("POST", "/"), ("DELETE", "/counter/sign-in")]
)
def test_a_wrong_method_gets_a_page_in_the_visitors_language(app, method, path, locale):
    soup = _page(app, method, path, locale, 405)
    assert soup.main.get_text().strip()


def test_phone_webhooks_keep_their_bare_status_codes(app):
    response = app.test_client().get("/phone/voice")
    assert response.status_code == 405
    assert b"<main" not in response.data  # only Twilio calls them


@pytest.mark.parametrize("number", [str(MAX_ID + 1), str(2**63), "9" * 30, "9" * 5000])
@pytest.mark.parametrize(
    "template",
    [
        "/facilities/{}",
        "/units/{}/availability",
        "/reservations/{}/booked",
        "/counter/residents/{}",
        "/counter/reservations/{}",
    ],
)
def test_ids_beyond_the_database_are_not_found(app, template, number):
    response = app.test_client().get(template.format(number))
    assert response.status_code in (302, 404)  # the counter sends strangers to sign in first
    if response.status_code == 302:
        assert "/counter/sign-in" in response.location


def test_an_id_is_ascii_digits_within_the_database():
    assert parse_id("42") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    for text in (str(MAX_ID + 1), "", "-1", "+1", " 1", "１", "²", "١", "1.0", "9" * 5000):
        assert parse_id(text) is None, text


@pytest.mark.parametrize("value", ["²", "１", "9" * 5000, str(2**70)])
def test_odd_or_huge_block_ids_are_a_wrong_choice_not_an_error(app, value):
    app.config["CLOCK"] = lambda: NOW
    demo.seed(now=NOW)
    client = app.test_client()
    assert client.get(f"/units/1/days/2026-12-16?block={value}").status_code == 200
    page = client.get("/units/1/days/2026-12-16")
    token = check_page(page.data).find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post("/units/1/days/2026-12-16", data={"blocks": value, "csrf_token": token})
    assert response.status_code == 200
    assert check_page(response.data).find(class_="error-summary")


# --------------------------------------------- the database out of reach for a moment

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/unreachable"  # nothing listens


@pytest.fixture
def app_without_database():
    """The app pointed at a PostgreSQL address where nothing answers: what every request
    meets while the database restarts or fails over (bench/faults.py does it for real)."""
    from channels import create_app
    from tests.conftest import app_config

    config = app_config(
        UNREACHABLE, TWILIO_AUTH_TOKEN="test-token", PHONE_OPERATOR_NUMBER="+81166000111"
    )
    config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] = {"connect_timeout": 2}
    return create_app(config)


UNAVAILABLE = {
    "ja": "ただいま一時的にご利用いただけません",
    "en": "The service is unavailable for a moment",
}


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_pages_say_to_try_again_when_the_database_is_out_of_reach(
    app_without_database, locale, caplog
):
    client = app_without_database.test_client()
    client.set_cookie("lang", locale)
    response = client.get("/facilities")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    soup = check_page(response.data)
    assert soup.html["lang"] == locale
    assert soup.h1.get_text(strip=True) == UNAVAILABLE[locale]
    assert soup.main.find("a", href="/")
    # The log names the route and the error's type, never the request's data.
    assert "database unavailable while answering GET /facilities" in caplog.text


def test_a_booking_press_while_the_database_is_out_of_reach_does_not_claim_nothing_changed(
    app_without_database,
):
    """The connection may drop while the commit is under way, so the page cannot promise
    that nothing was booked; it says where to look instead."""
    client = app_without_database.test_client()
    page = client.get("/counter/sign-in")
    assert page.status_code == 200  # the sign-in form needs no database
    token = check_page(page.data).find("input", attrs={"name": "csrf_token"})["value"]
    response = client.post(
        "/counter/sign-in", data={"username": "clerk", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 503
    soup = check_page(response.data)
    text = soup.main.get_text()
    assert "予約の一覧を先にご覧ください" in text
    assert "取り消しはされていません" not in text  # the promise the 404/405 pages make
    assert soup.main.find("a", href="/counter/")


def test_the_phone_apologises_and_offers_the_counter_when_the_database_is_out_of_reach(
    app_without_database,
):
    from twilio.request_validator import RequestValidator

    params = {
        "CallSid": "CA" + "0" * 32,
        "From": "+81166123456",
        "To": "+81166000000",
        "CallStatus": "ringing",
    }
    url = app_without_database.config["PUBLIC_BASE_URL"] + "/phone/voice"
    signature = RequestValidator("test-token").compute_signature(url, params)
    response = app_without_database.test_client().post(
        "/phone/voice", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Dial" in response.data or b"<Say" in response.data
