"""Phone tests: the app with Twilio settings and a fixed clock, the demo town, and
simulated calls through the same PhoneSimulator that `flask phone-sim` uses. Every
response of every simulated call is checked by check_twiml (strict mode)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask

from channels import create_app, demo
from channels.phone import audio
from channels.phone.simulator import FlaskTransport, PhoneSimulator
from reservations import services
from reservations.db import db
from tests.conftest import IN_CI, app_config, fresh_sqlite_url, truncate_all
from tests.factories import at

TOKEN = "test-twilio-auth-token"
BASE_URL = "https://yoyaku.example.jp"  # PUBLIC_BASE_URL of the test config
OPERATOR = "+81166000111"
NOW = at(2026, 12, 1, 10)  # Tuesday 1 December 2026, 10:00: the counter is open

YAMADA_PHONE = "+81166123456"  # 山田 ハナ's landline (demo)
SATO_PHONE = "+819012345678"  # 佐藤 一郎's mobile (demo)
UNKNOWN_PHONE = "+81155550000"


class Clock:
    """The time the app sees (the CLOCK setting)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def phone_config(url: str, clock: Clock, **extra) -> dict:
    return app_config(
        url, TWILIO_AUTH_TOKEN=TOKEN, PHONE_OPERATOR_NUMBER=OPERATOR, CLOCK=clock, **extra
    )


@pytest.fixture
def phone_app(sqlite_template, tmp_path, clock) -> Iterator[Flask]:
    app = create_app(phone_config(fresh_sqlite_url(sqlite_template, tmp_path), clock))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def phone_postgres_app(postgres_url, clock) -> Iterator[Flask]:
    app = create_app(phone_config(postgres_url, clock))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            truncate_all(db.engine)
            db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def phone_any_app(request) -> Flask:
    return request.getfixturevalue(
        "phone_app" if request.param == "sqlite" else "phone_postgres_app"
    )


@dataclass
class Person:
    id: int
    registration_no: str
    pin: str


@dataclass
class Town:
    yamada: Person  # landline, the elderly resident
    sato: Person  # mobile
    takahashi: Person  # landline, representative of the seniors' club (half fee), one group
    tanaka: Person  # mobile, in the youth club (exempt) and the volleyball circle
    groups: dict[str, int]  # the demo groups' ids by name


TAKAHASHI_PHONE = "+81166334455"
TANAKA_PHONE = "+819024681357"


def seed_town(now: datetime) -> Town:
    from reservations.models import Resident

    report = demo.seed(now=now)
    people = {}
    for line in report.residents:
        resident = db.session.scalar(
            db.select(Resident).filter_by(registration_no=line.registration_no)
        )
        people[line.name] = Person(resident.id, line.registration_no, line.pin)
    groups = {line.name: services.find_groups(line.registration_no)[0].id for line in report.groups}
    return Town(
        people["山田 ハナ"], people["佐藤 一郎"], people["高橋 正子"], people["田中 美咲"], groups
    )


@pytest.fixture
def town(phone_app, clock) -> Town:
    return seed_town(clock.now)


@pytest.fixture
def call(phone_app):
    """A new simulated call from `caller` (山田 ハナ's landline by default)."""

    def ring(
        caller: str = YAMADA_PHONE, *, operator_answers: bool = False, app: Flask | None = None
    ) -> PhoneSimulator:
        simulator = PhoneSimulator(
            FlaskTransport(app or phone_app),
            public_base_url=BASE_URL,
            auth_token=TOKEN,
            caller=caller,
            operator_answers=operator_answers,
        )
        simulator.call()
        return simulator

    return ring


@pytest.fixture
def expected_phone_error():
    """For a test that breaks something on purpose."""


@pytest.fixture(autouse=True)
def no_unexpected_phone_errors(caplog, request):
    """The channel turns any error into an apology and a transfer; in tests such an
    error must not pass unseen."""
    caplog.set_level(logging.INFO)
    yield
    if "expected_phone_error" in request.fixturenames:
        return
    errors = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("channels.phone")
    ]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
def synthesizer() -> audio.Synthesizer:
    """Open JTalk with Debian's dictionary: skipped on a machine without them, a failure
    in CI (where .ci/run installs both)."""
    try:
        return audio.synthesizer()
    except audio.SynthesisUnavailable as error:
        if IN_CI:
            pytest.fail(f"speech synthesis must run in CI: {error}")
        pytest.skip(str(error))
