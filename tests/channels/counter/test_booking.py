"""Booking, changing and cancelling for a resident at the counter, taking payment and
printing the slip: the same services as the web, with the staff member recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Reservation
from tests.channels.counter.conftest import NOW, fresh, get_page, post, sign_in, text_of
from tests.factories import at
from tests.pages import check_page

DAY = date(2026, 12, 16)  # a Wednesday: the town gym is open
FAR = date(2027, 3, 10)  # booking opens on 1 January 2027


def gym_whole():
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    unit = next(u for u in gym.units if u.code == "whole")
    blocks = {b.code: b.id for b in gym.time_blocks}
    return gym, unit, blocks


def hana():
    return services.find_residents("やまだ")[0]


def staff_id(username):
    password = {"clerk": "window-desk-2026", "admin": "ledger-desk-2026"}[username]
    return services.verify_staff(username, password, now=NOW).id


def confirm_url(resident, unit, day, *block_ids):
    blocks = "".join(f"&blocks={b}" for b in block_ids)
    return f"/counter/residents/{resident.id}/book/confirm?unit={unit.id}&day={day.isoformat()}{blocks}"


def test_the_day_is_shown_in_words_and_only_free_blocks_can_be_ticked(clerk):
    _, unit, blocks = gym_whole()
    person = hana()
    services.book(
        services.Actor.resident(person.id, "web"),
        resident_id=person.id,
        unit_id=unit.id,
        day=DAY,
        block_ids=[blocks["morning"]],
        now=NOW,
    )
    clerk.set_cookie("lang", "en")
    soup = get_page(clerk, f"/counter/residents/{person.id}/book?unit={unit.id}&day=12/16")
    morning = soup.find("input", attrs={"name": "blocks", "value": str(blocks["morning"])})
    evening = soup.find("input", attrs={"name": "blocks", "value": str(blocks["evening"])})
    assert morning.has_attr("disabled") and not evening.has_attr("disabled")
    hint = soup.find(id=morning["aria-describedby"]).get_text()
    assert "Booked by this resident" in hint
    assert "Wed 16 December 2026" in soup.h2.get_text()


def test_choosing_blocks_leads_to_the_fee_and_exemption_to_confirm(clerk):
    _, unit, blocks = gym_whole()
    club = services.find_groups("ことぶき")[0]  # the seniors' club: half fee
    member = services.find_residents("たかはし")[0]  # its representative, at the counter
    clerk.set_cookie("lang", "en")
    response = clerk.get(
        f"/counter/residents/{member.id}/book?unit={unit.id}&day=2026-12-16&group={club.id}"
        f"&go=1&blocks={blocks['morning']}&blocks={blocks['afternoon']}"
    )
    assert response.status_code == 302 and "/book/confirm?" in response.location
    assert f"group={club.id}" in response.location
    soup = get_page(clerk, response.location)
    text = text_of(soup)
    assert "Fee before exemption ¥3,500" in text and "Exemption 50%" in text
    assert "From the category: Seniors' clubs (half fee)" in text
    assert "Fee to pay ¥1,750" in text
    assert soup.find("input", attrs={"name": "override"}) is None  # clerks cannot override


def test_gaps_between_blocks_are_an_error_on_the_blocks(clerk):
    _, unit, blocks = gym_whole()
    response = clerk.get(
        f"/counter/residents/{hana().id}/book?unit={unit.id}&day=2026-12-16"
        f"&go=1&blocks={blocks['morning']}&blocks={blocks['evening']}"
    )
    soup = check_page(response.data)
    assert soup.find(class_="error-summary").find("a", href="#blocks-0")


def test_a_counter_booking_records_channel_staff_and_resident_and_the_resident_sees_it(clerk):
    _, unit, blocks = gym_whole()
    person = hana()
    url = confirm_url(person, unit, DAY, blocks["evening"])
    response = post(clerk, url)
    assert response.status_code == 302
    fresh()
    reservation = db.session.scalars(sa.select(Reservation)).one()
    assert response.location == f"/counter/reservations/{reservation.id}"
    clerk_id = staff_id("clerk")
    assert reservation.channel == "counter" and reservation.created_by_staff_id == clerk_id
    assert reservation.resident_id == person.id
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
    ).one()
    assert (
        entry.channel,
        entry.actor_staff_id,
        entry.on_behalf_of_id,
        entry.actor_resident_id,
    ) == ("counter", clerk_id, person.id, None)
    # What the web's "my reservations" page and the phone's read-back both call.
    upcoming = services.reservations_of(person.id, now=NOW).upcoming
    assert [r.number for r in upcoming] == [reservation.number]
    page = text_of(get_page(clerk, response.location))
    assert reservation.number in page


def test_a_clerk_cannot_override(clerk):
    _, unit, blocks = gym_whole()
    person = hana()
    clerk.set_cookie("lang", "en")
    response = post(
        clerk,
        confirm_url(person, unit, FAR, blocks["morning"]),
        {"override": "y", "override_reason": "町民体育大会"},
    )
    soup = check_page(response.data)
    assert "Only an administrator may override" in text_of(soup.find(class_="error-summary"))
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0
    response = post(clerk, confirm_url(person, unit, FAR, blocks["morning"]))
    assert "error-summary" in response.data.decode()  # outside the window, and no override


def test_an_admin_override_without_a_reason_is_refused(admin):
    _, unit, blocks = gym_whole()
    url = confirm_url(hana(), unit, FAR, blocks["morning"])
    response = post(admin, url, {"override": "y", "override_reason": "   "})
    soup = check_page(response.data)
    assert soup.find(id="override_reason-error")
    assert soup.find(class_="error-summary").find("a", href="#override_reason")
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_an_admin_override_with_a_reason_books_outside_the_window(admin):
    _, unit, blocks = gym_whole()
    person = hana()
    soup = get_page(
        admin, f"/counter/residents/{person.id}/book?unit={unit.id}&day={FAR.isoformat()}"
    )
    box = soup.find("input", attrs={"name": "blocks", "value": str(blocks["morning"])})
    assert not box.has_attr("disabled")  # admins may tick blocks not open yet
    response = post(
        admin,
        confirm_url(person, unit, FAR, blocks["morning"]),
        {"override": "y", "override_reason": "町民体育大会の会場"},
    )
    assert response.status_code == 302
    fresh()
    reservation = db.session.scalars(sa.select(Reservation)).one()
    assert reservation.override_reason == "町民体育大会の会場"
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.reservation_id == reservation.id)
    ).one()
    assert entry.reason == "町民体育大会の会場" and entry.actor_staff_id == staff_id("admin")


def test_limit_reached_is_explained_and_an_admin_may_override_it(client):
    ground = next(f for f in services.list_facilities() if f.code == "sports-ground")  # 2 at most
    unit, morning = ground.units[0], ground.time_blocks[0]
    person = hana()
    for day in (date(2026, 12, 16), date(2026, 12, 17)):
        services.book(
            services.Actor.resident(person.id, "web"),
            resident_id=person.id,
            unit_id=unit.id,
            day=day,
            block_ids=[morning.id],
            now=NOW,
        )
    sign_in(client)
    client.set_cookie("lang", "en")
    url = confirm_url(person, unit, date(2026, 12, 18), morning.id)
    response = post(client, url)
    assert "already holds 2 upcoming reservations" in text_of(check_page(response.data))
    post(client, "/counter/sign-out", form_page="/counter/")
    sign_in(client, "admin", "ledger-desk-2026")
    response = post(client, url, {"override": "y", "override_reason": "大会の予備日"})
    assert response.status_code == 302


def test_a_slot_taken_meanwhile_is_explained_and_nothing_is_booked(clerk):
    _, unit, blocks = gym_whole()
    person, other = hana(), services.find_residents("さとう")[0]
    url = confirm_url(person, unit, DAY, blocks["morning"])
    soup = get_page(clerk, url)
    services.book(
        services.Actor.resident(other.id, "web"),
        resident_id=other.id,
        unit_id=unit.id,
        day=DAY,
        block_ids=[blocks["morning"]],
        now=NOW,
    )
    clerk.set_cookie("lang", "en")
    response = clerk.post(
        url, data={"csrf_token": soup.find("input", attrs={"name": "csrf_token"})["value"]}
    )
    soup = check_page(response.data)
    assert "Someone else has just booked" in text_of(soup)
    [join] = soup.find("section", attrs={"aria-labelledby": "waitlist-heading"}).find_all("form")
    joined = clerk.post(
        join["action"],
        data={
            "csrf_token": join.find("input", attrs={"name": "csrf_token"})["value"],
            "block": blocks["morning"],
        },
    )
    assert joined.status_code == 302
    fresh()
    [place] = services.waitlist_of(person.id, NOW)
    assert place.position == 1 and place.entry.channel == "counter"


@pytest.fixture
def booked(clerk):
    _, unit, blocks = gym_whole()
    person = hana()
    response = post(clerk, confirm_url(person, unit, DAY, blocks["morning"], blocks["afternoon"]))
    fresh()
    return db.session.scalars(sa.select(Reservation)).one(), response.location


def test_payment_is_recorded_with_the_staff_member_and_time(clerk, booked, clock):
    reservation, url = booked
    clock.now = NOW + timedelta(minutes=5)
    response = post(
        clerk, f"/counter/reservations/{reservation.id}/payment", {"status": "paid"}, form_page=url
    )
    assert response.status_code == 302
    fresh()
    paid = db.session.get(Reservation, reservation.id)
    assert paid.payment_status == "paid" and paid.paid_by_staff_id == staff_id("clerk")
    assert paid.paid_at == NOW + timedelta(minutes=5)
    clerk.set_cookie("lang", "en")
    page = get_page(clerk, url)
    assert page.find("form", action=f"/counter/reservations/{reservation.id}/payment") is None
    assert "Paid – Tue 1 December 2026 10:05 am, 窓口 一子" in text_of(page)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.payment")
    ).one()
    assert entry.actor_staff_id == staff_id("clerk") and entry.on_behalf_of_id == hana().id


def test_payment_needs_a_choice(clerk, booked):
    reservation, url = booked
    response = post(clerk, f"/counter/reservations/{reservation.id}/payment", {}, form_page=url)
    assert response.status_code == 400
    assert check_page(response.data).find(class_="error-summary").find("a", href="#status-0")


def test_the_confirmation_slip_has_everything_the_resident_needs(clerk, booked):
    reservation, _ = booked
    soup = get_page(clerk, f"/counter/reservations/{reservation.id}/slip")
    text = text_of(soup.find(class_="slip"))
    assert soup.h1.get_text(strip=True) == "使用予約確認書"
    assert "slip-page" in soup.body["class"]
    for expected in (
        reservation.number,
        "町民体育館",
        "全面",
        "2026年12月16日(水)",
        "9:00〜17:00",
        "3,500円",
        "未払い",
        "2026年12月13日(日)まで",
    ):
        assert expected in text, expected


def test_cancel_needs_a_reason_and_after_the_deadline_is_allowed_and_recorded(clerk, booked, clock):
    reservation, url = booked
    cancel_url = f"/counter/reservations/{reservation.id}/cancel"
    clock.now = date_time(2026, 12, 15, 9)  # the resident's deadline was 13 December
    sign_in(clerk)  # two weeks idle: signed out meanwhile
    soup = get_page(clerk, cancel_url)
    assert soup.find(class_="notice-warning")
    response = post(clerk, cancel_url, {"reason": " "})
    assert check_page(response.data).find(class_="error-summary").find("a", href="#reason")
    response = post(clerk, cancel_url, {"reason": "本人から電話、体調不良のため"})
    assert response.status_code == 302
    fresh()
    cancelled = db.session.get(Reservation, reservation.id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_after_deadline
    assert cancelled.cancelled_channel == "counter" and cancelled.cancelled_by_staff_id == staff_id(
        "clerk"
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.cancel")
    ).one()
    assert entry.reason == "本人から電話、体調不良のため" and entry.on_behalf_of_id == hana().id
    assert services.reservations_of(hana().id, now=clock.now).upcoming == []


def date_time(*args):
    return at(*args)


def test_change_keeps_the_number_and_needs_a_reason(clerk, booked):
    reservation, url = booked
    _, unit, blocks = gym_whole()
    choose = get_page(clerk, f"/counter/reservations/{reservation.id}/change")
    assert choose.find("input", attrs={"name": "day"})["value"] == "2026-12-16"
    response = clerk.get(
        f"/counter/reservations/{reservation.id}/change?unit={unit.id}"
        f"&day=2026-12-17&go=1&blocks={blocks['evening']}"
    )
    assert response.status_code == 302 and "/change/confirm?" in response.location
    confirm = response.location
    response = post(clerk, confirm, {"reason": ""})
    assert check_page(response.data).find(class_="error-summary").find("a", href="#reason")
    response = post(clerk, confirm, {"reason": "本人の希望で翌日夜間へ"})
    assert response.location == url
    fresh()
    moved = db.session.get(Reservation, reservation.id)
    assert moved.number == reservation.number and moved.date == date(2026, 12, 17)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.change")
    ).one()
    assert entry.reason == "本人の希望で翌日夜間へ" and entry.channel == "counter"
