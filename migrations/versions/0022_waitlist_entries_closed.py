"""waitlist entries closed by the core, with the reason

An entry whose waiter may no longer book the slot when it frees (a limit reached, the
group no longer active, a closure), or whose slot the town now uses (a staff block), is
closed (status `closed`) with the ErrorCode a booking would get (`end_reason`), and
the next waiter is offered the slot. Existing data: no entry is closed yet. Downgrading
turns closed entries into left ones (ended, the reason dropped with its column).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OLD = "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left')"
NEW = "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left', 'closed')"


def upgrade():
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('end_reason', sa.String(length=40), nullable=True))
        batch_op.drop_constraint(op.f('ck_waitlist_entries_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_waitlist_entries_status'), NEW)


def downgrade():
    op.execute("UPDATE waitlist_entries SET status = 'left' WHERE status = 'closed'")
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_waitlist_entries_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_waitlist_entries_status'), OLD)
        batch_op.drop_column('end_reason')
