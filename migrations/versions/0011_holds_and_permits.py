"""holds (仮予約) until payment, and permits (使用許可書)

A reservation may now be `held`: it claims its slots until its fee is paid by
`payment_due_at`. It gets a permit number when its fee is paid (or there is none).

Existing data: a future booking still waiting for its fee becomes a hold due at the
start of its use (nothing already booked expires earlier than the day itself); paid
and exempt bookings get their permit numbers.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from reservations.text import random_number_with_check_digit

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

def upgrade():
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.add_column(sa.Column("payment_due_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("due_extension_reason", sa.String(length=500),
                                      nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("permit_number", sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_reservations_permit_number"),
                                          ["permit_number"])
        batch_op.create_index("ix_reservations_status_due", ["status", "payment_due_at"],
                              unique=False)
        batch_op.drop_constraint(op.f("ck_reservations_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reservations_status"),
                                         "status IN ('held', 'confirmed', 'cancelled')")

    bind = op.get_bind()
    reservations = sa.table(
        "reservations",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("payment_status", sa.String()),
        sa.column("fee_yen", sa.Integer()),
        sa.column("start_at", sa.DateTime(timezone=True)),
        sa.column("payment_due_at", sa.DateTime(timezone=True)),
        sa.column("permit_number", sa.String()),
    )
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC (reservations.db.AwareDateTime)
    bind.execute(
        reservations.update()
        .where(reservations.c.status == "confirmed", reservations.c.payment_status == "unpaid",
               reservations.c.fee_yen > 0, reservations.c.start_at > now)
        .values(status="held", payment_due_at=reservations.c.start_at)
    )
    settled = bind.execute(
        sa.select(reservations.c.id).where(
            reservations.c.status == "confirmed",
            reservations.c.payment_status.in_(("paid", "exempt")))
    ).scalars().all()
    issued = set()
    for reservation_id in settled:
        number = random_number_with_check_digit(8)
        while number in issued:
            number = random_number_with_check_digit(8)
        issued.add(number)
        bind.execute(reservations.update().where(reservations.c.id == reservation_id)
                     .values(permit_number=number))


def downgrade():
    # A hold was an unpaid confirmed booking before.
    op.execute("UPDATE reservations SET status = 'confirmed' WHERE status = 'held'")
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_constraint(op.f("ck_reservations_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reservations_status"),
                                         "status IN ('confirmed', 'cancelled')")
        batch_op.drop_index("ix_reservations_status_due")
        batch_op.drop_constraint(batch_op.f("uq_reservations_permit_number"), type_="unique")
        batch_op.drop_column("permit_number")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("due_extension_reason")
        batch_op.drop_column("payment_due_at")
