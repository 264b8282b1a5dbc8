"""sign-in failures per account and source: an outsider's wrong guesses slow the outsider

One row per account name as typed ("resident:<registration no>", "staff:<username>")
and source ("web:<address>", "phone:from:<number>", ...) with the wrong secrets in a row
and when the last came. Existing data: the accounts' own counts and locks stay, and now
serve as the account-wide last resort; no source has a record yet. Downgrading drops the
records.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa



revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    sa.UniqueConstraint('account', 'source', name=op.f('uq_sign_in_failures_account_source'))
    )
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failures_last_failed_at'), ['last_failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failures_last_failed_at'))

    op.drop_table('sign_in_failures')
