"""A member of groups books on the web for themself or for a group, in Japanese and in
English: the "for whom" choice with each choice's fee, the group's exemption, the
booking recorded as the group's with the member who made it, the group's bookings in
every member's My reservations, and who may cancel them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Reservation
from tests.channels.web.conftest import DAY, NOW
from tests.channels.web.test_booking import block_ids, choose, gym_whole, sign_in


def resident(town, name):
    return next(line for line in town.residents if line.name == name)


def group_id(name):
    return next(g.id for g in services.list_groups() if g.name == name)


def for_whom(visitor) -> dict[str, str]:
    """The choices of the "for whom" fieldset: label → its hint (fee, or refusal)."""
    found = {}
    for choice in visitor.soup.find_all(class_="choice"):
        radio = choice.find("input", attrs={"name": "for_whom"})
        if radio is None:
            continue
        hint = choice.find(class_="choice-hint")
        found[choice.label.get_text(strip=True)] = hint.get_text(" ", strip=True) if hint else ""
    return found


def to_confirm(visitor, town, name, day=DAY):
    gym, whole = gym_whole()
    choose(visitor, whole, day, block_ids(gym, "morning"))
    sign_in(visitor, resident(town, name))
    assert visitor.path == "/confirm"


def test_a_member_chooses_for_whom_with_the_fee_of_each_choice(visitor, locale, town):
    to_confirm(visitor, town, "田中 美咲")  # the youth club and the volleyball circle
    choices = for_whom(visitor)
    yen = "1,500円" if locale == "ja" else "¥1,500"
    free = "0円" if locale == "ja" else "¥0"
    assert list(choices) == [
        ("ご自身（田中 美咲様）" if locale == "ja" else "Myself (田中 美咲)"),
        "青葉スポーツ少年団",
        "バレーボールサークル「はばたき」",
    ]
    mine, kids, circle = choices.values()
    assert yen in mine and yen in circle
    assert free in kids and "100%" in kids  # the youth club is fully exempt
    legend = visitor.soup.find("legend").get_text(strip=True)
    assert legend == ("どなたの予約ですか" if locale == "ja" else "Who is this booking for?")
    assert visitor.soup.find("input", attrs={"name": "for_whom", "value": "self"}).has_attr(
        "checked"
    )


def test_a_member_books_for_the_group_and_the_audit_names_both(visitor, locale, town):
    to_confirm(visitor, town, "田中 美咲")
    kids = group_id("青葉スポーツ少年団")
    visitor.post("/confirm", {"for_whom": str(kids)})
    assert visitor.path.endswith("/booked")
    assert "青葉スポーツ少年団" in visitor.text
    reservation = db.session.scalar(sa.select(Reservation))
    tanaka = services.find_residents(resident(town, "田中 美咲").registration_no)[0]
    assert (reservation.group_id, reservation.resident_id, reservation.booked_by_id) == (
        kids,
        None,
        tanaka.id,
    )
    assert (reservation.fee_yen, reservation.exemption_percent) == (0, 100)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reservation.book"))
    assert (entry.channel, entry.actor_resident_id, entry.group_id) == ("web", tanaka.id, kids)
    visitor.get("/my-reservations")
    heading = "青葉スポーツ少年団の予約" if locale == "ja" else "Bookings of 青葉スポーツ少年団"
    assert heading in visitor.text and reservation.number in visitor.text


def test_the_other_members_see_the_groups_booking_and_only_some_may_cancel_it(
    visitor, locale, town
):
    to_confirm(visitor, town, "伊藤 誠")  # a plain member of the youth club
    visitor.post("/confirm", {"for_whom": str(group_id("青葉スポーツ少年団"))})
    number = visitor.soup.find(id="reservation-number").get_text(strip=True)
    reservation = services.find_reservation(number)
    visitor.post("/sign-out")
    sign_in(visitor, resident(town, "吉田 花"))  # another member: sees it, may not cancel it
    visitor.get("/my-reservations")
    card = visitor.soup.find(id=f"reservation-{reservation.id}").find_parent("section")
    assert "伊藤 誠" in card.get_text()  # booked by
    assert card.find("a", href=f"/reservations/{reservation.id}/cancel") is None
    visitor.post(f"/reservations/{reservation.id}/cancel", {})
    [message] = visitor.error_summary()
    assert ("代表者" if locale == "ja" else "representative") in message
    assert services.find_reservation(number).is_active
    visitor.post("/sign-out")
    sign_in(visitor, resident(town, "鈴木 健太"))  # the contact: may cancel it
    visitor.get(f"/reservations/{reservation.id}/cancel")
    visitor.post(f"/reservations/{reservation.id}/cancel", {})
    assert visitor.path == "/my-reservations"
    assert not services.find_reservation(number).is_active


def test_a_suspended_group_is_refused_with_a_clear_message(visitor, locale, town):
    clerk = services.Actor.staff(services.verify_staff("clerk", "window-desk-2026", now=NOW).id)
    circle = group_id("バレーボールサークル「はばたき」")
    services.suspend_group(clerk, group_id=circle, reason="鍵の返却がない", now=NOW)
    to_confirm(visitor, town, "田中 美咲")
    suspended = for_whom(visitor)["バレーボールサークル「はばたき」"]
    assert ("停止" if locale == "ja" else "suspended") in suspended
    visitor.post("/confirm", {"for_whom": str(circle)})
    assert visitor.path == "/confirm"
    [message] = visitor.error_summary()
    assert ("窓口" if locale == "ja" else "counter") in message
    assert visitor.soup.title.get_text().startswith("エラー:" if locale == "ja" else "Error:")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_a_choice_that_is_not_offered_is_refused(visitor, locale, town):
    to_confirm(visitor, town, "田中 美咲")
    visitor.post("/confirm", {"for_whom": str(group_id("寿会（老人クラブ）"))})  # not hers
    [message] = visitor.error_summary()
    assert ("一覧から選んで" if locale == "ja" else "from the list") in message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0


def test_a_date_after_the_groups_registration_ends_names_the_renewal(visitor, locale, town, clock):
    clock.now = clock.now.replace(year=2027, month=2, day=10)  # April is open for booking
    to_confirm(visitor, town, "田中 美咲", day=date(2027, 4, 7))
    kids = for_whom(visitor)["青葉スポーツ少年団"]
    assert ("2027年3月31日" if locale == "ja" else "31 March 2027") in kids
    visitor.post("/confirm", {"for_whom": "self"})
    assert visitor.path.endswith("/booked")  # for herself it is fine


def test_a_resident_in_no_group_is_not_asked(visitor, town):
    to_confirm(visitor, town, "山田 ハナ")
    assert visitor.soup.find("input", attrs={"name": "for_whom"}) is None


def test_an_expired_group_is_refused_with_its_renewal(visitor, locale, town, clock):
    clock.now = clock.now.replace(year=2027, month=4, day=2)  # registered until 31 March
    to_confirm(visitor, town, "田中 美咲", day=date(2027, 4, 14))
    kids = for_whom(visitor)["青葉スポーツ少年団"]
    assert ("期限が切れています" if locale == "ja" else "ended on") in kids
    visitor.post("/confirm", {"for_whom": str(group_id("青葉スポーツ少年団"))})
    [message] = visitor.error_summary()
    assert ("更新" if locale == "ja" else "renewed") in message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0
