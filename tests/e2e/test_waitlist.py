"""The waiting list (キャンセル待ち) in Chromium with the keyboard alone: joining a booked
time from the day's times, and accepting a time offered when it freed; axe-core finds
no WCAG 2.2 AA violation on the join page, My waiting list and their error states, in
ja, en and ja@easy (やさしい日本語)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_web_phones_and_keyboard import Keyboard

DAY = date(2026, 12, 16)
# The offer's accept button ("Accept and book it"); innerText, so a prefix before furigana.
FIRST = {"ja": "1番目", "en": "Number 1", "ja@easy": re.compile(r"^1番\(ばん\)目\(め\)$")}
ACCEPT = {"ja": "お受けして予約する", "en": "Accept and book it", "ja@easy": "はい"}


def _gym():
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return gym, gym.units[0]


def _book_morning(server):
    """佐藤 一郎 books the whole gym on the morning of DAY."""
    with server.app.app_context():
        gym, whole = _gym()
        ichiro = services.find_residents("さとう")[0]
        reservation = services.book(
            services.Actor.resident(ichiro.id, "phone"),
            resident_id=ichiro.id,
            unit_id=whole.id,
            day=DAY,
            block_ids=[gym.time_blocks[0].id],
            now=E2E_NOW,
        )
        return whole.id, gym.time_blocks[0].id, reservation.id, ichiro.id


def _sign_in(page, keys, server, resident):
    page.goto(server.url + "/sign-in")
    keys.skip()
    keys.tab_to(lambda f: f["id"] == "registration_no")
    page.keyboard.type(resident.registration_no)
    keys.tab_to(lambda f: f["id"] == "pin")
    page.keyboard.type(resident.pin)
    keys.follow()


@pytest.mark.parametrize("language", ["ja", "en", "ja@easy"])
def test_joining_the_waiting_list_with_the_keyboard_alone(page, live_server, language):
    server = live_server
    if language != "ja":
        page.context.add_cookies([{"name": "lang", "value": language, "url": server.url}])
    whole, morning, _reservation, _ichiro = _book_morning(server)
    keys = Keyboard(page)
    _sign_in(page, keys, server, server.resident("landline"))
    page.goto(f"{server.url}/units/{whole}/days/{DAY.isoformat()}")
    assert_no_axe_violations(page)
    keys.tab_to(lambda f: "/waitlist/join?" in f["href"], limit=60)
    keys.follow()
    expect(page).to_have_url(re.compile("/waitlist/join"))
    assert_no_axe_violations(page)
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page).to_have_url(re.compile("/my-waitlist(#.*)?$"))
    expect(page.locator(".waitlist-position")).to_have_text(FIRST[language])
    assert_no_axe_violations(page)
    # The error state: the afternoon is free, so joining it is refused in the summary.
    afternoon = morning + 1
    page.goto(f"{server.url}/waitlist/join?unit={whole}&day={DAY.isoformat()}&block={afternoon}")
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON")
    keys.follow()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("language", ["ja", "en", "ja@easy"])
def test_accepting_an_offer_with_the_keyboard_alone(page, live_server, language):
    server = live_server
    if language != "ja":
        page.context.add_cookies([{"name": "lang", "value": language, "url": server.url}])
    whole, morning, reservation_id, ichiro = _book_morning(server)
    hana = server.resident("landline")
    with server.app.app_context():
        waiter = services.find_residents(hana.registration_no)[0]
        for block in (morning, morning + 1):
            if block != morning:  # a second entry, answered elsewhere: the error state
                services.book(
                    services.Actor.resident(ichiro, "phone"),
                    resident_id=ichiro,
                    unit_id=whole,
                    day=DAY,
                    block_ids=[block],
                    now=E2E_NOW,
                )
            services.join_waitlist(
                services.Actor.resident(waiter.id, "web"),
                resident_id=waiter.id,
                unit_id=whole,
                day=DAY,
                block_ids=[block],
                now=E2E_NOW,
            )
        for theirs in services.reservations_of(ichiro, now=E2E_NOW).upcoming:
            services.cancel(
                services.Actor.resident(ichiro, "phone"), reservation_id=theirs.id, now=E2E_NOW
            )
        first, second = services.offer_freed_slots(E2E_NOW)
    keys = Keyboard(page)
    _sign_in(page, keys, server, hana)
    page.goto(server.url + "/my-waitlist")
    assert_no_axe_violations(page)
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON" and f["text"].startswith(ACCEPT[language]))
    keys.follow()
    expect(page).to_have_url(re.compile("/booked(#.*)?$"))
    assert_no_axe_violations(page)
    # The second offer is answered on the phone meanwhile; the page's button then says so.
    page.goto(server.url + "/my-waitlist")
    with server.app.app_context():
        services.decline_offer(
            services.Actor.resident(waiter.id, "phone"), entry_id=second.id, now=E2E_NOW
        )
    keys.skip()
    keys.tab_to(lambda f: f["tag"] == "BUTTON" and f["text"].startswith(ACCEPT[language]))
    keys.follow()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_counter_pages_of_the_waitlist_have_no_axe_violations(live_server, page):
    from tests.e2e.test_counter_axe import check, sign_in, submit

    server = live_server
    base = server.url
    whole, morning, reservation_id, ichiro = _book_morning(server)
    with server.app.app_context():
        hana = services.find_residents(server.resident("landline").registration_no)[0]
        hana_id = hana.id
    sign_in(page, base, "clerk", "window-desk-2026")
    check(page, f"{base}/counter/residents/{hana_id}/book?unit={whole}&day={DAY.isoformat()}")
    submit(page, "キャンセル待ちに登録する")
    check(page)  # the resident's page, with their place in line
    assert page.url.endswith(f"/counter/residents/{hana_id}")
    with server.app.app_context():
        services.cancel(
            services.Actor.resident(ichiro, "phone"), reservation_id=reservation_id, now=E2E_NOW
        )
        [entry] = services.offer_freed_slots(E2E_NOW)
    check(page, f"{base}/counter/waitlist/calls")
    submit(page, "電話した")
    check(page)
    check(page, f"{base}/counter/residents/{hana_id}")
    with server.app.app_context():  # answered on the phone meanwhile
        services.accept_offer(
            services.Actor.resident(hana_id, "phone"), entry_id=entry.id, now=E2E_NOW
        )
    submit(page, "案内を受ける")
    check(page, errors=True)
