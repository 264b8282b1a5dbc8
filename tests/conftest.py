"""Fixtures shared by every test: apps on SQLite (the embedded default) and on a real
PostgreSQL server, with the schema built by the migrations, never by create_all.

When CI=true, nothing may skip: PostgreSQL and browser tests must run, so a skipped
test fails the run.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from channels import create_app
from channels.demo import DEMO_COUNTER
from reservations.db import db

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

# Cheap hashing: the tests check behaviour, not the cost of argon2.
BASE_TEST_CONFIG = {
    "TESTING": True,
    "MACHI_ENV": "test",
    "SECRET_KEY": "test-secret-key",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 256,
    "PUBLIC_BASE_URL": "https://yoyaku.example.jp",
    # Pages see every booking at once (the default trusts a version for a second).
    "WEB_AVAILABILITY_FRESHNESS_SECONDS": 0,
    # The demo town's counter, as ./bin/demo sets it.
    **DEMO_COUNTER,
}


def app_config(url: str, **extra) -> dict:
    from channels.config import engine_options

    options = engine_options(url)
    if not url.startswith("sqlite"):
        options.update(pool_size=20, max_overflow=20)
    return {
        **BASE_TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": options,
        **extra,
    }


def migrate_to_head(url: str) -> None:
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


# ------------------------------------------------------------------------ SQLite


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated SQLite file; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    path = directory / f"test-{secrets.token_hex(4)}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_app(sqlite_template, tmp_path) -> Iterator[Flask]:
    app = create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path)))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# -------------------------------------------------------------------- Redis

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def redis_url() -> str:
    """The Redis server the sign-in limits' shared storage is tested on (CI starts
    it); skipped when it is not there, except under CI=true."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at TEST_REDIS_URL ({error})"
        if IN_CI:
            pytest.fail(message + "; CI=true requires it", pytrace=False)
        pytest.skip(message)
    return TEST_REDIS_URL


# -------------------------------------------------------------------- PostgreSQL


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL is not reachable at TEST_DATABASE_URL ({reason})"
    if IN_CI:
        pytest.fail(message + "; CI=true requires it", pytrace=False)
    pytest.skip(message)


@contextmanager
def scratch_postgres_database() -> Iterator[str]:
    """A scratch database on the server of TEST_DATABASE_URL, migrated to head and
    dropped afterwards, so parallel test runs (and modules that keep a town of their
    own) do not meet."""
    from channels.config import sqlalchemy_url

    admin_url = sa.make_url(sqlalchemy_url(TEST_DATABASE_URL))
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name = f"machi_test_{secrets.token_hex(4)}"
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as error:
        _postgres_unavailable(str(error).splitlines()[0])
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate_to_head(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's PostgreSQL database (see scratch_postgres_database)."""
    with scratch_postgres_database() as url:
        yield url


def truncate_all(engine: sa.Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as connection:
        # The audit trail refuses TRUNCATE (a statement trigger): the tests' superuser
        # turns triggers off for this one transaction to start the next test afresh.
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def postgres_app(postgres_url) -> Iterator[Flask]:
    app = create_app(app_config(postgres_url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            truncate_all(db.engine)
            db.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_app(request) -> Flask:
    """The same test on both databases."""
    return request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "postgres_app")


@pytest.fixture
def app(sqlite_app) -> Flask:
    """The default: SQLite, fast."""
    return sqlite_app


# --------------------------------------------------------- CI: skipping is failing


def pytest_sessionfinish(session, exitstatus) -> None:
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        for report in skipped:
            reporter.write_line(f"CI=true forbids skipping: {report.nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
