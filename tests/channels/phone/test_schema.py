"""Revision 0002 builds exactly the phone's and the outbox's tables of the models, on
SQLite and PostgreSQL, and comes off again cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reservations.db import db, render_migration_type

TABLES = {"phone_calls", "phone_call_events", "notifications"}


def table_of(diff) -> str:
    """The table an autogenerate difference is about."""
    op = diff[0] if isinstance(diff, list) else diff  # column changes come as lists
    kind, subject = op[0], op[1]
    if kind in ("add_table", "remove_table"):
        return subject.name
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return subject.table.name
    if kind in ("add_fk", "remove_fk"):
        return subject.parent.name
    return op[2]  # (kind, schema, table, column, ...)


def differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_item": render_migration_type,
            },
        )
        diffs = compare_metadata(context, db.metadata)

    return [d for d in diffs if table_of(d) in TABLES]


def test_migrated_tables_match_the_models(any_app):
    assert TABLES <= set(sa.inspect(db.engine).get_table_names())
    assert differences() == []


def test_0002_downgrades_and_upgrades_again(any_app):
    downgrade(revision="0001")
    assert not TABLES & set(sa.inspect(db.engine).get_table_names())
    upgrade()
    assert TABLES <= set(sa.inspect(db.engine).get_table_names())
