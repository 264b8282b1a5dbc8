"""A member of groups on the phone: asked for whom they book (one group: 「ご自身のご予約は
1、<団体>のご予約は2」; several: the groups listed, each item before its key, four keys at
most), booking for the group under its fee and exemption, the group's refusals said
plainly, and the group's bookings they may cancel heard and cancelled with their own."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry
from tests.channels.phone.conftest import TAKAHASHI_PHONE, TANAKA_PHONE, YAMADA_PHONE
from tests.channels.phone.test_calls import (
    KINDS,
    MAIN_MENU,
    block_id,
    grouped,
    reservations,
    signed_in,
    unit_id,
)
from tests.factories import at

AOBA = "青葉スポーツ少年団《あおば すぽーつ しょうねんだん》"
HABATAKI = "バレーボールサークル「はばたき」《ばれーぼーる さーくる はばたき》"
KOTOBUKI = "寿会（老人クラブ）《ことぶきかい》"


def member(name: str):
    return next(r for r in services.find_residents(name.split()[0]) if r.name == name)


def book_for_group(person, group_id, day, block="morning"):
    return services.book(
        services.Actor.resident(person.id, "web"),
        resident_id=person.id,
        group_id=group_id,
        unit_id=unit_id("town-gym", "whole"),
        day=day,
        block_ids=[block_id("town-gym", block)],
        now=at(2026, 12, 1, 9, 30),
    )


def test_a_member_of_one_group_is_asked_for_whom_item_before_key(call, town):
    simulator = signed_in(call, town, caller=TAKAHASHI_PHONE, pin=town.takahashi.pin)
    simulator.press("1")
    assert simulator.last.text.endswith(
        f"ご自身のご予約は1、{KOTOBUKI}のご予約は2を押してください。"
    )
    simulator.press("")  # silence: simpler words
    assert "ご自身は1、団体は2を押してください。" in simulator.last.text
    simulator.press("1")  # for herself
    assert simulator.last.text == KINDS


def test_a_member_of_several_groups_hears_them_listed(call, town):
    simulator = signed_in(call, town, caller=TANAKA_PHONE, pin=town.tanaka.pin)
    simulator.press("1")
    assert simulator.last.text.endswith(
        f"ご自身のご予約は1、{AOBA}は2、{HABATAKI}は3を押してください。"
    )
    simulator.press("5")
    assert simulator.last.text.startswith("押せるボタンは、1、2、3です。")


def test_four_choices_fit_one_menu_and_more_are_three_a_page_and_4_for_the_next(call, town):
    tanaka = member("田中 美咲")
    services.add_member(
        services.Actor.system(),
        group_id=town.groups["寿会（老人クラブ）"],
        registration_no=tanaka.registration_no,
        now=at(2026, 11, 30, 10),
    )
    simulator = signed_in(call, town, caller=TANAKA_PHONE, pin=town.tanaka.pin)
    simulator.press("1")
    assert simulator.last.text.endswith(
        f"ご自身のご予約は1、{AOBA}は2、{KOTOBUKI}は3、{HABATAKI}は4を押してください。"
    )
    simulator.press("4")
    assert f"{HABATAKI}のご予約です。" in simulator.last.text


def test_a_member_books_for_the_group_under_its_exemption(call, town):
    simulator = signed_in(call, town, caller=TANAKA_PHONE, pin=town.tanaka.pin)
    for key in ("1", "2"):  # the soonest free block, for the youth club
        simulator.press(key)
    assert f"{AOBA}のご予約です。{KINDS}" in simulator.last.text
    for key in ("1", "1"):  # 体育館, 町民体育館の全面
        simulator.press(key)
    offer = simulator.last.text
    assert offer.startswith(f"{AOBA}のご予約です。12月2日《ふつか》")
    assert "使用料はかかりません。" in offer
    simulator.press("1")  # book it
    assert "ご予約番号を申し上げます。" in simulator.last.text
    [reservation] = reservations()
    assert (reservation.group_id, reservation.booked_by_id, reservation.channel) == (
        town.groups["青葉スポーツ少年団"],
        town.tanaka.id,
        "phone",
    )
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reservation.book"))
    assert (entry.actor_resident_id, entry.group_id) == (town.tanaka.id, reservation.group_id)


def test_a_resident_in_no_group_is_not_asked(call, town):
    simulator = signed_in(call, town, caller=YAMADA_PHONE)
    simulator.press("1")
    assert simulator.last.text == KINDS


def test_a_suspended_group_is_refused_plainly(call, town):
    services.suspend_group(
        services.Actor.system(),
        group_id=town.groups["寿会（老人クラブ）"],
        reason="使用後の清掃がされていない",
        now=at(2026, 11, 30, 10),
    )
    simulator = signed_in(call, town, caller=TAKAHASHI_PHONE, pin=town.takahashi.pin)
    for key in ("1", "2", "1", "1", "1"):  # soonest, for the club, 体育館, 全面, book
        simulator.press(key)
    text = simulator.last.text
    assert (
        "この団体は、ただいま利用を停止されています。担当者へのご相談は0を押してください。" in text
    )
    assert text.endswith(MAIN_MENU)
    assert reservations() == []


def test_hear_and_cancel_include_the_group_bookings_the_caller_may_cancel(call, town):
    kids = town.groups["青葉スポーツ少年団"]
    ito = member("伊藤 誠")
    booked = book_for_group(ito, kids, date(2026, 12, 16))
    # 田中 is the club's representative: she hears it and may cancel it.
    simulator = signed_in(call, town, caller=TANAKA_PHONE, pin=town.tanaka.pin)
    simulator.press("3")
    heard = simulator.last.text
    assert "ご予約は1件です。" in heard and f"{AOBA}のご予約です。1件目。" in heard
    simulator.press("9")
    simulator.press("4")
    assert (
        f"12月16日、水曜日、午前9時《くじ》から、町民体育館《ちょうみん たいいくかん》、{AOBA}は1"
        in simulator.last.text
    )
    simulator.press("1")
    assert f"{AOBA}のご予約です。" in simulator.last.text
    simulator.press("1")
    assert "ご予約を取り消しました。" in simulator.last.text
    assert not services.find_reservation(booked.number).is_active
    cancelled = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "reservation.cancel")
    )
    assert (cancelled.channel, cancelled.actor_resident_id, cancelled.group_id) == (
        "phone",
        town.tanaka.id,
        kids,
    )


def test_a_plain_member_hears_only_the_group_bookings_they_made(call, town):
    kids = town.groups["青葉スポーツ少年団"]
    book_for_group(member("伊藤 誠"), kids, date(2026, 12, 16))
    mine = book_for_group(member("吉田 花"), kids, date(2026, 12, 17))
    yoshida = member("吉田 花")
    simulator = call("+817027182818")  # 吉田 花's mobile
    simulator.press("6053")
    simulator.press("3")
    heard = simulator.last.text
    assert "ご予約は1件です。" in heard
    assert f"予約番号、{grouped(mine.number)}。" in heard
    assert yoshida.id == mine.booked_by_id
