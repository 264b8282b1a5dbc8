"""Headers every response carries, CSRF protection for every form POST, and the one
judge of every `next=` a channel redirects to."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts, no eval
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    headers_to_add = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("PRODUCTION"):
        headers_to_add.append(("Strict-Transport-Security", "max-age=31536000"))

    @app.after_request
    def security_headers(response):
        # One pass over the response's headers instead of a case-insensitive search per
        # header: six `setdefault` calls were a fifth of the time a kept availability
        # page takes to serve (bench/RESULTS.md). A header a view set itself is kept.
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        for name, value in headers_to_add:
            if name.lower() not in present:
                headers.add(name, value)
        return response


# ---------------------------------------------------------------------- safe redirects

# Percent-decoding a path more times than this is not a path anyone links to.
_MOST_DECODINGS = 4


def safe_next(raw: object, default: str, *, under: str = "/") -> str:
    """`raw` when it is a path on this site under `under`, else `default`.

    `raw` is judged as received, never cleaned first: browsers drop tabs and newlines
    from a Location and read a backslash as a slash, so `/<tab>/evil.example` would
    leave the site. Refused: anything but text; any control, format or unassigned
    character, whitespace or backslash; anything but a single leading `/` and no empty
    segment (`//`) in the path; and a path that percent-decodes to any of these.
    """
    if not isinstance(raw, str) or not raw.startswith(under) or not _is_plain(raw):
        return default
    path = raw.partition("?")[0].partition("#")[0]
    for _ in range(_MOST_DECODINGS):
        if "//" in path:
            return default
        decoded = unquote(path)
        if decoded == path:
            return raw
        if not _is_plain(decoded):
            return default
        path = decoded
    return default


def _is_plain(value: str) -> bool:
    return value.startswith("/") and not any(_is_unsafe(character) for character in value)


def _is_unsafe(character: str) -> bool:
    """A backslash, a space of any kind (Z*), or a control, format (zero-width, bidi),
    surrogate, private or unassigned character (C*)."""
    return character == "\\" or character.isspace() or unicodedata.category(character)[0] in "CZ"
