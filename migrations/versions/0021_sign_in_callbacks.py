"""sign-in callbacks: the town rings a resident's registered number back for the PIN

A resident whose own line waits after wrong PINs (someone may have forged the number
as caller ID) can ask, on a clean call from that line, to be called back at the number
on their record. One row per callback; none exist yet. Downgrading drops them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requested_call_sid', sa.String(length=34), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('call_sid', sa.String(length=34), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('requested', 'placed', 'failed', 'answered', 'signed_in', 'disowned')", name=op.f('ck_sign_in_callbacks_status')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_sign_in_callbacks_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_callbacks')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_sign_in_callbacks_call_sid')),
    sa.UniqueConstraint('requested_call_sid', name=op.f('uq_sign_in_callbacks_requested_call_sid'))
    )
    with op.batch_alter_table('sign_in_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_callbacks_resident_id'), ['resident_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_callbacks_resident_id'))

    op.drop_table('sign_in_callbacks')
