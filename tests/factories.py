"""Plain factory functions for tests: a facility shaped like the town gym, residents,
staff. Facilities are written directly (there is no service for building them);
people go through the services so that hashing and auditing are the real ones."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from reservations import services
from reservations.db import db, write_transaction
from reservations.models import (
    ExemptionCategory,
    Facility,
    FacilityCategory,
    Fee,
    Part,
    TimeBlock,
    Unit,
)

TOKYO = ZoneInfo("Asia/Tokyo")
SYSTEM = services.Actor.system()

GYM_UNITS = {"whole": ("A", "B"), "half-a": ("A",), "half-b": ("B",)}
DAY_BLOCKS = [
    ("morning", time(9), time(12)),
    ("afternoon", time(13), time(17)),
    ("evening", time(18), time(21)),
]


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A moment in the town's time zone."""
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


def make_category(code: str = "gym", max_active: int = 4, per_group: int = 8) -> FacilityCategory:
    with write_transaction():
        category = FacilityCategory(
            code=code,
            name=code,
            name_en=code,
            max_active_per_resident=max_active,
            max_active_per_group=per_group,
        )
        db.session.add(category)
    return category


def make_facility(
    code: str = "gym",
    *,
    category: FacilityCategory | None = None,
    units: dict[str, tuple[str, ...]] = GYM_UNITS,
    blocks: list = DAY_BLOCKS,
    resident_yen: int = 1000,
    nonresident_yen: int = 2000,
    **options,
) -> Facility:
    """A facility whose units are made of parts; every block costs the same."""
    category = category or make_category(f"{code}-category")
    options.setdefault("closed_weekdays", "")
    with write_transaction():
        facility = Facility(
            code=code,
            category_id=category.id,
            name=f"{code} 施設",
            name_en=f"{code} facility",
            yomi=code,
            **options,
        )
        db.session.add(facility)
        part_codes = sorted({c for unit_parts in units.values() for c in unit_parts})
        parts = {c: Part(facility=facility, code=c) for c in part_codes}
        db.session.add_all(parts.values())
        time_blocks = []
        for position, spec in enumerate(blocks):
            block_code, start, end, *days = spec
            weekdays, on_holidays = days if days else ("0123456", True)
            time_blocks.append(
                TimeBlock(
                    facility=facility,
                    code=block_code,
                    position=position,
                    name=block_code,
                    name_en=block_code,
                    start_time=start,
                    end_time=end,
                    weekdays=weekdays,
                    on_holidays=on_holidays,
                )
            )
        db.session.add_all(time_blocks)
        for position, (unit_code, part_codes) in enumerate(units.items()):
            unit = Unit(
                facility=facility,
                code=unit_code,
                position=position,
                name=unit_code,
                name_en=unit_code,
                yomi=unit_code,
                parts=[parts[c] for c in sorted(set(part_codes))],
            )
            db.session.add(unit)
            for block in time_blocks:
                db.session.add(
                    Fee(
                        unit=unit,
                        time_block=block,
                        resident_yen=resident_yen,
                        nonresident_yen=nonresident_yen,
                    )
                )
    return next(f for f in services.list_facilities() if f.code == code)


def unit_of(facility: Facility, code: str) -> Unit:
    return next(unit for unit in facility.units if unit.code == code)


def block_of(facility: Facility, code: str) -> TimeBlock:
    return next(block for block in facility.time_blocks if block.code == code)


def make_exemption(code: str = "youth_club", percent: int = 100) -> ExemptionCategory:
    with write_transaction():
        exemption = ExemptionCategory(code=code, name=code, name_en=code, percent=percent)
        db.session.add(exemption)
    return exemption


_counter = iter(range(1, 10**9))
_KANA_DIGITS = "わいにさしごろなはく"  # 0-9, so that a reading stays kana


def kana_number(n: int) -> str:
    """`n` written in kana (12 is いに): readings must be kana, and unique in tests."""
    return "".join(_KANA_DIGITS[int(d)] for d in str(n))


def make_resident(
    name: str | None = None,
    *,
    kana: str | None = None,
    phone: str | None = None,
    is_resident: bool = True,
    exemption_code: str | None = None,
    pin: str = "2580",
    now: datetime | None = None,
):
    n = next(_counter)
    resident, _ = services.register_resident(
        SYSTEM,
        name=name or f"住民 {n}",
        name_kana=kana or f"じゅうみん {kana_number(n)}",
        phone=phone,
        district="本町",
        is_resident=is_resident,
        exemption_code=exemption_code,
        pin=pin,
        now=now or at(2026, 11, 1, 10),
        allow_duplicate=True,
    )
    return resident


def make_staff(role: str = "clerk", username: str | None = None, password: str = "correct-horse-1"):
    return services.create_staff(
        SYSTEM,
        username=username or f"{role}{next(_counter)}",
        display_name=f"{role} 職員",
        password=password,
        role=role,
        now=at(2026, 11, 1, 9),
    )


def make_group(
    members: list | None = None,
    *,
    name: str | None = None,
    kana: str | None = None,
    purpose: str = "sport",
    category_code: str | None = None,
    evidence: str | None = None,
    evidence_valid_until=None,
    declared: int | None = None,
    resident_members: int | None = None,
    now: datetime | None = None,
    allow_overlap: bool = False,
):
    """A group of `members` (five new residents when none are given): the first is its
    representative, the second its contact."""
    n = next(_counter)
    members = members if members is not None else [make_resident() for _ in range(5)]
    declared = len(members) if declared is None else declared
    return services.register_group(
        SYSTEM,
        name=name or f"団体 {n}",
        name_kana=kana or f"だんたい {kana_number(n)}",
        purpose=purpose,
        representative=members[0].registration_no,
        contact=members[1].registration_no if len(members) > 1 else None,
        members=[m.registration_no for m in members[2:]],
        declared_members=declared,
        resident_members=declared if resident_members is None else resident_members,
        category_code=category_code,
        evidence=evidence,
        evidence_valid_until=evidence_valid_until,
        now=now or at(2026, 11, 1, 10),
        allow_overlap=allow_overlap,
    )
