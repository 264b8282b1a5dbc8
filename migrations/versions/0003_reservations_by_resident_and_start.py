"""reservations by resident and start time: one index for upcoming, recent past and limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

"""
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_index("ix_reservations_resident_status_start")
        batch_op.create_index("ix_reservations_resident_start", ["resident_id", "start_at"])


def downgrade():
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_index("ix_reservations_resident_start")
        batch_op.create_index("ix_reservations_resident_status_start",
                              ["resident_id", "status", "start_at"])
