"""The schema comes from migrations/: upgraded from empty, it is identical to the
models on both databases, and the migrations go down and up again cleanly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reservations.db import db


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrated_schema_matches_the_models(any_app):
    assert schema_differences() == []


def test_migrations_downgrade_to_empty_and_upgrade_again(sqlite_app):
    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []


# Rows as revision 0005 kept them: a resident with an exemption (the demo's "group as
# a resident"), and a reservation of theirs with the exemption taken off.
BEFORE_GROUPS = [
    "INSERT INTO exemption_categories (id, code, name, name_en, percent, position)"
    " VALUES (1, 'seniors', '老人クラブ', 'Seniors', 50, 0)",
    "INSERT INTO facility_categories (id, code, name, name_en, max_active_per_resident)"
    " VALUES (1, 'gym', '体育館', 'Gyms', 4)",
    "INSERT INTO residents (id, registration_no, name, name_kana, name_key, kana_key,"
    " phone_is_mobile, district, is_resident, exemption_id, exemption_evidence, pin_hash,"
    " failed_pin_attempts, created_at) VALUES (1, '123455', '寿会', 'ことぶきかい', '寿会',"
    " 'ことぶきかい', false, '北町', true, 1, '老人クラブ名簿', 'x', 0, '2026-11-01 00:00:00+00')",
    "INSERT INTO facilities (id, code, category_id, position, name, name_en, yomi, purpose,"
    " purpose_en, step_free, parking, accessible_toilet, access_note, access_note_en,"
    " closed_weekdays, open_on_holidays, closed_day_moves_after_holiday, year_end_closure,"
    " window_months_ahead, window_opens_day, window_opens_time, nonresident_delay_days,"
    " window_closes_days_before, cancel_days_before, max_blocks_per_reservation) VALUES"
    " (1, 'gym', 1, 0, '体育館', 'Gym', 'たいいくかん', '', '', false, false, false, '', '', '',"
    " true, false, true, 2, 1, '09:00:00', 14, 1, 3, 3)",
    "INSERT INTO units (id, facility_id, code, position, name, name_en, yomi)"
    " VALUES (1, 1, 'whole', 0, '全面', 'Whole', 'ぜんめん')",
    "INSERT INTO reservations (id, number, resident_id, unit_id, date, start_at, end_at,"
    " status, fee_base_yen, exemption_percent, fee_yen, payment_status, created_at, channel,"
    " cancelled_after_deadline) VALUES (1, '12345674', 1, 1, '2026-12-16',"
    " '2026-12-16 00:00:00+00', '2026-12-16 03:00:00+00', 'confirmed', 1000, 50, 500,"
    " 'unpaid', '2026-12-01 00:00:00+00', 'web', false)",
    "INSERT INTO audit_entries (at, action, channel, subject, reservation_id)"
    " VALUES ('2026-12-01 00:00:00+00', 'reservation.book', 'web', 'reservation:12345674', 1)",
]


def test_existing_bookings_keep_their_exemption_as_a_property_of_each_booking(any_app):
    """Revision 0006 on data: the reservation names its resident as who asked for it
    and keeps its exemption, decided on the resident's category, who keeps it; each
    kind of facility gets a group limit; going down gives back what was there."""
    try:
        downgrade(revision="0005")
        with db.engine.begin() as connection:
            for statement in BEFORE_GROUPS:
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT resident_id, group_id, booked_by_id, exemption_percent, fee_yen,"
                " exemption_basis, exemption_category_id, exemption_evidence FROM reservations"
            ).one()
            assert tuple(row) == (1, None, 1, 50, 500, "category", 1, "老人クラブ名簿")
            assert connection.exec_driver_sql("SELECT exemption_id FROM residents").scalar() == 1
            assert (
                connection.exec_driver_sql(
                    "SELECT max_active_per_group FROM facility_categories"
                ).scalar()
                == 8
            )
            assert connection.exec_driver_sql("SELECT group_id FROM audit_entries").scalar() is None
        downgrade(revision="0005")
        with db.engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT resident_id, exemption_percent, fee_yen FROM reservations"
            ).one()
            assert tuple(row) == (1, 50, 500)
    finally:
        upgrade()
    assert schema_differences() == []


def test_the_audit_trail_stays_append_only_through_the_migrations(any_app):
    """SQLite copies a table to drop a referencing column: the append-only triggers
    must be made again."""
    downgrade(revision="0005")
    upgrade()
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO audit_entries (at, action, channel, subject)"
            " VALUES ('2026-12-01 00:00:00+00', 'closure.add', 'cli', 'x')"
        )
    for statement in ("UPDATE audit_entries SET action = 'y'", "DELETE FROM audit_entries"):
        with db.engine.connect() as connection:
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                connection.exec_driver_sql(statement)
