"""Real concurrent connections racing for the same blocks, on SQLite and PostgreSQL:
exactly one wins, the others hear SlotTaken, and no partial rows remain."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import LimitReached, ReservationError, SlotTaken
from reservations.models import AuditEntry, Reservation, SlotClaim
from tests.factories import at, block_of, make_category, make_facility, make_resident, unit_of

THREADS = 16
NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


def race(app, attempt: Callable[[int], object]) -> list[object]:
    """Run attempt(i) in THREADS threads, each with its own app context, session and
    database connection, released together by a barrier."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = [None] * THREADS

    def worker(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[index] = attempt(index)
            except Exception as error:  # noqa: BLE001 - every outcome is inspected below
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a booking thread hung"
    return outcomes


def book_attempt(gym, residents, units: Callable[[int], str], blocks=("morning",)):
    unit_ids = {code: unit_of(gym, code).id for code in ("whole", "half-a", "half-b")}
    block_ids = [block_of(gym, code).id for code in blocks]

    def attempt(index: int):
        resident = residents[index]
        return services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=unit_ids[units(index)],
            day=DAY,
            block_ids=block_ids,
            now=NOW,
        )

    return attempt


def split(outcomes):
    won = [o for o in outcomes if isinstance(o, Reservation)]
    lost = [o for o in outcomes if not isinstance(o, Reservation)]
    unexpected = [o for o in lost if not isinstance(o, ReservationError)]
    assert not unexpected, f"errors other than the core's: {unexpected!r}"
    # A clean loss names the contested date; a SlotTaken without it would mean two
    # lock timeouts or deadlocks in a row, which must not happen here.
    vague = [o for o in lost if isinstance(o, SlotTaken) and "date" not in o.params]
    assert not vague, f"lost to lock contention, not to a taken slot: {vague!r}"
    return won, lost


def table_counts():
    db.session.rollback()
    return {
        "reservations": db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)),
        "claims": db.session.scalar(sa.select(sa.func.count()).select_from(SlotClaim)),
        "bookings_audited": db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "reservation.book")
        ),
    }


@pytest.fixture
def gym(any_app):
    return make_facility("gym")


@pytest.fixture
def residents(gym):
    return [make_resident() for _ in range(THREADS)]


def test_sixteen_residents_racing_for_one_block_one_wins(any_app, gym, residents):
    outcomes = race(
        any_app,
        book_attempt(gym, residents, units=lambda i: "whole", blocks=("morning", "afternoon")),
    )
    won, lost = split(outcomes)
    assert len(won) == 1
    assert all(isinstance(o, SlotTaken) for o in lost)
    assert table_counts() == {"reservations": 1, "claims": 4, "bookings_audited": 1}


def test_whole_court_racing_half_a_one_wins(any_app, gym, residents):
    outcomes = race(
        any_app, book_attempt(gym, residents, units=lambda i: "whole" if i % 2 else "half-a")
    )
    won, lost = split(outcomes)
    assert len(won) == 1 and all(isinstance(o, SlotTaken) for o in lost)
    claims = table_counts()["claims"]
    assert claims == (2 if won[0].unit.code == "whole" else 1)


def test_half_a_and_half_b_racing_both_win_once(any_app, gym, residents):
    outcomes = race(
        any_app, book_attempt(gym, residents, units=lambda i: "half-a" if i % 2 else "half-b")
    )
    won, lost = split(outcomes)
    assert sorted(r.unit.code for r in won) == ["half-a", "half-b"]
    assert len(lost) == THREADS - 2 and all(isinstance(o, SlotTaken) for o in lost)
    assert table_counts() == {"reservations": 2, "claims": 2, "bookings_audited": 2}


def test_one_resident_racing_past_their_limit_gets_only_the_limit(any_app):
    gym = make_facility(
        "gym", category=make_category("gyms", max_active=1), units={"court": ("court",)}
    )
    resident = make_resident()
    block_ids = [b.id for b in gym.time_blocks]
    unit_id = unit_of(gym, "court").id

    def attempt(index: int):
        return services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=unit_id,
            day=date(2026, 12, 10 + index // 3),
            block_ids=[block_ids[index % 3]],
            now=NOW,
        )

    won, lost = split(race(any_app, attempt))
    assert len(won) == 1 and all(isinstance(o, LimitReached) for o in lost)


def test_members_of_one_group_racing_past_its_limit_get_only_the_limit(any_app):
    """Sixteen members book different slots for their group at once: the group's row
    is locked (PostgreSQL) or the write lock queues them (SQLite), so the group's cap
    of two holds, and each member's own limit plays no part."""
    from reservations.errors import GroupLimitReached
    from tests.factories import make_group

    gym = make_facility(
        "gym",
        category=make_category("gyms", max_active=1, per_group=2),
        units={"court": ("court",)},
    )
    members = [make_resident() for _ in range(THREADS)]
    club = make_group(members)
    block_ids = [b.id for b in gym.time_blocks]
    unit_id = unit_of(gym, "court").id

    def attempt(index: int):
        member = members[index]
        return services.book(
            services.Actor.resident(member.id, "web"),
            resident_id=member.id,
            group_id=club.id,
            unit_id=unit_id,
            day=date(2026, 12, 10 + index // 3),
            block_ids=[block_ids[index % 3]],
            now=NOW,
        )

    won, lost = split(race(any_app, attempt))
    assert len(won) == 2 and all(isinstance(o, GroupLimitReached) for o in lost)
    assert {r.group_id for r in won} == {club.id}
    assert table_counts()["reservations"] == 2
