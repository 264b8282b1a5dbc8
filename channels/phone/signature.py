"""Every webhook must carry Twilio's X-Twilio-Signature, computed with our auth token
over the URL Twilio requested and the POSTed parameters.

Behind a proxy the request's own host and scheme are not what Twilio saw, so the URL
is rebuilt from the configured public address: PUBLIC_BASE_URL + path + raw query.
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


def public_url(request: Request, base_url: str) -> str:
    """The address Twilio requested, as it saw it."""
    url = base_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def is_signed(request: Request, base_url: str, auth_token: str) -> bool:
    signature = request.headers.get(HEADER, "")
    if not auth_token or not signature:
        return False
    params = request.form if request.method == "POST" else {}
    return RequestValidator(auth_token).validate(public_url(request, base_url), params, signature)
