"""Hypothesis strategies for what people (and machines) can send: text of every kind,
huge values, numbers of the wrong kind, broken dates, ids beyond 32 and 64 bits, and
forms with fields missing, repeated or of the wrong type."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import reservations.models  # noqa: F401  (the tables, for their columns' maxima)
from reservations.db import db

# The suite runs a few examples per target; FUZZ_EXAMPLES=2000 makes a long run.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
settings.register_profile(
    "fuzz",
    max_examples=EXAMPLES,
    deadline=None,
    # One app, one database and one signed-in client serve every example of a test:
    # rejected input changes nothing, and that is exactly what is checked.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
fuzz = settings.get_profile("fuzz")

HUGE = 100_000

# Text that is valid UTF-8 on the wire (no lone surrogates, which a browser cannot
# send), with control characters and NUL included.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
control = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x1F)
    | st.sampled_from("\x7f\x85\u200b\u200e\u200f\u202e\u2028\u2029\ufeff"),
    min_size=1,
    max_size=5,
)
rtl = st.sampled_from(["مرحبا", "שלום", "\u202e12-31\u202c", "١٢٣٤", "۱۲۳۴"])
emoji = st.sampled_from(["😀", "👨‍👩‍👧‍👦", "🇯🇵", "🏳️‍🌈", "\U0001f9d1\u200d\U0001f4bb"])
fullwidth_digits = st.text(st.sampled_from("０１２３４５６７８９"), min_size=1, max_size=10)
odd_digits = st.text(st.sampled_from("²³¹⁴½①⑩٣۴߂५০੬૭୮௯౦೧൨๓໔༥၆႗៨᠙〇零一二"), min_size=1, max_size=8)
# What a menu's length check lets through when it counts str.isdigit() characters.
keypad_lookalikes = st.one_of(
    *(st.text(st.sampled_from("0123456789²³¹١٢３߂"), min_size=n, max_size=n) for n in (1, 4, 6))
)
huge_text = st.sampled_from(
    ["x" * HUGE, "あ" * HUGE, "9" * HUGE, "\x00" * 1000, ("1" * 1000 + "-") * 100]
)


def _column_maxima() -> list[int]:
    """Every maximum a stored text has: each String column's length and each Text
    column's `max_length` (see reservations.text.column_maximum)."""
    found = set()
    for table in db.metadata.tables.values():
        for column in table.columns:
            maximum = getattr(column.type, "length", None) or column.info.get("max_length")
            if isinstance(maximum, int):
                found.add(maximum)
    return sorted(found)


COLUMN_MAXIMA = _column_maxima()


def around(maximum: int) -> st.SearchStrategy[str]:
    """Text just inside, at and beyond one column's limit, in characters of one, three
    and four UTF-8 bytes (PostgreSQL counts characters, a byte limit would differ)."""
    return st.builds(
        lambda extra, char: char * max(maximum + extra, 1),
        st.sampled_from([-1, 0, 1, 2, maximum]),
        st.sampled_from(["x", "あ", "𠮷", "区 "]),
    )


# Text that reaches some column's limit and goes beyond it: every maximum the schema
# has, so a field that fills any column meets its own limit sooner or later.
long_text = st.sampled_from(COLUMN_MAXIMA).flatmap(around)

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(
        [0, -1, 2**31 - 1, 2**31, 2**32, 2**53, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1]
    ),
).map(str)
floats = st.sampled_from(
    ["1.5", "-0", "1e309", "NaN", "inf", "0x10", "1_000", " 12 ", "+7", "0b101", "１２", "12\x00"]
)
wrong_types = st.sampled_from(
    [
        "[]",
        "{}",
        "null",
        "true",
        "None",
        "undefined",
        "[object Object]",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%00",
        "../../etc/passwd",
        "${7*7}",
        "{{7*7}}",
        "%s%n",
        "\\",
    ]
)
bad_dates = st.sampled_from(
    [
        "0000-00-00",
        "0001-01-01",
        "1899-12-31",
        "1900-01-01",
        "2026-02-30",
        "2026-13-01",
        "2026-12-32",
        "9999-12-31",
        "10000-01-01",
        "2999-12-31",
        "3000-01-01",
        "-2026-12-16",
        "2026/12/16",
        "２０２６年１２月１６日",
        "12/16",
        "13/45",
        "0/0",
        "20261216",
        "2026-1-1",
        "2026-12",
        "12",
        "2026-12-16T10:00",
        "2026-12-16 (水)",
        "令和8年12月16日",
        "99999999999999999999-01-01",
        "2026-99999999999999999999-01",
        "1-1-1",
        "--",
        "",
        "2026-12-16\x00",
        "\u202e61-21-6202",
    ]
)
any_date = st.one_of(
    bad_dates,
    st.dates().map(str),
    st.builds(
        "{}-{:02d}-{:02d}".format, st.integers(-9999, 99999), st.integers(0, 99), st.integers(0, 99)
    ),
)
ids = st.one_of(
    st.sampled_from([0, 1, 2, 3, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30]),
    st.integers(min_value=0, max_value=2**80),
).map(str)

# Anything a form field could hold.
value = st.one_of(
    any_text,
    control,
    rtl,
    emoji,
    fullwidth_digits,
    odd_digits,
    numbers,
    floats,
    wrong_types,
    bad_dates,
    huge_text,
    long_text,
    st.tuples(any_text, control, any_text).map("".join),
)


def form(fields: dict[str, st.SearchStrategy], *, extra: bool = True) -> st.SearchStrategy:
    """A form as a list of (name, value) pairs: each field present with its own
    strategy or with anything, missing, or repeated; sometimes an unknown field."""

    @st.composite
    def build(draw):
        pairs: list[tuple[str, str]] = []
        for name, strategy in fields.items():
            how = draw(st.sampled_from(["own", "own", "own", "any", "missing", "twice"]))
            if how == "missing":
                continue
            chosen = value if how == "any" else st.one_of(strategy, value)
            pairs.append((name, draw(chosen)))
            if how == "twice":
                pairs.append((name, draw(value)))
        if extra and draw(st.booleans()):
            pairs.append(
                (draw(st.sampled_from(["x", "csrf", "__proto__", "id", "name[]"])), draw(value))
            )
        return pairs

    return build()
