"""facility details residents need: address, how to get there, hours of use,
equipment, the facility's telephone and a map link

Existing facilities get empty details (the pages then show the counter's), which
admins fill in on the counter's facility page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXT_COLUMNS = (
    "address",
    "address_en",
    "directions",
    "directions_en",
    "hours",
    "hours_en",
    "equipment",
    "equipment_en",
    "map_url",
)


def upgrade():
    with op.batch_alter_table("facilities") as batch:
        for name in TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=False, server_default=""))
    with op.batch_alter_table("facilities") as batch:
        for name in (*TEXT_COLUMNS, "phone"):
            batch.alter_column(name, server_default=None)


def downgrade():
    with op.batch_alter_table("facilities") as batch:
        for name in ("phone", *reversed(TEXT_COLUMNS)):
            batch.drop_column(name)
