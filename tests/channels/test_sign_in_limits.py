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
from channels.phone.simulator import FlaskTransport, PhoneSimulator
from channels.ratelimit import SignInLimits
from reservations.db import db
from tests.channels.phone.conftest import (
    BASE_URL,
    NOW,
    TOKEN,
    YAMADA_PHONE,
    Clock,
    phone_config,
    seed_town,
)
from tests.channels.web.conftest import Visitor
from tests.conftest import app_config
from tests.fake_twilio import FakeTwilio


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


TOWN_NUMBER = "+81166000000"
WAITS = "しばらく止めています"
SIGNED_IN = "ご本人の確認ができました。"


def test_an_outsider_with_the_number_and_registration_number_cannot_keep_her_out(
    sqlite_template, tmp_path, storage
):
    """Issue 11's test, on each storage: from one address and one spoofed caller ID, with
    山田さん's phone number and registration number but not her PIN, an outsider enters
    wrong PINs on the web and by phone until nothing more is taken, and asks for
    callbacks. 山田さん then signs in with her PIN on the web from home, and by phone
    from her own line (through the callback to her registered number)."""
    database = tmp_path / "attack.db"
    shutil.copyfile(sqlite_template, database)
    fake = FakeTwilio(auth_token=TOKEN).start()
    app = create_app(
        phone_config(
            f"sqlite:///{database}",
            Clock(NOW),
            CALL_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=fake.account_sid,
            TWILIO_CALL_FROM=TOWN_NUMBER,
            TWILIO_API_BASE_URL=fake.url,
            **storage,
        )
    )
    try:
        with app.app_context():
            yamada = seed_town(NOW).yamada

            def call(caller: str = YAMADA_PHONE, **options) -> PhoneSimulator:
                phone = PhoneSimulator(
                    FlaskTransport(app),
                    public_base_url=BASE_URL,
                    auth_token=TOKEN,
                    caller=caller,
                    **options,
                )
                return phone

            # The outsider on the web, from one address.
            outsider = Visitor(app.test_client(), "ja")
            outsider.client.environ_base["REMOTE_ADDR"] = "203.0.113.66"
            outsider.get("/sign-in")
            wrong = {"registration_no": yamada.registration_no, "pin": "9999"}
            for status in (200, 200, 429, 429, 429):
                outsider.post("/sign-in", wrong, status=status)
            # And by phone, her number as caller ID: wrong PINs call after call, then
            # clean calls asking for callbacks.
            for _ in range(3):
                forged = call()
                forged.call()
                for _ in range(3):
                    forged.press("9999")
                    if WAITS in forged.last.text:
                        break
                assert WAITS in forged.last.text
                forged.hang_up()
                asking = call()
                asking.call()
                asking.press("1234")
                asking.press("1")
                asking.hang_up()
            assert fake.calls == []  # her phone never rang, and nothing of hers is used up

            # 山田さん on the web, from home.
            resident = Visitor(app.test_client(), "ja")
            resident.client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
            resident.get("/sign-in")
            resident.post(
                "/sign-in",
                {"registration_no": yamada.registration_no, "pin": yamada.pin},
            )
            assert resident.path == "/my-reservations"
            # And by phone, from her own line: the callback rings her registered number.
            own = call()
            own.call()
            own.press(yamada.pin)
            own.press("1")
            own.hang_up()
            [placed] = fake.calls
            assert placed["to"] == YAMADA_PHONE
            answered = call(TOWN_NUMBER, to=placed["to"], call_sid=placed["sid"])
            answered.answer(placed["url"])
            answered.press(yamada.pin)
            assert SIGNED_IN in answered.last.text
            app.extensions["sign_in_limits"].reset()
            db.session.remove()
            db.engine.dispose()
    finally:
        fake.stop()
