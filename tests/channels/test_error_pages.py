"""HTTP errors that no channel answers itself are whole pages in the visitor's
language (found by fuzzing: they were Werkzeug's bare English pages): an address
that matches nothing, a page asked for with the wrong method. Ids beyond what the
database holds match no page instead of reaching the database."""

from __future__ import annotations

import pytest

from channels.ids import MAX_ID, parse_id
from reservations import demo
from tests.channels.web.conftest import NOW
from tests.pages import check_page

HEADINGS = {
    (404, "ja"): "ページが見つかりません", (404, "en"): "Page not found",
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
@pytest.mark.parametrize("path", ["/no-such-page", "/counter/no-such-page", "/language/xx",
                                  "/units/abc/availability", "/facilities/%EF%BC%91"])
def test_an_unknown_address_gets_a_not_found_page_in_the_visitors_language(app, path, locale):
    soup = _page(app, "GET", path, locale, 404)
    home = "/counter/" if path.startswith("/counter/") else "/"
    assert soup.main.find("a", href=home)


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("method, path", [("PUT", "/facilities"), ("POST", "/"),
                                          ("DELETE", "/counter/sign-in")])
def test_a_wrong_method_gets_a_page_in_the_visitors_language(app, method, path, locale):
    soup = _page(app, method, path, locale, 405)
    assert soup.main.get_text().strip()


def test_phone_webhooks_keep_their_bare_status_codes(app):
    response = app.test_client().get("/phone/voice")
    assert response.status_code == 405
    assert b"<main" not in response.data  # only Twilio calls them


@pytest.mark.parametrize("number", [str(MAX_ID + 1), str(2**63), "9" * 30, "9" * 5000])
@pytest.mark.parametrize("template", ["/facilities/{}", "/units/{}/availability",
                                      "/reservations/{}/booked", "/counter/residents/{}",
                                      "/counter/reservations/{}"])
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
    response = client.post("/units/1/days/2026-12-16",
                           data={"blocks": value, "csrf_token": token})
    assert response.status_code == 200
    assert check_page(response.data).find(class_="error-summary")
