"""Open data (オープンデータ): the facility list in the Digital Agency's format for
公共施設一覧, monthly occupancy per facility, and the next days' availability per unit.
Nothing about a person: only facilities, counts and free or taken blocks, and a count
resting on fewer bookings than `open_data_min_count` is suppressed (None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, select

from .. import rules
from ..db import db
from ..models import ACTIVE_STATUSES, Facility, Reservation, ReservationOrigin, Unit
from ..settings import get_settings
from .availability import availability
from .catalog import list_facilities
from .statistics import Period, _parts_in_scope, check_period
from .statistics_occupancy import custom_plans, occupancy

# 公共施設一覧 (推奨データセット / 自治体標準オープンデータセット): its columns, in order.
FACILITY_COLUMNS = (
    "都道府県コード又は市区町村コード",
    "NO",
    "都道府県名",
    "市区町村名",
    "名称",
    "名称_カナ",
    "名称_通称",
    "POIコード",
    "住所",
    "方書",
    "緯度",
    "経度",
    "電話番号",
    "内線番号",
    "法人番号",
    "団体名",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能日時特記事項",
    "説明",
    "バリアフリー情報",
    "URL",
    "備考",
)

WEEKDAY_NAMES = "月火水木金土日"
AVAILABILITY_DAYS = 60


def _katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text).replace(" ", "")


def _barrier_free(facility: Facility) -> str:
    notes = []
    if facility.step_free:
        notes.append("段差なし")
    if facility.accessible_toilet:
        notes.append("多機能トイレあり")
    if facility.parking:
        notes.append("駐車場あり")
    if facility.access_note:
        notes.append(facility.access_note)
    return "、".join(notes)


def facility_rows(*, base_url: str) -> list[list[str]]:
    """One row per facility, FACILITY_COLUMNS in order."""
    settings = get_settings()
    counter = settings.counter
    rows = []
    for number, facility in enumerate(list_facilities(), start=1):
        blocks = facility.time_blocks
        open_days = ",".join(
            WEEKDAY_NAMES[d] for d in range(7) if str(d) not in (facility.closed_weekdays or "")
        )
        rows.append(
            [
                settings.town_code,
                str(number),
                settings.prefecture,
                counter.town_name,
                facility.name,
                _katakana(facility.yomi),
                "",
                "",
                facility.address,
                "",
                "",
                "",
                counter.phone,
                "",
                "",
                "",
                open_days,
                min(b.start_time for b in blocks).strftime("%H:%M") if blocks else "",
                max(b.end_time for b in blocks).strftime("%H:%M") if blocks else "",
                facility.hours or "",
                facility.purpose,
                _barrier_free(facility),
                f"{base_url.rstrip('/')}/facilities/{facility.id}",
                "",
            ]
        )
    return rows


@dataclass(frozen=True)
class MonthlyOccupancy:
    facility: Facility
    month: date
    bookings: int | None  # None: suppressed (fewer than the minimum)
    booked: int | None  # part-blocks
    bookable: int
    percent: float | None


def monthly_occupancy(first_month: date, last_month: date) -> list[MonthlyOccupancy]:
    """Each facility's occupancy per month, `first_month` to the end of `last_month`;
    a month with fewer bookings than the minimum shows only what could be booked."""
    end = (last_month.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    period = Period(start=first_month.replace(day=1), end=end)
    facilities = check_period(period)
    custom_plans()
    minimum = get_settings().open_data_min_count
    year, month = extract("year", Reservation.date), extract("month", Reservation.date)
    counts: dict[tuple[int, date], int] = {
        (facility_id, date(int(y), int(m), 1)): count
        for facility_id, y, m, count in db.session.execute(
            select(Unit.facility_id, year, month, func.count())
            .join(Unit, Unit.id == Reservation.unit_id)
            .where(
                Reservation.date >= period.start,
                Reservation.date <= period.end,
                Reservation.origin != ReservationOrigin.BLOCK,
                Reservation.status.in_(ACTIVE_STATUSES),
            )
            .group_by(Unit.facility_id, year, month)
        )
    }
    found = occupancy(facilities, _parts_in_scope(facilities, period), period, per_facility=True)
    lines = []
    for facility in facilities:
        months = sorted(
            ((m, s) for (f, m), s in found.by_facility_month.items() if f == facility.id),
            key=lambda item: item[0],
        )
        for first, share in months:
            bookings = counts.get((facility.id, first), 0)
            shown = bookings >= minimum
            lines.append(
                MonthlyOccupancy(
                    facility,
                    first,
                    bookings if shown else None,
                    share.part if shown else None,
                    share.whole,
                    share.percent if shown else None,
                )
            )
    return lines


def availability_days(now: datetime, days: int = AVAILABILITY_DAYS) -> list[dict]:
    """Each unit's next `days` days: per day whether it is closed, and each block's
    times and whether it is free (a resident's view, without anyone's name)."""
    today = now.astimezone(get_settings().timezone).date()
    end = today + timedelta(days=days - 1)
    units = []
    for facility in list_facilities():
        for unit in facility.units:
            calendar = availability(unit.id, today, end, now=now)
            units.append(
                {
                    "facility": facility.code,
                    "facility_name": facility.name,
                    "unit": unit.code,
                    "unit_name": unit.name,
                    "days": [
                        {
                            "date": day.date.isoformat(),
                            "closed": day.closed is not None,
                            "blocks": [
                                {
                                    "block": cell.block.code,
                                    "start": cell.block.start_time.strftime("%H:%M"),
                                    "end": cell.block.end_time.strftime("%H:%M"),
                                    "free": cell.status == rules.BlockStatus.FREE,
                                    "status": str(cell.status),
                                }
                                for cell in day.blocks
                            ],
                        }
                        for day in calendar
                    ],
                }
            )
    return units
