"""Groups in Debian's Chromium: axe-core finds no WCAG 2.2 AA violation on any new
page or error state, in Japanese (the web at 320 px) and in English; the web's "for
whom" choice is made with the keyboard alone, every focus outlined."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from reservations import services
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations
from tests.e2e.test_counter_axe import check, submit
from tests.e2e.test_web_flow import fits_320, follow, ids, press, tab_to, use_english

ERROR_TITLE = re.compile("^(エラー:|Error:)")


def search_for(page, url: str, selector: str, query: str) -> None:
    """A search sent by POST from the page's form; the answer is checked."""
    page.goto(url)
    page.fill(selector, query)
    with page.expect_navigation():
        page.press(selector, "Enter")
    check(page)


def group_named(server, name: str) -> int:
    with server.app.app_context():
        return next(g.id for g in services.list_groups() if g.name == name)


# -------------------------------------------------------------------------- counter


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_counter_group_page_has_no_axe_violations(live_server, page, language):
    base = live_server.url
    if language == "en":
        use_english(page, live_server)
    ok, register, search = (
        ("ログイン", "登録して団体登録証", "検索")
        if language == "ja"
        else ("Sign in", "Register and print", "Search")
    )
    page.goto(f"{base}/counter/sign-in")
    page.fill("#username", "clerk")
    page.fill("#password", "window-desk-2026")
    submit(page, ok)
    club = group_named(live_server, "寿会（老人クラブ）")
    kids = group_named(live_server, "青葉スポーツ少年団")
    with live_server.app.app_context():
        takahashi = services.find_residents("たかはし")[0]
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        unit, block = gym.units[0].id, gym.time_blocks[0].id
        booked = services.book(
            services.Actor.resident(takahashi.id, "web"),
            resident_id=takahashi.id,
            group_id=club,
            unit_id=unit,
            day=date(2026, 12, 16),
            block_ids=[block],
            now=E2E_NOW,
        )
        member_ids = [m.resident_id for m in services.get_group(kids).members]

    check(page, f"{base}/counter/groups")
    check(page, f"{base}/counter/groups/expiring")
    search_for(page, f"{base}/counter/", "#q", "あおば")  # groups found by the search
    check(page, f"{base}/counter/residents/{takahashi.id}")  # the resident's groups
    check(page, f"{base}/counter/groups/{club}")
    search_for(page, f"{base}/counter/groups/{club}", "#q", "やまだ")  # to add
    check(page, f"{base}/counter/groups/{club}/slip")
    check(page, f"{base}/counter/groups/{club}/status")
    submit(page, "記録する" if language == "ja" else "Record it")
    check(page, errors=True)  # no choice, no reason
    check(page, f"{base}/counter/groups/{club}/renew")
    submit(page, "更新して" if language == "ja" else "Renew and print")
    check(page, errors=True)  # renewal not open yet
    # Adding someone already on the roster, from the group's page.
    page.goto(f"{base}/counter/groups/{kids}")
    with live_server.app.app_context():
        page.fill("#registration_no", services.get_resident(member_ids[0]).registration_no)
    submit(page, "名簿に加える" if language == "ja" else "Add to the roster")
    check(page, errors=True)

    # Registering: the empty form, search results, every field in error, the overlap.
    check(page, f"{base}/counter/groups/new")
    page.fill("#q", "たなか" if language == "ja" else "tanaka")
    submit(page, search)
    check(page)
    submit(page, register)
    check(page, errors=True)
    with live_server.app.app_context():
        numbers = [services.get_resident(i).registration_no for i in member_ids]
    page.fill("#name", "青葉OB会")
    page.fill("#name_kana", "あおば おーびーかい")
    page.select_option("#purpose", "sport")
    page.fill("#declared_members", "10")
    page.fill("#resident_members", "9")
    page.fill("#representative", numbers[0])
    page.fill("#contact", numbers[1])
    page.fill("#members", "\n".join(numbers[2:]))
    submit(page, register)
    check(page, errors=True)  # shares its members with the youth club
    page.check("#confirm_overlap")
    submit(page, register)
    check(page)  # the registration slip

    # Booking for the group at the counter, and staff's exemption decision.
    confirm = (
        f"{base}/counter/residents/{takahashi.id}/book/confirm?unit={unit}"
        f"&day=2026-12-17&blocks={block}&group={club}"
    )
    check(page, confirm)
    check(page, f"{base}/counter/reservations/{booked.id}")
    submit(page, "減免の決定を記録する" if language == "ja" else "Record the exemption decision")
    check(page, errors=True)  # no reason
    check(page, f"{base}/counter/reservations/{booked.id}/slip")
    with live_server.app.app_context():
        number = services.get_group(club).registration_no
    check(page, f"{base}/counter/audit?group={number}")


# ------------------------------------------------------------------------------ web


def to_confirm(page, server, name: str, day: str = "2026-12-16") -> None:
    gym, whole = ids(server, "town-gym")
    person = next(r for r in server.seed.residents if r.name == name)
    page.goto(f"{server.url}/units/{whole}/days/{day}")
    page.locator("label[for=blocks-0]").click()
    page.get_by_role("button", name=re.compile("次へ進む|Continue")).click()
    page.fill("#registration_no", person.registration_no)
    page.fill("#pin", person.pin)
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/confirm$"))


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_for_whom_choice_and_the_groups_bookings_have_no_axe_violations(
    page, live_server, language
):
    server = live_server
    if language == "en":
        use_english(page, server)
    else:
        page.set_viewport_size({"width": 320, "height": 640})

    def checked(path: str | None = None) -> None:
        if path is not None:
            page.goto(server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_no_axe_violations(page)
        if language == "ja":
            fits_320(page)

    with server.app.app_context():
        services.suspend_group(
            services.Actor.system(),
            group_id=group_named(server, "バレーボールサークル「はばたき」"),
            reason="鍵の返却がない",
            now=E2E_NOW,
        )
    to_confirm(page, server, "田中 美咲")
    checked()  # myself, the youth club (exempt), the circle (suspended: why)
    page.get_by_label("バレーボールサークル「はばたき」").check()
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_title(ERROR_TITLE)
    expect(page.locator(".error-summary")).to_be_focused()
    checked()
    page.get_by_label("青葉スポーツ少年団").check()
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile("/booked$"))
    checked()
    number = page.locator("#reservation-number").inner_text()
    checked(page.url.replace(server.url, "").replace("/booked", "/print"))
    checked("/my-reservations")
    expect(page.locator("main")).to_contain_text(number)
    with server.app.app_context():
        reservation = services.find_reservation(number)
    page.context.clear_cookies()  # signed out: another member signs in
    if language == "en":
        use_english(page, server)
    person = next(r for r in server.seed.residents if r.name == "伊藤 誠")  # a plain member
    page.goto(server.url + "/sign-in")
    page.fill("#registration_no", person.registration_no)
    page.fill("#pin", person.pin)
    page.locator("main").get_by_role("button").click()
    checked("/my-reservations")  # the club's booking, not his to cancel
    checked(f"/reservations/{reservation.id}/cancel")


def test_the_for_whom_choice_with_the_keyboard_alone(page, live_server):
    server = live_server
    to_confirm(page, server, "田中 美咲")
    page.goto(server.url + "/confirm")  # start from the top of the page, as a visitor
    first = tab_to(page, lambda f: f["tag"] == "INPUT" and f["id"] == "for_whom-0")
    assert first["id"] == "for_whom-0"
    expect(page.locator("#for_whom-0")).to_be_checked()
    press(page, "ArrowDown")  # radios: the arrow keys move the choice
    expect(page.locator("#for_whom-1")).to_be_checked()
    focused = press(page, "Tab")
    assert focused["tag"] == "BUTTON" and focused["text"] == "予約する", focused
    follow(page)
    expect(page).to_have_url(re.compile("/booked$"))
    expect(page.locator("main")).to_contain_text("青葉スポーツ少年団")
    with server.app.app_context():
        number = page.locator("#reservation-number").inner_text().strip()
        reservation = services.find_reservation(number)
        assert reservation.group is not None and reservation.group.name == "青葉スポーツ少年団"
