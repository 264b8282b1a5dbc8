"""the lottery (抽選): rounds, their units, applications and ranked choices

A round allocates some units for one month by a draw anyone can re-run; applications
(one per person, one per group, per round) rank their choices; the draw records each
choice's place and result, and a win is a hold. Existing data: no round yet.
Downgrading drops the lottery; holds made by wins stay as ordinary reservations (their
origin `lottery` was allowed before).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lottery_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('draw_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirm_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('release_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('max_wins', sa.Integer(), nullable=False),
    sa.Column('seed_commitment', sa.String(length=64), nullable=True),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('seed', sa.String(length=200), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_staff_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('drawn_at IS NULL OR (seed IS NOT NULL AND fingerprint IS NOT NULL)', name=op.f('ck_lottery_rounds_drawn')),
    sa.CheckConstraint('seed IS NULL OR seed_commitment IS NOT NULL', name=op.f('ck_lottery_rounds_reveal')),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff.id'], name=op.f('fk_lottery_rounds_created_by_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_rounds')),
    sa.UniqueConstraint('code', name=op.f('uq_lottery_rounds_code'))
    )
    op.create_table('lottery_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('receipt_number', sa.String(length=12), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('created_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('web', 'phone', 'counter', 'cli')", name=op.f('ck_lottery_applications_channel')),
    sa.CheckConstraint("status IN ('submitted', 'withdrawn')", name=op.f('ck_lottery_applications_status')),
    sa.CheckConstraint('(resident_id IS NULL AND group_id IS NOT NULL) OR (resident_id IS NOT NULL AND group_id IS NULL)', name=op.f('ck_lottery_applications_for_whom')),
    sa.ForeignKeyConstraint(['applied_by_id'], ['residents.id'], name=op.f('fk_lottery_applications_applied_by_id_residents')),
    sa.ForeignKeyConstraint(['created_by_staff_id'], ['staff.id'], name=op.f('fk_lottery_applications_created_by_staff_id_staff')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_lottery_applications_group_id_groups')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_lottery_applications_resident_id_residents')),
    sa.ForeignKeyConstraint(['round_id'], ['lottery_rounds.id'], name=op.f('fk_lottery_applications_round_id_lottery_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_applications')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_lottery_applications_receipt_number')),
    sa.UniqueConstraint('round_id', 'group_id', name=op.f('uq_lottery_applications_round_id_group_id')),
    sa.UniqueConstraint('round_id', 'resident_id', name=op.f('uq_lottery_applications_round_id_resident_id'))
    )
    with op.batch_alter_table('lottery_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lottery_applications_applied_by_id'), ['applied_by_id'], unique=False)

    op.create_table('lottery_round_units',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['lottery_rounds.id'], name=op.f('fk_lottery_round_units_round_id_lottery_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_lottery_round_units_unit_id_units')),
    sa.PrimaryKeyConstraint('round_id', 'unit_id', name=op.f('pk_lottery_round_units'))
    )
    op.create_table('lottery_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('unavailable', sa.Boolean(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('won', sa.Boolean(), nullable=True),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.String(length=10), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("answer IS NULL OR answer IN ('confirmed', 'declined', 'expired')", name=op.f('ck_lottery_choices_answer')),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_lottery_choices_rank')),
    sa.ForeignKeyConstraint(['application_id'], ['lottery_applications.id'], name=op.f('fk_lottery_choices_application_id_lottery_applications')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_lottery_choices_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_lottery_choices_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lottery_choices')),
    sa.UniqueConstraint('application_id', 'rank', name=op.f('uq_lottery_choices_application_id_rank')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_lottery_choices_reservation_id'))
    )
    with op.batch_alter_table('lottery_choices', schema=None) as batch_op:
        batch_op.create_index('ix_lottery_choices_unit_date', ['unit_id', 'date'], unique=False)

    op.create_table('lottery_choice_blocks',
    sa.Column('choice_id', sa.Integer(), nullable=False),
    sa.Column('time_block_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['choice_id'], ['lottery_choices.id'], name=op.f('fk_lottery_choice_blocks_choice_id_lottery_choices')),
    sa.ForeignKeyConstraint(['time_block_id'], ['time_blocks.id'], name=op.f('fk_lottery_choice_blocks_time_block_id_time_blocks')),
    sa.PrimaryKeyConstraint('choice_id', 'time_block_id', name=op.f('pk_lottery_choice_blocks'))
    )


def downgrade():
    op.drop_table('lottery_choice_blocks')
    with op.batch_alter_table('lottery_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_lottery_choices_unit_date')

    op.drop_table('lottery_choices')
    op.drop_table('lottery_round_units')
    with op.batch_alter_table('lottery_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lottery_applications_applied_by_id'))

    op.drop_table('lottery_applications')
    op.drop_table('lottery_rounds')
