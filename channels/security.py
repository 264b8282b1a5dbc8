"""Headers every response carries, and CSRF protection for every form POST."""

from __future__ import annotations

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
