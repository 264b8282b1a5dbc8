"""residents and staff: sign-in stopped by staff, since when and why

A clerk stops a resident's sign-in (a lost PIN slip, suspected misuse), an administrator
a staff account's, with a reason, until they lift it (or reset the PIN or password).
Existing accounts are not stopped. Downgrading forgets the stops.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('residents', 'staff'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sign_in_stopped_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('sign_in_stop_reason', sa.String(length=200), nullable=True))


def downgrade():
    for table in ('staff', 'residents'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('sign_in_stop_reason')
            batch_op.drop_column('sign_in_stopped_at')
