"""audit_entries: TRUNCATE refused on PostgreSQL; a subject as long as any it names

The append-only triggers of revision 0001 are per row, and TRUNCATE fires no row
trigger: a statement trigger refuses it as well. A subject names a staff username of
up to 60 characters after "staff:", which did not fit in 60.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The function of revision 0001 raises "audit_entries is append-only".
        op.execute(
            "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
        )
        # In place: a copied table would lose the triggers.
        op.alter_column("audit_entries", "subject", type_=sa.String(length=100),
                        existing_type=sa.String(length=60), existing_nullable=False)
    else:
        # SQLite has no TRUNCATE; it alters a column by copying the table, which loses
        # the append-only triggers: they are made again as revision 0001 made them.
        _sqlite_subject(sa.String(length=60), sa.String(length=100))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.alter_column("audit_entries", "subject", type_=sa.String(length=60),
                        existing_type=sa.String(length=100), existing_nullable=False,
                        postgresql_using="left(subject, 60)")
    else:
        _sqlite_subject(sa.String(length=100), sa.String(length=60))


def _sqlite_subject(existing, new):
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{event}")
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.alter_column("subject", type_=new, existing_type=existing,
                              existing_nullable=False)
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries "
            "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
        )
