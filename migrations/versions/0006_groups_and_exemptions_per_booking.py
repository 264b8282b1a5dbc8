"""groups (団体) with their rosters; a reservation is for a person or a group, names who
asked for it, and carries its own exemption (減免)

Existing data: every reservation was a person's, so its resident is who asked for it;
a reservation with an exemption keeps it, decided on its resident's category (their
exemption) and evidence. Residents keep their exemption as their category. Each kind of
facility gets a group limit of twice its per-resident one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EXEMPTION_BASES = ("none", "category", "evidence_expired", "purpose_not_covered",
                   "staff_granted", "staff_refused")
GROUP_PURPOSES = ("sport", "culture", "learning", "welfare", "children", "community", "other")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_no", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_kana", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("kana_key", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.String(length=100), nullable=True),
        sa.Column("evidence_valid_until", sa.Date(), nullable=True),
        sa.Column("declared_members", sa.Integer(), nullable=False),
        sa.Column("resident_members", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", ("active", "suspended", "dissolved")),
                           name=op.f("ck_groups_status")),
        sa.CheckConstraint(_in("purpose", GROUP_PURPOSES), name=op.f("ck_groups_purpose")),
        sa.CheckConstraint("resident_members >= 0 AND resident_members <= declared_members",
                           name=op.f("ck_groups_counts")),
        sa.CheckConstraint("valid_from <= valid_until", name=op.f("ck_groups_validity")),
        sa.ForeignKeyConstraint(["category_id"], ["exemption_categories.id"],
                                name=op.f("fk_groups_category_id_exemption_categories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sa.UniqueConstraint("registration_no", name=op.f("uq_groups_registration_no")),
    )
    with op.batch_alter_table("groups") as batch_op:
        batch_op.create_index(batch_op.f("ix_groups_kana_key"), ["kana_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_groups_name_key"), ["name_key"], unique=False)

    op.create_table(
        "group_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_in("role", ("representative", "contact", "member")),
                           name=op.f("ck_group_members_role")),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"],
                                name=op.f("fk_group_members_group_id_groups")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_group_members_resident_id_residents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_members")),
        sa.UniqueConstraint("group_id", "resident_id",
                            name=op.f("uq_group_members_group_id_resident_id")),
    )
    with op.batch_alter_table("group_members") as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_resident_id"), ["resident_id"],
                              unique=False)

    with op.batch_alter_table("facility_categories") as batch_op:
        batch_op.add_column(sa.Column("max_active_per_group", sa.Integer(), nullable=True))
    op.execute("UPDATE facility_categories SET max_active_per_group = 2 * max_active_per_resident")
    with op.batch_alter_table("facility_categories") as batch_op:
        batch_op.alter_column("max_active_per_group", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("exemption_categories") as batch_op:
        batch_op.add_column(sa.Column("purposes", sa.String(length=200), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("residents") as batch_op:
        batch_op.add_column(sa.Column("exemption_valid_until", sa.Date(), nullable=True))

    # SQLite copies the table to change a column's nullability (migrations/env.py turns
    # its foreign-key enforcement off meanwhile, and checks every key afterwards).
    with op.batch_alter_table("reservations") as batch_op:
        batch_op.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("booked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("exemption_basis", sa.String(length=20), nullable=False,
                                      server_default="none"))
        batch_op.add_column(sa.Column("exemption_category_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("exemption_evidence", sa.String(length=100),
                                      nullable=True))
        batch_op.add_column(sa.Column("exemption_valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("exemption_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_reservations_group_id_groups"), "groups",
                                    ["group_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_reservations_booked_by_id_residents"),
                                    "residents", ["booked_by_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_reservations_exemption_category_id_exemption_categories"),
            "exemption_categories", ["exemption_category_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_reservations_booked_by_id"), ["booked_by_id"],
                              unique=False)
        batch_op.create_index("ix_reservations_group_start", ["group_id", "start_at"],
                              unique=False)
        batch_op.create_check_constraint(
            op.f("ck_reservations_for_whom"),
            "(resident_id IS NULL AND group_id IS NOT NULL)"
            " OR (resident_id IS NOT NULL AND group_id IS NULL)")
        batch_op.create_check_constraint(op.f("ck_reservations_exemption_basis"),
                                         _in("exemption_basis", EXEMPTION_BASES))
    op.execute("UPDATE reservations SET booked_by_id = resident_id")
    op.execute(
        "UPDATE reservations SET exemption_basis = 'category',"
        " exemption_category_id = (SELECT exemption_id FROM residents"
        "  WHERE residents.id = reservations.resident_id),"
        " exemption_evidence = (SELECT exemption_evidence FROM residents"
        "  WHERE residents.id = reservations.resident_id)"
        " WHERE exemption_percent > 0"
    )

    # The audit trail is append-only through triggers that a copied table would lose:
    # the column is added in place (SQLite takes an inline reference).
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column(
        "audit_entries",
        sa.Column("group_id", sa.Integer(),
                  sa.ForeignKey("groups.id", name=op.f("fk_audit_entries_group_id_groups")),
                  nullable=True),
        inline_references=sqlite,
    )
    op.create_index(op.f("ix_audit_entries_group_id"), "audit_entries", ["group_id"],
                    unique=False)


def downgrade():
    # A group's booking goes back to the member who asked for it; the per-booking
    # exemption is folded back into the percentage the reservation kept all along.
    op.execute("UPDATE reservations SET resident_id = booked_by_id WHERE resident_id IS NULL")
    if op.get_bind().execute(
        sa.text("SELECT count(*) FROM reservations WHERE resident_id IS NULL")
    ).scalar():
        raise RuntimeError("a group's reservation names nobody who asked for it")
    op.drop_index(op.f("ix_audit_entries_group_id"), table_name="audit_entries")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a referencing column only by copying the table, which loses the
        # append-only triggers: they are made again as revision 0001 made them.
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{event}")
        with op.batch_alter_table("audit_entries") as batch_op:
            batch_op.drop_column("group_id")
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )
    else:
        op.drop_constraint(op.f("fk_audit_entries_group_id_groups"), "audit_entries",
                           type_="foreignkey")
        op.drop_column("audit_entries", "group_id")

    with op.batch_alter_table("reservations") as batch_op:
        batch_op.drop_constraint(op.f("ck_reservations_exemption_basis"), type_="check")
        batch_op.drop_constraint(op.f("ck_reservations_for_whom"), type_="check")
        batch_op.drop_index("ix_reservations_group_start")
        batch_op.drop_index(batch_op.f("ix_reservations_booked_by_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_reservations_exemption_category_id_exemption_categories"),
            type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_reservations_booked_by_id_residents"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_reservations_group_id_groups"),
                                 type_="foreignkey")
        for column in ("exemption_reason", "exemption_valid_until", "exemption_evidence",
                       "exemption_category_id", "exemption_basis", "booked_by_id", "group_id"):
            batch_op.drop_column(column)
        batch_op.alter_column("resident_id", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("residents") as batch_op:
        batch_op.drop_column("exemption_valid_until")
    with op.batch_alter_table("exemption_categories") as batch_op:
        batch_op.drop_column("purposes")
    with op.batch_alter_table("facility_categories") as batch_op:
        batch_op.drop_column("max_active_per_group")

    with op.batch_alter_table("group_members") as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_resident_id"))
    op.drop_table("group_members")
    with op.batch_alter_table("groups") as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_name_key"))
        batch_op.drop_index(batch_op.f("ix_groups_kana_key"))
    op.drop_table("groups")
