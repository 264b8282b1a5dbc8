"""a session generation on residents and staff, to end sessions on the server side

Sessions live in the signed cookie; each remembers its account's generation, and raising
it (sign-out, a new PIN or password, deactivation) ends every other session of that
account at its next request. Existing accounts start at 0 (cookies made before this
revision carry no generation and are signed out once). Downgrading drops the columns.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('residents', 'staff')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('session_generation')
