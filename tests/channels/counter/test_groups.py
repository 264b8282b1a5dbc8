"""Groups at the counter through the test client: registering a club with its roster
found by the resident search inside the form, the registration slip, renewal,
suspension and dissolution, roster changes, the list of registrations ending soon,
booking for a group, and staff's exemption decision on one booking. Every bad input
is worded on its field and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Group, GroupMember, Reservation
from tests.channels.counter.conftest import (
    fresh,
    get_page,
    post,
    search,
    sign_in,
    text_of,
    token_of,
)
from tests.factories import at, kana_number
from tests.pages import check_page

NEW = "/counter/groups/new"


def person(kana: str):
    return services.find_residents(kana)[0]


def group_named(kana: str):
    return services.find_groups(kana)[0]


def new_people(count: int):
    """Walk-ins registered for the new club, by the command line (not under test)."""
    people = []
    for n in range(count):
        resident, _ = services.register_resident(
            services.Actor.system(),
            name=f"新会員 {n}",
            name_kana=f"しんかいいん {kana_number(n)}",
            phone=None,
            district="本町",
            is_resident=True,
            now=at(2026, 11, 1, 10),
        )
        people.append(resident)
    return people


def counts() -> dict:
    fresh()
    return {
        "groups": db.session.scalar(sa.select(sa.func.count()).select_from(Group)),
        "members": db.session.scalar(sa.select(sa.func.count()).select_from(GroupMember)),
    }


def send(client, data: dict, url: str = NEW):
    """Post the registration form as the page's buttons do, with its CSRF token."""
    return post(client, url, data, form_page=url)


def error_on(soup: BeautifulSoup, field_id: str) -> str:
    return soup.find(id=f"{field_id}-error").get_text(" ", strip=True)


def club_form(people, **overrides) -> dict:
    data = {
        "name": "町民太鼓の会",
        "name_kana": "ちょうみん たいこのかい",
        "purpose": "culture",
        "category": "",
        "evidence": "",
        "declared_members": "12",
        "resident_members": "11",
        "representative": people[0].registration_no,
        "contact": people[1].registration_no,
        "members": "\n".join(p.registration_no for p in people[2:]),
        "action": "register",
    }
    data.update(overrides)
    return data


# ------------------------------------------------------------------------ registering


def test_the_roster_is_built_from_the_resident_search_and_saved_only_on_register(clerk):
    people = new_people(5)
    before = counts()
    response = send(clerk, {"q": "しんかいいん", "action": "search", "purpose": ""})
    soup = check_page(response.data)
    assert response.status_code == 200 and "新会員 0" in text_of(soup)
    buttons = soup.find_all("button", attrs={"name": "add"})
    assert {b["value"] for b in buttons} >= {p.registration_no for p in people}
    response = send(
        clerk,
        {"q": "しんかいいん", "purpose": "", "make_representative": people[0].registration_no},
    )
    soup = check_page(response.data)
    assert soup.find(id="representative")["value"] == people[0].registration_no
    response = send(
        clerk,
        {
            "q": "",
            "purpose": "",
            "representative": people[0].registration_no,
            "members": people[1].registration_no,
            "add": people[2].registration_no,
        },
    )
    soup = check_page(response.data)
    members = soup.find(id="members").get_text()
    assert people[1].registration_no in members and people[2].registration_no in members
    preview = text_of(soup.find("table"))
    assert "新会員 0" in preview and "新会員 2" in preview
    assert counts() == before  # nothing is saved until Register


def test_registering_a_group_prints_its_registration_slip_with_the_roster(clerk):
    people = new_people(5)
    response = send(clerk, club_form(people))
    assert response.status_code == 302, response.data.decode()[:3000]
    assert response.location.endswith("/slip")
    soup = get_page(clerk, response.location)
    text = text_of(soup)
    group = group_named("たいこ")
    assert "団体登録証" in text and group.registration_no in text
    assert "2027年3月31日(水)" in text  # registered until the end of the school year
    for resident in people:
        assert resident.registration_no in text
    fresh()
    [entry] = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "group.register")
        .where(AuditEntry.group_id == group.id)
    )
    assert entry.actor_staff.username == "clerk"


@pytest.mark.parametrize(
    ("change", "field", "wording"),
    [
        (lambda p: {"members": ""}, "members", "5人以上"),
        (lambda p: {"representative": "123455"}, "representative", "登録番号ではありません"),
        (lambda p: {"contact": p[0].registration_no}, "members", "すでに名簿に載っています"),
        (lambda p: {"name": "青葉スポーツ少年団"}, "name", "同じ名前の団体"),
        (lambda p: {"declared_members": "3"}, "declared_members", "名簿の人数"),
        (lambda p: {"resident_members": "30"}, "resident_members", "町内在住"),
        (lambda p: {"declared_members": "たくさん"}, "declared_members", "数字"),
        (lambda p: {"name": "会" * 101}, "name", "100文字以内"),
        (lambda p: {"purpose": ""}, "purpose", "活動内容"),
        (lambda p: {"category": "youth_club"}, "evidence", "確認に使った書類"),
        (lambda p: {"evidence_valid_until": "13/45"}, "evidence_valid_until", "日付"),
    ],
)
def test_bad_registrations_are_worded_on_their_field_and_change_nothing(
    clerk, change, field, wording
):
    people = new_people(5)
    before = counts()
    response = send(clerk, club_form(people, **change(people)))
    soup = check_page(response.data)
    assert response.status_code == 200
    assert soup.title.get_text().startswith("エラー:")
    assert wording in error_on(soup, field), error_on(soup, field)
    assert counts() == before


def test_a_roster_sharing_three_members_is_flagged_and_registered_once_staff_confirm(clerk):
    kids = group_named("あおば")
    roster = [m.resident for m in services.get_group(kids.id).members][:3] + new_people(2)
    form = club_form(roster)
    response = send(clerk, form)
    soup = check_page(response.data)
    assert "同じ団体ではありませんか" in text_of(soup)
    assert kids.name in text_of(soup.find(class_="panel-warning"))
    assert counts()["groups"] == 3
    response = send(clerk, {**form, "confirm_overlap": "y"})
    assert response.status_code == 302
    assert counts()["groups"] == 4


# ---------------------------------------------------------------------- its standing


def test_renewing_before_the_window_is_refused_and_in_it_extends_a_year(clerk, clock):
    kids = group_named("あおば")
    url = f"/counter/groups/{kids.id}/renew"
    soup = get_page(clerk, f"/counter/groups/{kids.id}")
    assert "2027年2月1日(月)から" in text_of(soup) or "2027年2月1日(月)" in text_of(soup)
    response = post(clerk, url, {"declared_members": "24", "resident_members": "22"})
    soup = check_page(response.data)
    assert "更新は2027年2月1日(月)から" in text_of(soup.find(class_="error-summary"))
    clock.now = at(2027, 2, 10, 10)
    sign_in(clerk)  # the counter's session ended while the months went by
    response = post(clerk, url, {"declared_members": "4", "resident_members": "4"})
    assert "名簿の人数" in error_on(check_page(response.data), "declared_members")
    response = post(clerk, url, {"declared_members": "30", "resident_members": "12"})
    assert response.status_code == 302
    fresh()
    renewed = services.get_group(kids.id)
    assert renewed.valid_until == date(2028, 3, 31)
    assert "町外料金" in text_of(get_page(clerk, f"/counter/groups/{kids.id}"))  # 12 of 30


def test_suspending_needs_a_reason_and_a_suspended_group_cannot_book(clerk):
    club = group_named("ことぶき")
    url = f"/counter/groups/{club.id}/status"
    response = post(clerk, url, {"action": "suspend", "reason": " "})
    assert "理由" in error_on(check_page(response.data), "reason")
    response = post(clerk, url, {"action": "suspend", "reason": "鍵の返却がない"})
    assert response.status_code == 302
    text = text_of(get_page(clerk, f"/counter/groups/{club.id}"))
    assert "停止中" in text and "鍵の返却がない" in text
    member = person("たかはし")
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    confirm = (
        f"/counter/residents/{member.id}/book/confirm?unit={gym.units[0].id}&day=2026-12-16"
        f"&blocks={gym.time_blocks[0].id}&group={club.id}"
    )
    response = post(clerk, confirm, {})
    soup = check_page(response.data)
    assert "停止中" in text_of(soup.find(class_="error-summary"))
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_a_dissolved_groups_status_page_words_a_stray_post_without_a_broken_link(clerk):
    """Dissolved, the group has no change left and the page no form: a request sent
    anyway is told in the summary, which links to no control (found by the fuzz suite)."""
    club = group_named("ことぶき")
    url = f"/counter/groups/{club.id}/status"
    assert post(clerk, url, {"action": "dissolve", "reason": "解散届"}).status_code == 302
    response = post(
        clerk, url, {"action": "", "reason": ""}, form_page=f"/counter/groups/{club.id}"
    )
    soup = check_page(response.data)  # checks that every summary link has its target
    assert soup.find("form", action=url) is None


def test_the_only_representative_stays_until_another_is_named(clerk):
    club = group_named("ことぶき")
    takahashi, watanabe = person("たかはし"), person("わたなべ")
    page = get_page(clerk, f"/counter/groups/{club.id}")
    remove = f"/counter/groups/{club.id}/members/{takahashi.id}/remove"
    assert page.find("form", action=remove) is None  # the page offers no such button
    response = post(clerk, remove, form_page=f"/counter/groups/{club.id}")
    assert response.status_code == 200
    assert "代表者" in text_of(check_page(response.data).find(class_="error-summary"))
    role = f"/counter/groups/{club.id}/members/{watanabe.id}/role"
    response = post(clerk, role, {"role": "representative"}, form_page=f"/counter/groups/{club.id}")
    assert response.status_code == 302
    response = post(clerk, remove, form_page=f"/counter/groups/{club.id}")
    assert response.status_code == 302
    fresh()
    roles = {m.resident_id: m.role for m in services.get_group(club.id).members}
    assert roles[watanabe.id] == "representative" and takahashi.id not in roles


def test_members_are_added_from_the_search_on_the_groups_page(clerk):
    club = group_named("ことぶき")
    group_page = f"/counter/groups/{club.id}"
    page = search(clerk, "やまだ", url=f"{group_page}/member-search", form_page=group_page)
    hana = person("やまだ はな")
    form = next(
        f
        for f in page.find_all("form")
        if f.find("input", attrs={"name": "registration_no", "value": hana.registration_no})
    )
    response = clerk.post(
        form["action"],
        data={
            "csrf_token": token_of(page),
            "registration_no": hana.registration_no,
            "role": "member",
        },
    )
    assert response.status_code == 302
    response = post(
        clerk,
        f"/counter/groups/{club.id}/members",
        {"registration_no": hana.registration_no, "role": "member"},
        form_page=f"/counter/groups/{club.id}",
    )
    soup = check_page(response.data)
    assert "すでに名簿" in error_on(soup, "registration_no")


def test_the_registrations_ending_within_60_days_are_listed_to_print(clerk, clock):
    assert "ありません" in text_of(get_page(clerk, "/counter/groups/expiring"))
    clock.now = at(2027, 2, 1, 9)
    sign_in(clerk)
    text = text_of(get_page(clerk, "/counter/groups/expiring"))
    for name in ("青葉スポーツ少年団", "寿会（老人クラブ）", "はばたき"):
        assert name in text
    assert "0166-33-4455" in text  # 寿会's representative, to call


def test_the_search_finds_groups_by_name_kana_and_number(clerk):
    kids = group_named("あおば")
    for query in ("青葉", "アオバ", kids.registration_no):
        text = text_of(search(clerk, query))
        assert "青葉スポーツ少年団" in text and "1件の団体" in text


# -------------------------------------------------------------- booking for a group


def test_a_member_books_for_the_group_at_the_counter_and_the_audit_names_both(clerk):
    member = person("たかはし")
    club = group_named("ことぶき")
    page = text_of(get_page(clerk, f"/counter/residents/{member.id}"))
    assert "寿会（老人クラブ）の予約" in page
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    confirm = (
        f"/counter/residents/{member.id}/book/confirm?unit={gym.units[0].id}&day=2026-12-16"
        f"&blocks={gym.time_blocks[0].id}&group={club.id}"
    )
    assert "団体の料金" in text_of(get_page(clerk, confirm))
    response = post(clerk, confirm, {})
    assert response.status_code == 302
    fresh()
    [reservation] = db.session.scalars(sa.select(Reservation))
    assert (reservation.group_id, reservation.booked_by_id, reservation.fee_yen) == (
        club.id,
        member.id,
        750,
    )
    text = text_of(get_page(clerk, response.location))
    assert "寿会（老人クラブ）" in text and "高橋 正子" in text
    [entry] = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
    )
    assert (entry.actor_staff.username, entry.on_behalf_of_id, entry.group_id) == (
        "clerk",
        member.id,
        club.id,
    )
    audit = text_of(get_page(clerk, f"/counter/audit?group={club.registration_no}"))
    assert "予約" in audit and "寿会（老人クラブ）" in audit and "高橋 正子" in audit


def test_staff_grant_or_refuse_one_bookings_exemption_with_a_reason(clerk):
    member = person("たかはし")
    club = group_named("ことぶき")
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    booked = services.book(
        services.Actor.resident(member.id, "web"),
        resident_id=member.id,
        group_id=club.id,
        unit_id=gym.units[0].id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=at(2026, 12, 1, 10),
    )
    url = f"/counter/reservations/{booked.id}"
    page = get_page(clerk, url)
    assert "区分による" in text_of(page)
    response = post(clerk, f"{url}/exemption", {"category": "", "reason": ""}, form_page=url)
    assert response.status_code == 409
    assert "理由" in error_on(check_page(response.data), "reason")
    response = post(
        clerk,
        f"{url}/exemption",
        {"category": "town_event", "reason": "町の敬老行事として共催"},
        form_page=url,
    )
    assert response.status_code == 302
    text = text_of(get_page(clerk, url))
    assert "職員が適用" in text and "町の敬老行事として共催" in text
    fresh()
    assert services.get_reservation(services.Actor.system(), booked.id).fee_yen == 0
