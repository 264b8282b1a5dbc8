"""refunds (還付): what the town owes for a paid booking that was cancelled, and its payout

One row per cancelled paid reservation whose rule gives something back: the amount,
the percent and the rule that set it (the town's reason, or the tier for the days
before the date of use), then how, when and by whom it was paid out. Existing data:
cancellations made before this revision recorded no refund, and none is invented for
them (the town may have refunded them by hand). Downgrading drops the refunds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('paid_yen', sa.Integer(), nullable=False),
    sa.Column('amount_yen', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('town_reason', sa.Boolean(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('owed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('paid_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_out_by_staff_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('owed', 'paid')", name=op.f('ck_refunds_status')),
    sa.CheckConstraint("method IS NULL OR method IN ('cash', 'transfer')", name=op.f('ck_refunds_method')),
    sa.CheckConstraint('amount_yen > 0 AND amount_yen <= paid_yen AND percent BETWEEN 1 AND 100', name=op.f('ck_refunds_amount')),
    sa.CheckConstraint("(status = 'owed' AND paid_out_at IS NULL AND method IS NULL) OR (status = 'paid' AND paid_out_at IS NOT NULL AND method IS NOT NULL AND paid_out_by_staff_id IS NOT NULL)", name=op.f('ck_refunds_payout')),
    sa.ForeignKeyConstraint(['paid_out_by_staff_id'], ['staff.id'], name=op.f('fk_refunds_paid_out_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_refunds_reservation_id_reservations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_refunds_reservation_id'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index('ix_refunds_owed_at', ['owed_at'], unique=False)
        batch_op.create_index('ix_refunds_paid_out_at', ['paid_out_at'], unique=False)


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_paid_out_at')
        batch_op.drop_index('ix_refunds_owed_at')

    op.drop_table('refunds')
