"""The app runs as a PostgreSQL role that owns nothing, as the README's production
section sets it up: migrations run as the owner, the app's role has SELECT, INSERT,
UPDATE and DELETE on the tables and the use of their sequences, and no more."""

from __future__ import annotations

import secrets
from datetime import date

import pytest
import sqlalchemy as sa

from channels import create_app, demo
from reservations import services
from reservations.db import db
from reservations.models import AuditEntry
from tests.conftest import app_config, scratch_postgres_database
from tests.factories import at

pytestmark = pytest.mark.postgres

NOW = at(2026, 12, 1, 10)

# The README's statements, for a database named here and a role named by the test.
GRANTS = """
GRANT CONNECT ON DATABASE "{database}" TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
"""


def test_the_app_books_and_audits_as_a_role_that_owns_nothing():
    role = f"machi_app_{secrets.token_hex(4)}"
    with scratch_postgres_database() as owner_url:  # migrated to head as the owner
        url = sa.make_url(owner_url)
        owner = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with owner.connect() as connection:
                connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
                for statement in GRANTS.format(database=url.database, role=role).split(";"):
                    if statement.strip():
                        connection.exec_driver_sql(statement)
            app_url = url.set(username=role, password=None).render_as_string(hide_password=False)
            app = create_app(app_config(app_url))
            with app.app_context():
                try:
                    _exercise(role)
                finally:
                    db.session.remove()
                    db.engine.dispose()
        finally:
            owner.dispose()
    cleanup = sa.create_engine(sa.make_url(owner_url).set(database="postgres"))
    with cleanup.connect() as connection:
        connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        connection.commit()
    cleanup.dispose()


def _exercise(role: str) -> None:
    assert db.session.scalar(sa.text("SELECT current_user")) == role
    seed = demo.seed(now=NOW)  # registers residents and staff, with their audit rows
    line = seed.residents[0]
    [resident] = [r for r in services.find_residents(line.registration_no)]
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    unit = gym.units[0]
    booked = services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=unit.id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=NOW,
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
    ).all()
    assert any(e.reservation_id == booked.id for e in entry)
    # What the role may not do: change the schema, or rewrite the audit trail.
    for statement in (
        "DROP TABLE audit_entries",
        "ALTER TABLE reservations ADD COLUMN x integer",
        "TRUNCATE audit_entries",
        "UPDATE audit_entries SET action = 'x'",
    ):
        with pytest.raises(sa.exc.DBAPIError):
            with db.engine.begin() as connection:
                connection.exec_driver_sql(statement)
