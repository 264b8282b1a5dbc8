"""What staff type, as the core needs it: dates in the forms the town writes them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ..formatting import TYPED_YEARS

_FULL = re.compile(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})\D*")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\D+(\d{1,2})\D*")


def parse_day(text: str | None, today: date) -> date | None:
    """2026-12-16, 2026/12/16, 2026年12月16日, 20261216, in any width; or 12/16 and
    12月16日, meaning the next such day from `today`. None when it is no date, or a
    year outside TYPED_YEARS."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    folded = re.sub(r"\([^)]*\)$", "", folded).strip()  # a trailing weekday: (水)
    if not folded:
        return None
    try:
        if match := _FULL.fullmatch(folded) or _COMPACT.fullmatch(folded):
            parsed = date(*(int(part) for part in match.groups()))
        elif match := _MONTH_DAY.fullmatch(folded):
            month, day = (int(part) for part in match.groups())
            parsed = date(today.year, month, day)
            if parsed < today:
                parsed = date(today.year + 1, month, day)
        else:
            return None
    except ValueError:
        return None
    return parsed if parsed.year in TYPED_YEARS else None


_YEAR_MONTH = re.compile(r"(\d{4})\D+(\d{1,2})\D*|(\d{4})(\d{2})")


def parse_month(text: str | None) -> tuple[int, int] | None:
    """2026-12, 2026/12, 2026年12月, 202612, in any width: (year, month); None when it
    is no month, or a year outside TYPED_YEARS."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    match = _YEAR_MONTH.fullmatch(folded)
    if not match:
        return None
    year, month = (int(part) for part in match.groups() if part is not None)
    return (year, month) if year in TYPED_YEARS and 1 <= month <= 12 else None
