"""Every `next=` a resident's browser can carry goes only to a path on this site
(issue 11, item 3): the language switch, the date style, signing in, staying signed
in. Each refused value is answered by the route's default page, never a 500."""

from __future__ import annotations

from itertools import count

import pytest
from bs4 import BeautifulSoup

from channels.web.auth import NEXT_KEY
from tests.channels.redirects import (
    ANYWHERE,
    COUNTER_KEPT,
    WEB_KEPT,
    assert_kept,
    assert_sent_to,
    query,
)


def csrf_token(response) -> str:
    return BeautifulSoup(response.data, "html.parser").find("input", attrs={"name": "csrf_token"})[
        "value"
    ]


def sign_in(client, line, address: str = "192.0.2.1"):
    """Each attempt from its own address, so the per-address limit never answers."""
    token = csrf_token(client.get("/sign-in"))
    return client.post(
        "/sign-in",
        data={"csrf_token": token, "registration_no": line.registration_no, "pin": line.pin},
        environ_overrides={"REMOTE_ADDR": address},
    )


@pytest.mark.parametrize(
    "url", ["/language/en?next=/%09/evil.example/phish", "/language/en?next=/%0a/x"]
)
def test_the_reports_of_issue_11_byte_for_byte(app, url):
    response = app.test_client().get(url)
    assert (response.status_code, response.location) == (302, "/")


def test_the_language_switch(app):
    client = app.test_client()

    def send(value):
        return client.get(f"/language/ja?next={query(value)}")

    assert_sent_to(send, ANYWHERE, "/")
    assert_kept(send, [*WEB_KEPT, *COUNTER_KEPT])


@pytest.mark.parametrize("style", ["era", "western"])
def test_the_date_style(app, style):
    client = app.test_client()

    def send(value):
        return client.get(f"/preferences/dates/{style}?next={query(value)}")

    assert_sent_to(send, ANYWHERE, "/")
    assert_kept(send, WEB_KEPT)


def test_signing_in(app, town):
    """Where to go after signing in is kept in the session, from the page asked for."""
    client = app.test_client()
    addresses = (f"198.51.100.{n}" for n in count(1))

    def send(value):
        with client.session_transaction() as session:
            session.clear()
            session[NEXT_KEY] = value
        return sign_in(client, town.residents[0], next(addresses))

    assert_sent_to(send, ANYWHERE, "/my-reservations")
    assert_kept(send, WEB_KEPT)


def test_the_sign_in_page_when_signed_in_already(app, town):
    client = app.test_client()
    assert sign_in(client, town.residents[0]).status_code == 302

    def send(value):
        with client.session_transaction() as session:
            session[NEXT_KEY] = value
        return client.get("/sign-in")

    assert_sent_to(send, ANYWHERE, "/my-reservations")
    assert_kept(send, WEB_KEPT)


def test_staying_signed_in(app, town):
    client = app.test_client()
    sign_in(client, town.residents[0])

    def send(value):
        token = csrf_token(client.get("/my-reservations"))
        return client.post("/session/extend", data={"csrf_token": token, "next": value})

    assert_sent_to(send, ANYWHERE, "/")
    assert_kept(send, WEB_KEPT)
