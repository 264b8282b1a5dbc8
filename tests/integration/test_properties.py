"""Property-based: random sequences of book, change and cancel by several residents on
units made of shared parts never leave two active reservations on one part, date and
block; the outcome of every step is the one a simple model predicts; and the audit
trail always replays to the current state."""

from __future__ import annotations

from datetime import date, time

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from channels import create_app
from reservations import services
from reservations.db import db
from reservations.errors import (
    AlreadyCancelled,
    LimitReached,
    ReservationError,
    SlotTaken,
)
from reservations.models import AuditEntry, Reservation, SlotClaim
from tests.conftest import app_config, fresh_sqlite_url, truncate_all
from tests.factories import at, make_category, make_facility, make_resident, make_staff, unit_of

NOW = at(2026, 12, 1, 10)
DAYS = [date(2026, 12, 16), date(2026, 12, 17)]
UNITS = {"whole": ("A", "B"), "half-a": ("A",), "half-b": ("B",), "room": ("R",)}
BLOCKS = [("b1", time(9), time(11)), ("b2", time(11), time(13)), ("b3", time(13), time(15))]
MAX_ACTIVE = 3
RESIDENTS = 3


def replay(entries: list[AuditEntry]) -> dict[str, dict]:
    """The reservations' state rebuilt from the audit trail alone."""
    state: dict[str, dict] = {}
    for entry in entries:
        if not entry.action.startswith("reservation."):
            continue
        number = entry.after["number"]
        if entry.action == "reservation.book":
            assert number not in state and entry.before is None
        else:
            assert state[number] == entry.before, f"{entry.action} does not follow on"
        state[number] = entry.after
    return state


class Bookings(RuleBasedStateMachine):
    """Subclassed per database with `new_app` set."""

    new_app = None

    def __init__(self) -> None:
        super().__init__()
        self.app, self.cleanup = self.new_app()
        self.context = self.app.app_context()
        self.context.push()

    @initialize()
    def town(self) -> None:
        facility = make_facility(
            "hall",
            category=make_category("c", max_active=MAX_ACTIVE),
            units=UNITS,
            blocks=BLOCKS,
            max_blocks_per_reservation=3,
        )
        self.units = {code: unit_of(facility, code) for code in UNITS}
        self.blocks = [block.id for block in facility.time_blocks]
        self.residents = [make_resident() for _ in range(RESIDENTS)]
        self.staff = make_staff("clerk")
        # The model: who holds each (part, day, block) and what each reservation holds.
        self.held: dict[tuple[str, date, int], str] = {}
        self.active: dict[str, tuple[int, set[tuple[str, date, int]]]] = {}
        self.numbers: list[tuple[str, int]] = []

    def teardown(self) -> None:
        db.session.remove()
        self.context.pop()
        self.cleanup()

    def _slots(self, unit: str, day: date, first: int, count: int) -> set:
        return {
            (part, day, block)
            for part in UNITS[unit]
            for block in self.blocks[first : first + count]
        }

    def _expect(self, resident_index: int, slots: set, exclude: str | None = None):
        mine = [n for n, (r, _) in self.active.items() if r == resident_index and n != exclude]
        if len(mine) >= MAX_ACTIVE:
            return LimitReached
        if any(self.held.get(slot, exclude) != exclude for slot in slots):
            return SlotTaken
        return None

    @rule(
        resident=st.integers(0, RESIDENTS - 1),
        unit=st.sampled_from(sorted(UNITS)),
        day=st.sampled_from(DAYS),
        first=st.integers(0, 2),
        count=st.integers(1, 3),
    )
    def book(self, resident, unit, day, first, count):
        count = min(count, len(BLOCKS) - first)
        slots = self._slots(unit, day, first, count)
        expected = self._expect(resident, slots)
        person = self.residents[resident]
        try:
            reservation = services.book(
                services.Actor.resident(person.id, "web"),
                resident_id=person.id,
                unit_id=self.units[unit].id,
                day=day,
                block_ids=self.blocks[first : first + count],
                now=NOW,
            )
        except ReservationError as error:
            event(f"book: {error.code}")
            assert expected is not None and isinstance(error, expected), (expected, error)
            return
        event("book: booked")
        assert expected is None, f"booked although the model expected {expected.__name__}"
        self.active[reservation.number] = (resident, slots)
        self.numbers.append((reservation.number, reservation.id))
        for slot in slots:
            self.held[slot] = reservation.number

    @rule(pick=st.integers(0, 10**6), by_staff=st.booleans())
    def cancel(self, pick, by_staff):
        if not self.numbers:
            return
        number, reservation_id = self.numbers[pick % len(self.numbers)]
        owner = db.session.get(Reservation, reservation_id).resident_id
        actor = (
            services.Actor.staff(self.staff.id)
            if by_staff
            else services.Actor.resident(owner, "web")
        )
        try:
            services.cancel(
                actor,
                reservation_id=reservation_id,
                now=NOW,
                reason="電話で取消" if by_staff else None,
            )
        except AlreadyCancelled:
            assert number not in self.active
            return
        _, slots = self.active.pop(number)
        for slot in slots:
            del self.held[slot]

    @rule(
        pick=st.integers(0, 10**6),
        unit=st.sampled_from(sorted(UNITS)),
        day=st.sampled_from(DAYS),
        first=st.integers(0, 2),
    )
    def change(self, pick, unit, day, first):
        if not self.active:
            return
        number = sorted(self.active)[pick % len(self.active)]
        resident, old_slots = self.active[number]
        reservation_id = dict(self.numbers)[number]
        slots = self._slots(unit, day, first, 1)
        expected = self._expect(resident, slots, exclude=number)
        try:
            services.change(
                services.Actor.resident(self.residents[resident].id, "web"),
                reservation_id=reservation_id,
                unit_id=self.units[unit].id,
                day=day,
                block_ids=[self.blocks[first]],
                now=NOW,
            )
        except ReservationError as error:
            assert expected is not None and isinstance(error, expected), (expected, error)
            return
        assert expected is None
        for slot in old_slots:
            del self.held[slot]
        for slot in slots:
            self.held[slot] = number
        self.active[number] = (resident, slots)

    @invariant()
    def no_slot_is_held_twice_and_claims_match_the_model(self):
        if not hasattr(self, "held"):
            return
        db.session.rollback()
        rows = db.session.execute(
            sa.select(
                SlotClaim.part_id,
                SlotClaim.date,
                SlotClaim.time_block_id,
                Reservation.number,
                Reservation.status,
            ).join(Reservation, Reservation.id == SlotClaim.reservation_id)
        ).all()
        keys = [(part, day, block) for part, day, block, _, _ in rows]
        assert len(keys) == len(set(keys)), "two claims on one part, date and block"
        assert all(status in ("held", "confirmed") for *_, status in rows)
        part_codes = {part.id: part.code for unit in self.units.values() for part in unit.parts}
        claimed = {(part_codes[p], d, b): number for p, d, b, number, _ in rows}
        assert claimed == self.held

    @invariant()
    def audit_trail_replays_to_the_current_state(self):
        if not hasattr(self, "held"):
            return
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        reservations = db.session.scalars(sa.select(Reservation)).all()
        assert replay(entries) == {r.number: services.reservation_snapshot(r) for r in reservations}


def _run(machine_class, examples: int) -> None:
    machine_class.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine_class.TestCase().runTest()


def test_random_bookings_on_sqlite(sqlite_template, tmp_path):
    def new_app():
        app = create_app(app_config(fresh_sqlite_url(sqlite_template, tmp_path)))
        return app, lambda: None

    _run(type("SQLiteBookings", (Bookings,), {"new_app": staticmethod(new_app)}), examples=40)


@pytest.mark.postgres
def test_random_bookings_on_postgresql(postgres_url):
    def new_app():
        app = create_app(app_config(postgres_url))

        def cleanup():
            with app.app_context():
                truncate_all(db.engine)
                db.engine.dispose()

        return app, cleanup

    _run(type("PostgresBookings", (Bookings,), {"new_app": staticmethod(new_app)}), examples=15)
