"""The web channel through Flask's test client, with CSRF on (the forms must carry
their token) and the demo town loaded, at a clock the tests can move."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import g

from channels import demo
from reservations.db import db
from reservations.models import Facility
from tests.factories import at
from tests.pages import check_page

# Tuesday 1 December 2026, 10:00: December and January are open for booking.
NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)  # a Wednesday: the town gym is open


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class Visitor:
    """A resident's browser without JavaScript: follows redirects, checks every HTML
    page with check_page, sends each form's CSRF token, remembers every URL."""

    def __init__(self, client, locale: str) -> None:
        self.client = client
        self.locale = locale
        self.soup: BeautifulSoup | None = None
        self.urls: list[str] = []
        client.set_cookie("lang", locale)

    @staticmethod
    def _fresh_g() -> None:
        """The test's app context is reused by every request of the test client, and
        with it `g` (Flask-Babel's locale, Flask-WTF's token): empty it, as a real
        request starts with a fresh one."""
        for key in list(g):
            g.pop(key)

    def _record(self, response):
        for step in [*response.history, response]:
            self.urls.append(step.request.full_path)
        if response.mimetype == "text/html":
            self.soup = check_page(response.data)
            assert self.soup.html["lang"] == self.locale.split("@")[0]  # easy Japanese is ja
        return response

    def get(self, url: str, status: int = 200, **kwargs):
        self._fresh_g()
        response = self.client.get(url, follow_redirects=True, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        return self._record(response)

    def csrf_token(self) -> str:
        return self.soup.find("input", attrs={"name": "csrf_token"})["value"]

    def post(
        self, url: str, data: dict | None = None, status: int = 200, csrf: bool = True, **kwargs
    ):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        self._fresh_g()
        response = self.client.post(url, data=data, follow_redirects=True, **kwargs)
        assert response.status_code == status, (url, response.status_code)
        return self._record(response)

    @property
    def path(self) -> str:
        return urlsplit(self.urls[-1]).path

    @property
    def h1(self) -> str:
        return self.soup.h1.get_text(" ", strip=True)

    @property
    def text(self) -> str:
        return self.soup.get_text(" ", strip=True)

    def error_summary(self) -> list[str]:
        summary = self.soup.find(class_="error-summary")
        return [li.get_text(" ", strip=True) for li in summary.find_all("li")] if summary else []

    def notices(self) -> list[str]:
        region = self.soup.find(class_="notices")
        return [p.get_text(" ", strip=True) for p in region.find_all("p")] if region else []


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock(NOW)
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def town(app, clock) -> demo.SeedReport:
    return demo.seed(now=NOW)


def facility_by_code(code: str) -> Facility:
    return db.session.query(Facility).filter_by(code=code).one()


@pytest.fixture(params=["ja", "en"])
def locale(request) -> str:
    return request.param


@pytest.fixture
def visitor(app, town, locale) -> Visitor:
    return Visitor(app.test_client(), locale)
