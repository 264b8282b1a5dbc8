"""Series (定期利用) on both databases: expansion into ordinary reservations through the
claims, the dates skipped with their reasons, the caps, cancelling one date or the
rest, extending, bad input, and two admins committing overlapping series at once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    BlocksNotConsecutive,
    Forbidden,
    GroupNotActive,
    GroupValidityEnds,
    LimitReached,
    ReasonRequired,
    SeriesConflict,
    SeriesEmpty,
    SeriesLastBeforeFirst,
    SeriesLimitReached,
    SeriesTooLong,
    SeriesWeekdayClosed,
)
from reservations.models import (
    AuditEntry,
    Reservation,
    ReservationSeries,
    SeriesSkippedDate,
    SkipReason,
    SlotClaim,
)
from tests.factories import (
    SYSTEM,
    at,
    block_of,
    make_category,
    make_exemption,
    make_facility,
    make_group,
    make_resident,
    make_staff,
    unit_of,
)

NOW = at(2026, 12, 1, 10)
MONDAY = 0


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def admin(any_app):
    return services.Actor.staff(make_staff("admin").id)


def request(gym, unit="whole", blocks=("evening",), **values) -> services.SeriesRequest:
    values.setdefault("weekdays", [MONDAY])
    values.setdefault("first_date", date(2027, 1, 4))
    values.setdefault("last_date", date(2027, 3, 29))
    return services.SeriesRequest(
        unit_id=unit_of(gym, unit).id,
        block_ids=[block_of(gym, code).id for code in blocks],
        **values,
    )


def counts() -> dict:
    db.session.rollback()

    def count(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return {
        "series": count(ReservationSeries),
        "reservations": count(Reservation),
        "claims": count(SlotClaim),
        "skipped": count(SeriesSkippedDate),
    }


def skipped(series) -> dict:
    return {s.date: (s.reason, s.detail, s.reservation_number) for s in series.skipped}


def test_a_season_of_mondays_skips_the_holidays_and_the_moved_holiday_of_2027(any_app, gym, admin):
    resident = make_resident()
    series = services.create_series(admin, request(gym, resident_id=resident.id), now=NOW)
    booked = [r.date for r in series.reservations]
    assert len(booked) == 11
    assert date(2027, 1, 11) not in booked and date(2027, 3, 22) not in booked
    reasons = skipped(series)
    assert reasons[date(2027, 1, 11)][0] == SkipReason.HOLIDAY  # 成人の日
    assert reasons[date(2027, 3, 22)] == (SkipReason.HOLIDAY, "振替休日", None)
    assert set(reasons) == {date(2027, 1, 11), date(2027, 3, 22)}
    first = series.reservations[0]
    assert (first.origin, first.series_id, first.resident_id) == ("series", series.id, resident.id)
    assert first.override_reason is None  # booked before the window opens, by design
    assert counts()["claims"] == 11 * 2  # the whole gym claims halves A and B
    assert services.series_position(series.reservations[3]) == (4, 11)


def test_the_year_end_closed_days_closures_and_exceptions_are_skipped_with_their_reasons(
    any_app, gym, admin
):
    services.add_closure(
        SYSTEM,
        facility_id=gym.id,
        start=date(2027, 1, 7),
        end=date(2027, 1, 7),
        reason="床の補修",
        now=NOW,
    )
    resident = make_resident()
    series = services.create_series(
        admin,
        request(
            gym,
            resident_id=resident.id,
            weekdays=[1, 3],
            first_date=date(2026, 12, 22),
            last_date=date(2027, 1, 14),
            exceptions=[date(2027, 1, 12)],
        ),
        now=NOW,
    )
    assert [r.date for r in series.reservations] == [
        date(2026, 12, 22),
        date(2026, 12, 24),
        date(2027, 1, 5),
        date(2027, 1, 14),
    ]
    assert skipped(series) == {
        date(2026, 12, 29): (SkipReason.YEAR_END, None, None),
        date(2026, 12, 31): (SkipReason.YEAR_END, None, None),
        date(2027, 1, 7): (SkipReason.CLOSURE, "床の補修", None),
        date(2027, 1, 12): (SkipReason.EXCEPTION, None, None),
    }


def test_a_whole_gym_series_skips_a_date_half_booked_and_names_the_booking(any_app, gym, admin):
    other = make_resident()
    half = services.book(
        SYSTEM,
        resident_id=other.id,
        unit_id=unit_of(gym, "half-a").id,
        day=date(2027, 1, 18),
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
    )
    club = make_group()
    plan = services.preview_series(request(gym, group_id=club.id), now=NOW)
    taken = [s for s in plan.skipped if s.reason == SkipReason.TAKEN]
    assert [(s.date, s.number) for s in taken] == [(date(2027, 1, 18), half.number)]
    series = services.create_series(admin, request(gym, group_id=club.id), now=NOW)
    assert date(2027, 1, 18) not in [r.date for r in series.reservations]
    assert skipped(series)[date(2027, 1, 18)] == (SkipReason.TAKEN, None, half.number)
    # Half B is free that evening: a half-B series books it.
    other_half = services.create_series(
        admin, request(gym, unit="half-b", resident_id=other.id), now=NOW
    )
    assert date(2027, 1, 18) in [r.date for r in other_half.reservations]


def test_a_preview_books_nothing_and_says_the_fees(any_app, gym, admin):
    resident = make_resident()
    plan = services.preview_series(request(gym, resident_id=resident.id), now=NOW)
    assert len(plan.booked) == 11 and plan.total_yen == 11 * 1000
    assert counts() == {"series": 0, "reservations": 0, "claims": 0, "skipped": 0}


def test_a_groups_series_is_the_groups_with_its_representative_and_fee_rule(any_app, gym, admin):
    make_exemption("youth_club", 100)
    club = make_group()
    series = services.create_series(
        admin,
        request(
            gym,
            group_id=club.id,
            fee_rule=services.SeriesFeeRule.GRANTED,
            exemption_code="youth_club",
            fee_reason="利用調整会議で決定",
        ),
        now=NOW,
    )
    date_one = series.reservations[0]
    assert date_one.group_id == club.id and date_one.resident_id is None
    assert date_one.booked_by_id == club.members[0].resident_id
    assert (date_one.fee_yen, date_one.payment_status) == (0, "exempt")
    assert date_one.exemption_basis == "staff_granted"


def test_series_dates_do_not_count_towards_the_one_off_limit(any_app, admin):
    gym = make_facility("gym", category=make_category("gyms", max_active=1))
    resident = make_resident()
    services.create_series(admin, request(gym, resident_id=resident.id), now=NOW)
    one_off = services.book(
        SYSTEM,
        resident_id=resident.id,
        unit_id=unit_of(gym, "whole").id,
        day=date(2027, 1, 5),
        block_ids=[block_of(gym, "morning").id],
        now=NOW,
    )
    assert one_off.series_id is None
    with pytest.raises(LimitReached):
        services.book(
            SYSTEM,
            resident_id=resident.id,
            unit_id=unit_of(gym, "whole").id,
            day=date(2027, 1, 6),
            block_ids=[block_of(gym, "morning").id],
            now=NOW,
        )


def test_a_group_has_at_most_the_series_cap_in_one_season(any_app, gym, admin):
    settings = any_app.extensions["reservations"]
    any_app.extensions["reservations"] = dataclasses.replace(settings, series_max_per_group=1)
    club = make_group()
    services.create_series(admin, request(gym, group_id=club.id), now=NOW)
    before = counts()
    with pytest.raises(SeriesLimitReached) as refused:
        services.create_series(
            admin, request(gym, unit="half-a", blocks=("morning",), group_id=club.id), now=NOW
        )
    assert refused.value.params["maximum"] == 1
    assert refused.value.params["season_start"] == date(2026, 4, 1)
    assert counts() == before


def test_only_an_administrator_creates_a_series(any_app, gym):
    clerk = services.Actor.staff(make_staff("clerk").id)
    with pytest.raises(Forbidden):
        services.create_series(clerk, request(gym, resident_id=make_resident().id), now=NOW)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"first_date": date(2027, 2, 1), "last_date": date(2027, 1, 4)}, SeriesLastBeforeFirst),
        ({"last_date": date(2027, 4, 5)}, SeriesTooLong),
        ({"first_date": date(2027, 1, 11), "last_date": date(2027, 1, 11)}, SeriesEmpty),
        ({"weekdays": [MONDAY, 2]}, SeriesWeekdayClosed),
    ],
)
def test_bad_series_are_refused_and_change_nothing(any_app, admin, values, error):
    gym = make_facility("gym", closed_weekdays="2")  # closed on Wednesdays
    resident = make_resident()
    before = counts()
    with pytest.raises(error):
        services.preview_series(request(gym, resident_id=resident.id, **values), now=NOW)
    with pytest.raises(error):
        services.create_series(admin, request(gym, resident_id=resident.id, **values), now=NOW)
    assert counts() == before


def test_a_series_longer_than_a_season_names_the_seasons_end(any_app, gym, admin):
    with pytest.raises(SeriesTooLong) as refused:
        services.preview_series(
            request(gym, resident_id=make_resident().id, last_date=date(2027, 4, 5)), now=NOW
        )
    assert refused.value.params == {"season_end": date(2027, 3, 31)}


def test_blocks_of_a_series_are_consecutive(any_app, gym, admin):
    with pytest.raises(BlocksNotConsecutive):
        services.preview_series(
            request(gym, blocks=("morning", "evening"), resident_id=make_resident().id), now=NOW
        )


def test_an_inactive_group_or_one_whose_registration_ends_first_gets_no_series(any_app, gym, admin):
    club = make_group()
    with pytest.raises(GroupValidityEnds):  # registered until 31 March 2027
        services.preview_series(
            request(
                gym, group_id=club.id, first_date=date(2027, 4, 5), last_date=date(2027, 6, 28)
            ),
            now=NOW,
        )
    services.suspend_group(SYSTEM, group_id=club.id, reason="会費未納", now=NOW)
    before = counts()
    with pytest.raises(GroupNotActive):
        services.create_series(admin, request(gym, group_id=club.id), now=NOW)
    assert counts() == before


def test_one_date_is_cancelled_alone_with_a_reason_and_audited(any_app, gym, admin):
    series = services.create_series(admin, request(gym, resident_id=make_resident().id), now=NOW)
    third = series.reservations[2]
    with pytest.raises(ReasonRequired):
        services.cancel(admin, reservation_id=third.id, now=NOW)
    services.cancel(admin, reservation_id=third.id, now=NOW, reason="大会のため休み")
    series = services.get_series(series.id)
    statuses = [r.status for r in series.reservations]
    assert statuses.count("cancelled") == 1 and statuses[2] == "cancelled"
    assert series.reservations[2].cancel_reason_kind == "staff"
    assert services.series_position(series.reservations[2]) == (3, 11)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "reservation.cancel", AuditEntry.reservation_id == third.id
        )
    )
    assert entry.reason == "大会のため休み" and entry.after["series"] == series.id


def test_the_rest_of_a_series_is_cancelled_from_a_date(any_app, gym, admin):
    series = services.create_series(admin, request(gym, resident_id=make_resident().id), now=NOW)
    cancelled = services.cancel_series_from(
        admin, series_id=series.id, from_date=date(2027, 3, 1), reason="団体の都合", now=NOW
    )
    assert [r.date for r in cancelled] == [date(2027, 3, d) for d in (1, 8, 15, 29)]
    series = services.get_series(series.id)
    assert series.status == "committed" and series.cancelled_from == date(2027, 3, 1)
    assert counts()["claims"] == (11 - 4) * 2
    whole = services.cancel_series_from(
        admin, series_id=series.id, from_date=date(2027, 1, 4), reason="解散", now=NOW
    )
    assert len(whole) == 7
    assert services.get_series(series.id).status == "cancelled"


def test_a_series_is_extended_within_its_season(any_app, gym, admin):
    resident = make_resident()
    series = services.create_series(
        admin, request(gym, resident_id=resident.id, last_date=date(2027, 1, 25)), now=NOW
    )
    assert len(series.reservations) == 3  # 1/4, 1/18, 1/25 (1/11 成人の日)
    plan = services.preview_extension(series.id, date(2027, 2, 15), now=NOW)
    assert plan.dates == [date(2027, 2, d) for d in (1, 8, 15)]
    services.extend_series(
        admin, series_id=series.id, last_date=date(2027, 2, 15), now=NOW, expected_dates=plan.dates
    )
    series = services.get_series(series.id)
    assert series.last_date == date(2027, 2, 15) and len(series.reservations) == 6
    assert services.series_position(series.reservations[-1]) == (6, 6)
    with pytest.raises(SeriesTooLong):
        services.extend_series(admin, series_id=series.id, last_date=date(2027, 4, 5), now=NOW)
    with pytest.raises(SeriesLastBeforeFirst):
        services.preview_extension(series.id, date(2027, 2, 1), now=NOW)


def test_a_date_taken_after_the_preview_refuses_the_whole_series(any_app, gym, admin):
    resident = make_resident()
    plan = services.preview_series(request(gym, resident_id=resident.id), now=NOW)
    taken = services.book(
        SYSTEM,
        resident_id=make_resident().id,
        unit_id=unit_of(gym, "half-b").id,
        day=date(2027, 2, 8),
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
    )
    before = counts()
    with pytest.raises(SeriesConflict) as refused:
        services.create_series(
            admin, request(gym, resident_id=resident.id), now=NOW, expected_dates=plan.dates
        )
    assert refused.value.params["dates"] == [
        {"date": date(2027, 2, 8), "reason": SkipReason.TAKEN, "number": taken.number}
    ]
    assert counts() == before


def test_two_admins_committing_overlapping_series_at_once_one_wins(any_app, gym):
    """Real concurrent connections: both previewed the same free Mondays; one commits,
    the other is told which dates conflict and books nothing."""
    admins = [services.Actor.staff(make_staff("admin").id) for _ in range(2)]
    people = [make_resident() for _ in range(2)]
    asks = [
        request(gym, unit="whole", resident_id=people[0].id),
        request(gym, unit="half-a", resident_id=people[1].id, first_date=date(2027, 2, 1)),
    ]
    plans = [services.preview_series(ask, now=NOW) for ask in asks]
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def worker(index: int) -> None:
        with any_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[index] = services.create_series(
                    admins[index], asks[index], now=NOW, expected_dates=plans[index].dates
                )
            except Exception as error:  # noqa: BLE001 - inspected below
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    won = [o for o in outcomes if isinstance(o, ReservationSeries)]
    lost = [o for o in outcomes if not isinstance(o, ReservationSeries)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], SeriesConflict), outcomes
    conflicting = {d["date"] for d in lost[0].params["dates"]}
    assert conflicting == {d for d in plans[1].dates} & set(plans[0].dates)
    totals = counts()
    assert totals["series"] == 1
    assert totals["reservations"] == len(won[0].reservations)


def test_one_date_is_changed_alone_with_a_reason_and_audited(any_app, gym, admin):
    series = services.create_series(admin, request(gym, resident_id=make_resident().id), now=NOW)
    third = series.reservations[2]
    others = {r.id: (r.date, [b.code for b in r.time_blocks]) for r in series.reservations}
    moved_to = {
        "reservation_id": third.id,
        "unit_id": third.unit_id,
        "day": third.date,
        "block_ids": [block_of(gym, "afternoon").id],
        "now": NOW,
    }
    with pytest.raises(ReasonRequired):
        services.change(admin, **moved_to)
    services.change(admin, reason="夜間は町の行事のため午後に", **moved_to)
    series = services.get_series(series.id)
    changed = next(r for r in series.reservations if r.id == third.id)
    assert (changed.number, changed.series_id) == (third.number, series.id)
    assert changed.status == "confirmed" and changed.payment_due_at is None  # not a hold
    assert [b.code for b in changed.time_blocks] == ["afternoon"]
    assert services.series_position(changed) == (3, 11)
    for reservation in series.reservations:
        if reservation.id != third.id:
            assert others[reservation.id] == (
                reservation.date,
                [b.code for b in reservation.time_blocks],
            )
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "reservation.change", AuditEntry.reservation_id == third.id
        )
    )
    assert entry.reason == "夜間は町の行事のため午後に"
    assert entry.before["blocks"] == ["evening"] and entry.after["blocks"] == ["afternoon"]
    assert entry.after["series"] == series.id
