"""axe-core finds no WCAG 2.2 AA violation on any counter page, in its ordinary state
and with errors, warnings and slips showing. One browser, one live server."""

from __future__ import annotations

import re
from datetime import date

from reservations import services
from reservations.errors import ReservationError
from reservations.settings import get_settings
from tests.e2e.conftest import E2E_NOW, assert_no_axe_violations

DAY = date(2026, 12, 16)
FAR = date(2027, 3, 10)


def check(page, url: str | None = None, *, errors: bool = False) -> None:
    if url is not None:
        page.goto(url)
    title = page.title()
    assert title.startswith(("エラー:", "Error:")) == errors, (page.url, title)
    assert_no_axe_violations(page)


def submit(page, button_text: str) -> None:
    with page.expect_navigation():
        page.locator("main button[type=submit]", has_text=button_text).first.click()


def sign_in(page, base, username, password):
    page.goto(f"{base}/counter/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    submit(page, "ログイン")


def test_every_counter_page_has_no_axe_violations(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        hana = services.find_residents("やまだ")[0]
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        unit, blocks = gym.units[0], {b.code: b.id for b in gym.time_blocks}
        ichiro = services.find_residents("さとう")[0]
        number = services.book(
            services.Actor.resident(ichiro.id, "web"),
            resident_id=ichiro.id,
            unit_id=unit.id,
            day=DAY,
            block_ids=[blocks["afternoon"]],
            now=E2E_NOW,
        ).number
        hana_id, unit_id = hana.id, unit.id

    # Signing in, with and without an error.
    check(page, f"{base}/counter/sign-in")
    page.fill("#username", "admin")
    page.fill("#password", "wrong")
    submit(page, "ログイン")
    check(page, errors=True)
    sign_in(page, base, "admin", "ledger-desk-2026")

    # Finding and registering residents.
    check(page, f"{base}/counter/")
    for query in ("ﾔﾏﾀﾞ", "だれもいない", number):  # sent by POST, shown at /counter/search
        page.goto(f"{base}/counter/")
        page.fill("#q", query)
        submit(page, "検索")
        assert page.url == f"{base}/counter/search"
        check(page)
    check(page, f"{base}/counter/residents/new")
    submit(page, "登録")
    check(page, errors=True)
    page.fill("#name", "山田 ハナ")
    page.fill("#name_kana", "やまだ はな")
    page.check("#is_resident-0")
    page.select_option("#exemption", "disability")
    page.select_option("#exemption_evidence", "disability_certificate")
    submit(page, "登録")
    check(page, errors=True)  # the possible-duplicate warning
    page.check("#confirm_different")
    submit(page, "登録")
    check(page)  # the registration slip
    check(page, f"{base}/counter/residents/{hana_id}")

    # Booking, with the admin's override controls and an error.
    check(page, f"{base}/counter/residents/{hana_id}/book")
    check(page, f"{base}/counter/residents/{hana_id}/book?unit={unit_id}&day=12/16")
    check(
        page, f"{base}/counter/residents/{hana_id}/book?unit={unit_id}&day=12/16&go=1", errors=True
    )
    check(page, f"{base}/counter/residents/{hana_id}/book?unit={unit_id}&day=2026-12-28")  # closed
    check(page, f"{base}/counter/residents/{hana_id}/book?unit={unit_id}&day=13/45", errors=True)
    confirm = (
        f"{base}/counter/residents/{hana_id}/book/confirm?unit={unit_id}"
        f"&day={FAR.isoformat()}&blocks={blocks['morning']}"
    )
    check(page, confirm)
    submit(page, "予約する")
    check(page, errors=True)  # not open yet
    page.check("#override")
    submit(page, "予約する")
    check(page, errors=True)  # the override needs a reason
    page.fill("#override_reason", "町民体育大会の会場")
    submit(page, "予約する")
    assert re.search(r"/counter/reservations/\d+$", page.url)
    reservation_url = page.url
    check(page)  # the reservation, unpaid, with the payment form
    submit(page, "支払いを記録する")
    check(page, errors=True)
    check(page, f"{reservation_url}/slip")
    check(page, f"{reservation_url}/change")
    check(
        page,
        f"{reservation_url}/change/confirm?unit={unit_id}&day={FAR.isoformat()}"
        f"&blocks={blocks['afternoon']}",
    )
    check(page, f"{reservation_url}/cancel")
    submit(page, "予約を取り消す")
    check(page, errors=True)
    page.fill("#reason", "本人から電話")
    submit(page, "予約を取り消す")
    check(page)  # cancelled
    check(page, f"{reservation_url}/slip")  # a cancelled slip

    # Counter work and the administrators' pages.
    check(page, f"{base}/counter/day")
    check(page, f"{base}/counter/day?day=2026-12-16")
    check(page, f"{base}/counter/day?day=x", errors=True)
    check(page, f"{base}/counter/audit")
    check(page, f"{base}/counter/audit?start=2026-12-02&end=2026-12-01", errors=True)
    check(page, f"{base}/counter/staff")
    submit(page, "アカウントを追加する")
    check(page, errors=True)
    check(page, f"{base}/counter/closures")
    submit(page, "休館中の予約を確認する")  # the first step: what the closure covers
    check(page, errors=True)
    check(page, f"{base}/counter/reservations/99999999")  # not found
    with page.expect_navigation():  # a form sent without its CSRF token
        page.evaluate("""() => { const form = document.createElement('form');
            form.method = 'post'; form.action = '/counter/sign-out';
            document.body.appendChild(form); form.submit(); }""")
    check(page)

    # The idle-session warning, shown by the script when little time is left.
    page.clock.install()
    page.goto(f"{base}/counter/residents/new")
    page.fill("#name", "途中まで入力")
    page.focus("#name_kana")
    assert page.locator("#session-warning").is_hidden()
    page.clock.run_for("18:01")  # 20 idle minutes, warned 2 minutes before
    assert page.locator("#session-warning").is_visible()
    assert page.evaluate("document.activeElement.id") == "session-extend"
    page.clock.resume()
    check(page)
    with page.expect_response("**/counter/session/extend") as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 204
    page.wait_for_selector("#session-warning", state="hidden")
    # Staying signed in keeps the half-filled form and gives focus back.
    assert page.url == f"{base}/counter/residents/new"
    assert page.input_value("#name") == "途中まで入力"
    assert page.evaluate("document.activeElement.id") == "name_kana"

    # A clerk meets the administrators' pages, then signs out.
    with page.expect_navigation():
        page.locator("header button", has_text="ログアウト").click()
    check(page)  # signed out
    sign_in(page, base, "clerk", "window-desk-2026")
    check(page, f"{base}/counter/staff")
    page.goto(f"{base}/language/en?next=/counter/")
    check(page)


def test_staff_account_pages_have_no_axe_violations(live_server, page):
    """An administrator unlocks, resets, deactivates and reactivates an account; its
    holder then signs in with the temporary password and chooses their own."""
    base = live_server.url
    with live_server.app.app_context():
        actor = services.Actor.system()
        member = services.create_staff(
            actor,
            username="suzuki",
            display_name="鈴木 三郎",
            password="brisk-pass-2026",
            role="clerk",
            now=E2E_NOW,
        )
        # Locked after wrong passwords from many addresses: the account-level lock, the
        # last resort (one address alone is made to wait long before).
        for n in range(get_settings().staff_account_lock_failures):
            try:
                services.verify_staff("suzuki", "wrong", now=E2E_NOW, source=f"counter:192.0.2.{n}")
            except ReservationError:
                pass
        member_url = f"{base}/counter/staff/{member.id}"
        admin_id = next(s.id for s in services.list_staff() if s.username == "admin")
        admin_url = f"{base}/counter/staff/{admin_id}"

    sign_in(page, base, "admin", "ledger-desk-2026")
    check(page, f"{base}/counter/staff")
    check(page, member_url)  # locked: the unlock button shows
    submit(page, "ロックを解除する")
    check(page)
    page.fill("#password", "short")
    submit(page, "パスワードを再設定する")
    check(page, errors=True)
    submit(page, "パスワードを再設定する")
    check(page)  # the temporary password, shown once
    temporary = page.locator(".temporary-password").inner_text().strip()
    check(page, member_url)  # a temporary password
    submit(page, "アカウントを無効にする")
    check(page)
    submit(page, "アカウントを有効に戻す")
    check(page)
    check(page, admin_url)  # their own: nothing to demote, reset or deactivate
    check(page, f"{base}/counter/password")
    submit(page, "パスワードを変更する")
    check(page, errors=True)

    # The staff member signs in with the temporary password and must choose their own.
    with page.expect_navigation():
        page.locator("header button", has_text="ログアウト").click()
    sign_in(page, base, "suzuki", temporary)
    assert page.url.startswith(f"{base}/counter/password")
    check(page)
    page.fill("#current_password", temporary)
    page.fill("#new_password", "maple-river-lantern-7")
    page.fill("#new_password_again", "maple-river-lantern-7")
    submit(page, "パスワードを変更する")
    assert page.url == f"{base}/counter/"
    check(page)
