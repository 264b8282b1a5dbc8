"""CSV as the town's staff open it: UTF-8 with a byte-order mark (Excel keeps the
Japanese intact), CRLF lines, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator


def cell(value) -> str:
    """A value Excel shows as text: a leading =, +, - or @ would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The rows as CSV text, line by line (the first yield is the byte-order mark)."""
    if bom:
        yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
