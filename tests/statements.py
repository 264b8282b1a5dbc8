"""Counting the SQL statements a piece of work sends (statement-count tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from reservations.db import db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The statements sent on the app's engine inside the block, transaction control
    (BEGIN, COMMIT, ...) left out, each with its parameters for a failure's message."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.split()[0].upper() not in TRANSACTION_CONTROL:
            statements.append(f"{statement}  -- {parameters!r}")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def listing(statements: list[str]) -> str:
    return "\n\n".join(f"[{i}] {s}" for i, s in enumerate(statements, 1))
