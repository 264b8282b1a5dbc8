"""HTTP errors that no channel answers itself are whole pages in the visitor's
language (found by fuzzing: they were Werkzeug's bare English pages): an address
that matches nothing, a page asked for with the wrong method."""

from __future__ import annotations

import pytest

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
                                  "/units/abc/availability"])
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
