"""A realistic small-town education division, for demos and manual testing
(``flask --app channels seed-demo``), the benchmarks and the tests.

It lives beside the command that seeds it, outside the core that ships the rules. The
town's facilities go straight into the catalog's tables (there is no service for
adding a facility); residents and staff are registered through the services.

`seed` is idempotent: facilities are matched by code, residents by name and kana,
groups by name, staff by username; what exists is left as it is.

Groups are real groups (団体) with rosters of demo residents: a youth sports club with
a full exemption, a seniors' club with half fee and a volleyball circle. (Earlier demo
towns entered the two clubs as "residents" with one shared PIN; they are gone.)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from reservations import services
from reservations.db import db, write_transaction
from reservations.models import (
    ExemptionCategory,
    Facility,
    FacilityCategory,
    Fee,
    Part,
    Resident,
    Staff,
    TimeBlock,
    Unit,
)
from reservations.text import search_key

CATEGORIES = [
    # code, name, name_en, max active reservations per resident
    ("gym", "体育館", "Gyms", 4),
    ("room", "公民館の部屋", "Community-hall rooms", 6),
    ("ground", "グラウンド", "Sports ground", 2),
    ("tennis", "テニスコート", "Tennis courts", 4),
]

EXEMPTIONS = [
    # code, name, name_en, percent waived, the group purposes it covers ("": all)
    (
        "youth_club",
        "スポーツ少年団・子ども会（全額免除）",
        "Youth sports clubs (fully exempt)",
        100,
        "sport,culture,learning,children",
    ),
    ("seniors", "老人クラブ（半額）", "Seniors' clubs (half fee)", 50, ""),
    (
        "disability",
        "障害のある方の団体（半額）",
        "Groups of people with disabilities (half fee)",
        50,
        "",
    ),
    (
        "town_event",
        "町・教育委員会の共催事業（全額免除）",
        "Co-hosted by the town (fully exempt)",
        100,
        "",
    ),
]

DAY_BLOCKS = [
    ("morning", "午前", "Morning", time(9), time(12)),
    ("afternoon", "午後", "Afternoon", time(13), time(17)),
    ("evening", "夜間", "Evening", time(18), time(21)),
]


@dataclass
class FacilitySpec:
    code: str
    category: str
    name: str
    name_en: str
    yomi: str
    purpose: str
    purpose_en: str
    capacity: int
    access: tuple[bool, bool, bool]  # step-free, parking, accessible toilet
    access_note: str
    access_note_en: str
    parts: list[str]
    # code, name, name_en, yomi, parts, resident yen per block, non-resident yen per block
    units: list[tuple[str, str, str, str, list[str], int, int]]
    # code, name, name_en, start, end, weekdays, on holidays
    blocks: list[tuple[str, str, str, time, time, str, bool]]
    options: dict = field(default_factory=dict)


def _day_blocks(weekdays: str = "0123456") -> list:
    return [(c, n, e, s, t, weekdays, True) for c, n, e, s, t in DAY_BLOCKS]


FACILITIES = [
    FacilitySpec(
        code="town-gym",
        category="gym",
        name="町民体育館",
        name_en="Town Gymnasium",
        yomi="ちょうみん たいいくかん",
        purpose="バレーボール、バスケットボール、バドミントン、卓球など",
        purpose_en="Volleyball, basketball, badminton, table tennis and more",
        capacity=200,
        access=(True, True, True),
        access_note="正面入口にスロープ、車いす用トイレ1か所、障害者用駐車区画2台",
        access_note_en="Ramp at the main entrance, one wheelchair-accessible toilet, two disabled parking spaces",
        parts=["A", "B"],
        units=[
            ("whole", "全面", "Whole court", "ぜんめん", ["A", "B"], 1500, 3000),
            (
                "half-a",
                "半面A（ステージ側）",
                "Half A (stage side)",
                "ステージがわの はんめん",
                ["A"],
                800,
                1600,
            ),
            (
                "half-b",
                "半面B（入口側）",
                "Half B (entrance side)",
                "いりぐちがわの はんめん",
                ["B"],
                800,
                1600,
            ),
        ],
        blocks=_day_blocks(),
        options=dict(closed_weekdays="0", closed_day_moves_after_holiday=True),
    ),
    FacilitySpec(
        code="community-hall",
        category="room",
        name="中央公民館",
        name_en="Central Community Hall",
        yomi="ちゅうおう こうみんかん",
        purpose="会議、習い事、サークル活動、料理教室",
        purpose_en="Meetings, lessons, club activities, cooking classes",
        capacity=40,
        access=(True, True, True),
        access_note="エレベーターあり（2階の和室・調理室へ）、車いす用トイレ各階",
        access_note_en="Lift to the first-floor Japanese-style room and kitchen; accessible toilet on each floor",
        parts=["meeting", "washitsu", "cooking"],
        units=[
            (
                "meeting",
                "会議室（1階・30人）",
                "Meeting room (ground floor, 30 people)",
                "かいぎしつ",
                ["meeting"],
                500,
                1000,
            ),
            (
                "washitsu",
                "和室（2階・20人）",
                "Japanese-style room (first floor, 20 people)",
                "わしつ",
                ["washitsu"],
                400,
                800,
            ),
            (
                "cooking",
                "調理室（2階・24人）",
                "Cooking room (first floor, 24 people)",
                "ちょうりしつ",
                ["cooking"],
                600,
                1200,
            ),
        ],
        blocks=_day_blocks(),
        options=dict(closed_weekdays="0", closed_day_moves_after_holiday=True),
    ),
    FacilitySpec(
        code="school-gym",
        category="gym",
        name="第一小学校体育館（学校開放）",
        name_en="Daiichi Elementary School Gym (open to residents)",
        yomi="だいいち しょうがっこう たいいくかん",
        purpose="平日の夜間と土日祝日に町民へ開放しています",
        purpose_en="Open to residents on weekday evenings, weekends and holidays",
        capacity=100,
        access=(False, True, False),
        access_note="入口に段差が2段あります。車いすの方は事前にご相談ください",
        access_note_en="Two steps at the entrance; please ask us in advance if you use a wheelchair",
        parts=["court"],
        units=[("court", "全面", "Whole court", "ぜんめん", ["court"], 600, 1200)],
        blocks=[
            ("morning", "午前", "Morning", time(9), time(12), "56", True),
            ("afternoon", "午後", "Afternoon", time(13), time(17), "56", True),
            ("evening", "夜間", "Evening", time(18), time(21), "0123456", True),
        ],
        # The school's keybox: each booking gets a code on its slip (鍵箱の暗証番号).
        options=dict(cancel_days_before=2, uses_access_code=True),
    ),
    FacilitySpec(
        code="sports-ground",
        category="ground",
        name="町営グラウンド",
        name_en="Town Sports Ground",
        yomi="ちょうえい グラウンド",
        purpose="野球、ソフトボール、サッカー、グラウンドゴルフ",
        purpose_en="Baseball, softball, football, ground golf",
        capacity=300,
        access=(True, True, True),
        access_note="管理棟に車いす用トイレ。夜間照明はありません",
        access_note_en="Accessible toilet in the clubhouse; no floodlights",
        parts=["field"],
        units=[("field", "全面", "Whole ground", "ぜんめん", ["field"], 1000, 2000)],
        blocks=[
            ("morning", "午前", "Morning", time(8), time(12), "0123456", True),
            ("afternoon", "午後", "Afternoon", time(13), time(17), "0123456", True),
        ],
        options=dict(closed_weekdays="1", max_blocks_per_reservation=2),
    ),
    FacilitySpec(
        code="tennis",
        category="tennis",
        name="町営テニスコート",
        name_en="Town Tennis Courts",
        yomi="ちょうえい テニスコート",
        purpose="砂入り人工芝コート2面",
        purpose_en="Two artificial-grass courts",
        capacity=8,
        access=(True, True, False),
        access_note="駐車場からコートまで段差なし。トイレは町営グラウンドの管理棟をご利用ください",
        access_note_en="Step-free from the car park; toilets in the sports ground clubhouse",
        parts=["court-1", "court-2"],
        units=[
            ("court-1", "1番コート", "Court 1", "いちばん コート", ["court-1"], 300, 600),
            ("court-2", "2番コート", "Court 2", "にばん コート", ["court-2"], 300, 600),
        ],
        blocks=[
            (
                f"h{hour:02d}",
                f"{hour}時〜{hour + 1}時",
                f"{hour}:00–{hour + 1}:00",
                time(hour),
                time(hour + 1),
                "0123456",
                True,
            )
            for hour in range(9, 17)
        ],
        options=dict(window_months_ahead=1, cancel_days_before=1, max_blocks_per_reservation=2),
    ),
]

# What residents read on each facility's page (admins edit it at the counter):
# address, how to get there, hours of use, equipment (each in Japanese and English),
# the facility's own telephone (empty: the counter's) and a map.
FACILITY_DETAILS = {
    "town-gym": dict(
        address="みどり町本町1丁目2番3号",
        address_en="1-2-3 Honcho, Midori Town",
        directions="町営バス「役場前」から徒歩3分。駐車場80台",
        directions_en="3 minutes' walk from the Yakuba-mae town bus stop; parking for 80 cars",
        hours="午前9時から午後9時まで（月曜休館、祝日の場合は翌平日）",
        hours_en="9 am to 9 pm (closed on Mondays; after a Monday holiday, the next weekday)",
        equipment="バレーボール・バスケットボール・バドミントンの支柱とネット、卓球台12台、更衣室、シャワー",
        equipment_en="Posts and nets for volleyball, basketball and badminton, 12 table-tennis tables, changing rooms, showers",
        phone="0166-00-0200",
        map_url="https://www.openstreetmap.org/?mlat=43.77&mlon=142.36#map=17/43.77/142.36",
    ),
    "community-hall": dict(
        address="みどり町本町1丁目5番1号",
        address_en="1-5-1 Honcho, Midori Town",
        directions="町営バス「役場前」から徒歩1分。役場の隣です",
        directions_en="1 minute's walk from the Yakuba-mae town bus stop, next to the town hall",
        hours="午前9時から午後9時まで（月曜休館、祝日の場合は翌平日）",
        hours_en="9 am to 9 pm (closed on Mondays; after a Monday holiday, the next weekday)",
        equipment="会議室：机30、椅子40、ホワイトボード、プロジェクター。和室：座卓10。調理室：調理台6、食器",
        equipment_en="Meeting room: 30 desks, 40 chairs, whiteboard, projector. Japanese-style room: 10 low tables. Cooking room: 6 worktops, tableware",
        phone="",
        map_url="https://www.openstreetmap.org/?mlat=43.771&mlon=142.361#map=17/43.771/142.361",
    ),
    "school-gym": dict(
        address="みどり町東町3丁目1番",
        address_en="3-1 Higashimachi, Midori Town",
        directions="第一小学校の正門から入り、体育館の北側入口をご利用ください。駐車場20台",
        directions_en="Enter by the school's main gate and use the gym's north door; parking for 20 cars",
        hours="平日は午後6時から9時まで、土曜・日曜・祝日は午前9時から午後9時まで",
        hours_en="Weekdays 6 pm to 9 pm; Saturdays, Sundays and holidays 9 am to 9 pm",
        equipment="バレーボール・バドミントンの支柱とネット（ボールはお持ちください）",
        equipment_en="Posts and nets for volleyball and badminton (bring your own balls)",
        phone="",
        map_url="",
    ),
    "sports-ground": dict(
        address="みどり町南町5丁目",
        address_en="5 Minamimachi, Midori Town",
        directions="町営バス「運動公園」から徒歩2分。駐車場120台",
        directions_en="2 minutes' walk from the Undo-koen town bus stop; parking for 120 cars",
        hours="午前8時から午後5時まで（火曜休場、夜間照明なし）",
        hours_en="8 am to 5 pm (closed on Tuesdays; no floodlights)",
        equipment="バックネット、サッカーゴール2基、グラウンドゴルフ用具一式（管理棟で貸出）",
        equipment_en="Backstop, two football goals, ground golf sets (lent at the clubhouse)",
        phone="0166-00-0300",
        map_url="https://www.openstreetmap.org/?mlat=43.76&mlon=142.37#map=17/43.76/142.37",
    ),
    "tennis": dict(
        address="みどり町南町5丁目（運動公園内）",
        address_en="5 Minamimachi, Midori Town (in the sports park)",
        directions="町営バス「運動公園」から徒歩4分。町営グラウンドの駐車場をご利用ください",
        directions_en="4 minutes' walk from the Undo-koen town bus stop; use the sports ground's car park",
        hours="午前9時から午後5時まで（1時間ごと）",
        hours_en="9 am to 5 pm (by the hour)",
        equipment="ネット、審判台。ラケットとボールはお持ちください",
        equipment_en="Nets and umpire chairs; bring your own rackets and balls",
        phone="0166-00-0300",
        map_url="",
    ),
}

# The demo town's counter, as ./bin/demo and the tests configure it (COUNTER_* settings).
DEMO_COUNTER = {
    "TOWN_NAME": "みどり町",
    "TOWN_NAME_EN": "Midori Town",
    "COUNTER_NAME": "みどり町教育委員会 生涯学習課（役場2階）",
    "COUNTER_NAME_EN": "Midori Town Board of Education, Lifelong Learning Division (town hall, 2nd floor)",
    "COUNTER_PHONE": "0166-00-0111",
    "COUNTER_ADDRESS": "みどり町本町1丁目1番1号",
    "COUNTER_ADDRESS_EN": "1-1-1 Honcho, Midori Town",
    "COUNTER_MAP_URL": "https://www.openstreetmap.org/?mlat=43.771&mlon=142.36#map=17/43.771/142.36",
}

RESIDENTS = [
    # name, kana, phone, district, resident?, exemption, evidence, PIN, note
    (
        "山田 ハナ",
        "やまだ はな",
        "0166-12-3456",
        "本町",
        True,
        None,
        None,
        "4826",
        "elderly resident with a landline",
    ),
    (
        "佐藤 一郎",
        "さとう いちろう",
        "090-1234-5678",
        "東町",
        True,
        None,
        None,
        "3917",
        "resident with a mobile phone",
    ),
    (
        "ジョン・スミス",
        "じょん すみす",
        "080-2345-6789",
        "隣町（町外）",
        False,
        None,
        None,
        "5273",
        "non-resident",
    ),
    (
        "田中 美咲",
        "たなか みさき",
        "090-2468-1357",
        "南町",
        True,
        None,
        None,
        "5162",
        "youth club representative, in the volleyball circle too",
    ),
    (
        "鈴木 健太",
        "すずき けんた",
        "080-3579-2468",
        "西町",
        True,
        None,
        None,
        "8305",
        "youth club contact, in one group",
    ),
    (
        "伊藤 誠",
        "いとう まこと",
        "090-3141-5926",
        "西町",
        True,
        None,
        None,
        "4719",
        "youth club member",
    ),
    (
        "吉田 花",
        "よしだ はな",
        "070-2718-2818",
        "南町",
        True,
        None,
        None,
        "6053",
        "youth club member",
    ),
    (
        "加藤 大輔",
        "かとう だいすけ",
        "080-1618-0339",
        "東町",
        True,
        None,
        None,
        "2961",
        "youth club member, volleyball circle contact",
    ),
    (
        "高橋 正子",
        "たかはし まさこ",
        "0166-33-4455",
        "北町",
        True,
        None,
        None,
        "7048",
        "seniors' club representative with a landline, in one group",
    ),
    (
        "渡辺 和子",
        "わたなべ かずこ",
        "0166-44-5566",
        "北町",
        True,
        None,
        None,
        "3852",
        "seniors' club contact, in the volleyball circle too",
    ),
    (
        "小林 勇",
        "こばやし いさむ",
        "0166-55-6677",
        "北町",
        True,
        None,
        None,
        "9174",
        "seniors' club member",
    ),
    (
        "山本 清",
        "やまもと きよし",
        "0166-66-7788",
        "本町",
        True,
        None,
        None,
        "1486",
        "seniors' club member",
    ),
    (
        "中村 陽子",
        "なかむら ようこ",
        "080-4040-5050",
        "本町",
        True,
        None,
        None,
        "6297",
        "volleyball circle representative, in the seniors' club too",
    ),
    (
        "松本 恵",
        "まつもと めぐみ",
        "090-6060-7070",
        "隣町（町外）",
        False,
        None,
        None,
        "8531",
        "volleyball circle member from outside the town",
    ),
]

GROUPS = [
    # name, kana, purpose, category, evidence, declared members, of them in town,
    # representative, contact, members (demo residents by name), note
    (
        "青葉スポーツ少年団",
        "あおば すぽーつ しょうねんだん",
        "sport",
        "youth_club",
        "group_registration",
        24,
        22,
        "田中 美咲",
        "鈴木 健太",
        ["伊藤 誠", "吉田 花", "加藤 大輔"],
        "youth sports club, fully exempt",
    ),
    (
        "寿会（老人クラブ）",
        "ことぶきかい",
        "welfare",
        "seniors",
        "club_roster",
        18,
        18,
        "高橋 正子",
        "渡辺 和子",
        ["小林 勇", "山本 清", "中村 陽子"],
        "seniors' club, half fee",
    ),
    (
        "バレーボールサークル「はばたき」",
        "ばれーぼーる さーくる はばたき",
        "sport",
        None,
        None,
        12,
        9,
        "中村 陽子",
        "加藤 大輔",
        ["田中 美咲", "渡辺 和子", "松本 恵"],
        "volleyball circle, resident fee, no exemption",
    ),
]

STAFF = [
    # username, display name, role, password: the tests' fixed accounts. `seed-demo`
    # makes accounts of its own instead (random_staff), so that no running demo has a
    # username or password anyone could read here.
    ("clerk", "窓口 一子", "clerk", "window-desk-2026"),
    ("admin", "管理 太郎", "admin", "ledger-desk-2026"),
    ("caretaker", "用務 三郎", "caretaker", "keybox-round-2026"),
    ("stats", "統計 花子", "statistics", "census-chart-2026"),
]
# The demo caretaker keeps the school gym's day lists.
CARETAKER_FACILITIES = {"caretaker": ["school-gym"]}


def random_staff() -> list[tuple[str, str, str, str]]:
    """The demo's clerk and administrator with usernames no one can guess (e.g.
    'clerk-k7mq3x') and random passwords, printed once by `seed-demo`."""

    def token(length: int) -> str:
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        return "".join(secrets.choice(alphabet) for _ in range(length))

    return [
        (f"{role}-{token(6)}", display_name, role, f"{token(4)}-{token(4)}-{token(4)}")
        for _, display_name, role, _ in STAFF
    ]


@dataclass
class ResidentLine:
    registration_no: str
    pin: str
    name: str
    note: str


@dataclass
class GroupLine:
    registration_no: str
    name: str
    note: str


@dataclass
class StaffLine:
    username: str
    password: str
    role: str


@dataclass
class SeedReport:
    facilities_added: int = 0
    facilities_present: int = 0
    residents: list[ResidentLine] = field(default_factory=list)
    groups: list[GroupLine] = field(default_factory=list)
    staff: list[StaffLine] = field(default_factory=list)


def _seed_reference_data(report: SeedReport) -> None:
    with write_transaction():
        categories = {c.code: c for c in db.session.scalars(select(FacilityCategory))}
        for code, name, name_en, maximum in CATEGORIES:
            if code not in categories:
                categories[code] = FacilityCategory(
                    code=code,
                    name=name,
                    name_en=name_en,
                    max_active_per_resident=maximum,
                    max_active_per_group=2 * maximum,
                )
                db.session.add(categories[code])
        existing = set(db.session.scalars(select(ExemptionCategory.code)))
        for position, (code, name, name_en, percent, purposes) in enumerate(EXEMPTIONS):
            if code not in existing:
                db.session.add(
                    ExemptionCategory(
                        code=code,
                        name=name,
                        name_en=name_en,
                        percent=percent,
                        position=position,
                        purposes=purposes,
                    )
                )
        present = {f.code: f for f in db.session.scalars(select(Facility))}
        for position, spec in enumerate(FACILITIES):
            if spec.code in present:
                report.facilities_present += 1
                facility = present[spec.code]
                if not facility.address:  # a demo town from before facility details
                    for name, value in FACILITY_DETAILS.get(spec.code, {}).items():
                        setattr(facility, name, value)
                continue
            _add_facility(spec, categories[spec.category], position)
            report.facilities_added += 1


def _add_facility(spec: FacilitySpec, category: FacilityCategory, position: int) -> None:
    step_free, parking, toilet = spec.access
    facility = Facility(
        code=spec.code,
        category=category,
        position=position,
        name=spec.name,
        name_en=spec.name_en,
        yomi=spec.yomi,
        purpose=spec.purpose,
        purpose_en=spec.purpose_en,
        capacity=spec.capacity,
        step_free=step_free,
        parking=parking,
        accessible_toilet=toilet,
        access_note=spec.access_note,
        access_note_en=spec.access_note_en,
        **FACILITY_DETAILS.get(spec.code, {}),
        **spec.options,
    )
    db.session.add(facility)
    parts = {code: Part(facility=facility, code=code) for code in spec.parts}
    db.session.add_all(parts.values())
    blocks = [
        TimeBlock(
            facility=facility,
            code=code,
            position=index,
            name=name,
            name_en=name_en,
            start_time=start,
            end_time=end,
            weekdays=weekdays,
            on_holidays=holidays,
        )
        for index, (code, name, name_en, start, end, weekdays, holidays) in enumerate(spec.blocks)
    ]
    db.session.add_all(blocks)
    for index, (code, name, name_en, yomi, part_codes, yen, nonresident_yen) in enumerate(
        spec.units
    ):
        unit = Unit(
            facility=facility,
            code=code,
            position=index,
            name=name,
            name_en=name_en,
            yomi=yomi,
            parts=[parts[c] for c in part_codes],
        )
        db.session.add(unit)
        # Longer blocks cost proportionally more than the base rate of a 3-hour block.
        for block in blocks:
            hours = block.end_time.hour - block.start_time.hour
            factor = hours / 3 if hours >= 3 else 1
            db.session.add(
                Fee(
                    unit=unit,
                    time_block=block,
                    resident_yen=round(yen * factor / 10) * 10,
                    nonresident_yen=round(nonresident_yen * factor / 10) * 10,
                )
            )


def seed(now: datetime, *, staff: list[tuple[str, str, str, str]] | None = STAFF) -> SeedReport:
    """The demo town; `staff` are the accounts to make (None: none, when the database
    already has staff accounts, else random_staff())."""
    report = SeedReport()
    _seed_reference_data(report)
    actor = services.Actor.system()
    numbers = {}
    for name, kana, phone, district, is_resident, exemption, evidence, pin, note in RESIDENTS:
        resident = db.session.scalar(
            select(Resident).where(
                Resident.name_key == search_key(name), Resident.kana_key == search_key(kana)
            )
        )
        if resident is None:
            resident, pin = services.register_resident(
                actor,
                name=name,
                name_kana=kana,
                phone=phone,
                district=district,
                is_resident=is_resident,
                exemption_code=exemption,
                exemption_evidence=evidence,
                pin=pin,
                now=now,
            )
        report.residents.append(ResidentLine(resident.registration_no, pin, name, note))
        numbers[name] = resident.registration_no
    _seed_groups(report, numbers, now)
    usernames = set(db.session.scalars(select(Staff.username)))
    if staff is None:
        staff = [] if usernames else random_staff()
    for username, display_name, role, password in staff:
        if username not in usernames:
            services.create_staff(
                actor,
                username=username,
                display_name=display_name,
                password=password,
                role=role,
                now=now,
            )
        report.staff.append(StaffLine(username, password, role))
    _seed_caretakers(now)
    return report


def _seed_caretakers(now: datetime) -> None:
    facilities = {f.code: f.id for f in services.list_facilities()}
    for username, codes in CARETAKER_FACILITIES.items():
        staff = db.session.scalar(select(Staff).where(Staff.username == username))
        if staff is not None and not staff.facilities:
            services.set_caretaker_facilities(
                services.Actor.system(),
                staff_id=staff.id,
                facility_ids=[facilities[code] for code in codes],
                now=now,
            )


def _seed_groups(report: SeedReport, numbers: dict[str, str], now: datetime) -> None:
    for (
        name,
        kana,
        purpose,
        category,
        evidence,
        declared,
        in_town,
        representative,
        contact,
        members,
        note,
    ) in GROUPS:
        group = next((g for g in services.find_groups(name) if g.name == name), None)
        if group is None:
            group = services.register_group(
                services.Actor.system(),
                name=name,
                name_kana=kana,
                purpose=purpose,
                category_code=category,
                evidence=evidence,
                representative=numbers[representative],
                contact=numbers[contact],
                members=[numbers[member] for member in members],
                declared_members=declared,
                resident_members=in_town,
                now=now,
            )
        report.groups.append(GroupLine(group.registration_no, name, note))


# ---------------------------------------------------------------- the lottery (抽選)

# The demo's two rounds for the town gym. Their seeds are printed by seed-demo: in a
# real town staff keep the seed secret until the reveal and publish only its SHA-256.
LOTTERY_SEED = "machi-yoyaku demo seed {code}"
# Applications in the closed round: who applies (for their group, when named), their
# choices in rank order as (unit, weekend day index, block).
LOTTERY_APPLICATIONS = [
    ("佐藤 一郎", None, [("whole", 0, "morning"), ("half-a", 0, "morning")]),
    ("山田 ハナ", None, [("whole", 0, "morning")]),
    ("鈴木 健太", None, [("half-a", 0, "afternoon"), ("whole", 1, "afternoon")]),
    ("田中 美咲", "青葉スポーツ少年団", [("whole", 0, "morning"), ("whole", 1, "morning")]),
    (
        "中村 陽子",
        "バレーボールサークル「はばたき」",
        [("half-b", 0, "morning"), ("whole", 1, "morning")],
    ),
    ("高橋 正子", "寿会（老人クラブ）", [("half-a", 1, "afternoon")]),
]


@dataclass
class LotteryLine:
    code: str
    state: str
    seed: str


def _month_after(now: datetime, months: int):
    index = now.year * 12 + now.month - 1 + months
    return now.date().replace(year=index // 12, month=index % 12 + 1, day=1)


def _weekend_days(month) -> list:
    """Saturdays and Sundays from the 7th (clear of 年末年始 and of the gym's Monday)."""
    days = [month.replace(day=day) for day in range(7, 29)]
    return [day for day in days if day.weekday() in (5, 6)]


def seed_lottery(now: datetime) -> list[LotteryLine]:
    """Two town-gym rounds: one whose period closed an hour ago, with applications from
    demo residents and groups and its seed revealed (ready for `lottery draw` and
    `lottery verify`), and one open for applications. Safe to run again."""
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    units = {unit.code: unit for unit in gym.units}
    blocks = {block.code: block for block in gym.time_blocks}
    actor = services.Actor.system()
    hour = timedelta(hours=1)
    closed_month, open_month = _month_after(now, 2), _month_after(now, 3)
    plans = [
        (closed_month, now - 240 * hour, now - hour, now, now + 240 * hour),
        (open_month, now - 24 * hour, now + 216 * hour, now + 225 * hour, now + 456 * hour),
    ]
    existing = {found.code for found in services.list_rounds()}
    lines = []
    for number, (month, opens, closes, draw, confirm) in enumerate(plans):
        code = f"town-gym-{month:%Y-%m}"
        seed = LOTTERY_SEED.format(code=code)
        lines.append(LotteryLine(code, "closed, seed revealed" if number == 0 else "open", seed))
        if code in existing:
            continue
        dates = services.RoundDates(month, opens, closes, draw, confirm, confirm + 9 * hour)
        services.define_round(
            actor,
            code=code,
            month=month,
            unit_ids=[u.id for u in units.values()],
            now=opens,
            dates=dates,
        )
        services.commit_seed(actor, code=code, commitment=services.seed_commitment(seed), now=opens)
        if number == 1:
            continue
        days = _weekend_days(month)
        residents = {
            name: db.session.scalar(select(Resident).where(Resident.name_key == search_key(name)))
            for name, _, _ in LOTTERY_APPLICATIONS
        }
        groups = {g.name: g for g in services.list_groups()}
        for name, group, choices in LOTTERY_APPLICATIONS:
            services.apply(
                actor,
                code=code,
                resident_id=residents[name].id,
                group_id=groups[group].id if group else None,
                choices=[
                    services.ChoiceRequest(units[unit].id, days[day], (blocks[block].id,))
                    for unit, day, block in choices
                ],
                now=closes - 2 * hour,
            )
        services.reveal_seed(actor, code=code, seed=seed, now=now)
    return lines
