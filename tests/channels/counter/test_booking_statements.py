"""How many SQL statements a clerk's booking at the counter sends, on both databases:
the confirm form's POST (issue 19's lean booking path)."""

from __future__ import annotations

import pytest

from reservations.db import db
from tests.channels.counter.conftest import get_page, token_of
from tests.channels.counter.test_booking import DAY, confirm_url, gym_whole, hana
from tests.statements import counted_statements, listing


@pytest.fixture
def app(any_app):
    return any_app


def test_a_counter_booking_sends_few_statements(clerk, app):
    _, unit, blocks = gym_whole()
    url = confirm_url(hana(), unit, DAY, blocks["evening"])
    token = token_of(get_page(clerk, url))
    with counted_statements() as statements:
        response = clerk.post(url, data={"csrf_token": token})
    assert response.status_code == 302 and "/counter/reservations/" in response.location
    print(f"\n{app.config['SQLALCHEMY_DATABASE_URI']}: {len(statements)} statements\n")
    print(listing(statements))
    # Measured: 13 on PostgreSQL, 14 on SQLite (no advisory locks, but one INSERT
    # per claim); the target is 7 on PostgreSQL.
    bound = {"postgresql": 13, "sqlite": 14}[db.engine.dialect.name]
    assert len(statements) <= bound, listing(statements)
