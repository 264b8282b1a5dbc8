"""What every fuzzed request must satisfy: no 5xx, and a rejected request leaves the
database exactly as it was.

`snapshot()` reads every table of the app's metadata through its own connection (not
the test's session, which may hold an old view) and keeps, per table, the row count
and a digest of the rows' contents. A few things change on a rejected request by
design, and only those are left out of the digest:

- ``residents.failed_pin_attempts`` and ``residents.locked_at``: a wrong PIN (web
  sign-in, phone) counts towards the PIN lockout; that is the point of the lockout.
- ``staff.failed_attempts`` and ``staff.locked_at``: the same for a wrong staff
  password at the counter's sign-in and on its change-password page.
- ``sign_in_failures``: the same wrong PIN or password is counted per account name
  and source (the sign-in limits), for names nobody holds too.
- ``audit_entries`` rows whose action is ``resident.locked`` or ``staff.locked``:
  the lockout that such a wrong PIN or password triggers is recorded.
- ``phone_calls`` and ``phone_call_events``, only for a webhook answered with TwiML
  (`PHONE_CALL_TABLES`): every step of a call keeps the call's place and what
  happened ("invalid_input", "no_input"), wrong keys included, so that any worker can
  answer the next step and the statistics show where callers struggle. A webhook
  refused with 4xx (bad signature, no CallSid) changes nothing, these tables included.

Everything else (reservations, claims, residents' other columns, staff, closures,
notifications, other audit rows) must be byte-for-byte the same.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import unquote

import sqlalchemy as sa
from bs4 import BeautifulSoup

from channels.phone.simulator import check_twiml
from reservations.db import db
from tests.pages import check_page

IGNORED_COLUMNS = {
    "residents": {"failed_pin_attempts", "locked_at"},
    "staff": {"failed_attempts", "locked_at"},
}
IGNORED_AUDIT_ACTIONS = ("resident.locked", "staff.locked")
IGNORED_TABLES = frozenset({"sign_in_failures"})
PHONE_CALL_TABLES = frozenset({"phone_calls", "phone_call_events"})

# Some Japanese script (kana or kanji): what a Japanese message must contain.
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, tuple[int, str]]  # name: (row count, digest)

    def changed(self, other: Snapshot, allowed: frozenset[str] = frozenset()) -> list[str]:
        return sorted(
            name
            for name, value in self.tables.items()
            if name not in allowed and other.tables.get(name) != value
        )


def snapshot() -> Snapshot:
    tables = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in IGNORED_TABLES:
                continue
            ignored = IGNORED_COLUMNS.get(table.name, set())
            columns = [c for c in table.columns if c.name not in ignored]
            query = sa.select(*columns).order_by(*table.primary_key.columns)
            if table.name == "audit_entries":
                query = query.where(table.c.action.not_in(IGNORED_AUDIT_ACTIONS))
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(query):
                digest.update(repr(tuple(row)).encode())
                count += 1
            tables[table.name] = (count, digest.hexdigest())
    return Snapshot(tables)


# Stored markup, not typed text.
UNCHECKED_TEXT = {("phone_calls", "response")}
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def assert_stored_text_clean(what: str) -> None:
    """What accepted input stored: no control characters (a line break only), no
    bidirectional overrides, no spaces around it."""
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if isinstance(c.type, sa.String) and (table.name, c.name) not in UNCHECKED_TEXT
            ]
            if not columns:
                continue
            for row in connection.execute(sa.select(*columns)):
                for column, text in zip(columns, row, strict=True):
                    if not text:
                        continue
                    where = f"{what}: {table.name}.{column.name} = {text[:80]!r}"
                    assert not any(
                        unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text
                    ), where
                    assert not BIDI_CONTROLS.search(text), where
                    assert text == text.strip(), where


def assert_unchanged(before: Snapshot, what: str, allowed: frozenset[str] = frozenset()) -> None:
    changed = before.changed(snapshot(), allowed)
    assert not changed, f"{what}: rejected input changed {changed}"


def assert_not_5xx(response, what: str) -> None:
    assert response.status_code < 500, (
        f"{what}: HTTP {response.status_code}\n{response.get_data(as_text=True)[:3000]}"
    )


# ---------------------------------------------------------------------- HTML pages


def error_items(soup: BeautifulSoup) -> list[str]:
    summary = soup.find(class_="error-summary")
    if summary is None:
        return []
    return [li.get_text(" ", strip=True) for li in summary.find_all("li")]


def is_rejection(response, soup: BeautifulSoup | None) -> bool:
    """A 4xx, or a page that says what is wrong (its error summary)."""
    return response.status_code >= 400 or (soup is not None and bool(error_items(soup)))


# Names the town's data holds, which an English message quotes as they are (a group
# called 寿会（老人クラブ） keeps its name in English).
DATA_NAME_COLUMNS = (
    ("groups", "name"),
    ("facilities", "name"),
    ("units", "name"),
    ("residents", "name"),
    ("staff", "display_name"),
)


def _without_data_names(item: str) -> str:
    if not re.search(r"[\u3040-\u30ff]", item):
        return item
    metadata = db.metadata.tables
    for table, column in DATA_NAME_COLUMNS:
        if table not in metadata or column not in metadata[table].c:
            continue
        names = db.session.execute(sa.select(metadata[table].c[column])).scalars()
        for name in sorted((n for n in names if n), key=len, reverse=True):
            item = item.replace(name, "")
    return item


def check_html(response, locale: str, what: str) -> BeautifulSoup | None:
    """An HTML answer is a whole, accessible page in the visitor's language; an error
    summary's items are worded in that language. (A redirect's body is not a page.)"""
    if (
        response.mimetype != "text/html"
        or 300 <= response.status_code < 400
        or (response.status_code == 204)
    ):
        return None
    soup = check_page(response.data)
    assert soup.html["lang"] == locale, f"{what}: page in {soup.html['lang']}, not {locale}"
    for item in error_items(soup):
        if locale == "ja":
            assert JAPANESE.search(item), f"{what}: error not in Japanese: {item!r}"
        else:
            assert not re.search(r"[\u3040-\u30ff]", _without_data_names(item)), (
                f"{what}: error not in English: {item!r}"
            )
    if response.status_code >= 400:
        heading = soup.h1.get_text(" ", strip=True)
        if locale == "ja":
            assert JAPANESE.search(heading), f"{what}: {response.status_code} heading {heading!r}"
        else:
            assert heading.isascii(), f"{what}: {response.status_code} heading {heading!r}"
    return soup


UNSAFE_IN_PATH = re.compile(r"//|\\|[\s\x00-\x1f\x7f-\x9f]")


def check_answer(
    response, before: Snapshot, locale: str, what: str, *, always_rejected: bool
) -> bool:
    """The checks for one fuzzed request to an HTML channel; True when it was
    rejected. `always_rejected`: the input could never be valid, so the database
    must not change whatever the answer."""
    assert_not_5xx(response, what)
    soup = check_html(response, locale, what)
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location", "")
        # Decoded, the path is still one on this site: no `//`, backslash, space or control.
        path = unquote(location.partition("?")[0])
        assert location.startswith("/") and not UNSAFE_IN_PATH.search(path), (
            f"{what}: redirect to {location!r}"
        )
    rejected = is_rejection(response, soup)
    if rejected or always_rejected:
        assert_unchanged(before, what)
    elif before.changed(snapshot()):
        assert_stored_text_clean(what)
    return rejected


# --------------------------------------------------------------------------- TwiML


def check_phone_answer(response, before: Snapshot, what: str) -> None:
    """A webhook answers with TwiML that the channel's rules accept (valid XML, never
    ending in silence), or refuses with 4xx and changes nothing. The core's tables
    never change on fuzzed keys."""
    assert_not_5xx(response, what)
    if response.status_code >= 400:
        assert_unchanged(before, what)
        return
    if response.status_code == 204:  # the status callback
        assert_unchanged(before, what, PHONE_CALL_TABLES)
        return
    assert response.status_code == 200, f"{what}: HTTP {response.status_code}"
    assert response.mimetype == "text/xml", f"{what}: {response.mimetype}"
    ET.fromstring(response.data)  # parses
    problems = check_twiml(response.data)
    assert not problems, f"{what}: {problems}\n{response.get_data(as_text=True)[:2000]}"
    assert_unchanged(before, what, PHONE_CALL_TABLES)
