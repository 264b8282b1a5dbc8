"""Every route of the web, counter and phone channels has a fuzz strategy: a new form
or page that nobody fuzzes fails here."""

from __future__ import annotations

from .targets import (
    COUNTER_FORMS,
    COUNTER_QUERIES,
    NOT_FUZZED,
    PHONE_PARAMS,
    WEB_FORMS,
    WEB_QUERIES,
)

CHANNEL_PREFIXES = ("web.", "counter.", "phone.", "language.")


def routes(app, method: str) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if method in rule.methods
        and rule.endpoint.startswith(CHANNEL_PREFIXES)
        and rule.endpoint not in NOT_FUZZED
    }


def test_every_post_route_has_a_fuzzed_form(fuzz_app):
    fuzzed = set(WEB_FORMS) | set(COUNTER_FORMS) | set(PHONE_PARAMS)
    missing = routes(fuzz_app, "POST") - fuzzed
    assert not missing, f"POST routes without a fuzz strategy in tests/fuzz/targets.py: {missing}"


def test_every_get_route_has_fuzzed_query_parameters(fuzz_app):
    fuzzed = set(WEB_QUERIES) | set(COUNTER_QUERIES) | {"phone.fallback"}
    missing = routes(fuzz_app, "GET") - fuzzed
    assert not missing, f"GET routes without a fuzz strategy in tests/fuzz/targets.py: {missing}"


def test_no_strategy_for_a_route_that_does_not_exist(fuzz_app):
    """A renamed route must take its strategy along, or the fuzzing silently stops."""
    posts, gets = routes(fuzz_app, "POST"), routes(fuzz_app, "GET")
    stale = ((set(WEB_FORMS) | set(COUNTER_FORMS) | set(PHONE_PARAMS)) - posts) | (
        (set(WEB_QUERIES) | set(COUNTER_QUERIES)) - gets
    )
    assert not stale, f"strategies for routes that are gone: {stale}"
    assert "counter.register" in posts and "web.sign_in" in posts and "phone.step" in posts
