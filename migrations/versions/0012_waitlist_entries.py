"""the waitlist (キャンセル待ち): entries for a taken slot, and their offers

A waiter (a person, or a group through one of its members) waits for a unit, a date
and blocks; when the slot frees the worker offers it as a hold with an acceptance
deadline. Existing data: nobody waits yet. Downgrading drops the waitlist; holds made
by offers stay as ordinary reservations (their origin `waitlist` was allowed before).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('offer_reservation_id', sa.Integer(), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('phoned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name=op.f('ck_waitlist_entries_channel')),
    sa.CheckConstraint("status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left')", name=op.f('ck_waitlist_entries_status')),
    sa.CheckConstraint("status NOT IN ('offered', 'accepted') OR (offer_reservation_id IS NOT NULL AND offer_expires_at IS NOT NULL)", name=op.f('ck_waitlist_entries_offer')),
    sa.CheckConstraint('(resident_id IS NULL AND group_id IS NOT NULL) OR (resident_id IS NOT NULL AND group_id IS NULL)', name=op.f('ck_waitlist_entries_for_whom')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['residents.id'], name=op.f('fk_waitlist_entries_asked_by_id_residents')),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff.id'], name=op.f('fk_waitlist_entries_created_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_waitlist_entries_group_id_groups')),
    sa.ForeignKeyConstraint(['offer_reservation_id'], ['reservations.id'], name=op.f('fk_waitlist_entries_offer_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_waitlist_entries_resident_id_residents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_waitlist_entries_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('offer_reservation_id', name=op.f('uq_waitlist_entries_offer_reservation_id'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_entries_asked_by_date', ['asked_by_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_status_date', ['status', 'date'], unique=False)

    op.create_table('waitlist_entry_blocks',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('time_block_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['waitlist_entries.id'], name=op.f('fk_waitlist_entry_blocks_entry_id_waitlist_entries')),
    sa.ForeignKeyConstraint(['time_block_id'], ['time_blocks.id'], name=op.f('fk_waitlist_entry_blocks_time_block_id_time_blocks')),
    sa.PrimaryKeyConstraint('entry_id', 'time_block_id', name=op.f('pk_waitlist_entry_blocks'))
    )


def downgrade():
    op.drop_table('waitlist_entry_blocks')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_status_date')
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_group_id'))
        batch_op.drop_index('ix_waitlist_entries_asked_by_date')

    op.drop_table('waitlist_entries')
