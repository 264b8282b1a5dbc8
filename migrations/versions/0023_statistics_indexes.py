"""indexes for the statistics of a period with a million reservations

The statistics count a period's slot claims by day and block (an index on date, block
and part they are read from alone), find the period's staff blocks (行政使用, a partial
index on reservations.date for origin 'block': few among many bookings), and on
PostgreSQL group the bookings by their channel, state, use, exemption and payment: an
extended statistics object tells the planner how few combinations those columns take
together, so it hashes the groups instead of sorting every booking (on disk). Existing
data: nothing changes but the indexes and statistics built over it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

FIGURES = (
    "channel, status, cancel_reason_kind, cancelled_after_deadline, use_state,"
    " exemption_category_id, payment_status, origin"
)


def upgrade():
    op.create_index(
        'ix_slot_claims_date_block', 'slot_claims', ['date', 'time_block_id', 'part_id']
    )
    op.create_index(
        'ix_reservations_staff_blocks',
        'reservations',
        ['date'],
        postgresql_where=sa.text("origin = 'block'"),
        sqlite_where=sa.text("origin = 'block'"),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f"CREATE STATISTICS st_reservations_figures (ndistinct) ON {FIGURES} FROM reservations"
        )
        op.execute("ANALYZE reservations")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP STATISTICS IF EXISTS st_reservations_figures")
    op.drop_index('ix_reservations_staff_blocks', table_name='reservations')
    op.drop_index('ix_slot_claims_date_block', table_name='slot_claims')
