"""Open data (/open-data/...): the facility list as 公共施設一覧 CSV, monthly occupancy
per facility as CSV, and the next 60 days' availability per unit as JSON, each with
Cache-Control and an ETag (a repeated request with If-None-Match gets 304). No
personal data; small counts are suppressed by the core."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from flask import Response, current_app, request

from reservations import services

from ..csv_export import csv_lines
from .views import bp

MAX_AGE = 300  # seconds a cache may keep a file


def _answer(body: str, mimetype: str) -> Response:
    tag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    response = Response(body, mimetype=mimetype)
    response.set_etag(tag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def _months_back(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, 1)


@bp.get("/open-data/facilities.csv")
def open_data_facilities():
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    rows = [services.FACILITY_COLUMNS, *services.facility_rows(base_url=base)]
    return _answer("".join(csv_lines(rows)), "text/csv")


@bp.get("/open-data/occupancy.csv")
def open_data_occupancy():
    """The last twelve full months and this one."""
    today = services.clock_now().date()
    lines = services.monthly_occupancy(_months_back(today, 12), today)
    rows = [
        ("施設ID", "施設名", "年月", "予約件数", "予約されたコマ数", "予約可能なコマ数", "稼働率")
    ]
    rows += [
        (
            line.facility.code,
            line.facility.name,
            line.month.strftime("%Y-%m"),
            "" if line.bookings is None else line.bookings,
            "" if line.booked is None else line.booked,
            line.bookable,
            "" if line.percent is None else f"{line.percent:.1f}",
        )
        for line in lines
    ]
    return _answer("".join(csv_lines(rows)), "text/csv")


@bp.get("/open-data/availability.json")
def open_data_availability():
    now = services.clock_now()
    body = {
        "from": now.date().isoformat(),
        "days": 60,
        "units": services.availability_days(now),
    }
    return _answer(json.dumps(body, ensure_ascii=False, sort_keys=True), "application/json")
