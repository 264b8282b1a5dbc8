"""Furigana for pages in やさしい日本語 (easy Japanese): every kanji in the page's text
gets its reading in `<ruby>`, added to the finished HTML so that the catalog, the
templates and the town's data stay plain text.

Readings come from two places: the town's data first (a facility's or unit's `yomi`,
as the phone voice reads it), then pykakasi's dictionary (shipped with the package,
nothing downloaded), corrected where it reads a counter or a weekday wrongly (1時 is
じ, not とき; (水) is すい). Only text between tags changes: tags, attributes, and the
text of elements that cannot hold markup (title, option, textarea, script, style) or
already have readings (ruby) are left as they are. The page was escaped when it was
rendered, so its text holds no markup; the only markup added is `<ruby>`, `<rt>` and
`<rp>` around a kanji run, whose reading is escaped again. The reading (`<rt>`) is
hidden from assistive technology (aria-hidden): names and text read aloud stay plain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pykakasi
from markupsafe import escape

from .formatting import DAY_READINGS

KANJI = r"\u3005\u4e00-\u9fff\uf900-\ufaff"  # 々 and the CJK ideographs
KANJI_RUN = re.compile(f"[{KANJI}]+")
HAS_KANJI = re.compile(f"[{KANJI}]")
# Tags and comments; text is what lies between them. Attribute values were escaped
# when rendered, so a raw ">" never stands inside a tag.
TAG = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose text is left alone: no markup allowed inside, or readings already.
PLAIN_ELEMENTS = {"title", "option", "textarea", "script", "style", "ruby", "rt", "rp"}

# Numbers and their counters, which the dictionary reads as words on their own.
COUNTERS = {"週間": "しゅうかん", "時間": "じかん", "か月": "げつ"}
COUNTERS.update(
    {"時": "じ", "月": "がつ", "年": "ねん", "円": "えん", "回": "かい", "週": "しゅう"}
)
COUNTERS.update({"件": "けん", "区": "く", "歳": "さい", "番": "ばん", "文": "も"})
PEOPLE = {1: "ひとり", 2: "ふたり"}
WEEKDAYS = {"月": "げつ", "火": "か", "水": "すい", "木": "もく", "金": "きん", "土": "ど"}
WEEKDAYS.update({"日": "にち", "祝": "しゅく"})
# Phrases the dictionary cuts or reads otherwise than this service means them.
PHRASES = (("お金", "おかね"), ("ひと月", "ひとつき"), ("日にち", "ひにち"), ("か所", "かしょ"))
# Words (as the dictionary cuts them) read otherwise than this service means them.
WORDS = {
    "他": "ほか",
    "方": "かた",
    "人": "ひと",
    "分": "ふん",
    "時間帯": "じかんたい",
    "一時的": "いちじてき",
    "何件": "なんけん",
    "上記": "じょうき",
    "当日": "とうじつ",
    "空き": "あき",
    "空いて": "あいて",
    "以降": "いこう",
    "日": "ひ",  # この日, 使う日: a date after a number is read by FIXED
    "後": "あと",
    "後に": "あとに",
    "間": "あいだ",
    "間に": "あいだに",
    "表": "ひょう",
    "止めら": "とめら",
}
FIXED = re.compile(
    r"(?P<number>\d+)(?P<counter>週間|時間|分間|か月|[時月年円回週件歳番日人分])"
    f"|(?<![{KANJI}])(?P<day>[月火水木金土日祝])(?=[)）・])"
    f"|(?<=[(（・])(?P<next_day>[月火水木金土日祝])(?![{KANJI}])"
)
SPACE = re.compile(r"(\s+)")


# The reading is for the eye: hidden from assistive technology, so that a control's or
# a heading's accessible name is its plain text (「次へ」, not 「次つぎへ」) in every
# browser, and a screen reader does not read each word twice.
RT = '<rt aria-hidden="true">'


def ruby(base: str, reading: str) -> str:
    return f"<ruby>{escape(base)}<rp>(</rp>{RT}{escape(reading)}</rt><rp>)</rp></ruby>"


def _minutes(number: int) -> str:
    return "ぷん" if number % 10 in (1, 3, 4, 6, 8) or number % 10 == 0 else "ふん"


def _counter_reading(number: int, counter: str) -> str | None:
    if counter == "日":
        return DAY_READINGS.get(number, "にち")
    if counter == "人":
        return PEOPLE.get(number, "にん")
    if counter == "分":
        return _minutes(number)
    if counter == "分間":
        return _minutes(number) + "かん"
    return COUNTERS.get(counter)


@lru_cache(maxsize=1)
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()


def _to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def _align(word: str, reading: str) -> list[tuple[str, str | None]]:
    """A word and its reading split into kanji runs (with their part of the reading)
    and kana (without): 取り消し/とりけし → 取/と, り, 消/け, し."""
    parts = re.split(f"([{KANJI}]+)", word)
    pattern = "".join("(.+?)" if HAS_KANJI.match(p) else re.escape(_to_hiragana(p)) for p in parts)
    match = re.fullmatch(pattern, _to_hiragana(reading)) if reading else None
    if match is None:
        return [(word, reading if HAS_KANJI.search(word) else None)]
    readings = iter(match.groups())
    return [(p, next(readings) if HAS_KANJI.match(p) else None) for p in parts if p]


def _dictionary_ruby(text: str) -> str:
    return "".join(
        _words_ruby(chunk) if HAS_KANJI.search(chunk) else chunk for chunk in SPACE.split(text)
    )


def _words_ruby(text: str) -> str:
    """Readings from the dictionary, for text without white space (pykakasi repeats
    text around a line break)."""
    out = []
    tokens = _kakasi().convert(text)
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        original = token["orig"]
        reading = WORDS.get(original, token["hira"])
        if following and _okurigana_read_twice(original, reading, following["orig"]):
            reading = reading[:-1]  # 砂入/すないり + り: the り is the next token's
        for part, part_reading in _align(original, reading):
            out.append(ruby(part, part_reading) if part_reading else part)
    return "".join(out)


def _okurigana_read_twice(original: str, reading: str, following: str) -> bool:
    return (
        bool(KANJI_RUN.fullmatch(original))
        and len(reading) > len(original)
        and following[:1] == reading[-1:]
        and not HAS_KANJI.match(following)
    )


def _fixed_readings(text: str) -> list[tuple[str, str | None]]:
    """The text cut where a counter or a weekday has a reading of its own."""
    pieces: list[tuple[str, str | None]] = []
    last = 0
    for match in FIXED.finditer(text):
        if match["number"]:
            base, start = match["counter"], match.start("counter")
            reading = _counter_reading(int(match["number"]), base)
            if base.startswith("か"):  # 3か月: the reading is the kanji's alone
                base, start = base[1:], start + 1
        else:
            group = "day" if match["day"] else "next_day"
            base, start = match[group], match.start(group)
            reading = WEEKDAYS[base]
        if reading is None:
            continue
        pieces.append((text[last:start], None))
        pieces.append((base, reading))
        last = start + len(base)
    pieces.append((text[last:], None))
    return pieces


@lru_cache(maxsize=4096)
def _text_ruby(text: str, names: tuple[tuple[str, str], ...]) -> str:
    if not HAS_KANJI.search(text):
        return text
    if text.strip() in WEEKDAYS:  # a table's weekday heading: 月 is げつ
        day = text.strip()
        return text.replace(day, ruby(day, WEEKDAYS[day]))
    for name, reading in (*names, *PHRASES):
        if name in text:
            before, _, after = text.partition(name)
            named = "".join(
                ruby(part, part_reading) if part_reading else str(escape(part))
                for part, part_reading in _align(name, reading)
            )
            return _text_ruby(before, names) + named + _text_ruby(after, names)
    out = []
    for piece, reading in _fixed_readings(text):
        out.append(ruby(piece, reading) if reading else _dictionary_ruby(piece))
    return "".join(out)


def name_readings(named: Iterable) -> tuple[tuple[str, str], ...]:
    """(name, reading) of things with a `name` and a `yomi` (the town's data), the
    longest first so that 町民体育館 is found before 体育館; names without kanji need
    no reading."""
    pairs = set()
    for thing in named:
        reading = "".join((thing.yomi or "").split())
        for name in (thing.name, BRACKETED.sub("", thing.name)):
            if reading and HAS_KANJI.search(name) and _aligns(name, reading):
                pairs.add((name, reading))
                break
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair)))


# A name's note in brackets, which its reading leaves out: 第一小学校体育館（学校開放）.
BRACKETED = re.compile(r"[（(][^）)]*[）)]$")


def _aligns(name: str, reading: str) -> bool:
    """Whether the reading fits the name, its kana and its kanji runs: a reading that
    does not (a name changed, a note added) is not used, and the dictionary reads it."""
    parts = _align(name, reading)
    return len(parts) > 1 or KANJI_RUN.fullmatch(name) is not None


def add_furigana(html: str, names: tuple[tuple[str, str], ...] = ()) -> str:
    """The page with a reading on every kanji run of its text (see the module)."""
    out = []
    plain_depth: dict[str, int] = {}
    for piece in TAG.split(html):
        if piece.startswith("<"):
            tag = TAG_NAME.match(piece)
            if tag and tag.group(2).lower() in PLAIN_ELEMENTS:
                name = tag.group(2).lower()
                closing = tag.group(1) == "/"
                plain_depth[name] = max(0, plain_depth.get(name, 0) + (-1 if closing else 1))
            out.append(piece)
        elif any(plain_depth.values()) or not HAS_KANJI.search(piece):
            out.append(piece)
        else:
            out.append(_escaped_text_ruby(piece, names))
    return "".join(out)


ENTITY = re.compile(r"(&[#a-zA-Z0-9]+;)")


def _escaped_text_ruby(text: str, names: tuple[tuple[str, str], ...]) -> str:
    """Text as it stands in the HTML (entities escaped): readings for the runs between
    entities, the entities as they are."""
    return "".join(
        part if ENTITY.fullmatch(part) else _text_ruby(part, names) for part in ENTITY.split(text)
    )


# Pages of the staff's and the phone's channels are never in easy Japanese.
NOT_FOR_RESIDENTS = ("counter", "phone")


def init_app(app) -> None:
    from flask import request
    from sqlalchemy.exc import InterfaceError, OperationalError

    from reservations import services

    from .i18n import easy_japanese

    @app.after_request
    def add_readings(response):
        if (
            response.mimetype != "text/html"
            or response.direct_passthrough
            or response.is_streamed
            or (request.blueprint or "").split(".")[0] in NOT_FOR_RESIDENTS
            or not easy_japanese()
        ):
            return response
        try:
            facilities = services.list_facilities()
        except (OperationalError, InterfaceError):  # the page saying the database is down
            facilities = []
        names = name_readings([*facilities, *(u for f in facilities for u in f.units)])
        response.set_data(add_furigana(response.get_data(as_text=True), names))
        return response
