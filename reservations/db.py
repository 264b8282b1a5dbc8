"""The database extension object, column types and the transaction discipline.

Only services open write transactions (``write_transaction``); a write transaction is
one unit of work: the state change and its audit row commit together or not at all.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 15_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


class AwareDateTime(TypeDecorator):
    """A timezone-aware timestamp, stored as UTC on every database.

    PostgreSQL keeps it in ``timestamptz``; SQLite has no zone, so the value is stored
    as naive UTC and given its zone back when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys; transactions begun by us, not by pysqlite."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    """Writers take SQLite's write lock up front (BEGIN IMMEDIATE), so that two writers
    queue on the busy timeout instead of one failing with "database is locked" when it
    tries to upgrade a read transaction."""
    if conn.dialect.name != "sqlite":
        return
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return  # each statement commits by itself (own_connection)
    immediate = options.get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_writer_lock_path(engine: Engine) -> str | None:
    """The file whose flock(2) the writers to this SQLite file queue on, or None.

    Every write transaction of the app takes an exclusive flock of this file before
    BEGIN IMMEDIATE, in every process. SQLite's own busy handler makes a waiting writer
    sleep (1, 2, 5 ... up to 100 ms at a time) and try again, so under contention a
    write waited up to 100 ms after the lock was free: the phone step's and the
    booking's p99 on SQLite. The kernel wakes a flock waiter as soon as the lock is
    released, and releases it if the process dies. The descriptor is opened for each
    transaction (never shared by threads or inherited across gunicorn's fork, which
    would make two writers' locks one). The busy timeout stays, for writers that do not
    take this lock (a migration, the sqlite3 shell)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database + "-writer"


@contextmanager
def _sqlite_writers_queue(engine: Engine) -> Iterator[None]:
    path = _sqlite_writer_lock_path(engine)
    if path is None:
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the flock


@contextmanager
def own_connection() -> Iterator[Connection]:
    """A connection outside the ORM session, in autocommit, for a channel's own small
    table written one statement at a time (the phone's call state, issue 19): each
    statement commits by itself, with no BEGIN and COMMIT round trips to PostgreSQL and
    no Session bookkeeping. Every write on it goes through `own_write`."""
    with db.engine.connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def own_write(connection: Connection, *, atomic: bool = False) -> Iterator[None]:
    """Writes on an own_connection, queued with the other SQLite writers; `atomic`
    makes the block's statements one transaction (BEGIN IMMEDIATE on SQLite)."""
    with _sqlite_writers_queue(connection.engine):
        if not atomic:
            yield
            return
        sqlite = connection.dialect.name == "sqlite"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite else "BEGIN")
        try:
            yield
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block as one write transaction on a fresh connection and commit it.

    Whatever the session held before (a channel's reads) is ended first, so the write
    never upgrades a stale read snapshot. Any exception rolls everything back. On a
    SQLite file, the writers of every process queue for it (_sqlite_writer_lock_path).
    """
    session = db.session
    session.rollback()
    with _sqlite_writers_queue(session.get_bind()):
        session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield
            session.commit()
        except BaseException:
            session.rollback()
            raise


def render_migration_type(type_: str, obj, autogen_context):
    """Autogenerated migrations spell AwareDateTime as the column type it stores."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False
