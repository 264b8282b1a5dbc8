"""The lottery's counter pages (抽選) in Chromium: axe-core finds no WCAG 2.2 AA
violation on the rounds, on a round's page before and after its draw, and on the paper
application form and its error state; and the residents' web pages of the lottery in
ja, en and ja@easy (やさしい日本語)."""

from __future__ import annotations

import re

import pytest

from channels import demo
from reservations import services
from tests.e2e.conftest import E2E_NOW

WEB_LANGUAGES = pytest.mark.parametrize("language", ["ja", "en", "ja@easy"])


def _speak(page, server, language: str) -> None:
    if language != "ja":
        page.context.add_cookies([{"name": "lang", "value": language, "url": server.url}])


def _spoken(page, language: str) -> None:
    """The page is in the language the test speaks (the switch marks it current)."""
    from playwright.sync_api import expect

    label = {"ja": "日本語", "en": "English", "ja@easy": "やさしい日本語"}[language]
    expect(page.locator(".language-switch [aria-current=true]")).to_have_text(
        re.compile("^" + label)
    )


def test_the_counter_pages_of_the_lottery_have_no_axe_violations(live_server, page):
    from tests.e2e.test_counter_axe import check, sign_in, submit

    server = live_server
    with server.app.app_context():
        closed, open_ = (line.code for line in demo.seed_lottery(E2E_NOW))
    sign_in(page, server.url, "clerk", "window-desk-2026")
    check(page, f"{server.url}/counter/lottery")
    check(page, f"{server.url}/counter/lottery/{closed}")
    with server.app.app_context():
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
        receipt = services.applications_in(closed)[0].receipt_number
    check(page, f"{server.url}/counter/lottery/{closed}")
    check(page, f"{server.url}/counter/lottery/applications/{receipt}")  # a win's buttons
    # The paper application form, and its error state (nothing entered).
    check(page, f"{server.url}/counter/lottery/{open_}")
    submit(page, "申込みを入力する")
    check(page, errors=True)
    page.fill("#resident", server.seed.residents[0].registration_no)
    page.select_option("#unit_1", index=1)
    page.fill("#day_1", "2027-03-06")
    page.select_option("#block_1", index=1)
    submit(page, "申込みを入力する")
    check(page)
    assert page.locator("text=受付番号").count() >= 1
    # The application's page with its change form, and the change's error state.
    page.locator("main table a", has_text=re.compile(r"^\d{7}$")).first.click()
    check(page)
    page.fill("#day_1", "someday")
    submit(page, "変更を保存する")
    check(page, errors=True)
    # The resident's page lists the application.
    with server.app.app_context():
        number = server.seed.residents[0].registration_no
        resident_id = services.find_residents(number)[0].id
    check(page, f"{server.url}/counter/residents/{resident_id}")
    # Hers from the demo, in the closed round, and the one just entered.
    assert page.locator("#lottery + table a", has_text=re.compile(r"^\d{7}$")).count() == 2


@WEB_LANGUAGES
def test_the_public_results_page_has_no_axe_violations(live_server, page, language):
    from tests.e2e.conftest import assert_no_axe_violations

    server = live_server
    _speak(page, server, language)
    with server.app.app_context():
        closed = demo.seed_lottery(E2E_NOW)[0].code
    page.goto(f"{server.url}/lottery/{closed}/results")
    _spoken(page, language)
    assert_no_axe_violations(page)
    with server.app.app_context():
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
    page.goto(f"{server.url}/lottery/{closed}/results")
    assert_no_axe_violations(page)


@WEB_LANGUAGES
def test_applying_to_the_lottery_with_the_keyboard_alone(live_server, page, language):
    """The rounds, the form, its error state (a choice with a room but no date), the
    receipt number, My lottery applications and the withdraw page: reached and used
    with Tab, the arrow keys and Enter, and axe-checked."""
    from playwright.sync_api import expect

    from tests.e2e.conftest import assert_no_axe_violations
    from tests.e2e.test_waitlist import _sign_in
    from tests.e2e.test_web_phones_and_keyboard import Keyboard

    server = live_server
    with server.app.app_context():
        open_ = demo.seed_lottery(E2E_NOW)[1].code
    _speak(page, server, language)
    keys = Keyboard(page)
    _sign_in(page, keys, server, server.resident("landline"))
    page.goto(f"{server.url}/lottery")
    _spoken(page, language)
    assert_no_axe_violations(page)
    keys.skip()
    keys.tab_to(lambda f: f["href"] == f"/lottery/{open_}/apply")
    keys.follow()
    assert_no_axe_violations(page)

    def choose(field: str) -> None:
        keys.tab_to(lambda f: f["id"] == field)
        page.keyboard.press("ArrowDown")

    keys.skip()
    choose("unit_1")
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)
    choose("day_1")  # from the error summary, which has the focus
    choose("block_1")
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page).to_have_url(re.compile("/received(#.*)?$"))
    expect(page.locator("#receipt-number")).to_have_text(re.compile(r"^\d{7}$"))
    assert_no_axe_violations(page)
    receipt = page.locator("#receipt-number").inner_text()
    keys.tab_to(lambda f: f["href"] == "/my-lottery", limit=60)
    keys.follow()
    assert_no_axe_violations(page)
    keys.skip()
    keys.tab_to(lambda f: f["href"] == f"/lottery/applications/{receipt}/withdraw", limit=60)
    keys.follow()
    assert_no_axe_violations(page)


@WEB_LANGUAGES
def test_a_win_on_my_lottery_applications_has_no_axe_violations(live_server, page, language):
    """After the draw: a winner's page with the win to confirm or decline, and the
    error state of a win already answered elsewhere."""
    from tests.e2e.conftest import assert_no_axe_violations
    from tests.e2e.test_counter_axe import submit

    server = live_server
    with server.app.app_context():
        closed = demo.seed_lottery(E2E_NOW)[0].code
        services.draw_round(services.Actor.system(), code=closed, now=E2E_NOW)
        application, won = next(
            (a, c) for a in services.applications_in(closed) for c in a.choices if c.won
        )
        winner = next(r for r in server.seed.residents if r.name == application.applied_by.name)
        by_phone = services.Actor.resident(application.applied_by_id, "phone")
    page.goto(server.url + "/sign-in")
    page.fill("#registration_no", winner.registration_no)
    page.fill("#pin", winner.pin)
    submit(page, "ログイン")
    _speak(page, server, language)
    page.goto(server.url + "/my-lottery")
    _spoken(page, language)
    assert page.locator(f"form[action='/lottery/choices/{won.id}/confirm']").count() == 1
    assert_no_axe_violations(page)
    with server.app.app_context():
        services.decline_win(by_phone, choice_id=won.id, now=E2E_NOW)
    with page.expect_navigation():
        page.locator(f"form[action='/lottery/choices/{won.id}/confirm'] button").click()
    assert page.locator(".error-summary").count() == 1
    assert_no_axe_violations(page)
