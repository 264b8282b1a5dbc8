"""The `next=` payloads every channel must refuse (issue 11, item 3), and the checks
that send them.

Each value is written as the app receives it, after the query string or form is
decoded once. Browsers drop tabs and newlines from a Location and read `\\` as `/`,
so `/\\t/evil.example` would become `//evil.example`; a newline in a header was a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import quote

ANYWHERE = [
    "/\t/evil.example/phish",  # /%09/ in the address: the tab goes, //evil.example stays
    "/\n/x",  # /%0a/
    "/\r/x",  # /%0d/
    "/\r\nSet-Cookie:x=1",
    "/\x00/x",
    "/\x0b/evil.example",
    "/\x7f/evil.example",
    "/\x85/evil.example",  # NEL, a C1 control
    "/ /evil.example",
    "/\u00a0/evil.example",  # no-break space
    "/\u3000/evil.example",  # ideographic space
    "/\u2028/evil.example",  # line separator
    "/\u200b/evil.example",  # zero-width space
    "/\u202e/evil.example",  # right-to-left override
    " /x",
    "\t//evil.example",
    "/x\t",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "x/../evil",
    "",
    # Percent-encoded once more: the path decodes to one of the above.
    "/%09/evil.example",
    "/%0a/x",
    "/%0d/x",
    "/%0D%0ASet-Cookie:x=1",
    "/%2F/evil.example",
    "/%2f/evil.example",
    "%2F%2Fevil.example",
    "/%5C/evil.example",
    "/%5cevil.example",
    "/%252F/evil.example",
    "/%25%32%46/evil.example",
    "/%20/evil.example",
    "/%E3%80%80/evil.example",
    "/%00/x",
]

# The counter goes back only to its own pages, and the payloads hide inside them too.
COUNTER = [
    *ANYWHERE,
    "/",
    "/my-reservations",
    "/counterfeit",
    "/counter",
    "/counter/\t/evil.example",
    "/counter/\n/x",
    "/counter/\r\nSet-Cookie:x=1",
    "/counter/\\evil.example",
    "/counter//evil.example",
    "/counter/%0a/x",
    "/counter/%2F/evil.example",
    "/counter/%5C/evil.example",
    "/counter/x%0d%0aSet-Cookie:x=1",
    "/counter/\u3000",
]

# Paths on this site that must be kept as they are.
WEB_KEPT = ["/facilities", "/my-reservations", "/facilities?x=1&y=%2F%2F", "/units/1/availability"]
COUNTER_KEPT = ["/counter/day?day=2026-12-16", "/counter/audit", "/counter/?q=%E5%B1%B1%20a"]


def query(value: str) -> str:
    """The value in a query string, as a browser sends the payload: /%09/evil."""
    return quote(value, safe="/:?=")


def redirects_of(send: Callable[[str], object], values: Iterable[str]) -> dict[str, tuple]:
    """Each value sent, with the status and Location of its answer (or the error that
    the test client raises where a server would answer 500)."""
    answers = {}
    for value in values:
        try:
            response = send(value)
        except Exception as error:  # noqa: BLE001  (reported with the other answers)
            answers[value] = (500, repr(error))
        else:
            answers[value] = (response.status_code, response.location)
    return answers


def assert_sent_to(send: Callable[[str], object], values: Iterable[str], default: str) -> None:
    """Every value is answered by a redirect to `default`: never elsewhere, never a 500."""
    wrong = {v: got for v, got in redirects_of(send, values).items() if got != (302, default)}
    assert wrong == {}, f"answered otherwise: {wrong}"


def assert_kept(send: Callable[[str], object], values: Iterable[str]) -> None:
    wrong = {v: got for v, got in redirects_of(send, values).items() if got != (302, v)}
    assert wrong == {}, f"answered otherwise: {wrong}"
