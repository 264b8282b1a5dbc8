"""The counter through Flask's test client, with CSRF on: every POST carries the token
read from the page's form, as a browser's would. The demo town is loaded and the
clock stands at Tuesday 1 December 2026, 10:00 in the town."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from channels import demo
from reservations.db import db
from tests.factories import at
from tests.pages import check_page

NOW = at(2026, 12, 1, 10)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock(NOW)
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def town(app, clock) -> demo.SeedReport:
    return demo.seed(now=NOW)


class RequestContextClient(FlaskClient):
    """Each request in its own app context, as when served: its own `g` and database
    session (the `app` fixture's context stays with the test code)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app, town):
    app.test_client_class = RequestContextClient
    db.session.rollback()
    return app.test_client()


def fresh() -> None:
    """Let the test's own session see what requests committed."""
    db.session.rollback()
    db.session.expire_all()


def get_page(client, url: str, status: int = 200) -> BeautifulSoup:
    """GET a counter page and check it as every page must be (tests/pages.py)."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.location)
    return check_page(response.data)


def token_of(soup: BeautifulSoup) -> str:
    return soup.find("input", attrs={"name": "csrf_token"})["value"]


def post(client, url: str, data: dict | None = None, *, form_page: str | None = None):
    """POST `data` with the CSRF token of the form on `form_page` (default: `url`)."""
    soup = get_page(client, form_page or url)
    return client.post(url, data={**(data or {}), "csrf_token": token_of(soup)})


def search(client, query: str, *, url: str = "/counter/", form_page: str = "/counter/"):
    """Search as the form does, by POST, and return the page it leads to (the results,
    or the form with its error)."""
    response = post(client, url, {"q": query}, form_page=form_page)
    if response.status_code == 302:
        return get_page(client, response.location)
    assert response.status_code == 200, response.status_code
    return check_page(response.data)


def sign_in(client, username: str = "clerk", password: str = "window-desk-2026"):
    response = post(client, "/counter/sign-in", {"username": username, "password": password})
    assert response.status_code == 302, response.data.decode()[:2000]
    return response


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


@pytest.fixture
def clerk(client):
    sign_in(client)
    return client


@pytest.fixture
def admin(client):
    sign_in(client, "admin", "ledger-desk-2026")
    return client
