"""season series (定期利用) and allocation seasons; staff blocks (行政使用) as
reservations without a resident; closures of one unit or some blocks; who ended a
reservation (cancel_reason_kind, which the refund rules read)

Existing data: every reservation was booked directly; a cancelled one was ended by
staff when staff or the counter cancelled it, otherwise by its resident. Existing
closures close their whole facility, as before.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ORIGINS = ("direct", "series", "lottery", "waitlist", "block")
BLOCK_KINDS = ("town_event", "school", "maintenance", "election", "other")
CANCEL_KINDS = ("resident", "staff", "town", "unpaid", "lottery_unconfirmed", "offer_expired")
SKIP_REASONS = ("weekly", "holiday", "moved_closed_day", "year_end", "closure", "not_offered",
                "taken", "blocked", "past", "exception")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table(
        "allocation_seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("start_date <= end_date",
                           name=op.f("ck_allocation_seasons_start_before_end")),
        sa.CheckConstraint(_in("status", ("preparing", "committed")),
                           name=op.f("ck_allocation_seasons_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_seasons")),
        sa.UniqueConstraint("name", name=op.f("uq_allocation_seasons_name")),
    )
    op.create_table(
        "reservation_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("skip_holidays", sa.Boolean(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("fee_rule", sa.String(length=10), nullable=False),
        sa.Column("exemption_category_id", sa.Integer(), nullable=True),
        sa.Column("fee_reason", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_from", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("first_date <= last_date",
                           name=op.f("ck_reservation_series_first_before_last")),
        sa.CheckConstraint(_in("status", ("draft", "committed", "cancelled")),
                           name=op.f("ck_reservation_series_status")),
        sa.CheckConstraint(_in("fee_rule", ("standard", "granted", "refused")),
                           name=op.f("ck_reservation_series_fee_rule")),
        sa.CheckConstraint("(resident_id IS NULL AND group_id IS NOT NULL)"
                           " OR (resident_id IS NOT NULL AND group_id IS NULL)",
                           name=op.f("ck_reservation_series_for_whom")),
        sa.ForeignKeyConstraint(["booked_by_id"], ["residents.id"],
                                name=op.f("fk_reservation_series_booked_by_id_residents")),
        sa.ForeignKeyConstraint(["created_by_staff_id"], ["staff.id"],
                                name=op.f("fk_reservation_series_created_by_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["exemption_category_id"], ["exemption_categories.id"],
            name=op.f("fk_reservation_series_exemption_category_id_exemption_categories")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"],
                                name=op.f("fk_reservation_series_group_id_groups")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_reservation_series_resident_id_residents")),
        sa.ForeignKeyConstraint(
            ["season_id"], ["allocation_seasons.id"],
            name=op.f("fk_reservation_series_season_id_allocation_seasons")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_reservation_series_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_series")),
    )
    with op.batch_alter_table("reservation_series") as batch_op:
        batch_op.create_index("ix_reservation_series_group_first", ["group_id", "first_date"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_reservation_series_season_id"), ["season_id"],
                              unique=False)
    op.create_table(
        "reservation_series_blocks",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("time_block_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["reservation_series.id"],
            name=op.f("fk_reservation_series_blocks_series_id_reservation_series")),
        sa.ForeignKeyConstraint(
            ["time_block_id"], ["time_blocks.id"],
            name=op.f("fk_reservation_series_blocks_time_block_id_time_blocks")),
        sa.PrimaryKeyConstraint("series_id", "time_block_id",
                                name=op.f("pk_reservation_series_blocks")),
    )
    op.create_table(
        "series_skipped_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("reservation_number", sa.String(length=12), nullable=True),
        sa.CheckConstraint(_in("reason", SKIP_REASONS),
                           name=op.f("ck_series_skipped_dates_reason")),
        sa.ForeignKeyConstraint(
            ["series_id"], ["reservation_series.id"],
            name=op.f("fk_series_skipped_dates_series_id_reservation_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_skipped_dates")),
        sa.UniqueConstraint("series_id", "date",
                            name=op.f("uq_series_skipped_dates_series_id_date")),
    )

    with op.batch_alter_table("reservations") as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=10), nullable=False,
                                      server_default="direct"))
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("block_kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("block_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason_kind", sa.String(length=30),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_reservations_series_id_reservation_series"),
                                    "reservation_series", ["series_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_reservations_series_id"), ["series_id"],
                              unique=False)
        batch_op.drop_constraint(op.f("ck_reservations_for_whom"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_reservations_for_whom"),
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)"
            " OR (resident_id IS NULL AND group_id IS NULL AND origin = 'block')")
        batch_op.create_check_constraint(op.f("ck_reservations_origin"), _in("origin", ORIGINS))
        batch_op.create_check_constraint(
            op.f("ck_reservations_block_kind"),
            "(origin = 'block' AND block_kind IS NOT NULL)"
            " OR (origin <> 'block' AND block_kind IS NULL)")
        batch_op.create_check_constraint(op.f("ck_reservations_block_kind_known"),
                                         _in("block_kind", BLOCK_KINDS))
        batch_op.create_check_constraint(op.f("ck_reservations_cancel_reason_kind"),
                                         _in("cancel_reason_kind", CANCEL_KINDS))
        batch_op.create_check_constraint(op.f("ck_reservations_series"),
                                         "(origin = 'series') = (series_id IS NOT NULL)")
    op.execute(
        "UPDATE reservations SET cancel_reason_kind = CASE"
        " WHEN cancelled_by_staff_id IS NOT NULL OR cancelled_channel IN ('counter', 'cli')"
        " THEN 'staff' ELSE 'resident' END"
        " WHERE status = 'cancelled'"
    )

    with op.batch_alter_table("closures") as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_closures_unit_id_units"), "units",
                                    ["unit_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_closures_unit_of_facility"),
                                         "unit_id IS NULL OR facility_id IS NOT NULL")
    op.create_table(
        "closure_blocks",
        sa.Column("closure_id", sa.Integer(), nullable=False),
        sa.Column("time_block_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["closure_id"], ["closures.id"],
                                name=op.f("fk_closure_blocks_closure_id_closures")),
        sa.ForeignKeyConstraint(["time_block_id"], ["time_blocks.id"],
                                name=op.f("fk_closure_blocks_time_block_id_time_blocks")),
        sa.PrimaryKeyConstraint("closure_id", "time_block_id", name=op.f("pk_closure_blocks")),
    )


def downgrade():
    # A staff block (nobody's reservation) has no place in the older schema and stays in
    # the append-only audit trail, so a database holding one cannot go down; series
    # dates stay as ordinary reservations; partial closures would close the whole
    # facility, so they go.
    if op.get_bind().execute(
        sa.text("SELECT count(*) FROM reservations WHERE origin = 'block'")
    ).scalar():
        raise RuntimeError("staff blocks (行政使用) exist: revision 0006 cannot hold them")
    partial = [row[0] for row in op.get_bind().execute(sa.text(
        "SELECT closure_id FROM closure_blocks UNION SELECT id FROM closures"
        " WHERE unit_id IS NOT NULL"
    ))]
    op.drop_table("closure_blocks")
    for closure_id in partial:
        op.execute(sa.text("DELETE FROM closures WHERE id = :id").bindparams(id=closure_id))
    with op.batch_alter_table("closures") as batch_op:
        batch_op.drop_constraint(op.f("ck_closures_unit_of_facility"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_closures_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")

    with op.batch_alter_table("reservations") as batch_op:
        for name in ("series", "cancel_reason_kind", "block_kind_known", "block_kind", "origin",
                     "for_whom"):
            batch_op.drop_constraint(op.f(f"ck_reservations_{name}"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_reservations_for_whom"),
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)")
        batch_op.drop_index(batch_op.f("ix_reservations_series_id"))
        batch_op.drop_constraint(batch_op.f("fk_reservations_series_id_reservation_series"),
                                 type_="foreignkey")
        for column in ("cancel_reason_kind", "block_note", "block_kind", "series_id", "origin"):
            batch_op.drop_column(column)
    op.drop_table("series_skipped_dates")
    op.drop_table("reservation_series_blocks")
    with op.batch_alter_table("reservation_series") as batch_op:
        batch_op.drop_index(batch_op.f("ix_reservation_series_season_id"))
        batch_op.drop_index("ix_reservation_series_group_first")
    op.drop_table("reservation_series")
    op.drop_table("allocation_seasons")
