"""Fuzzing the resident's web pages, signed in and not, in Japanese and English: any
address, query and form gets a page in the visitor's language (or a redirect on this
site), never a 5xx, and a rejected form changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from . import strategies as s
from .harness import check_answer, snapshot
from .targets import WEB_FORMS, WEB_QUERIES, draw_path

# What a signed-in resident may succeed in with random input: cancelling their own
# reservation (the form has nothing to fill in), signing out, staying signed in.
MAY_SUCCEED = {
    "web.cancel",
    "web.sign_out",
    "web.extend_session",
    "web.sign_in",
    "web.messages_language",
    "web.join_waitlist",  # the taken slot of the town's data can be waited for
}


@pytest.mark.parametrize("endpoint", sorted(WEB_QUERIES))
@pytest.mark.parametrize("who", ["visitor", "resident"])
@s.fuzz
@given(data=st.data())
def test_web_pages_answer_any_address_and_query(request, fuzz_app, town, who, endpoint, data):
    browser = request.getfixturevalue(who)
    browser.speak(data.draw(st.sampled_from(["ja", "en"])))
    path = draw_path(data.draw, fuzz_app, endpoint, town, "GET")
    query = data.draw(s.form(WEB_QUERIES[endpoint](town)))
    before = snapshot()
    response = browser.get(path, query)
    check_answer(
        response, before, browser.locale, f"GET {path} {query!r:.300}", always_rejected=True
    )


@pytest.mark.parametrize("endpoint", sorted(WEB_FORMS))
@pytest.mark.parametrize("who", ["visitor", "resident"])
@s.fuzz
@given(data=st.data())
def test_web_forms_reject_bad_input_and_change_nothing(
    request, fuzz_app, town, who, endpoint, data
):
    browser = request.getfixturevalue(who)
    browser.speak(data.draw(st.sampled_from(["ja", "en"])))
    path = draw_path(data.draw, fuzz_app, endpoint, town, "POST")
    pairs = data.draw(s.form(WEB_FORMS[endpoint](town)))
    csrf = data.draw(st.sampled_from(["valid"] * 4 + [None, "", "garbage", "x" * 5000]))
    before = snapshot()
    response = browser.post(path, pairs, csrf=csrf)
    what = f"POST {path} {pairs!r:.300} csrf={csrf:.20}" if csrf else f"POST {path} no csrf"
    check_answer(
        response,
        before,
        browser.locale,
        what,
        always_rejected=csrf != "valid" or endpoint not in MAY_SUCCEED,
    )
    if csrf != "valid":  # refused before the form is read (an address of nothing: 404)
        assert response.status_code in (400, 404), what
