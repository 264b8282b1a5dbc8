"""A resident books, sees and cancels, page by page, in Japanese and in English;
every page passes check_page, every error path shows its summary."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from reservations import services
from reservations.db import db
from reservations.models import Staff
from tests.channels.web.conftest import DAY, NOW, facility_by_code
from tests.factories import at

WORDS = {
    "ja": {
        "free": "空き",
        "taken": "予約済み",
        "closed": "休館",
        "past": "終了",
        "not_open_yet": "受付前",
        "booking_closed": "受付終了",
        "yours": "ご自身の予約",
        "weekly": "定休日",
        "error": "エラー:",
        "year_end": "年末年始休館",
    },
    "en": {
        "free": "Free",
        "taken": "Booked",
        "closed": "Closed",
        "past": "Ended",
        "not_open_yet": "Not open yet",
        "booking_closed": "Booking closed",
        "yours": "Your booking",
        "weekly": "Regular closing day",
        "error": "Error:",
        "year_end": "New Year holidays",
    },
}


def gym_whole():
    gym = facility_by_code("town-gym")
    return gym, gym.units[0]


def block_ids(facility, *codes):
    return [next(b.id for b in facility.time_blocks if b.code == code) for code in codes]


def sign_in(visitor, line):
    visitor.get("/sign-in")
    return visitor.post("/sign-in", {"registration_no": line.registration_no, "pin": line.pin})


def choose(visitor, unit, day, ids):
    visitor.get(f"/units/{unit.id}/days/{day.isoformat()}")
    return visitor.post(f"/units/{unit.id}/days/{day.isoformat()}", {"blocks": ids})


def book_through_pages(visitor, town, day=DAY, codes=("morning",)):
    gym, whole = gym_whole()
    choose(visitor, whole, day, block_ids(gym, *codes))
    if visitor.path == "/sign-in":
        sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    visitor.post("/confirm")
    assert visitor.path.endswith("/booked")
    return visitor.soup.find(id="reservation-number").get_text(strip=True)


# ----------------------------------------------------------------- finding a facility


def test_home_lists_the_ways_in(visitor):
    visitor.get("/")
    links = {a["href"] for a in visitor.soup.find("main").find_all("a")}
    assert {"/facilities", "/my-reservations"} <= links


def test_facilities_say_what_each_is_for_its_access_and_fees(visitor, locale):
    visitor.get("/facilities")
    main = visitor.soup.find("main")
    assert len(main.find_all("h2")) == 5
    text = main.get_text(" ", strip=True)
    assert ("町民体育館" if locale == "ja" else "Town Gymnasium") in text
    assert ("200人まで" if locale == "ja" else "Up to 200 people") in text
    assert ("段差のない出入口" if locale == "ja" else "Step-free access") in text
    assert ("300円" if locale == "ja" else "¥300") in text  # tennis, per slot


def test_facility_page_has_a_fee_table_per_unit_and_links_to_availability(visitor, locale):
    school = facility_by_code("school-gym")
    visitor.get(f"/facilities/{school.id}")
    table = visitor.soup.find("table")
    assert table.caption and all(th.get("scope") for th in table.find_all("th"))
    assert (
        "利用できる日：土・日・祝日" if locale == "ja" else "Only on: Sat, Sun, public holidays"
    ) in visitor.text
    link = visitor.soup.find("a", href=f"/units/{school.units[0].id}/availability")
    assert link is not None


def test_unknown_facility_or_unit_is_a_page_not_found(visitor):
    visitor.get("/facilities/999", status=404)
    visitor.get("/units/999/availability", status=404)
    visitor.get("/units/1/days/2026-13-40", status=404)


# ----------------------------------------------------------------------- availability


def test_availability_is_a_table_with_every_state_in_words(visitor, locale, town):
    gym, whole = gym_whole()
    holder = town.residents[1]
    resident = services.find_residents(holder.registration_no)[0]
    services.book(
        services.Actor.resident(resident.id, "web"),
        resident_id=resident.id,
        unit_id=gym.units[1].id,
        day=date(2026, 12, 3),
        block_ids=block_ids(gym, "afternoon"),
        now=NOW,
    )
    visitor.get(f"/units/{whole.id}/availability")
    table = visitor.soup.find("table", class_="availability")
    assert table.caption.get_text(strip=True)
    assert [th["scope"] for th in table.thead.find_all("th")] == ["col"] * 4
    rows = table.tbody.find_all("tr")
    assert len(rows) == 7 and all(row.th["scope"] == "row" for row in rows)
    cells = {
        row.th.get_text(" ", strip=True).split()[0]: [
            td.get_text(" ", strip=True) for td in row.find_all("td")
        ]
        for row in rows
    }
    words = WORDS[locale]
    monday, tuesday, thursday = (
        ("11月30日(月)", "12月1日(火)", "12月3日(木)") if locale == "ja" else ("Mon", "Tue", "Thu")
    )
    assert cells[monday] == [f"{words['closed']} {words['weekly']}"]
    assert cells[tuesday] == [words["past"], words["booking_closed"], words["booking_closed"]]
    taken = rows[3].find_all("td")[1]
    assert taken.find(class_="status-taken").get_text(strip=True) == words["taken"]
    join = taken.find("a", class_="waitlist-link")  # others booked it: wait for it
    assert join["href"].startswith(f"/waitlist/join?unit={whole.id}&day=2026-12-03&block=")
    assert cells[thursday][0].startswith(words["free"])
    free_link = rows[3].find("a")
    assert free_link["href"].startswith(f"/units/{whole.id}/days/2026-12-03?block=")
    # only colour would not do: every state is a word, and free cells are links
    assert "status-free" in free_link["class"]


def test_week_links_move_a_week_and_not_before_this_week(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/availability")
    nav = visitor.soup.find("nav", class_="week-nav")
    assert nav.find("a", rel="prev") is None
    visitor.get(nav.find("a", rel="next")["href"])
    assert "2026-12-07" in visitor.urls[-1]
    assert visitor.soup.find("nav", class_="week-nav").find("a", rel="prev")
    visitor.get(f"/units/{whole.id}/availability?week=2026-12-28")
    text = visitor.soup.find("table").get_text(" ", strip=True)
    assert WORDS[locale]["year_end"] in text
    visitor.get(f"/units/{whole.id}/availability?week=2027-03-01")
    assert WORDS[locale]["not_open_yet"] in visitor.soup.find("table").get_text(" ")


def test_month_view_shows_every_day_of_the_month_and_moves_a_month(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/availability")
    month_link = visitor.soup.find("nav", class_="week-nav").find_all("a")[-1]
    visitor.get(month_link["href"])
    assert visitor.urls[-1].endswith("month=2026-12")
    rows = visitor.soup.find("table", class_="availability").tbody.find_all("tr")
    assert len(rows) == 31
    nav = visitor.soup.find("nav", class_="week-nav")
    assert nav.find("a", rel="prev") is None  # not before this month
    visitor.get(nav.find("a", rel="next")["href"])
    assert visitor.urls[-1].endswith("month=2027-01")
    assert len(visitor.soup.find("table").tbody.find_all("tr")) == 31
    text = visitor.soup.find("table").get_text(" ", strip=True)
    assert WORDS[locale]["year_end"] in text  # 1-3 January
    assert WORDS[locale]["free"] in text
    visitor.get(f"/units/{whole.id}/availability?month=nonsense")
    assert len(visitor.soup.find("table").tbody.find_all("tr")) == 31  # this month instead
    # The date field keeps the month view when the date is wrong.
    visitor.get(f"/units/{whole.id}/availability?month=2027-01&date=2027-13-40")
    assert visitor.soup.find(class_="error-summary")
    assert len(visitor.soup.find("table").tbody.find_all("tr")) == 31


def test_date_field_takes_a_date_and_explains_what_is_wrong(visitor, locale):
    _, whole = gym_whole()
    url = f"/units/{whole.id}/availability"
    for typed in ("", "next tuesday", "2026-02-30", "2026-11-30", "2028-01-05"):
        visitor.get(f"{url}?week=2026-12-07&date={typed}")
        assert visitor.soup.title.get_text().startswith(WORDS[locale]["error"])
        [message] = visitor.error_summary()
        field = visitor.soup.find(id="date")
        assert field["aria-invalid"] == "true" and "date-error" in field["aria-describedby"]
        assert field.get("value", "") == typed  # what was typed is kept
        assert visitor.soup.find(id="date-error").get_text(" ", strip=True).endswith(message)
    visitor.get(f"{url}?date=２０２６年１２月１６日")
    assert visitor.path == f"/units/{whole.id}/days/2026-12-16"


# ---------------------------------------------------------------------- time blocks


def test_times_are_checkboxes_in_a_fieldset_with_the_fee_from_the_core(visitor, locale):
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/2026-12-16?block={block_ids(gym, 'afternoon')[0]}")
    fieldset = visitor.soup.find("fieldset")
    assert fieldset.legend.h1 is not None
    boxes = fieldset.find_all("input", type="checkbox")
    assert len(boxes) == 3 and [b.has_attr("checked") for b in boxes] == [False, True, False]
    assert ("1,500円" if locale == "ja" else "¥1,500") in fieldset.get_text()


def test_choosing_no_time_or_times_apart_or_too_many_is_explained(visitor, locale, town):
    gym, whole = gym_whole()
    url = f"/units/{whole.id}/days/2026-12-16"
    visitor.get(url)
    for data in ({}, {"blocks": block_ids(gym, "morning", "evening")}, {"blocks": ["x"]}):
        visitor.post(url, data)
        assert visitor.path == url and len(visitor.error_summary()) == 1
        assert visitor.soup.find(id="blocks-error")
        assert visitor.soup.find("a", href="#blocks-0")
    # what was chosen is kept
    assert [b.has_attr("checked") for b in visitor.soup.find_all("input", type="checkbox")] == [
        False,
        False,
        False,
    ]
    visitor.post(url, {"blocks": block_ids(gym, "morning", "evening")})
    assert [b.has_attr("checked") for b in visitor.soup.find_all("input", type="checkbox")] == [
        True,
        False,
        True,
    ]
    tennis = facility_by_code("tennis")
    court = tennis.units[0]
    tennis_url = f"/units/{court.id}/days/2026-12-16"
    visitor.get(tennis_url)
    visitor.post(tennis_url, {"blocks": block_ids(tennis, "h09", "h10", "h11")})
    [message] = visitor.error_summary()
    assert "2" in message


def test_a_day_without_free_times_says_so(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/2026-12-01")
    assert visitor.soup.find("form", method="post") is None or not visitor.soup.find("fieldset")
    visitor.get(f"/units/{whole.id}/days/2026-12-14")  # Monday: closed
    assert WORDS[locale]["weekly"] in visitor.text


# -------------------------------------------------------------- sign in, confirm, done


def test_booking_from_times_to_the_reservation_number(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, DAY, block_ids(gym, "morning", "afternoon"))
    assert visitor.path == "/sign-in"
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    rows = {
        dt.get_text(strip=True): dd.get_text(" ", strip=True)
        for dt, dd in zip(visitor.soup.find_all("dt"), visitor.soup.find_all("dd"), strict=True)
    }
    date_text = "2026年12月16日(水)" if locale == "ja" else "Wed 16 December 2026"
    assert date_text in rows["日付" if locale == "ja" else "Date"]
    assert ("3,500円" if locale == "ja" else "¥3,500") in rows[
        "使用料" if locale == "ja" else "Fee"
    ]
    assert (
        "2026年12月13日(日)まで" if locale == "ja" else "Until the end of Sun 13 December 2026"
    ) in rows["インターネットでの取消期限" if locale == "ja" else "Cancel on the web"]
    assert len(visitor.soup.find("main").find_all("button")) == 1
    visitor.post("/confirm")
    number = visitor.soup.find(id="reservation-number").get_text(strip=True)
    assert len(number) == 8 and services.find_reservation(number).fee_yen == 3500
    assert "big-number" in visitor.soup.find(id="reservation-number")["class"]
    # the booking in progress is gone: a second confirm starts nothing
    visitor.get("/confirm")
    assert visitor.path == "/facilities"


def test_the_done_page_offers_a_calendar_file_and_a_print_view(visitor, locale, town):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    ics = visitor.soup.find("a", href=f"/reservations/{reservation.id}/calendar.ics")
    response = visitor.client.get(ics["href"])
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert event.decoded("dtstart") == at(2026, 12, 16, 9)
    assert event.decoded("dtend") == at(2026, 12, 16, 12)
    assert number in str(event.get("description"))
    visitor.get(f"/reservations/{reservation.id}/print")
    assert number in visitor.h1 and "print-view" in visitor.soup.body["class"]


def test_my_reservations_lists_upcoming_and_past_and_cancels_after_confirmation(
    visitor, locale, town
):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    visitor.get("/my-reservations")
    upcoming = visitor.soup.find("section", class_="reservation-card")
    assert number in upcoming.get_text()
    cancel_link = upcoming.find("a", href=f"/reservations/{reservation.id}/cancel")
    visitor.get(cancel_link["href"])
    assert (
        "2026年12月13日(日)まで" if locale == "ja" else "until the end of Sun 13 December 2026"
    ) in visitor.text
    assert services.find_reservation(number).status == "held"  # asking changed nothing
    visitor.post(cancel_link["href"])
    assert visitor.path == "/my-reservations"
    assert number in " ".join(visitor.notices())
    assert visitor.soup.find("section", class_="reservation-card") is None
    past = visitor.soup.find("table")
    assert (
        number in past.get_text()
        and ("取消済み" if locale == "ja" else "Cancelled") in past.get_text()
    )
    assert services.find_reservation(number).status == "cancelled"
    # cancelling again says it is already done
    visitor.post(cancel_link["href"])
    assert len(visitor.error_summary()) == 1


def test_cancelling_a_paid_booking_says_what_is_given_back(visitor, locale, town):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    clerk = services.Actor.staff(db.session.scalar(db.select(Staff).filter_by(username="clerk")).id)
    services.record_payment(clerk, reservation_id=reservation.id, status=services.PAID, now=NOW)
    visitor.get(f"/reservations/{reservation.id}/cancel")
    paid = f"{reservation.fee_yen:,}円" if locale == "ja" else f"¥{reservation.fee_yen:,}"
    assert (
        f"今取り消すと、{paid}(100%)をお返しします。"
        if locale == "ja"
        else f"If you cancel now, {paid} (100%) is given back to you."
    ) in visitor.text
    visitor.post(f"/reservations/{reservation.id}/cancel")
    assert visitor.path == "/my-reservations"
    assert (
        f"{paid}をお返しします。" if locale == "ja" else f"{paid} is given back to you."
    ) in " ".join(visitor.notices())
    assert services.refund_for(reservation.id).amount_yen == reservation.fee_yen


def test_after_the_deadline_there_is_no_cancel_button_and_the_core_refuses(
    visitor, locale, town, clock
):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    clock.now = at(2026, 12, 14, 0, 0)
    sign_in(visitor, town.residents[0])
    visitor.get("/my-reservations")
    card = visitor.soup.find("section", class_="reservation-card")
    assert card.find("a", href=f"/reservations/{reservation.id}/cancel") is None
    visitor.get(f"/reservations/{reservation.id}/cancel")
    assert visitor.soup.find("main").find("button") is None
    visitor.post(f"/reservations/{reservation.id}/cancel")
    [message] = visitor.error_summary()
    assert ("2026年12月13日(日)" if locale == "ja" else "Sun 13 December 2026") in message
    assert services.find_reservation(number).is_active


def test_a_slot_taken_between_view_and_confirm_offers_its_waiting_list(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, DAY, block_ids(gym, "evening"))
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    other = services.find_residents(town.residents[1].registration_no)[0]
    services.book(
        services.Actor.resident(other.id, "phone"),
        resident_id=other.id,
        unit_id=gym.units[2].id,
        day=DAY,
        block_ids=block_ids(gym, "evening"),
        now=NOW,
    )
    visitor.post("/confirm")
    evening = block_ids(gym, "evening")[0]
    assert (
        visitor.urls[-1] == f"/waitlist/join?unit={whole.id}&day={DAY.isoformat()}&block={evening}"
    )
    [notice] = visitor.notices()
    assert ("2026年12月16日(水)" if locale == "ja" else "Wed 16 December 2026") in notice
    assert ("キャンセル待ち" if locale == "ja" else "join the waiting list") in notice
    assert visitor.soup.find("section", class_="session-panel")  # still signed in
    visitor.post(visitor.urls[-1], {"unit": whole.id, "day": DAY.isoformat(), "block": evening})
    assert visitor.path == "/my-waitlist"  # in line for it, number 1
    me = services.find_residents(town.residents[0].registration_no)[0]
    assert [place.position for place in services.waitlist_of(me.id, NOW)] == [1]
    assert services.reservations_of(other.id, now=NOW).upcoming[0].number  # theirs stands


def test_confirm_says_when_the_limit_is_reached_and_offers_my_reservations(visitor, locale, town):
    ground = facility_by_code("sports-ground")
    field = ground.units[0]
    resident = services.find_residents(town.residents[0].registration_no)[0]
    for day in (date(2026, 12, 16), date(2026, 12, 17)):
        services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=field.id,
            day=day,
            block_ids=block_ids(ground, "morning"),
            now=NOW,
        )
    choose(visitor, field, date(2026, 12, 18), block_ids(ground, "morning"))
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    [message] = visitor.error_summary()
    assert ("グラウンド" if locale == "ja" else "Sports ground") in message
    assert visitor.soup.find("main").find("form", method="post") is None
    assert visitor.soup.find("main").find("a", href="/my-reservations")
    visitor.post("/confirm")  # a forced POST is refused by the core the same way
    assert len(visitor.error_summary()) == 1
    assert len(services.reservations_of(resident.id, now=NOW).upcoming) == 2


def test_confirm_says_when_booking_has_closed_in_the_meantime(visitor, locale, town, clock):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 3), block_ids(gym, "evening"))
    clock.now = at(2026, 12, 3, 0, 0, 1)
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    [message] = visitor.error_summary()
    assert ("電話または窓口" if locale == "ja" else "call or visit the counter") in message


def test_a_non_resident_sees_their_own_fee_once_signed_in(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 23), block_ids(gym, "morning"))
    sign_in(visitor, next(r for r in town.residents if "non-resident" in r.note))
    assert ("3,000円" if locale == "ja" else "¥3,000") in visitor.text


def test_a_member_of_an_exempt_club_sees_its_exemption_on_the_confirm_page(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, DAY, block_ids(gym, "morning"))
    sign_in(visitor, next(r for r in town.residents if "seniors' club representative" in r.note))
    club = visitor.soup.find("label", string="寿会（老人クラブ）").find_parent(class_="choice")
    assert ("750円" if locale == "ja" else "¥750") in club.get_text()
    assert "50%" in club.get_text()


def test_another_residents_reservation_is_not_found(visitor, town):
    number = book_through_pages(visitor, town)
    reservation = services.find_reservation(number)
    visitor.post("/sign-out")
    sign_in(visitor, town.residents[1])
    for path in ("booked", "print", "calendar.ics", "cancel"):
        response = visitor.client.get(f"/reservations/{reservation.id}/{path}")
        assert response.status_code == 404
    visitor.client.post(
        f"/reservations/{reservation.id}/cancel", data={"csrf_token": visitor.csrf_token()}
    )
    assert services.find_reservation(number).is_active


def test_pages_for_residents_only_ask_to_sign_in_and_come_back(visitor, town):
    visitor.get("/my-reservations")
    assert visitor.path == "/sign-in"
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/my-reservations"


def test_a_mobile_resident_chooses_the_language_of_their_text_messages(visitor, locale, town):
    sato = next(line for line in town.residents if line.name == "佐藤 一郎")
    sign_in(visitor, sato)
    visitor.get("/my-reservations")
    form = visitor.soup.find("form", action="/preferences/messages-language")
    assert form is not None
    button = form.find("button", attrs={"name": "language", "value": "en"})
    assert button["lang"] == "en"
    visitor.post("/preferences/messages-language", {"language": "en"})
    assert visitor.path == "/my-reservations"
    assert (
        "次のショートメッセージから、その言語でお送りします。"
        if locale == "ja"
        else "Your next text messages will be in that language."
    ) in " ".join(visitor.notices())
    resident = services.find_residents(sato.registration_no)[0]
    db.session.refresh(resident)
    assert resident.preferred_language == "en"
    # A tampered value changes nothing and is said.
    visitor.post("/preferences/messages-language", {"language": "xx"})
    db.session.refresh(resident)
    assert resident.preferred_language == "en" and visitor.notices()


def test_a_landline_resident_chooses_the_language_of_their_calls(visitor, locale, town):
    """A landline gets its notices by a call, spoken in Japanese, やさしい日本語 or
    English (en-US): the resident chooses among the three, and the next calls follow it."""
    hana = town.residents[0]  # an elderly resident with a landline
    sign_in(visitor, hana)
    visitor.get("/my-reservations")
    form = visitor.soup.find("form", action="/preferences/messages-language")
    assert ("お電話でのお知らせの言葉" if locale == "ja" else "Language of our calls") in (
        visitor.soup.find(id="messages-language").get_text()
    )
    assert sorted(b["value"] for b in form.find_all("button")) == ["en", "ja@easy"]
    visitor.post("/preferences/messages-language", {"language": "ja@easy"})
    assert (
        "次のお電話から、その言葉でお知らせします" if locale == "ja" else "Our next calls"
    ) in " ".join(visitor.notices())
    resident = services.find_residents(hana.registration_no)[0]
    db.session.refresh(resident)
    assert resident.preferred_language == "ja@easy"
    form = visitor.soup.find("form", action="/preferences/messages-language")
    assert sorted(b["value"] for b in form.find_all("button")) == ["en", "ja"]
    visitor.post("/preferences/messages-language", {"language": "en"})
    db.session.refresh(resident)
    assert resident.preferred_language == "en"
