"""The real app on a scratch database (every module runs once on SQLite and once on
PostgreSQL) with the demo town, two reservations (one upcoming for 山田 ハナ, one for
佐藤 一郎), the Twilio settings of the phone tests and a fixed clock; clients for each kind of visitor. Every client runs each request
in its own app context, as when served, so the test's own session never hides what a
request wrote.

One app serves a whole test module (building the town for each test would cost more
than the fuzzing). Input that is accepted changes the town, so the targets that can
succeed act on people kept for that (`victim_*`), never on the accounts the clients
sign in with; the clients' fixtures undo any lock that wrong passwords left."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from channels import create_app, demo
from reservations import services
from reservations.db import db
from reservations.models import Facility, Reservation, Resident, Staff
from tests.channels.phone.conftest import BASE_URL, OPERATOR, TOKEN, Clock
from tests.conftest import app_config, fresh_sqlite_url, scratch_postgres_database
from tests.factories import SYSTEM, at, kana_number

NOW = at(2026, 12, 1, 10)  # Tuesday 1 December 2026, 10:00: the counter is open
DAY = date(2026, 12, 16)  # a Wednesday: the town gym is open


class RequestContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class Town:
    yamada_id: int
    yamada_no: str
    yamada_pin: str
    sato_id: int
    sato_no: str
    victim_resident_id: int
    reservation_id: int  # 山田 ハナ's upcoming reservation
    other_reservation_id: int  # 佐藤 一郎's
    unit_id: int
    block_ids: list[int]
    facility_id: int
    clerk_id: int
    admin_id: int
    victim_staff_id: int
    victim_admin_id: int
    group_id: int  # a group of victims, for the counter's group pages to change
    group_member_id: int  # one of its plain members
    group_member_nos: list[str]  # its members' registration numbers
    series_id: int  # the group's series (定期利用) of Wednesday evenings


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzz_database(request, sqlite_template, tmp_path_factory) -> Iterator[str]:
    """Each module's town on SQLite and on PostgreSQL: the same input can be fine on
    one and a 500 on the other (a VARCHAR that PostgreSQL enforces and SQLite does
    not, a NUL byte, a number beyond 64 bits)."""
    if request.param == "sqlite":
        yield fresh_sqlite_url(sqlite_template, tmp_path_factory.mktemp("fuzz"))
    else:
        with scratch_postgres_database() as url:
            yield url


@pytest.fixture(scope="module")
def fuzz_app(fuzz_database) -> Iterator[Flask]:
    app = create_app(
        app_config(
            fuzz_database,
            TWILIO_AUTH_TOKEN=TOKEN,
            PHONE_OPERATOR_NUMBER=OPERATOR,
            CLOCK=Clock(NOW),
            # Fuzzing sends many sign-ins: the per-address limit would answer all but the
            # first few with 429 before their input is looked at (tested on its own).
            SIGN_IN_SOURCE_LIMITS="1000000000 per day",
        )
    )
    app.test_client_class = RequestContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def town(fuzz_app) -> Town:
    report = demo.seed(now=NOW)
    people = {line.name: line for line in report.residents}
    yamada = db.session.scalar(
        db.select(Resident).filter_by(registration_no=people["山田 ハナ"].registration_no)
    )
    sato = db.session.scalar(
        db.select(Resident).filter_by(registration_no=people["佐藤 一郎"].registration_no)
    )
    gym = db.session.scalar(db.select(Facility).filter_by(code="town-gym"))
    unit = gym.units[0]
    blocks = [block.id for block in gym.time_blocks]
    mine = services.book(
        services.Actor.resident(yamada.id, "web"),
        resident_id=yamada.id,
        unit_id=unit.id,
        day=DAY,
        block_ids=blocks[:1],
        now=NOW,
    )
    theirs = services.book(
        services.Actor.resident(sato.id, "web"),
        resident_id=sato.id,
        unit_id=unit.id,
        day=DAY,
        block_ids=blocks[1:2],
        now=NOW,
    )
    victim, _ = services.register_resident(
        SYSTEM,
        name="的 太郎",
        name_kana="まと たろう",
        phone=None,
        district="本町",
        is_resident=True,
        now=NOW,
    )
    for username, role in (("victim", "clerk"), ("victim-admin", "admin")):
        services.create_staff(
            SYSTEM,
            username=username,
            display_name=f"{username} 職員",
            password="quiet-garden-fjord-1",
            role=role,
            now=NOW,
        )
    staff = {s.username: s.id for s in db.session.scalars(db.select(Staff))}
    roster = [victim] + [
        services.register_resident(
            SYSTEM,
            name=f"的 会員{n}",
            name_kana=f"まと かいいん{kana_number(n)}",
            phone=None,
            district="本町",
            is_resident=True,
            now=NOW,
        )[0]
        for n in range(5)
    ]
    group = services.register_group(
        SYSTEM,
        name="的の会",
        name_kana="まとのかい",
        purpose="sport",
        representative=roster[1].registration_no,
        contact=roster[2].registration_no,
        members=[person.registration_no for person in roster[3:]],
        declared_members=10,
        resident_members=8,
        now=NOW,
    )
    town = Town(
        yamada.id,
        yamada.registration_no,
        people["山田 ハナ"].pin,
        sato.id,
        sato.registration_no,
        victim.id,
        mine.id,
        theirs.id,
        unit.id,
        blocks,
        gym.id,
        staff["clerk"],
        staff["admin"],
        staff["victim"],
        staff["victim-admin"],
        group.id,
        roster[3].id,
        [person.registration_no for person in roster],
        services.create_series(
            SYSTEM,
            services.SeriesRequest(
                unit_id=unit.id,
                weekdays=[2],
                block_ids=blocks[-1:],
                first_date=date(2027, 1, 6),
                last_date=date(2027, 2, 24),
                group_id=group.id,
            ),
            now=NOW,
        ).id,
    )
    db.session.rollback()
    assert db.session.get(Reservation, town.reservation_id) is not None
    return town


def token_in(html: bytes) -> str:
    found = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert found is not None, "no CSRF token on the page"
    return found["value"]


class Browser:
    """A visitor's browser in one language: remembers a CSRF token of its session."""

    def __init__(self, app: Flask, locale: str = "ja") -> None:
        self.client = app.test_client()
        self.token: str | None = None
        self.speak(locale)

    def speak(self, locale: str) -> None:
        """The language chosen with the header's switch (remembered in a cookie)."""
        self.locale = locale
        self.client.set_cookie("lang", locale)

    def fetch_token(self, page: str) -> str:
        response = self.client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        self.token = token_in(response.data)
        return self.token

    def get(self, path: str, query=None, **kwargs):
        if query:
            kwargs["query_string"] = MultiDict(query)
        return self.client.get(path, **kwargs)

    def post(self, path: str, pairs=(), *, csrf: str | None = "valid", **kwargs):
        """POST the pairs; csrf="valid" adds this session's token, a string sends that
        string as the token, None sends none."""
        data = MultiDict(pairs)
        if csrf == "valid":
            data.setlist("csrf_token", [self.token])
        elif csrf is not None:
            data.setlist("csrf_token", [csrf])
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def visitor(fuzz_app, town) -> Browser:
    """Not signed in."""
    browser = Browser(fuzz_app)
    browser.fetch_token("/sign-in")
    return browser


@pytest.fixture
def resident(fuzz_app, town) -> Browser:
    """山田 ハナ, signed in on the web."""
    services.unlock_resident(SYSTEM, resident_id=town.yamada_id, now=NOW)
    db.session.rollback()
    browser = Browser(fuzz_app)
    browser.fetch_token("/sign-in")
    response = browser.post(
        "/sign-in", [("registration_no", town.yamada_no), ("pin", town.yamada_pin)]
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    browser.fetch_token(f"/reservations/{town.reservation_id}/cancel")
    return browser


def staff_browser(app: Flask, username: str, password: str) -> Browser:
    member = db.session.scalar(db.select(Staff).filter_by(username=username))
    services.unlock_staff(SYSTEM, staff_id=member.id, now=NOW)
    db.session.rollback()
    browser = Browser(app)
    browser.fetch_token("/counter/sign-in")
    response = browser.post("/counter/sign-in", [("username", username), ("password", password)])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    browser.fetch_token("/counter/residents/new")
    return browser


@pytest.fixture
def clerk(fuzz_app, town) -> Browser:
    return staff_browser(fuzz_app, "clerk", "window-desk-2026")


@pytest.fixture
def admin(fuzz_app, town) -> Browser:
    return staff_browser(fuzz_app, "admin", "ledger-desk-2026")


class Twilio:
    """Posts webhooks signed as Twilio signs them, with our auth token."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.validator = RequestValidator(TOKEN)

    def post(self, path: str, params: MultiDict, *, signed: bool = True):
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = self.validator.compute_signature(
                BASE_URL + path, params
            )
        return self.client.post(path, data=params, headers=headers)


@pytest.fixture
def twilio(fuzz_app, town) -> Twilio:
    return Twilio(fuzz_app)
