"""use records (利用実績) on reservations, keybox access codes, and two staff roles:
caretakers (管理人) limited to their facilities' day lists, and read-only statistics

Existing data: no reservation has a use record yet (none was kept), none has an
access code, no facility has a keybox, no staff member has the new roles.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_facilities",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"],
                                name=op.f("fk_staff_facilities_facility_id_facilities")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"],
                                name=op.f("fk_staff_facilities_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", "facility_id", name=op.f("pk_staff_facilities")),
    )
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_staff_role"), "role IN ('clerk', 'admin', 'caretaker', 'statistics')"
        )
    with op.batch_alter_table("facilities") as batch_op:
        batch_op.add_column(sa.Column("uses_access_code", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.add_column(sa.Column("use_state", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("use_recorded_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("use_recorded_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("access_code", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("access_code_failures", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.create_foreign_key(
            op.f("fk_reservations_use_recorded_by_staff_id_staff"), "staff",
            ["use_recorded_by_staff_id"], ["id"],
        )
        batch_op.create_check_constraint(op.f("ck_reservations_use_state"),
                                         "use_state IN ('used', 'no_show')")


def downgrade():
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_constraint(op.f("ck_reservations_use_state"), type_="check")
        batch_op.drop_constraint(op.f("fk_reservations_use_recorded_by_staff_id_staff"),
                                 type_="foreignkey")
        batch_op.drop_column("access_code_failures")
        batch_op.drop_column("access_code")
        batch_op.drop_column("use_recorded_by_staff_id")
        batch_op.drop_column("use_recorded_at")
        batch_op.drop_column("use_state")
    with op.batch_alter_table("facilities") as batch_op:
        batch_op.drop_column("uses_access_code")
    # The old schema has no such roles: their accounts become deactivated clerks
    # (never active clerks, since a caretaker was never meant to book).
    op.execute("UPDATE staff SET active = false, role = 'clerk' "
               "WHERE role IN ('caretaker', 'statistics')")
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_staff_role"), "role IN ('clerk', 'admin')")
    op.drop_table("staff_facilities")
