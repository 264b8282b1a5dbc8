"""notification media: SMS, a voice call, or the counter's call list

Each notification now says how it reaches its resident (`medium`: sms, call, counter),
a call placed awaits its outcome in the new status `calling`, a row on the counter's
call list may have no number, and the clerk who phoned the resident is recorded
(`phoned_at`, `phoned_by_id`). Existing data: every existing row went to a mobile by
SMS (nothing else was ever queued), so each becomes `medium = 'sms'`. Downgrading
drops call-list rows and call rows (the old outbox cannot hold them), turns a row
awaiting a call's outcome into a failure, and drops the new columns.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed')"
NEW_STATUSES = "status IN ('pending', 'sending', 'calling', 'sent', 'failed')"


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medium', sa.String(length=10), nullable=False, server_default='sms'))
        batch_op.add_column(sa.Column('phoned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phoned_by_id', sa.Integer(), nullable=True))
        batch_op.alter_column('to_phone', existing_type=sa.String(length=20), nullable=True)
        batch_op.drop_constraint(op.f('ck_notifications_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_status'), NEW_STATUSES)
        batch_op.create_check_constraint(
            op.f('ck_notifications_medium'), "medium IN ('sms', 'call', 'counter')"
        )
        batch_op.create_check_constraint(
            op.f('ck_notifications_to_phone'), "medium = 'counter' OR to_phone IS NOT NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_notifications_phoned_by_id_staff'), 'staff', ['phoned_by_id'], ['id']
        )
        batch_op.create_index('ix_notifications_medium_status', ['medium', 'status'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('medium', existing_type=sa.String(length=10), server_default=None)


def downgrade():
    op.execute("DELETE FROM notifications WHERE medium <> 'sms'")
    op.execute("UPDATE notifications SET status = 'failed' WHERE status = 'calling'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_medium_status')
        batch_op.drop_constraint(batch_op.f('fk_notifications_phoned_by_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_notifications_to_phone'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_medium'), type_='check')
        batch_op.drop_constraint(op.f('ck_notifications_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_status'), OLD_STATUSES)
        batch_op.alter_column('to_phone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column('phoned_by_id')
        batch_op.drop_column('phoned_at')
        batch_op.drop_column('medium')
