"""Signing in, signing out, the session's time limit with a way to extend it, and
what the web channel keeps out of URLs, logs and other channels."""

from __future__ import annotations

import logging

import pytest
from bs4 import BeautifulSoup

from channels import create_app, demo
from channels.i18n import missing_translations
from channels.ratelimit import SignInLimits
from channels.web.auth import RESIDENT_KEY
from tests.channels.web.conftest import DAY, NOW, Visitor, facility_by_code
from tests.channels.web.test_booking import block_ids, choose, gym_whole, sign_in
from tests.conftest import app_config, fresh_sqlite_url


def test_every_web_and_shared_string_is_in_both_catalogs(app):
    for locale in ("ja", "en"):
        missing = missing_translations(locale)
        assert not missing.get("web"), (locale, missing.get("web"))
        assert not missing.get("common"), (locale, missing.get("common"))


# --------------------------------------------------------------------------- sign in


def test_sign_in_fields_are_checked_and_the_number_is_kept(visitor, locale):
    visitor.get("/sign-in")
    visitor.post("/sign-in", {"registration_no": "", "pin": ""})
    assert len(visitor.error_summary()) == 2
    for field in ("registration_no", "pin"):
        control = visitor.soup.find(id=field)
        assert control["aria-invalid"] == "true"
        assert f"{field}-error" in control["aria-describedby"].split()
        assert visitor.soup.find("a", href=f"#{field}")
    visitor.post("/sign-in", {"registration_no": "12345", "pin": "12a"})
    assert len(visitor.error_summary()) == 2
    assert visitor.soup.find(id="registration_no")["value"] == "12345"
    assert not visitor.soup.find(id="pin").get("value")  # a PIN is never sent back


def test_a_wrong_pin_and_an_unknown_number_get_the_same_answer(app, visitor, locale, town):
    real = town.residents[0]
    visitor.get("/sign-in")
    visitor.post("/sign-in", {"registration_no": real.registration_no, "pin": "9999"})
    wrong_pin = visitor.error_summary()
    unknown = "123455" if real.registration_no != "123455" else "234566"
    other = Visitor(app.test_client(), locale)  # each the first try from its device
    other.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    other.get("/sign-in")
    other.post("/sign-in", {"registration_no": unknown, "pin": real.pin})
    assert other.error_summary() == wrong_pin
    assert other.path == "/sign-in"


def test_wrong_pins_warn_before_this_device_must_wait_and_another_device_signs_in(
    app, visitor, locale, town
):
    real = town.residents[0]
    visitor.get("/sign-in")
    wrong = {"registration_no": real.registration_no, "pin": "9999"}
    visitor.post("/sign-in", wrong)
    [first] = visitor.error_summary()
    visitor.post("/sign-in", wrong)
    [warned] = visitor.error_summary()
    assert warned != first and ("あと1回" in warned if locale == "ja" else "next try" in warned)
    response = visitor.post("/sign-in", wrong, status=429)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    [waits] = visitor.error_summary()
    assert ("窓口" in waits) if locale == "ja" else ("counter" in waits)
    # the right PIN from this device waits too
    visitor.post("/sign-in", {"registration_no": real.registration_no, "pin": real.pin}, status=429)
    # the resident's own device is not held back
    own = Visitor(app.test_client(), locale)
    own.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    own.get("/sign-in")
    sign_in(own, real)
    assert own.path == "/my-reservations"


def test_sign_in_is_rate_limited_per_client(app, town, locale):
    app.config.update(SIGN_IN_SOURCE_LIMITS="3 per 10 minutes")
    app.extensions["sign_in_limits"] = SignInLimits(app)
    visitor = Visitor(app.test_client(), locale)
    visitor.get("/sign-in")
    numbers = ["123455", "234567", "345678"]  # three numbers: the core's limit is per number
    for number in numbers[:2]:
        visitor.post("/sign-in", {"registration_no": number, "pin": "1111"})
    visitor.post("/sign-in", {"registration_no": numbers[2], "pin": "1111"}, status=429)
    response = visitor.post(
        "/sign-in",
        {"registration_no": town.residents[0].registration_no, "pin": town.residents[0].pin},
        status=429,
    )
    assert 0 < int(response.headers["Retry-After"]) <= 600
    [message] = visitor.error_summary()
    assert "10" in message
    assert visitor.soup.find("section", class_="session-panel") is None
    # another client is not held back
    other = Visitor(app.test_client(), locale)
    other.get("/sign-in")
    other.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    sign_in(other, town.residents[0])
    assert other.path == "/my-reservations"


def test_sign_out_forgets_the_resident(visitor, town):
    sign_in(visitor, town.residents[0])
    assert visitor.soup.find("section", class_="session-panel")
    visitor.post("/sign-out")
    assert visitor.path == "/"
    assert visitor.soup.find("section", class_="session-panel") is None
    visitor.get("/my-reservations")
    assert visitor.path == "/sign-in"


# ----------------------------------------------------------- session time, WCAG 2.2.1


def test_the_page_says_when_the_sign_in_ends_and_the_resident_can_extend_it(
    visitor, locale, town, clock
):
    sign_in(visitor, town.residents[0])
    panel = visitor.soup.find("section", class_="session-panel")
    assert "10:20" in panel.get_text() and panel["data-seconds-left"] == "1200"
    clock.advance(minutes=19)
    visitor.post("/session/extend", {"next": "/my-reservations"})
    assert visitor.path == "/my-reservations"
    assert "10:39" in visitor.soup.find("section", class_="session-panel").get_text()
    assert any("10:39" in notice for notice in visitor.notices())
    clock.advance(minutes=19)
    json = visitor.client.post(
        "/session/extend",
        data={"csrf_token": visitor.csrf_token()},
        headers={"Accept": "application/json"},
    ).get_json()
    assert json == {"seconds_left": 1200, "ends_at": "10:58"}


def test_the_extend_button_only_goes_back_to_this_site(visitor, town):
    sign_in(visitor, town.residents[0])
    response = visitor.client.post(
        "/session/extend", data={"csrf_token": visitor.csrf_token(), "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_after_the_time_limit_the_resident_signs_in_again_and_keeps_the_booking(
    visitor, locale, town, clock
):
    gym, whole = gym_whole()
    choose(visitor, whole, DAY, block_ids(gym, "morning"))
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    clock.advance(minutes=21)
    visitor.get("/confirm")
    assert visitor.path == "/sign-in"
    assert visitor.notices() and ("20" in visitor.notices()[0])
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"


# ------------------------------------------------------------------------- security


def test_a_post_without_its_token_is_refused(visitor, town):
    gym, whole = gym_whole()
    url = f"/units/{whole.id}/days/{DAY.isoformat()}"
    visitor.get(url)
    visitor.post(url, {"blocks": block_ids(gym, "morning")}, csrf=False, status=400)
    assert visitor.path == url
    visitor.post(
        "/sign-in",
        {"registration_no": town.residents[0].registration_no, "pin": town.residents[0].pin},
        csrf=False,
        status=400,
    )
    visitor.get("/my-reservations")
    assert visitor.path == "/sign-in"  # not signed in


def test_pages_carry_the_security_headers(visitor):
    response = visitor.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    scripts = visitor.soup.find_all("script")
    assert scripts and all(script.get("src") and not script.string for script in scripts)


def test_session_cookie_is_secure_httponly_and_lax_in_production(sqlite_template, tmp_path):
    config = app_config(
        fresh_sqlite_url(sqlite_template, tmp_path),
        MACHI_ENV="production",
        SECRET_KEY="k9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp9Qe-x7Lm_2Zp",
        CLOCK=lambda: NOW,
    )
    app = create_app(config)
    with app.app_context():
        seed = demo.seed(now=NOW)
        client = app.test_client()
        page = client.get("/sign-in", base_url="https://yoyaku.example.jp")
        token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/sign-in",
            base_url="https://yoyaku.example.jp",
            headers={"Referer": "https://yoyaku.example.jp/sign-in"},
            data={
                "csrf_token": token,
                "registration_no": seed.residents[0].registration_no,
                "pin": seed.residents[0].pin,
            },
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"]


def test_no_personal_data_in_urls_or_logs(visitor, town, caplog):
    caplog.set_level(logging.DEBUG)
    line = town.residents[0]
    gym, whole = gym_whole()
    choose(visitor, whole, DAY, block_ids(gym, "morning"))
    sign_in(visitor, line)
    visitor.post("/confirm")
    visitor.get("/my-reservations")
    for url in visitor.urls:
        for secret in (line.registration_no, line.pin, line.name):
            assert secret not in url, url
    for secret in (line.registration_no, line.pin, line.name):
        assert secret not in caplog.text


def test_the_resident_sign_in_lives_under_the_web_key_only(visitor, town):
    sign_in(visitor, town.residents[0])
    with visitor.client.session_transaction() as session:
        resident_keys = {key for key in session if key not in ("csrf_token", "_flashes")}
    assert resident_keys == {RESIDENT_KEY}
    assert RESIDENT_KEY.startswith("web_")


def test_the_era_year_is_a_remembered_preference(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/preferences/dates/era?next=/units/{whole.id}/availability")
    caption = visitor.soup.find("caption").get_text()
    if locale == "ja":
        assert "令和8年11月30日(月)" in caption
        visitor.get(f"/preferences/dates/western?next=/units/{whole.id}/availability")
        assert "2026年11月30日(月)" in visitor.soup.find("caption").get_text()
    else:
        assert "Mon 30 November 2026" in caption
    visitor.get("/preferences/dates/other", status=404)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_preference_links_only_go_back_to_this_site(app, town, target):
    response = app.test_client().get(f"/preferences/dates/era?next={target}")
    assert response.headers["Location"] == "/"


def test_a_closed_school_gym_morning_is_not_offered_on_weekdays(visitor, locale):
    school = facility_by_code("school-gym")
    visitor.get(f"/units/{school.units[0].id}/availability?week=2026-12-14")
    first_row = visitor.soup.find("table").tbody.find("tr")
    words = [td.get_text(strip=True) for td in first_row.find_all("td")]
    assert words[0] == ("利用不可" if locale == "ja" else "Not offered")


def _limited_app(sqlite_template, tmp_path, **config):
    app = create_app(
        app_config(
            fresh_sqlite_url(sqlite_template, tmp_path),
            SIGN_IN_SOURCE_LIMITS="2 per 10 minutes",
            CLOCK=lambda: NOW,
            **config,
        )
    )
    with app.app_context():
        demo.seed(now=NOW)
    return app


def _attempts(app, forwarded_for: str, count: int) -> list[int]:
    """Wrong PINs through the town's proxy (REMOTE_ADDR the proxy's) for a client."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    page = client.get("/sign-in")
    token = BeautifulSoup(page.data, "html.parser").find("input", attrs={"name": "csrf_token"})
    return [
        client.post(
            "/sign-in",
            headers={"X-Forwarded-For": forwarded_for},
            data={"registration_no": "123455", "pin": "1111", "csrf_token": token["value"]},
        ).status_code
        for _ in range(count)
    ]


def test_behind_the_towns_proxy_the_limit_counts_each_resident_apart(sqlite_template, tmp_path):
    app = _limited_app(sqlite_template, tmp_path, PROXY_HOPS=1)
    assert _attempts(app, "198.51.100.1", 3) == [200, 429, 429]
    assert _attempts(app, "198.51.100.2", 1) == [200]  # another resident, same proxy


def test_without_proxy_hops_a_forged_forwarded_for_does_not_escape_the_limit(
    sqlite_template, tmp_path
):
    app = _limited_app(sqlite_template, tmp_path)
    assert _attempts(app, "198.51.100.1", 1) == [200]
    assert _attempts(app, "198.51.100.2", 1) == [429]  # the same peer, whatever it claims
