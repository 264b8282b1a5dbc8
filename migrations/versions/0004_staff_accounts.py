"""staff accounts: a password set by an administrator must be changed at sign-in

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_column("must_change_password")
