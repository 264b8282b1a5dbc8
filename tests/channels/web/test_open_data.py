"""Open data through the test client: the facility list has the 公共施設一覧 columns in
their order, occupancy suppresses months with few bookings, availability follows its
JSON Schema (the README's), every file has Cache-Control and an ETag, and nothing in
them names a person."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from reservations import services
from tests.channels.web.conftest import NOW

# The Digital Agency's 公共施設一覧 columns, in order.
PUBLIC_FACILITIES = [
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ",
    "名称_通称", "POIコード", "住所", "方書", "緯度", "経度", "電話番号", "内線番号",
    "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項",
    "説明", "バリアフリー情報", "URL", "備考",
]  # fmt: skip


@pytest.fixture
def client(app, town):
    return app.test_client()


def rows_of(response):
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def readme_schema() -> dict:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"availability\.json schema.*?```json\n(.*?)```", readme, re.S)
    assert block, "the README has the JSON Schema of availability.json"
    return json.loads(block.group(1))


def test_the_facility_list_has_the_columns_in_order(client):
    response = client.get("/open-data/facilities.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = rows_of(response)
    assert rows[0] == PUBLIC_FACILITIES
    assert len(rows) == 1 + len(services.list_facilities())
    gym = next(row for row in rows[1:] if row[4] == "町民体育館")
    assert gym[5] == "チョウミンタイイクカン" and gym[16].startswith("火")


def test_every_file_has_cache_control_and_an_etag(client):
    for path in ("facilities.csv", "occupancy.csv", "availability.json"):
        response = client.get(f"/open-data/{path}")
        assert response.status_code == 200
        assert "max-age" in response.headers["Cache-Control"]
        tag = response.headers["ETag"]
        again = client.get(f"/open-data/{path}", headers={"If-None-Match": tag})
        assert again.status_code == 304 and not again.data


def test_occupancy_suppresses_months_with_few_bookings(client, town):
    hana = services.find_residents(town.residents[0].registration_no)[0]
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    services.book(
        services.Actor.resident(hana.id, "web"),
        resident_id=hana.id,
        unit_id=gym.units[0].id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=NOW,
    )
    rows = rows_of(client.get("/open-data/occupancy.csv"))
    assert rows[0] == [
        "施設ID",
        "施設名",
        "年月",
        "予約件数",
        "予約されたコマ数",
        "予約可能なコマ数",
        "稼働率",
    ]
    december = next(r for r in rows if r[0] == "town-gym" and r[2] == "2026-12")
    assert december[3:5] == ["", ""] and december[6] == ""  # one booking: suppressed
    assert int(december[5]) > 0


def test_availability_follows_its_schema_and_names_nobody(client, town):
    response = client.get("/open-data/availability.json")
    assert response.mimetype == "application/json"
    body = response.get_json()
    jsonschema.validate(body, readme_schema())
    assert len(body["units"][0]["days"]) == 60
    text = response.data.decode("utf-8")
    for line in town.residents:
        assert line.registration_no not in text and line.name not in text
