"""The town the benchmarks book in: the demo town, plus many single-room facilities
(a category with a high per-resident limit) and many residents with one known PIN."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa

from reservations import services
from reservations.db import db, write_transaction
from reservations.models import Facility, FacilityCategory, Fee, Part, Resident, TimeBlock, Unit
from reservations.settings import get_settings
from reservations.text import luhn_check_digit, search_key

PIN = "2580"


def add_rooms(count: int, max_active: int = 10_000) -> None:
    """`count` rooms with three blocks each, in a category of their own."""
    with write_transaction():
        category = FacilityCategory(
            code="bench-rooms",
            name="ベンチ用の部屋",
            name_en="Bench rooms",
            max_active_per_resident=max_active,
        )
        db.session.add(category)
        for index in range(count):
            facility = Facility(
                code=f"room-{index}",
                category=category,
                name=f"部屋{index}",
                name_en=f"Room {index}",
                yomi=f"へや{index}",
                closed_weekdays="",
                year_end_closure=False,
                position=100 + index,
            )
            part = Part(facility=facility, code="room")
            unit = Unit(
                facility=facility,
                code="room",
                name="部屋",
                name_en="Room",
                yomi="へや",
                parts=[part],
            )
            db.session.add_all([facility, part, unit])
            for position, (start, end) in enumerate([(9, 12), (13, 17), (18, 21)]):
                block = TimeBlock(
                    facility=facility,
                    code=f"b{position}",
                    position=position,
                    name=f"b{position}",
                    name_en=f"b{position}",
                    start_time=time(start),
                    end_time=time(end),
                )
                db.session.add_all(
                    [
                        block,
                        Fee(unit=unit, time_block=block, resident_yen=500, nonresident_yen=1000),
                    ]
                )


def registration_no(index: int) -> str:
    body = f"9{index:04d}"
    return body + luhn_check_digit(body)


def add_residents(count: int, now: datetime) -> list[str]:
    """Up to 10,000 residents, all with PIN 2580; returns their registration numbers."""
    pin_hash = get_settings().hasher.hash(PIN)
    taken = set(db.session.scalars(sa.select(Resident.registration_no)))
    candidates = (registration_no(i) for i in range(10_000))
    numbers = [number for number in candidates if number not in taken][:count]
    with write_transaction():
        db.session.execute(
            sa.insert(Resident),
            [
                dict(
                    registration_no=number,
                    name=f"住民{i}",
                    name_kana=f"じゅうみん{i}",
                    name_key=search_key(f"住民{i}"),
                    kana_key=search_key(f"じゅうみん{i}"),
                    phone_e164=None,
                    phone_is_mobile=False,
                    district="本町",
                    is_resident=True,
                    pin_hash=pin_hash,
                    failed_pin_attempts=0,
                    created_at=now,
                )
                for i, number in enumerate(numbers)
            ],
        )
    return numbers


def room_slots() -> list[tuple[int, list[int]]]:
    """(unit id, block ids) of every bench room."""
    return [
        (facility.units[0].id, [b.id for b in facility.time_blocks])
        for facility in services.list_facilities()
        if facility.code.startswith("room-")
    ]
