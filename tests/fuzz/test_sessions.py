"""Session cookies that the app did not make as it makes them: garbage (unsigned,
truncated, huge) and sessions signed with the app's own key but holding values of
the wrong kind (what an older version of the app, or a leaked key, would give). The
visitor gets a page, maybe signed out, never a 5xx, and nothing changes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from . import strategies as s
from .harness import check_answer, snapshot

PAGES = [
    "/",
    "/my-reservations",
    "/confirm",
    "/sign-in",
    "/units/1/days/2026-12-16",
    "/counter/",
    "/counter/residents/2",
    "/counter/password",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(0, 8)
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | s.any_text
    | s.bad_dates
    | st.sampled_from(["2026-12-01T10:20:00+09:00", "2026-12-01T10:20:00", "1", "1e400"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "expires", "unit_id", "date", "block_ids", "key"]),
            inner,
            max_size=5,
        )
    ),
    max_leaves=8,
)

sessions = st.dictionaries(
    st.sampled_from(
        [
            "web_resident",
            "web_booking",
            "web_next",
            "counter_staff_id",
            "counter_seen_at",
            "csrf_token",
            "_flashes",
            "_fresh",
        ]
    ),
    json_values,
    max_size=5,
)


def _signed(app, data: dict) -> str | None:
    try:
        return app.session_interface.get_signing_serializer(app).dumps(data)
    except (TypeError, ValueError):  # not JSON: no cookie the app could have made
        return None


@s.fuzz
@given(
    data=sessions,
    path=st.sampled_from(PAGES),
    locale=st.sampled_from(["ja", "en"]),
    post=st.booleans(),
)
def test_a_signed_session_with_values_of_the_wrong_kind_gets_a_page(
    fuzz_app, town, data, path, locale, post
):
    cookie = _signed(fuzz_app, data)
    if cookie is None:
        return
    client = fuzz_app.test_client()
    client.set_cookie("lang", locale)
    client.set_cookie("session", cookie)
    before = snapshot()
    response = client.post(path) if post else client.get(path)
    check_answer(
        response, before, locale, f"{path} with session {data!r:.300}", always_rejected=True
    )


@s.fuzz
@given(
    cookie=st.one_of(
        s.any_text.filter(lambda t: ";" not in t and t.isprintable()),
        st.sampled_from(
            ["eyJ4IjoxfQ.ZZZ.bad", ".", "..", "x" * 4000, "eyJ3ZWJfcmVzaWRlbnQiOnsiaWQiOjF9fQ"]
        ),
    ),
    path=st.sampled_from(PAGES),
)
def test_a_garbage_session_cookie_is_a_fresh_session(fuzz_app, town, cookie, path):
    client = fuzz_app.test_client()
    client.set_cookie("session", cookie)
    before = snapshot()
    response = client.get(path)
    check_answer(
        response, before, "ja", f"{path} with cookie {cookie!r:.100}", always_rejected=True
    )
