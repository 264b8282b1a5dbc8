"""The channels' sign-in limits per source (channels/ratelimit.py), on memory storage
and on Redis (the Redis server at TEST_REDIS_URL, which CI starts), and the attack the
limits exist for: an outsider who knows a resident's phone number and registration
number cannot keep the resident from signing in."""

from __future__ import annotations

import secrets
import shutil

import pytest

from channels import create_app
from channels.config import ConfigError
from channels.ratelimit import SignInLimits
from tests.conftest import app_config


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> dict:
    """Flask-Limiter's settings for one storage, with a key prefix of the test's own."""
    prefix = f"test-{secrets.token_hex(6)}"
    if request.param == "memory":
        return {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_KEY_PREFIX": prefix}
    url = request.getfixturevalue("redis_url")
    return {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}


def limited_app(sqlite_template, tmp_path, **config):
    """An app on the test's database (apps made twice share it, as worker processes do)."""
    database = tmp_path / "limits.db"
    if not database.exists():
        shutil.copyfile(sqlite_template, database)
    return create_app(
        app_config(
            f"sqlite:///{database}",
            SIGN_IN_SOURCE_LIMITS="2 per hour; 3 per day",
            **config,
        )
    )


def test_only_wrong_sign_ins_count_and_each_source_apart(sqlite_template, tmp_path, storage):
    app = limited_app(sqlite_template, tmp_path, **storage)
    limits = app.extensions["sign_in_limits"]
    assert limits.retry_after("web:198.51.100.1") is None
    assert limits.count_failure("web:198.51.100.1") == 1
    assert limits.retry_after("web:198.51.100.1") is None
    assert limits.count_failure("web:198.51.100.1") == 0
    wait = limits.retry_after("web:198.51.100.1")
    assert wait is not None and 0 < wait <= 3600
    assert limits.retry_after("web:198.51.100.2") is None  # another source
    assert limits.retry_after("counter:198.51.100.1") is None  # another channel
    limits.reset()
    assert limits.retry_after("web:198.51.100.1") is None


def test_on_redis_the_counts_hold_across_processes_and_prefixes_keep_apps_apart(
    sqlite_template, tmp_path, redis_url
):
    """Two apps on one Redis with one prefix are two worker processes of one town: a
    source held back by one is held back by the other. Another prefix is another app."""
    shared = {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": secrets.token_hex(6)}
    first = limited_app(sqlite_template, tmp_path, **shared)
    second = limited_app(sqlite_template, tmp_path, **shared)
    other = limited_app(
        sqlite_template, tmp_path, **{**shared, "RATELIMIT_KEY_PREFIX": "other-town"}
    )
    source = f"web:{secrets.token_hex(4)}"
    first.extensions["sign_in_limits"].count_failure(source)
    assert second.extensions["sign_in_limits"].count_failure(source) == 0
    assert first.extensions["sign_in_limits"].retry_after(source) is not None
    assert other.extensions["sign_in_limits"].retry_after(source) is None
    first.extensions["sign_in_limits"].reset()


def test_memory_storage_counts_in_each_process_alone(sqlite_template, tmp_path):
    first = limited_app(sqlite_template, tmp_path)
    second = limited_app(sqlite_template, tmp_path)
    first.extensions["sign_in_limits"].count_failure("web:a")
    assert second.extensions["sign_in_limits"].count_failure("web:a") == 1


@pytest.mark.parametrize("limits", ["", "three per minute", "3 per fortnight"])
def test_a_limit_that_does_not_parse_refuses_to_start_naming_the_setting(
    sqlite_template, tmp_path, limits
):
    app = limited_app(sqlite_template, tmp_path)
    app.config["SIGN_IN_SOURCE_LIMITS"] = limits
    with pytest.raises(ConfigError, match="SIGN_IN_SOURCE_LIMITS"):
        SignInLimits(app)
