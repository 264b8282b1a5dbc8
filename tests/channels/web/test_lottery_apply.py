"""The lottery (抽選) on the web, in Japanese and English, through pages without
JavaScript: the rounds taking applications, applying with ranked choices for oneself or
for a group (the receipt number on the done page), "My lottery applications" with
change and withdraw while the period is open, the result of each choice after the
draw with the win confirmed or declined; every bad input (a tampered form, the same
choice twice, too many choices, a closed round, someone else's receipt) answered in
the visitor's language, changing nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from channels import demo
from reservations import services
from reservations.db import db
from tests.channels.web.conftest import NOW, facility_by_code
from tests.channels.web.test_booking import block_ids, sign_in

CLOSED, OPEN = "town-gym-2027-02", "town-gym-2027-03"


@pytest.fixture
def rounds(town):
    return demo.seed_lottery(NOW)


def person(town, name):
    return next(line for line in town.residents if line.name == name)


def resident_of(line):
    return services.find_residents(line.registration_no)[0]


def gym():
    found = facility_by_code("town-gym")
    return found, {unit.code: unit for unit in found.units}


def choice(rank, unit="whole", day="2027-03-06", block="morning"):
    found, units = gym()
    return {
        f"unit_{rank}": str(units[unit].id),
        f"day_{rank}": day,
        f"block_{rank}": str(block_ids(found, block)[0]),
    }


def open_form(visitor, town, name="山田 ハナ"):
    visitor.get(f"/lottery/{OPEN}/apply")
    if visitor.path == "/sign-in":
        sign_in(visitor, person(town, name))
    assert visitor.path == f"/lottery/{OPEN}/apply"


def mine(town, name="山田 ハナ"):
    """The person's applications to the open round (山田 ハナ has one in the closed
    round from the demo)."""
    db.session.expire_all()
    found = services.applications_of(resident_of(person(town, name)).id)
    return [application for application in found if application.round.code == OPEN]


def test_the_open_rounds_are_listed_and_lead_to_the_form(visitor, locale, town, rounds):
    visitor.get("/lottery")
    text = visitor.text
    assert ("2027年3月" if locale == "ja" else "March 2027") in text
    assert "2027年2月" not in text and "February 2027" not in text  # closed: not listed
    link = visitor.soup.find("a", href=f"/lottery/{OPEN}/apply")
    assert link is not None
    open_form(visitor, town)
    assert ("抽選" if locale == "ja" else "lottery") in visitor.h1
    days = [o["value"] for o in visitor.soup.select("#day_1 option") if o["value"]]
    assert days and all(day.startswith("2027-03-") for day in days)
    assert len(visitor.soup.select("select[id^=unit_]")) == services.get_round(OPEN).max_choices


def test_a_resident_applies_with_ranked_choices_and_gets_a_receipt(visitor, locale, town, rounds):
    open_form(visitor, town)
    visitor.post(
        f"/lottery/{OPEN}/apply",
        {**choice(1), **choice(2, "half-a", "2027-03-07", "afternoon"), "for_whom": "self"},
    )
    [made] = mine(town)
    assert visitor.path == f"/lottery/applications/{made.receipt_number}/received"
    assert visitor.soup.find(id="receipt-number").get_text(strip=True) == made.receipt_number
    assert visitor.h1 == ("申し込みを受け付けました" if locale == "ja" else "Application received")
    assert [(c.rank, c.unit.code, c.date.day) for c in made.choices] == [
        (1, "whole", 6),
        (2, "half-a", 7),
    ]
    assert made.channel == "web" and made.resident_id == made.applied_by_id
    items = [li.get_text(" ", strip=True) for li in visitor.soup.select(".lottery-choices li")]
    assert ("3月6日" if locale == "ja" else "6 March") in items[0]


def test_a_representative_applies_for_their_group(visitor, locale, town, rounds):
    open_form(visitor, town, "田中 美咲")
    labels = [label.get_text(strip=True) for label in visitor.soup.select("label[for^=for_whom]")]
    assert "青葉スポーツ少年団" in labels
    group = next(g for g in services.list_groups() if g.name == "青葉スポーツ少年団")
    visitor.post(f"/lottery/{OPEN}/apply", {**choice(1), "for_whom": str(group.id)})
    [made] = mine(town, "田中 美咲")
    assert made.group_id == group.id and made.resident_id is None
    assert visitor.soup.find(id="receipt-number").get_text(strip=True) == made.receipt_number


def test_a_plain_member_is_refused_for_the_group_in_their_language(visitor, locale, town, rounds):
    open_form(visitor, town, "田中 美咲")
    circle = next(g for g in services.list_groups() if g.name.startswith("バレーボール"))
    visitor.post(f"/lottery/{OPEN}/apply", {**choice(1), "for_whom": str(circle.id)}, status=409)
    [said] = visitor.error_summary()
    assert ("代表者か連絡担当" if locale == "ja" else "representative or a contact") in said
    assert mine(town, "田中 美咲") == []


@pytest.mark.parametrize(
    "case",
    ["same twice", "too many", "tampered unit", "half filled", "stranger group", "outside"],
)
def test_bad_input_is_refused_in_the_visitors_language_and_changes_nothing(
    visitor, locale, town, rounds, case
):
    open_form(visitor, town)
    found, units = gym()
    data = {**choice(1), "for_whom": "self"}
    status, expected = 409, None
    if case == "same twice":
        data.update(choice(2))
        expected = "同じ時間" if locale == "ja" else "same time twice"
    elif case == "too many":
        days = ["2027-03-06", "2027-03-07", "2027-03-13", "2027-03-14", "2027-03-20", "2027-03-21"]
        for rank, day in enumerate(days, start=1):
            data.update(choice(rank, day=day))
        expected = "5" if locale == "ja" else "up to 5 times"
    elif case == "tampered unit":
        other = facility_by_code("community-hall").units[0]
        data["unit_1"] = str(other.id)
        expected = "含まれていません" if locale == "ja" else "does not include"
    elif case == "half filled":
        data.update({"unit_2": str(units["whole"].id), "day_2": "", "block_2": ""})
        status, expected = 400, ("第2希望" if locale == "ja" else "Choice 2")
    elif case == "stranger group":
        data["for_whom"] = "99999"
        status, expected = 400, ("どなたの" if locale == "ja" else "who the application is for")
    else:
        data["day_1"] = "2027-04-03"
        expected = "2027年3月" if locale == "ja" else "March 2027"
    visitor.post(f"/lottery/{OPEN}/apply", data, status=status)
    summary = " ".join(visitor.error_summary())
    assert expected in summary, summary
    assert visitor.soup.title.get_text().startswith("エラー" if locale == "ja" else "Error")
    assert mine(town) == []


def test_a_closed_round_shows_no_form_and_refuses_a_posted_one(visitor, locale, town, rounds):
    open_form(visitor, town)
    visitor.get(f"/lottery/{CLOSED}/apply")
    assert visitor.soup.find("form", id="lottery-form") is None
    assert ("いまはお申し込み" if locale == "ja" else "takes applications") in visitor.text
    token = visitor.csrf_token()
    visitor.post(
        f"/lottery/{CLOSED}/apply",
        {**choice(1, day="2027-02-06"), "for_whom": "self", "csrf_token": token},
        status=409,
    )
    assert ("いまはお申し込み" if locale == "ja" else "takes applications") in " ".join(
        visitor.error_summary()
    )
    assert mine(town) == []


def _apply(town, name="山田 ハナ", choices=None):
    me = resident_of(person(town, name))
    found, units = gym()
    return services.apply(
        services.Actor.resident(me.id, "web"),
        code=OPEN,
        resident_id=me.id,
        choices=choices
        or [
            services.ChoiceRequest(units["whole"].id, date(2027, 3, 6), block_ids(found, "morning"))
        ],
        now=NOW,
    )


def test_my_lottery_applications_change_and_withdraw_until_the_period_ends(
    visitor, locale, town, rounds, clock
):
    made = _apply(town)
    open_form(visitor, town)
    visitor.get("/my-reservations")
    visitor.get(visitor.soup.find("a", href="/my-lottery")["href"])
    card = visitor.soup.find("section", class_="lottery-card").get_text(" ", strip=True)
    assert made.receipt_number in card
    visitor.get(f"/lottery/applications/{made.receipt_number}/change")
    assert visitor.soup.select_one("#unit_1 option[selected]") is not None  # as applied
    visitor.post(
        f"/lottery/applications/{made.receipt_number}/change",
        {**choice(1, "half-b", "2027-03-13", "evening"), **choice(2)},
    )
    assert visitor.path == "/my-lottery"
    [changed] = mine(town)
    assert [(c.unit.code, c.date.day) for c in changed.choices] == [("half-b", 13), ("whole", 6)]
    visitor.get(f"/lottery/applications/{made.receipt_number}/withdraw")
    visitor.post(f"/lottery/applications/{made.receipt_number}/withdraw")
    assert visitor.path == "/my-lottery"
    [gone] = mine(town)
    assert gone.status == "withdrawn"
    visitor.get(f"/lottery/applications/{made.receipt_number}/change")
    assert visitor.soup.find("form", id="lottery-form") is None  # withdrawn: nothing to change
    assert ("取り下げられた" if locale == "ja" else "was withdrawn") in visitor.text
    visitor.get("/my-lottery")
    assert ("取り下げ" if locale == "ja" else "Withdrawn") in visitor.text


def test_after_the_period_there_is_no_change_and_a_posted_change_is_refused(
    visitor, locale, town, rounds, clock
):
    made = _apply(town)
    clock.now = services.get_round(OPEN).closes_at
    visitor.get("/my-lottery")
    sign_in(visitor, person(town, "山田 ハナ"))
    assert visitor.path == "/my-lottery"
    assert (
        visitor.soup.find("a", href=f"/lottery/applications/{made.receipt_number}/change") is None
    )
    visitor.post(
        f"/lottery/applications/{made.receipt_number}/change",
        choice(1, day="2027-03-20"),
        status=409,
    )
    assert ("いまはお申し込み" if locale == "ja" else "takes applications") in " ".join(
        visitor.error_summary()
    )
    [same] = mine(town)
    assert [c.date.day for c in same.choices] == [6]


def test_someone_elses_receipt_is_not_found_and_changes_nothing(visitor, locale, town, rounds):
    theirs = _apply(town, "佐藤 一郎")
    open_form(visitor, town)
    for page in ("received", "change", "withdraw"):
        visitor.get(f"/lottery/applications/{theirs.receipt_number}/{page}", status=404)
    token = visitor.csrf_token()
    visitor.post(
        f"/lottery/applications/{theirs.receipt_number}/withdraw", {"csrf_token": token}, status=404
    )
    visitor.post(
        f"/lottery/applications/{theirs.receipt_number}/change",
        {**choice(1, day="2027-03-20"), "csrf_token": token},
        status=404,
    )
    [same] = mine(town, "佐藤 一郎")
    assert same.status == "submitted" and [c.date.day for c in same.choices] == [6]
    visitor.get("/lottery/applications/%00/received", status=404)


def _drawn(town):
    services.draw_round(services.Actor.system(), code=CLOSED, now=NOW)
    db.session.expire_all()


def _a_winner(town):
    """An application of the drawn round with a win, and the line of who made it."""
    for application in services.applications_in(CLOSED):
        won = [c for c in application.choices if c.won]
        if won:
            name = application.applied_by.name
            return application, won[0], person(town, name)
    raise AssertionError("the draw gave no win")


def test_after_the_draw_each_choice_has_its_result_and_a_win_is_confirmed(
    visitor, locale, town, rounds
):
    _drawn(town)
    application, won, line = _a_winner(town)
    visitor.get("/sign-in")
    sign_in(visitor, line)
    visitor.get("/my-lottery")
    text = visitor.text
    assert ("当選" if locale == "ja" else "Won") in text
    assert won.reservation.number in text
    form = visitor.soup.find("form", action=f"/lottery/choices/{won.id}/confirm")
    assert form is not None
    visitor.post(form["action"])
    db.session.expire_all()
    assert visitor.path == f"/reservations/{won.reservation_id}/booked"
    confirmed = services.get_application(services.Actor.system(), application.receipt_number)
    assert next(c for c in confirmed.choices if c.id == won.id).answer == "confirmed"
    visitor.get("/my-lottery")
    assert visitor.soup.find("form", action=f"/lottery/choices/{won.id}/confirm") is None
    visitor.post(
        f"/lottery/choices/{won.id}/decline", {"csrf_token": visitor.csrf_token()}, status=409
    )
    assert ("すでにお返事" if locale == "ja" else "already been answered") in " ".join(
        visitor.error_summary()
    )


def test_the_form_offers_only_the_days_the_gym_is_open(visitor, town, rounds):
    open_form(visitor, town)
    offered = {o["value"] for o in visitor.soup.select("#day_1 option") if o["value"]}
    # Its closing day (Monday; on the holiday of 22 March it moves to the 23rd).
    mondays = {f"2027-03-{day:02d}" for day in (1, 8, 15, 23, 29)}
    assert offered and not offered & mondays
    assert "2027-03-06" in offered  # a Saturday


def _show_applicants(app, on: bool):
    settings = app.extensions["reservations"]
    app.extensions["reservations"] = dataclasses.replace(
        settings, lottery=dataclasses.replace(settings.lottery, show_applicants=on)
    )


def test_the_applications_per_slot_are_shown_only_when_the_town_says_so(
    app, visitor, locale, town, rounds
):
    _apply(town, "佐藤 一郎")
    open_form(visitor, town)
    assert visitor.soup.find(id="demand-heading") is None  # LOTTERY_SHOW_APPLICANTS off
    visitor.get(f"/lottery/{OPEN}/results")
    assert visitor.soup.select("main table tbody tr") == []
    assert ("抽選のあと" if locale == "ja" else "after the draw") in visitor.text
    _show_applicants(app, True)
    visitor.get(f"/lottery/{OPEN}/apply")
    assert visitor.soup.find(id="demand-heading") is not None
    [row] = [
        [cell.get_text(strip=True) for cell in tr.find_all("td")]
        for tr in visitor.soup.select("main table tbody tr")
    ]
    assert row[-1] == "1" and ("3月6日" if locale == "ja" else "6 March") in row[0]
    visitor.get(f"/lottery/{OPEN}/results")
    assert len(visitor.soup.select("main table tbody tr")) == 1


def test_the_form_and_its_refusal_read_in_easy_japanese(app, town, rounds):
    from channels.i18n import EASY_JAPANESE
    from tests.channels.web.conftest import Visitor

    easy = Visitor(app.test_client(), EASY_JAPANESE)
    open_form(easy, town)
    assert "くじ" in easy.h1
    easy.post(f"/lottery/{OPEN}/apply", {**choice(1), **choice(2), "for_whom": "self"}, status=409)
    summary = easy.soup.find(class_="error-summary")
    plain = "".join(s for s in summary.find_all(string=True) if s.parent.name not in ("rt", "rp"))
    assert "1回だけ選んでください" in plain
    assert mine(town) == []
