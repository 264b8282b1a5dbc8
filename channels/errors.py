"""Pages for the HTTP errors no channel answers itself: an address that matches no
page (404), a page asked for the wrong way (405), a request too large (413), and any
other client error. They are whole pages in the visitor's language, like every other
page, with a way back to where the visitor started. The phone's webhooks keep their
bare status codes: only Twilio calls them."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

NOTHING_CHANGED = _l("Nothing was booked, changed or cancelled.")

WORDS = {
    404: (_l("Page not found"), _l("The page may have moved, or the address may be mistyped. "
                                   "Start again from the home page.")),
    405: (_l("This page cannot be used that way"),
          _l("The address is right, but the page does not take this kind of request. "
             "Start again from the home page.")),
    413: (_l("What was sent is too large"),
          _l("Shorten what you typed and try again, or start again from the home page.")),
}
OTHER = (_l("The request could not be handled"),
         _l("Something in the request was not as expected. Start again from the home page."))


def error_page(error: HTTPException):
    if request.path.startswith("/phone/") or (error.code or 500) >= 500:
        return error
    heading, message = WORDS.get(error.code, OTHER)
    home = "/counter/" if request.path.startswith("/counter/") else "/"
    response = error.get_response()
    body = render_template("error.html", heading=heading, message=message,
                           nothing_changed=NOTHING_CHANGED if request.method == "POST" else None,
                           home=home)
    response.set_data(body)
    response.mimetype = "text/html"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)
