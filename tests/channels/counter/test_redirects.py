"""Every `next=` of the counter goes only to a counter page (issue 11, item 3):
signing in, changing one's password, staying signed in. Each refused value is
answered by the counter's home page, never a 500."""

from __future__ import annotations

from itertools import count

from tests.channels.counter.conftest import get_page, sign_in, token_of
from tests.channels.redirects import COUNTER, COUNTER_KEPT, assert_kept, assert_sent_to, query


def post_from(client, url: str, data: dict, *, form_page: str, address: str = "192.0.2.1"):
    token = token_of(get_page(client, form_page))
    return client.post(
        url, data={**data, "csrf_token": token}, environ_overrides={"REMOTE_ADDR": address}
    )


def test_signing_in(client):
    """Each attempt from its own address, so no per-address limit answers instead."""
    addresses = (f"198.51.100.{n}" for n in count(1))

    def send(value):
        address = next(addresses)
        response = post_from(
            client,
            "/counter/sign-in",
            {"username": "clerk", "password": "window-desk-2026", "next": value},
            form_page="/counter/sign-in",
            address=address,
        )
        if response.status_code == 302:
            post_from(client, "/counter/sign-out", {}, form_page="/counter/", address=address)
        return response

    assert_sent_to(send, COUNTER, "/counter/")
    assert_kept(send, COUNTER_KEPT)


def test_the_sign_in_page_carries_next_as_received_and_the_post_judges_it(client):
    for value in ("/counter/%0a/x", "/counter/\n/x", "/%09/evil.example/phish"):
        soup = get_page(client, f"/counter/sign-in?next={query(value)}")
        carried = soup.find("input", attrs={"name": "next"})["value"]
        assert carried == value
        response = client.post(
            "/counter/sign-in",
            data={
                "csrf_token": token_of(soup),
                "username": "clerk",
                "password": "window-desk-2026",
                "next": carried,
            },
        )
        assert (response.status_code, response.location) == (302, "/counter/")
        post_from(client, "/counter/sign-out", {}, form_page="/counter/")


def test_changing_ones_password(client):
    sign_in(client)
    passwords = (f"counter-pass-{n:03d}-kept" for n in count(1))
    current = {"password": "window-desk-2026"}

    def send(value):
        new = next(passwords)
        try:
            response = post_from(
                client,
                "/counter/password",
                {
                    "current_password": current["password"],
                    "new_password": new,
                    "new_password_again": new,
                    "next": value,
                },
                form_page="/counter/password",
            )
        except Exception:
            current["password"] = new  # changed, then the redirect failed
            raise
        if response.status_code == 302:
            current["password"] = new
        return response

    assert_sent_to(send, COUNTER, "/counter/")
    assert_kept(send, COUNTER_KEPT)


def test_staying_signed_in(client):
    sign_in(client)

    def send(value):
        return post_from(client, "/counter/session/extend", {"next": value}, form_page="/counter/")

    assert_sent_to(send, COUNTER, "/counter/")
    assert_kept(send, COUNTER_KEPT)
