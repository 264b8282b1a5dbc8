"""The app as the town's IT person meets it: configuration, commands, health check,
language choice and the headers every response carries."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask_babel import get_locale

from channels import create_app
from channels.config import DEVELOPMENT_SECRET_KEY, sqlalchemy_url
from channels.i18n import missing_translations
from reservations.db import db
from reservations.models import Facility, Group, Resident, Staff


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"MACHI_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    with pytest.raises(RuntimeError, match="development SECRET_KEY"):
        create_app(
            {
                "MACHI_ENV": "production",
                "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            }
        )


def test_production_cookies_are_secure(tmp_path):
    app = create_app(
        {
            "MACHI_ENV": "production",
            "SECRET_KEY": "k9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_key_is_used_with_a_warning(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    assert "SECRET_KEY is not set" in caplog.text
    assert not app.config["SESSION_COOKIE_SECURE"]


def test_default_database_is_an_sqlite_file_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/machi-yoyaku.db"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize(
    "url", ["postgres://u:p@h/db", "postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"]
)
def test_postgresql_urls_use_psycopg(url):
    assert sqlalchemy_url(url) == "postgresql+psycopg://u:p@h/db"


def test_health_check(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "sqlite"}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_twice_neither_fails_nor_duplicates(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "5 added" in first.output
    # Its staff accounts: usernames no one can guess, and passwords shown only now.
    usernames = sorted(db.session.scalars(sa.select(Staff.username)))
    assert [name.split("-")[0] for name in usernames] == [
        "admin",
        "caretaker",
        "clerk",
        "statistics",
    ]
    assert all(len(name.split("-")[1]) == 6 for name in usernames)
    assert all(name in first.output for name in usernames)
    counts = (count(Facility), count(Resident), count(Group), count(Staff))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "0 added, 5 already present" in second.output
    assert (count(Facility), count(Resident), count(Group), count(Staff)) == counts
    assert counts == (5, 14, 3, 4)
    # The same registration numbers (residents' and groups') are printed both times;
    # the staff's passwords only the first time.
    assert not any(name in second.output for name in usernames)
    residents_and_groups = first.output.splitlines()[1:-6]  # the staff: 5 lines; a notice
    assert residents_and_groups == second.output.splitlines()[1:-1]
    assert "青葉スポーツ少年団" in first.output


def test_create_staff_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-staff",
            "tanaka",
            "--name",
            "田中 次郎",
            "--role",
            "admin",
            "--password",
            "long-password-1",
        ]
    )
    assert result.exit_code == 0, result.output
    staff = db.session.scalars(sa.select(Staff)).one()
    assert (staff.username, staff.role, staff.display_name) == ("tanaka", "admin", "田中 次郎")
    again = runner.invoke(
        args=["create-staff", "tanaka", "--name", "x", "--password", "long-password-1"]
    )
    assert again.exit_code != 0 and "already taken" in again.output
    short = runner.invoke(args=["create-staff", "sato", "--name", "x", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({}, None, "ja"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, None, "en"),
        ({"Accept-Language": "fr-FR"}, None, "ja"),
        ({"Accept-Language": "en-GB"}, "ja", "ja"),
        ({}, "en", "en"),
    ],
)
def test_locale_is_the_explicit_choice_then_accept_language_then_japanese(
    app, headers, cookie, expected
):
    if cookie:
        headers = {**headers, "Cookie": f"lang={cookie}"}
    with app.test_request_context("/", headers=headers):
        assert get_locale().language == expected


def test_language_switch_remembers_the_choice_and_stays_on_the_site(app):
    client = app.test_client()
    response = client.get("/language/en?next=/somewhere?x=1")
    assert response.status_code == 302 and response.location == "/somewhere?x=1"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "Max-Age=31536000" in response.headers["Set-Cookie"]
    for target in ("//evil.example", "https://evil.example", "/\\evil.example"):
        assert client.get(f"/language/ja?next={target}").location == "/"
    assert client.get("/language/fr").status_code == 404


def test_every_response_carries_the_security_headers(app):
    headers = app.test_client().get("/healthz").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_shared_strings_are_translated(locale):
    assert "common" not in missing_translations(locale)


@pytest.mark.parametrize(
    ("path", "booked"), [("/facilities", "予約済み"), ("/counter/", "予約"), ("/healthz", "Booked")]
)
def test_each_channel_reads_its_own_catalog_over_the_common_one(app, path, booked):
    """'Booked' is a state on the web's table and an act in the counter's audit trail."""
    from flask import g
    from flask_babel import gettext

    with app.test_request_context(path, headers={"Cookie": "lang=ja"}):
        for key in list(g):
            g.pop(key)
        app.preprocess_request()
        assert gettext("Booked") == booked
        assert gettext("Skip to main content") == "本文へ移動"  # common, everywhere


# ---------------------------------------------------------- strict production settings

STRONG_KEY = "k9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp"


@pytest.mark.parametrize("value", ["prod", "Production", "PRODUCTION", " production", "", "dev"])
def test_an_unknown_machi_env_refuses_to_start_naming_the_variable(monkeypatch, tmp_path, value):
    """`MACHI_ENV=prod` once started in development mode with the public key."""
    monkeypatch.setenv("MACHI_ENV", value)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    with pytest.raises(RuntimeError, match="MACHI_ENV must be exactly one of"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


@pytest.mark.parametrize("key", ["a", "short-but-not-32-bytes", "a" * 40])
def test_production_refuses_a_short_or_repetitive_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("MACHI_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be at least 32 random bytes"):
        create_app({"SECRET_KEY": key, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_production_starts_with_a_strong_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MACHI_ENV", "production")
    app = create_app({"SECRET_KEY": STRONG_KEY, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["PRODUCTION"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PIN_MAX_FAILURES", "five", "PIN_MAX_FAILURES must be a whole number, not 'five'"),
        ("COUNTER_IDLE_MINUTES", "1.5", "COUNTER_IDLE_MINUTES must be a whole number"),
        ("WEB_SESSION_MINUTES", "0", "WEB_SESSION_MINUTES must be 1 or more"),
        ("PIN_LOCKOUT_MINUTES", "-5", "PIN_LOCKOUT_MINUTES must be 0 or more"),
        ("PROXY_HOPS", "-1", "PROXY_HOPS must be 0 or more"),
        ("WEB_AVAILABILITY_FRESHNESS_SECONDS", "soon", "must be a number, not 'soon'"),
        ("WEB_AVAILABILITY_FRESHNESS_SECONDS", "nan", "must be a number"),
    ],
)
def test_a_numeric_setting_that_does_not_parse_names_its_variable(
    monkeypatch, tmp_path, name, value, message
):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=message):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x"})


def test_an_unknown_waitlist_order_refuses_to_start_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("WAITLIST_ORDER", "fifo")
    with pytest.raises(RuntimeError, match="WAITLIST_ORDER must be first_come or random"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x"})
