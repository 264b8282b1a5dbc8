"""Pages for the HTTP errors no channel answers itself: an address that matches no
page (404), a page asked for the wrong way (405), a request too large (413), any
other client error, and the database out of reach for a moment (503: restarting,
failing over, connections cut). They are whole pages in the visitor's language, like
every other page, with a way back to where the visitor started. The phone's webhooks
keep their bare status codes (only Twilio calls them), and the phone answers a
database outage itself, with an apology and the counter."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from reservations import services

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5

NOTHING_CHANGED = _l("Nothing was booked, changed or cancelled.")

WORDS = {
    404: (
        _l("Page not found"),
        _l(
            "The page may have moved, or the address may be mistyped. "
            "Start again from the home page."
        ),
    ),
    405: (
        _l("This page cannot be used that way"),
        _l(
            "The address is right, but the page does not take this kind of request. "
            "Start again from the home page."
        ),
    ),
    413: (
        _l("What was sent is too large"),
        _l("Shorten what you typed and try again, or start again from the home page."),
    ),
    503: (
        _l("The service is unavailable for a moment"),
        _l(
            "Please wait a few seconds and try again. If you had just pressed a button to "
            "book or cancel, look at the reservations first: pressing it again never books "
            "twice."
        ),
    ),
}
OTHER = (
    _l("The request could not be handled"),
    _l("Something in the request was not as expected. Start again from the home page."),
)


def error_page(error: HTTPException):
    if request.path.startswith("/phone/") or ((error.code or 500) >= 500 and error.code != 503):
        return error
    heading, message = WORDS.get(error.code, OTHER)
    home = "/counter/" if request.path.startswith("/counter/") else "/"
    response = error.get_response()
    body = render_template(
        "error.html",
        heading=heading,
        message=message,
        nothing_changed=NOTHING_CHANGED if request.method == "POST" and error.code != 503 else None,
        home=home,
    )
    response.set_data(body)
    response.mimetype = "text/html"
    return response


def database_unavailable(error: OperationalError | InterfaceError):
    """The database could not be reached or dropped the connection mid-request. The
    transaction was rolled back, so nothing half-done is kept; the visitor is asked to
    try again (a resident's booking carries its idempotency key, so a second press
    returns the same reservation). The pool checks connections before use, so the next
    request after the database is back succeeds."""
    log.warning(
        "database unavailable while answering %s %s: %s",
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
        type(getattr(error, "orig", error)).__name__,
    )
    services.discard_unfinished_work()
    return error_page(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
