"""Sessions signed with the app's key but holding values of other shapes (an older
version of the app, a leaked key): found by fuzzing, each was a 500."""

from __future__ import annotations

import pytest

from channels import demo
from tests.channels.web.conftest import NOW
from tests.pages import check_page


@pytest.mark.parametrize(
    "session, path",
    [
        ({"_flashes": [["only one"]]}, "/"),
        ({"_flashes": True}, "/facilities"),
        ({"web_booking": True}, "/units/1/days/2026-12-16"),
        ({"web_booking": {"unit_id": 10**30, "date": "2026-12-16", "block_ids": [1]}}, "/confirm"),
        (
            {"web_resident": {"id": 10**30, "expires": "2026-12-01T10:20:00+09:00"}},
            "/my-reservations",
        ),
        ({"web_resident": {"id": 1, "expires": "2026-12-01T10:20:00"}}, "/my-reservations"),
        ({"web_next": ["/"], "web_resident": {"id": "1"}}, "/sign-in"),
        ({"counter_staff_id": 10**30}, "/counter/"),
        ({"counter_staff_id": 1, "counter_seen_at": "soon"}, "/counter/"),
        ({"csrf_token": 12}, "/sign-in"),
    ],
)
def test_a_session_of_another_shape_is_a_page_not_an_error(app, session, path):
    app.config["CLOCK"] = lambda: NOW
    demo.seed(now=NOW)
    client = app.test_client()
    client.set_cookie("session", app.session_interface.get_signing_serializer(app).dumps(session))
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    check_page(response.data)
