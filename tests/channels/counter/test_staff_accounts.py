"""Administrators manage staff accounts at the counter (role, password reset, unlock,
deactivate, reactivate); every staff member changes their own password; sign-in and
sign-out are in the audit trail. The demo's staff: `clerk` and `admin`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.errors import InvalidCredentials
from reservations.models import AuditEntry, Staff
from tests.channels.counter.conftest import fresh, get_page, post, sign_in, text_of, token_of
from tests.pages import check_page


def staff_named(username: str) -> Staff:
    fresh()
    return db.session.scalar(sa.select(Staff).where(Staff.username == username))


def audit_actions(username: str | None = None) -> list[str]:
    fresh()
    query = (
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.like("staff.%"))
        .order_by(AuditEntry.id)
    )
    if username is not None:
        query = query.where(AuditEntry.subject == f"staff:{username}")
    return list(db.session.scalars(query))


def member_url(username: str) -> str:
    return f"/counter/staff/{staff_named(username).id}"


@pytest.fixture
def second_client(app, client):
    """Another browser, for the staff member whose account the admin changes."""
    return app.test_client()


def assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302 and response.location.startswith("/counter/sign-in")


def act(admin, username: str, action: str):
    return post(admin, f"{member_url(username)}/{action}", form_page=member_url(username))


# ----------------------------------------------------------------- the pages


def lock_out_clerk() -> None:
    """The account-wide lock, the last resort: wrong passwords from many addresses (one
    address alone only makes that address wait)."""
    for address in range(10):
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                services.verify_staff(
                    "clerk", "wrong", now=services.clock_now(), source=f"counter:10.0.0.{address}"
                )


def test_the_staff_list_links_each_account_with_its_state(admin, second_client):
    lock_out_clerk()
    admin.set_cookie("lang", "en")
    soup = get_page(admin, "/counter/staff")
    rows = {tr.find("a").get_text(strip=True): tr for tr in soup.find("tbody").find_all("tr")}
    assert rows["clerk"].find("a")["href"] == member_url("clerk")
    assert "Locked after wrong passwords" in text_of(rows["clerk"])
    assert text_of(rows["admin"]).endswith("Active")


def test_an_account_page_offers_what_an_admin_can_change(admin):
    admin.set_cookie("lang", "en")
    soup = get_page(admin, member_url("clerk"))
    assert soup.h1.get_text(strip=True) == "Staff account clerk"
    actions = {form["action"] for form in soup.find_all("form", method="post")}
    base = member_url("clerk")
    assert {f"{base}/role", f"{base}/password", f"{base}/deactivate"} <= actions
    assert f"{base}/unlock" not in actions and f"{base}/reactivate" not in actions
    assert soup.find("input", id="role-0").has_attr("checked")  # clerk, as it is
    assert soup.find("a", href=f"/counter/audit?staff={staff_named('clerk').id}")


def test_an_admin_own_page_has_no_way_to_demote_deactivate_or_reset_themself(admin):
    admin.set_cookie("lang", "en")
    soup = get_page(admin, member_url("admin"))
    actions = {form["action"] for form in soup.find_all("form", method="post")} - {
        "/counter/sign-out",
        "/counter/session/extend",
        "/counter/",  # the header's resident search, sent by POST
    }
    assert actions == set()
    assert "You cannot change your own role" in text_of(soup)
    assert soup.find("main").find("a", href="/counter/password")


def test_an_unknown_account_is_not_found(admin):
    get_page(admin, "/counter/staff/999", status=404)


def test_clerks_cannot_reach_or_use_the_account_pages(clerk):
    base = member_url("admin")
    get_page(clerk, base, status=403)
    token = token_of(get_page(clerk, "/counter/"))
    for action, data in (
        ("role", {"role": "clerk"}),
        ("password", {}),
        ("unlock", {}),
        ("deactivate", {}),
        ("reactivate", {}),
    ):
        assert clerk.post(f"{base}/{action}", data={"csrf_token": token, **data}).status_code == 403
    admin = staff_named("admin")
    assert (admin.role, admin.active, admin.must_change_password) == ("admin", True, False)


# ------------------------------------------------------ deactivate and reactivate


def test_deactivating_ends_the_open_session_and_sign_in_until_reactivated(admin, second_client):
    sign_in(second_client)
    assert second_client.get("/counter/").status_code == 200
    admin.set_cookie("lang", "en")
    response = act(admin, "clerk", "deactivate")
    assert response.status_code == 302 and response.location == member_url("clerk")
    soup = get_page(admin, response.location)
    assert "is deactivated" in text_of(soup.find(class_="notices"))
    assert "Inactive" in text_of(soup.find("dl"))
    assert_sent_to_sign_in(second_client.get("/counter/"))
    refused = post(
        second_client, "/counter/sign-in", {"username": "clerk", "password": "window-desk-2026"}
    )
    assert refused.status_code == 200
    response = act(admin, "clerk", "reactivate")
    assert response.status_code == 302
    sign_in(second_client)
    assert audit_actions("clerk")[-3:] == ["staff.deactivate", "staff.reactivate", "staff.sign_in"]


def test_an_admin_who_posts_their_own_deactivation_anyway_is_refused(admin):
    admin.set_cookie("lang", "en")
    response = act(admin, "admin", "deactivate")
    soup = check_page(response.data)
    summary = text_of(soup.find(class_="error-summary"))
    assert "You cannot do this to your own account" in summary
    assert staff_named("admin").active


# ---------------------------------------------------------------------- unlock


def test_unlocking_lets_a_locked_out_clerk_sign_in_at_once(admin, second_client):
    lock_out_clerk()
    admin.set_cookie("lang", "en")
    soup = get_page(admin, member_url("clerk"))
    assert "Locked after wrong passwords" in text_of(soup.find("dl"))
    assert act(admin, "clerk", "unlock").status_code == 302
    sign_in(second_client)
    assert "staff.unlock" in audit_actions("clerk")


# ------------------------------------------------------------------ role changes


def test_a_new_role_applies_once_the_staff_member_signs_in_again(admin, second_client):
    """The role change ends the clerk's session; signed in again, they are an admin."""
    sign_in(second_client)
    get_page(second_client, "/counter/staff", status=403)
    response = post(
        admin, f"{member_url('clerk')}/role", {"role": "admin"}, form_page=member_url("clerk")
    )
    assert response.status_code == 302
    assert second_client.get("/counter/staff").location.startswith("/counter/sign-in")
    sign_in(second_client)
    get_page(second_client, "/counter/staff")
    assert staff_named("clerk").role == "admin"


def test_role_errors_show_on_the_role_field(admin):
    admin.set_cookie("lang", "en")
    response = post(admin, f"{member_url('clerk')}/role", {}, form_page=member_url("clerk"))
    soup = check_page(response.data)
    assert soup.find(class_="error-summary").find("a", href="#role-0")
    assert "Choose a role" in text_of(soup.find(id="role-error"))
    response = post(
        admin, f"{member_url('admin')}/role", {"role": "clerk"}, form_page=member_url("clerk")
    )
    soup = check_page(response.data)
    assert "You cannot do this to your own account" in text_of(soup.find(class_="error-summary"))
    assert staff_named("admin").role == "admin"


# ----------------------------------------------------- resetting and changing passwords


def issue_password(admin, username: str = "clerk") -> str:
    response = post(
        admin, f"{member_url(username)}/password", {"password": ""}, form_page=member_url(username)
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    soup = check_page(response.data)
    return soup.find(class_="temporary-password").get_text(strip=True)


def test_a_password_made_by_the_system_is_shown_once_and_must_be_changed(admin, second_client):
    sign_in(second_client)  # a session already open ends with the reset
    issued = issue_password(admin)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", issued)
    assert issued not in get_page(admin, member_url("clerk")).decode()
    assert_sent_to_sign_in(second_client.get("/counter/day"))
    response = post(
        second_client,
        "/counter/sign-in",
        {"username": "clerk", "password": issued, "next": "/counter/audit"},
    )
    assert response.location == "/counter/audit"
    response = second_client.get(response.location)
    assert response.location == "/counter/password?next=/counter/audit"
    second_client.set_cookie("lang", "en")
    soup = get_page(second_client, response.location)
    assert "Choose your own before going on" in text_of(soup)
    assert soup.find("nav", class_="counter-nav") is None and soup.find(id="header-q") is None
    response = post(
        second_client,
        "/counter/password",
        {
            "current_password": issued,
            "new_password": "bright-own-pass",
            "new_password_again": "bright-own-pass",
            "next": "/counter/audit",
        },
    )
    assert response.location == "/counter/audit"
    get_page(second_client, "/counter/audit")
    assert not staff_named("clerk").must_change_password
    assert audit_actions("clerk")[-3:] == [
        "staff.password_reset",
        "staff.sign_in",
        "staff.password_change",
    ]


def test_an_admin_may_choose_the_temporary_password(admin, second_client):
    admin.set_cookie("lang", "en")
    response = post(
        admin,
        f"{member_url('clerk')}/password",
        {"password": "short"},
        form_page=member_url("clerk"),
    )
    soup = check_page(response.data)
    assert soup.find(class_="error-summary").find("a", href="#password")
    assert "at least 10 characters" in text_of(soup.find(id="password-error"))
    response = post(
        admin,
        f"{member_url('clerk')}/password",
        {"password": "chosen-by-admin"},
        form_page=member_url("clerk"),
    )
    assert response.status_code == 302
    assert "the one you chose" in text_of(get_page(admin, response.location).find(class_="notices"))
    sign_in(second_client, "clerk", "chosen-by-admin")
    assert second_client.get("/counter/").location.startswith("/counter/password")


def test_new_accounts_made_by_an_admin_choose_their_own_password_at_first_sign_in(
    admin, second_client
):
    post(
        admin,
        "/counter/staff",
        {
            "username": "suzuki",
            "display_name": "鈴木 三郎",
            "role": "clerk",
            "password": "initial-pass-1",
        },
    )
    sign_in(second_client, "suzuki", "initial-pass-1")
    assert second_client.get("/counter/").location == "/counter/password?next=/counter/"


def test_password_change_errors_show_on_their_fields(clerk):
    clerk.set_cookie("lang", "en")
    cases = [
        (
            {"current_password": "", "new_password": "", "new_password_again": ""},
            {
                "current_password": "Enter your current password",
                "new_password": "Enter a new password",
            },
        ),
        (
            {
                "current_password": "window-desk-2026",
                "new_password": "long-enough-1",
                "new_password_again": "long-enough-2",
            },
            {"new_password_again": "Enter the same new password twice"},
        ),
        (
            {
                "current_password": "window-desk-2026",
                "new_password": "short",
                "new_password_again": "short",
            },
            {"new_password": "at least 10 characters"},
        ),
        (
            {
                "current_password": "wrong-password",
                "new_password": "long-enough-1",
                "new_password_again": "long-enough-1",
            },
            {"current_password": "The current password is not right"},
        ),
    ]
    for data, errors in cases:
        soup = check_page(post(clerk, "/counter/password", data).data)
        for field, message in errors.items():
            assert soup.find(class_="error-summary").find("a", href=f"#{field}"), (data, field)
            assert message in text_of(soup.find(id=f"{field}-error")), (data, field)
    sign_in(clerk)  # unchanged


def test_every_staff_member_finds_their_password_page_in_the_header(clerk):
    header = get_page(clerk, "/counter/").find("header")
    assert header.find("a", href="/counter/password")
    response = post(
        clerk,
        "/counter/password",
        {
            "current_password": "window-desk-2026",
            "new_password": "a-new-window-pass",
            "new_password_again": "a-new-window-pass",
        },
    )
    assert response.location == "/counter/"
    post(clerk, "/counter/sign-out", form_page="/counter/")
    sign_in(clerk, "clerk", "a-new-window-pass")


# ---------------------------------------------------------- who was at the counter


def test_sign_in_sign_out_and_idle_expiry_are_in_the_audit_trail(client, clock):
    sign_in(client)
    post(client, "/counter/sign-out", form_page="/counter/")
    sign_in(client)
    signed_in_at = clock.now
    clock.now += timedelta(minutes=21)
    assert_sent_to_sign_in(client.get("/counter/"))
    fresh()
    clerk_id = staff_named("clerk").id
    rows = db.session.execute(
        sa.select(
            AuditEntry.action, AuditEntry.channel, AuditEntry.actor_staff_id, AuditEntry.after
        )
        .where(AuditEntry.action.like("staff.%"), AuditEntry.action != "staff.create")
        .order_by(AuditEntry.id)
    ).all()
    assert [(a, ch, who) for a, ch, who, _ in rows] == [
        ("staff.sign_in", "counter", clerk_id),
        ("staff.sign_out", "counter", clerk_id),
        ("staff.sign_in", "counter", clerk_id),
        ("staff.session_expired", "counter", clerk_id),
    ]
    expired = rows[-1].after
    assert expired.pop("session") and expired.pop("started_at") == signed_in_at.isoformat()
    assert expired == {"reason": "idle", "last_activity": signed_in_at.isoformat()}
    sign_in(client, "admin", "ledger-desk-2026")
    client.set_cookie("lang", "en")
    soup = get_page(client, f"/counter/audit?staff={clerk_id}")
    whats = [
        tr.find_all("td")[1].get_text(" ", strip=True) for tr in soup.find("tbody").find_all("tr")
    ]
    assert whats == [
        "Signed out after a time without activity Counter",
        "Signed in at the counter Counter",
        "Signed out Counter",
        "Signed in at the counter Counter",
    ]
