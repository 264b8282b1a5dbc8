"""The counter's searches keep names, kana and phone numbers out of the access log.

The app is served by werkzeug's own server in a thread, with its request log (one
line per request, the request line with its query string, as any access log keeps)
captured; a clerk signs in and searches as a browser does, and the log is then
searched for what they typed, as typed and as a URL would encode it."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
import requests
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

from channels import create_app, demo
from reservations import services
from tests.channels.counter.conftest import NOW
from tests.conftest import app_config, fresh_sqlite_url

# What a clerk types to find 山田 ハナ in the demo town.
TYPED = ["山田", "やまだ", "ヤマダ ハナ", "0166-12-3456", "０１６６１２３４５６"]
FOUND = "山田 ハナ"


class Served:
    def __init__(self, url: str, app, log: io.StringIO) -> None:
        self.url, self.app, self.log = url, app, log
        self.browser = requests.Session()

    def token(self, path: str) -> str:
        page = self.browser.get(self.url + path)
        assert page.status_code == 200, (path, page.status_code)
        return BeautifulSoup(page.text, "html.parser").find("input", attrs={"name": "csrf_token"})[
            "value"
        ]

    def post(self, path: str, data: dict, *, form_page: str) -> requests.Response:
        return self.browser.post(
            self.url + path, data={**data, "csrf_token": self.token(form_page)}
        )


@pytest.fixture
def served(sqlite_template, tmp_path) -> Iterator[Served]:
    app = create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path), CLOCK=lambda: NOW))
    with app.app_context():
        demo.seed(now=NOW)
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_port}", app, log)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_no_name_kana_or_phone_number_typed_into_a_search_reaches_the_access_log(served):
    signed_in = served.post(
        "/counter/sign-in",
        {"username": "clerk", "password": "window-desk-2026"},
        form_page="/counter/sign-in",
    )
    assert signed_in.status_code == 200 and signed_in.url.endswith("/counter/")
    for typed in TYPED:
        # The search page's own form, and the header's on every other page.
        for form_page in ("/counter/", "/counter/day"):
            results = served.post("/counter/", {"q": typed}, form_page=form_page)
            assert results.status_code == 200 and FOUND in results.text, typed
            assert results.url.endswith("/counter/search")
            # The results page can be loaded again (reload, back) without the term.
            assert FOUND in served.browser.get(results.url).text
    with served.app.app_context():
        [club] = services.find_groups("ことぶき")
    group_page = f"/counter/groups/{club.id}"
    for typed in TYPED:
        page = served.post(f"{group_page}/member-search", {"q": typed}, form_page=group_page)
        assert page.status_code == 200 and FOUND in page.text, typed

    log = served.log.getvalue()
    # The log is real: it holds the requests made (werkzeug colours some lines).
    assert "POST /counter/ HTTP/1.1" in log and '"GET /counter/search HTTP/1.1" 200' in log
    assert f"POST {group_page}/member-search HTTP/1.1" in log
    for typed in TYPED:
        for written in {typed, quote(typed), quote_plus(typed), quote(typed, safe="")}:
            assert written not in log, (typed, written)
