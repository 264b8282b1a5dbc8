"""The allocation season (利用調整) on both databases: drafts book nothing, the review
names drafts that want the same unit, day and block and the dates existing bookings
hold, the season is committed at once (or not at all), and two admins committing at
the same time on real concurrent connections never book a slot twice."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import (
    Forbidden,
    ReasonRequired,
    SeasonChanged,
    SeasonClosed,
    SeasonEmpty,
    SeasonExists,
    SeriesConflict,
    SeriesLimitReached,
    SeriesOutsideSeason,
    SeriesOverlap,
)
from reservations.models import AuditEntry, Reservation, ReservationSeries, SkipReason, SlotClaim
from tests.factories import (
    SYSTEM,
    at,
    block_of,
    make_facility,
    make_group,
    make_resident,
    make_staff,
    unit_of,
)
from tests.integration.test_series import counts, request

NOW = at(2026, 12, 1, 10)
MONDAY, TUESDAY = 0, 1


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def admin(any_app):
    return services.Actor.staff(make_staff("admin").id)


@pytest.fixture
def season(any_app, admin):
    return services.create_season(admin, name="2026年度", day=date(2026, 4, 1), now=NOW)


def draft(admin, season, ask):
    return services.add_draft(admin, season_id=season.id, request=ask, now=NOW)


def for_someone(gym, **values):
    return request(gym, resident_id=make_resident().id, **values)


def test_a_season_is_one_school_year(any_app, season):
    assert (season.start_date, season.end_date) == (date(2026, 4, 1), date(2027, 3, 31))
    assert season.status == services.SeasonStatus.PREPARING


def test_drafts_book_nothing_until_the_season_is_committed_at_once(any_app, gym, admin, season):
    mondays = draft(admin, season, for_someone(gym))
    tuesdays = draft(admin, season, for_someone(gym, unit="half-a", weekdays=[TUESDAY]))
    assert counts()["reservations"] == counts()["claims"] == 0
    review = services.review_season(season.id, now=NOW)
    assert review.overlaps == [] and review.committable
    planned = {d.series.id: len(d.plan.booked) for d in review.drafts}
    services.commit_season(admin, season_id=season.id, now=NOW, expected=review.expected)
    committed = services.get_season(season.id)
    assert committed.status == services.SeasonStatus.COMMITTED
    for series in (mondays, tuesdays):
        series = services.get_series(series.id)
        assert series.status == services.SeriesStatus.COMMITTED
        assert len(series.reservations) == planned[series.id]
        assert all(r.origin == "series" for r in series.reservations)
    assert counts()["reservations"] == sum(planned.values())
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("season.commit") == 1 and actions.count("series.commit") == 2


def test_the_review_names_drafts_that_want_the_same_unit_day_and_block(any_app, gym, admin, season):
    whole = draft(admin, season, for_someone(gym))
    half_a = draft(admin, season, for_someone(gym, unit="half-a", first_date=date(2027, 3, 1)))
    draft(admin, season, for_someone(gym, unit="half-b", blocks=("morning",)))
    review = services.review_season(season.id, now=NOW)
    assert review.overlaps == [
        {
            "series": [whole.id, half_a.id],
            "dates": [date(2027, 3, 1), date(2027, 3, 8), date(2027, 3, 15), date(2027, 3, 29)],
        }
    ]  # 3/22 is the moved holiday (振替休日): both skip it
    assert not review.committable
    before = counts()
    with pytest.raises(SeriesOverlap) as refused:
        services.commit_season(admin, season_id=season.id, now=NOW)
    assert refused.value.params["overlaps"] == review.overlaps
    assert counts() == before
    with pytest.raises(ReasonRequired):
        services.withdraw_draft(admin, series_id=half_a.id, reason=" ", now=NOW)
    services.withdraw_draft(admin, series_id=half_a.id, reason="利用調整で水曜に", now=NOW)
    review = services.review_season(season.id, now=NOW)
    assert review.committable and half_a.id not in review.expected
    services.commit_season(admin, season_id=season.id, now=NOW, expected=review.expected)
    assert services.get_series(half_a.id).status == services.SeriesStatus.CANCELLED


def test_the_review_shows_the_dates_existing_bookings_hold(any_app, gym, admin, season):
    booking = services.book(
        SYSTEM,
        resident_id=make_resident().id,
        unit_id=unit_of(gym, "half-a").id,
        day=date(2027, 1, 18),
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
    )
    series = draft(admin, season, for_someone(gym))
    (reviewed,) = services.review_season(season.id, now=NOW).drafts
    assert [(s.date, s.reason, s.number) for s in reviewed.taken] == [
        (date(2027, 1, 18), SkipReason.TAKEN, booking.number)
    ]
    services.commit_season(admin, season_id=season.id, now=NOW)
    skipped = {s.date: s for s in services.get_series(series.id).skipped}
    assert skipped[date(2027, 1, 18)].reservation_number == booking.number


def test_a_date_booked_after_the_review_refuses_the_commit(any_app, gym, admin, season):
    series = draft(admin, season, for_someone(gym))
    review = services.review_season(season.id, now=NOW)
    services.book(
        SYSTEM,
        resident_id=make_resident().id,
        unit_id=unit_of(gym, "whole").id,
        day=date(2027, 2, 1),
        block_ids=[block_of(gym, "evening").id],
        now=NOW,
    )
    before = counts()
    with pytest.raises(SeriesConflict) as refused:
        services.commit_season(admin, season_id=season.id, now=NOW, expected=review.expected)
    assert refused.value.params["series"] == series.id
    assert [d["date"] for d in refused.value.params["dates"]] == [date(2027, 2, 1)]
    assert counts() == before
    assert services.get_season(season.id).status == services.SeasonStatus.PREPARING


def test_a_draft_added_after_the_review_is_reviewed_before_the_commit(any_app, gym, admin, season):
    draft(admin, season, for_someone(gym))
    review = services.review_season(season.id, now=NOW)
    added = draft(admin, season, for_someone(gym, weekdays=[TUESDAY]))
    with pytest.raises(SeasonChanged) as refused:
        services.commit_season(admin, season_id=season.id, now=NOW, expected=review.expected)
    assert refused.value.params["added"] == [added.id]
    assert counts()["reservations"] == 0


def test_bad_seasons_and_drafts_are_refused_and_change_nothing(any_app, gym, admin, season):
    with pytest.raises(SeasonExists):
        services.create_season(admin, name="令和8年度", day=date(2027, 3, 1), now=NOW)
    with pytest.raises(SeasonExists):
        services.create_season(admin, name="2026年度", day=date(2027, 4, 1), now=NOW)
    with pytest.raises(SeriesOutsideSeason) as outside:
        draft(
            admin,
            season,
            for_someone(gym, first_date=date(2027, 4, 5), last_date=date(2027, 5, 31)),
        )
    assert outside.value.params["end"] == date(2027, 3, 31)
    with pytest.raises(SeasonEmpty):
        services.commit_season(admin, season_id=season.id, now=NOW)
    clerk = services.Actor.staff(make_staff("clerk").id)
    with pytest.raises(Forbidden):
        services.create_season(clerk, name="2027年度", day=date(2027, 4, 1), now=NOW)
    with pytest.raises(Forbidden):
        draft(clerk, season, for_someone(gym))
    series = draft(admin, season, for_someone(gym))
    with pytest.raises(Forbidden):
        services.commit_season(clerk, season_id=season.id, now=NOW)
    services.commit_season(admin, season_id=season.id, now=NOW)
    before = counts()
    with pytest.raises(SeasonClosed):
        services.commit_season(admin, season_id=season.id, now=NOW)
    with pytest.raises(SeasonClosed):
        draft(admin, season, for_someone(gym, weekdays=[TUESDAY]))
    with pytest.raises(SeasonClosed):
        services.withdraw_draft(admin, series_id=series.id, reason="取り下げ", now=NOW)
    assert counts() == before


def test_drafts_count_towards_the_groups_cap_of_series_in_the_season(any_app, gym, admin, season):
    settings = any_app.extensions["reservations"]
    any_app.extensions["reservations"] = dataclasses.replace(settings, series_max_per_group=1)
    club = make_group()
    first = draft(admin, season, request(gym, group_id=club.id))
    second = request(gym, unit="half-a", blocks=("morning",), group_id=club.id)
    with pytest.raises(SeriesLimitReached):
        draft(admin, season, second)
    with pytest.raises(SeriesLimitReached):
        services.create_series(admin, second, now=NOW)
    services.withdraw_draft(admin, series_id=first.id, reason="別の曜日で申請", now=NOW)
    assert draft(admin, season, second).season_id == season.id


def _at_once(app, *calls) -> list:
    """Run the calls at the same moment, each on its own connection; what each gave
    back or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[index] = calls[index]()
            except Exception as error:  # noqa: BLE001 - inspected by the tests
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _double_booked() -> int:
    """Slots held by two reservations (the claims' UNIQUE forbids it; counted anyway)."""
    db.session.rollback()
    rows = db.session.execute(
        sa.select(SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id)
        .group_by(SlotClaim.part_id, SlotClaim.date, SlotClaim.time_block_id)
        .having(sa.func.count() > 1)
    ).all()
    return len(rows)


def test_two_admins_committing_the_season_at_once_one_commits_the_other_is_told(
    any_app, gym, season
):
    admins = [services.Actor.staff(make_staff("admin").id) for _ in range(2)]
    draft(admins[0], season, for_someone(gym))
    draft(admins[1], season, for_someone(gym, unit="half-a", weekdays=[TUESDAY]))
    review = services.review_season(season.id, now=NOW)
    outcomes = _at_once(
        any_app,
        *[
            lambda who=who: services.commit_season(
                who, season_id=season.id, now=NOW, expected=review.expected
            )
            for who in admins
        ],
    )
    won = [o for o in outcomes if isinstance(o, services.AllocationSeason)]
    told = [o for o in outcomes if isinstance(o, SeasonClosed)]
    assert len(won) == 1 and len(told) == 1, outcomes
    assert told[0].params["season"] == "2026年度"
    assert counts()["reservations"] == sum(len(d.plan.booked) for d in review.drafts)
    assert _double_booked() == 0


def test_a_season_commit_and_an_overlapping_series_at_once_one_wins(any_app, gym, season):
    admins = [services.Actor.staff(make_staff("admin").id) for _ in range(2)]
    drafted = draft(admins[0], season, for_someone(gym))
    review = services.review_season(season.id, now=NOW)
    rival = for_someone(gym, unit="half-b", first_date=date(2027, 2, 1))
    rival_dates = services.preview_series(rival, now=NOW).dates
    outcomes = _at_once(
        any_app,
        lambda: services.commit_season(
            admins[0], season_id=season.id, now=NOW, expected=review.expected
        ),
        lambda: services.create_series(admins[1], rival, now=NOW, expected_dates=rival_dates),
    )
    won = [o for o in outcomes if isinstance(o, services.AllocationSeason | ReservationSeries)]
    lost = [o for o in outcomes if isinstance(o, SeriesConflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    conflicting = {d["date"] for d in lost[0].params["dates"]}
    assert conflicting == set(rival_dates) & set(review.expected[drafted.id])
    assert _double_booked() == 0
    db.session.rollback()
    booked = db.session.scalar(sa.select(sa.func.count()).select_from(Reservation))
    winner = won[0]
    if isinstance(winner, services.AllocationSeason):
        assert booked == len(review.expected[drafted.id])
    else:
        assert booked == len(rival_dates)
        assert services.get_season(season.id).status == services.SeasonStatus.PREPARING
