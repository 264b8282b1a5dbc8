"""residents: やさしい日本語 (easy Japanese, ja@easy) as a third language of their messages

The column grows to hold "ja@easy" and its check names the three languages. Existing
residents keep the language they chose. Downgrading gives the easy-Japanese readers
Japanese, the nearest language the older schema knows.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_residents_preferred_language'), type_='check')
        batch_op.alter_column(
            'preferred_language',
            existing_type=sa.String(length=5),
            type_=sa.String(length=10),
            existing_nullable=False,
            existing_server_default='ja',
        )
        batch_op.create_check_constraint(
            op.f('ck_residents_preferred_language'),
            "preferred_language IN ('ja', 'ja@easy', 'en')",
        )


def downgrade():
    op.execute("UPDATE residents SET preferred_language = 'ja' WHERE preferred_language = 'ja@easy'")
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_residents_preferred_language'), type_='check')
        batch_op.alter_column(
            'preferred_language',
            existing_type=sa.String(length=10),
            type_=sa.String(length=5),
            existing_nullable=False,
            existing_server_default='ja',
        )
        batch_op.create_check_constraint(
            op.f('ck_residents_preferred_language'), "preferred_language IN ('ja', 'en')"
        )
