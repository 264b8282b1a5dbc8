"""residents: the language of their messages (SMS and calls), 日本語 or English

Every existing resident keeps Japanese, what their messages were in until now.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_language', sa.String(length=5), server_default='ja', nullable=False))
        batch_op.create_check_constraint(op.f('ck_residents_preferred_language'), "preferred_language IN ('ja', 'en')")


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_residents_preferred_language'), type_='check')
        batch_op.drop_column('preferred_language')
