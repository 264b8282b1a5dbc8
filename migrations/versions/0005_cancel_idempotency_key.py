"""reservations: the cancel request's idempotency key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Existing cancellations have no key: a repeat of them was never possible.
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.add_column(sa.Column("cancel_idempotency_key", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_column("cancel_idempotency_key")
