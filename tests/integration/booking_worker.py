"""A process that books and cancels as fast as it can until it is killed; the fault
tests SIGKILL it in the middle of its transactions.

    python -m tests.integration.booking_worker DATABASE_URL SEED
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta

from sqlalchemy import select

from channels import create_app
from reservations import services
from reservations.db import db
from reservations.errors import ReservationError
from reservations.models import Resident, Staff
from tests.conftest import app_config
from tests.factories import at

NOW = at(2026, 12, 1, 10)
FIRST_DAY = date(2026, 12, 16)


def main(url: str, seed: int) -> None:
    rng = random.Random(seed)
    app = create_app(app_config(url))
    with app.app_context():
        facility = next(f for f in services.list_facilities() if f.code == "gym")
        units = [u.id for u in facility.units]
        blocks = [b.id for b in facility.time_blocks]
        staff = services.Actor.staff(db.session.scalar(select(Staff.id)))
        residents = list(db.session.scalars(select(Resident.id)))
        print("ready", flush=True)
        mine = []
        while True:
            try:
                if mine and rng.random() < 0.3:
                    services.cancel(
                        staff,
                        reservation_id=mine.pop(rng.randrange(len(mine))),
                        now=NOW,
                        reason="fault test",
                    )
                else:
                    first = rng.randrange(len(blocks))
                    reservation = services.book(
                        staff,
                        resident_id=rng.choice(residents),
                        unit_id=rng.choice(units),
                        day=FIRST_DAY + timedelta(days=rng.randrange(5)),
                        block_ids=blocks[first : first + rng.randint(1, 2)],
                        now=NOW,
                    )
                    mine.append(reservation.id)
            except ReservationError:
                pass


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
