"""channels.security.safe_next: the one judge of every `next=` (issue 11, item 3)."""

from __future__ import annotations

import pytest

from channels.security import safe_next
from tests.channels.redirects import ANYWHERE, COUNTER, COUNTER_KEPT, WEB_KEPT


@pytest.mark.parametrize("raw", ANYWHERE)
def test_anything_but_a_plain_path_on_this_site_goes_to_the_default(raw):
    assert safe_next(raw, "/default") == "/default"


@pytest.mark.parametrize("raw", COUNTER)
def test_under_a_prefix_only_its_pages_are_kept(raw):
    assert safe_next(raw, "/counter/", under="/counter/") == "/counter/"


@pytest.mark.parametrize("raw", [None, 1, b"/x", ["/x"], {"next": "/x"}])
def test_only_text_is_a_path(raw):
    assert safe_next(raw, "/default") == "/default"


@pytest.mark.parametrize("raw", [*WEB_KEPT, *COUNTER_KEPT, "/施設", "/%E6%96%BD", "/a/./b?c=//d"])
def test_a_path_on_this_site_is_kept_as_received(raw):
    assert safe_next(raw, "/default") == raw


@pytest.mark.parametrize("raw", COUNTER_KEPT)
def test_a_counter_page_is_kept_under_the_counter(raw):
    assert safe_next(raw, "/counter/", under="/counter/") == raw
