"""Issue 17, "say what will happen": every page gives the counter's number (a tel:
link) and hours, every message that sends a resident to the counter shows them, the
confirm page warns when the booking could no longer be cancelled online, 受付前
says when booking opens, a full day says why, payment is explained, a redirect that
drops the request says why, and a facility's page has its address, hours, access
and equipment. In Japanese and English, through the test client."""

from __future__ import annotations

from datetime import date

from tests.channels.web.conftest import facility_by_code
from tests.channels.web.test_booking import block_ids, choose, gym_whole, sign_in
from tests.factories import at

TEL = "tel:+81166000111"


def counter_boxes(visitor):
    return visitor.soup.select(".counter-help")


def tel_links(soup, within=None):
    scope = soup.select_one(within) if within else soup
    return [a["href"] for a in scope.select('a[href^="tel:"]')] if scope else []


def test_every_page_shows_the_counters_number_and_hours_in_its_footer(visitor, locale):
    gym, whole = gym_whole()
    for path in (
        "/",
        "/facilities",
        f"/facilities/{gym.id}",
        f"/units/{whole.id}/availability",
        "/sign-in",
    ):
        visitor.get(path)
        assert TEL in tel_links(visitor.soup, ".site-footer"), path
        footer = visitor.soup.select_one(".site-footer").get_text(" ", strip=True)
        assert (
            "午前8時30分から午後5時15分まで" if locale == "ja" else "8:30 am to 5:15 pm"
        ) in footer
        assert ("月曜日から金曜日" if locale == "ja" else "Monday to Friday") in footer


def test_a_wrong_pin_and_a_locked_sign_in_give_the_number_with_the_message(visitor, locale, town):
    line = town.residents[0]
    visitor.get("/sign-in")
    for _ in range(2):  # SIGN_IN_SOURCE_LIMITS: the 3rd wrong in a minute makes the address wait
        visitor.post("/sign-in", {"registration_no": line.registration_no, "pin": "0000"})
    [message] = visitor.error_summary()
    assert ("窓口" if locale == "ja" else "counter") in message
    assert TEL in tel_links(visitor.soup, "main")  # beside the message, not only in the footer
    # The next try from this address waits (429): the counter's number is there too.
    visitor.post("/sign-in", {"registration_no": line.registration_no, "pin": "0000"}, status=429)
    assert TEL in tel_links(visitor.soup, "main")


def test_too_late_to_cancel_gives_the_counters_number(visitor, locale, town, clock):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 5), block_ids(gym, "morning"))
    sign_in(visitor, town.residents[0])
    visitor.post("/confirm")
    clock.now = at(2026, 12, 3, 9)  # the last day to cancel was 2 December
    visitor.get("/my-reservations")
    assert TEL in tel_links(visitor.soup, "main")


def test_confirm_warns_when_the_deadline_to_cancel_has_already_passed(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 3), block_ids(gym, "morning"))  # deadline 11/30
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/confirm"
    warning = visitor.soup.select_one("#cancel-warning").get_text(" ", strip=True)
    if locale == "ja":
        assert "インターネットでは取り消せません" in warning and "2026年11月30日(月)" in warning
    else:
        assert "cannot be cancelled on the web" in warning and "Mon 30 November 2026" in warning


def test_confirm_has_no_warning_while_the_booking_can_still_be_cancelled(visitor, town):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 16), block_ids(gym, "morning"))
    sign_in(visitor, town.residents[0])
    assert visitor.soup.select_one("#cancel-warning") is None


def test_payment_is_explained_on_confirm_done_and_my_reservations(visitor, locale, town):
    gym, whole = gym_whole()
    choose(visitor, whole, date(2026, 12, 16), block_ids(gym, "morning"))
    sign_in(visitor, town.residents[0])
    expected = "窓口で現金でお支払いください" if locale == "ja" else "in cash at the counter"
    free = "取り消しに料金はかかりません" if locale == "ja" else "Cancelling costs nothing"
    for step in ("confirm", "booked", "my-reservations"):
        if step == "booked":
            visitor.post("/confirm")
        elif step == "my-reservations":
            visitor.get("/my-reservations")
        terms = visitor.soup.select_one(".payment-terms").get_text(" ", strip=True)
        assert expected in terms and free in terms, step


def test_not_open_yet_says_when_booking_opens(visitor, locale):
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/2027-02-17")  # February opens on 1 December, 9:00
    assert "/days/2027-02-17" in visitor.path
    visitor.get(f"/units/{whole.id}/days/2027-03-17")  # March opens on 1 January, 9:00
    when = (
        "1月1日(金) 午前9時から予約できます"
        if locale == "ja"
        else "You can book from Fri 1 Jan, 9:00 am"
    )
    assert when in visitor.text
    visitor.get(f"/units/{whole.id}/availability?month=2027-03")
    notes = visitor.soup.select_one(".opening-notes").get_text(" ", strip=True)
    assert ("1月1日(金) 午前9時" if locale == "ja" else "Fri 1 Jan, 9:00 am") in notes


def test_a_full_day_says_it_is_taken_not_closed_nor_unopened(visitor, locale, town):
    from reservations import services

    gym, whole = gym_whole()
    me = services.find_residents(town.residents[0].registration_no)[0]
    for block in gym.time_blocks:
        services.book(
            services.Actor.resident(me.id, "phone"),
            resident_id=me.id,
            unit_id=whole.id,
            day=date(2026, 12, 17),
            block_ids=[block.id],
            now=at(2026, 12, 1, 10),
        )
    visitor.get(f"/units/{whole.id}/days/2026-12-17")
    assert ("すべて予約済みです" if locale == "ja" else "already booked") in visitor.text


def test_a_day_whose_web_booking_closed_sends_to_the_counter_with_its_number(
    visitor, locale, clock
):
    _, whole = gym_whole()
    clock.now = at(2026, 12, 2, 0, 0, 1)
    visitor.get(f"/units/{whole.id}/days/2026-12-02")  # the window closed at midnight
    assert ("インターネットでの予約受付は終了" if locale == "ja" else "has closed") in visitor.text
    assert TEL in tel_links(visitor.soup, "main")


def test_a_week_or_day_out_of_reach_is_moved_with_the_reason(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/availability?week=2026-01-05")
    assert "week=2026-11-30" in visitor.urls[-1]
    [notice] = visitor.notices()
    assert ("過ぎているため" if locale == "ja" else "has already passed") in notice
    visitor.get(f"/units/{whole.id}/availability?week=2029-01-01")
    [notice] = visitor.notices()
    assert ("までです" if locale == "ja" else "are shown here") in notice
    visitor.get(f"/units/{whole.id}/availability?week=nonsense")
    [notice] = visitor.notices()
    assert ("読み取れなかった" if locale == "ja" else "could not be read") in notice
    # a month that cannot be read shows this month, and says so (not "this week")
    visitor.get(f"/units/{whole.id}/availability?month=nonsense")
    assert "month=2026-12" in visitor.urls[-1]
    [notice] = visitor.notices()
    assert ("今月をお見せしています" if locale == "ja" else "this month is shown") in notice
    visitor.get(f"/units/{whole.id}/availability?month=2020-01")
    assert "month=2026-12" in visitor.urls[-1]
    [notice] = visitor.notices()
    assert ("過ぎているため" if locale == "ja" else "has already passed") in notice
    visitor.get(f"/units/{whole.id}/days/2026-11-20")
    assert "/availability" in visitor.path
    [notice] = visitor.notices()
    assert ("過ぎているため" if locale == "ja" else "has already passed") in notice


def test_a_facility_page_has_its_address_access_hours_equipment_and_telephone(visitor, locale):
    gym = facility_by_code("town-gym")
    visitor.get(f"/facilities/{gym.id}")
    text = visitor.text
    assert (gym.address if locale == "ja" else gym.address_en) in text
    assert (gym.equipment if locale == "ja" else gym.equipment_en)[:20] in text
    assert (gym.hours if locale == "ja" else gym.hours_en) in text
    assert "tel:+81166000200" in tel_links(visitor.soup, "main")
    hall = facility_by_code("community-hall")  # no telephone of its own: the counter's
    visitor.get(f"/facilities/{hall.id}")
    assert TEL in tel_links(visitor.soup, "main")


def test_japanese_names_on_english_pages_are_marked_as_japanese(visitor, locale, town):
    sign_in(visitor, town.residents[0])
    if locale == "en":
        marked = [span.get_text() for span in visitor.soup.select('.session-panel [lang="ja"]')]
        assert marked == [town.residents[0].name]
    else:
        assert not visitor.soup.select('.session-panel [lang="ja"]')


def test_the_availability_title_and_month_navigation_read_well(visitor, locale):
    _, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/availability")
    assert visitor.soup.title.get_text().startswith(
        "全面の空き状況" if locale == "ja" else "Free times: Whole court"
    )
    visitor.get(f"/units/{whole.id}/availability?month=2026-12")
    label = visitor.soup.select_one("nav.week-nav")["aria-label"]
    assert label == ("月の切り替え" if locale == "ja" else "Months")


def test_the_school_gym_lists_its_days_with_a_japanese_separator(visitor, locale):
    school = facility_by_code("school-gym")
    visitor.get(f"/facilities/{school.id}")
    assert ("土・日・祝日" if locale == "ja" else "Sat, Sun, public holidays") in visitor.text


def test_the_back_link_sits_in_a_landmark(visitor):
    gym = facility_by_code("town-gym")
    visitor.get(f"/facilities/{gym.id}")
    link = visitor.soup.select_one(".back-link")
    assert link.find_parent(["nav", "main", "header", "footer"]) is not None


def test_every_web_wording_that_sends_a_resident_to_the_counter_shows_its_details(app):
    """A wording that mentions the counter (窓口) is a CounterMessage, so the page shows
    the counter's number and hours with it; and only those are."""
    from tests.channels.test_error_wording import SAMPLES, VARIANTS, _said

    for error in SAMPLES + VARIANTS:
        japanese = _said(app, "web", error, "ja")
        assert getattr(japanese, "refers_to_counter", False) == ("窓口" in japanese), japanese
