"""The waiting list (キャンセル待ち) on the web, in Japanese and in English: joining a
booked time from the day's times (a POST form, no JavaScript), "My waiting list" with
the place in line and leaving, and an offered time accepted or declined; every refusal
in the page's error summary."""

from __future__ import annotations

from reservations import services
from tests.channels.web.conftest import DAY, NOW
from tests.channels.web.test_booking import block_ids, gym_whole, sign_in
from tests.factories import at, make_staff


def resident_of(line):
    return services.find_residents(line.registration_no)[0]


def book_for(line, codes=("morning",), day=DAY):
    gym, whole = gym_whole()
    other = resident_of(line)
    return services.book(
        services.Actor.resident(other.id, "phone"),
        resident_id=other.id,
        unit_id=whole.id,
        day=day,
        block_ids=block_ids(gym, *codes),
        now=NOW,
    )


def join_link(visitor):
    section = visitor.soup.find("section", attrs={"aria-labelledby": "waitlist-heading"})
    return section.find("a")["href"] if section else None


def join_through_pages(visitor, town, day=DAY):
    """Another resident holds the morning; the visitor (山田 ハナ, in no group) joins."""
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/{day.isoformat()}")
    href = join_link(visitor)
    assert href is not None
    visitor.get(href)
    if visitor.path == "/sign-in":
        sign_in(visitor, town.residents[0])
    assert visitor.path == "/waitlist/join"
    return visitor.post(visitor.urls[-1], _hidden_fields(visitor))  # where a browser posts


def _hidden_fields(visitor) -> dict:
    form = visitor.soup.find("form", id="waitlist-form")
    data: dict = {}
    for field in form.find_all("input", attrs={"type": "hidden"}):
        data.setdefault(field["name"], []).append(field["value"])
    return data


def test_a_booked_time_offers_joining_and_the_waiter_sees_their_place(visitor, locale, town):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    assert visitor.path == "/my-waitlist"
    [notice] = visitor.notices()
    assert ("1番目" if locale == "ja" else "number 1 in line") in notice
    assert visitor.h1 == ("キャンセル待ち一覧" if locale == "ja" else "My waiting list")
    position = visitor.soup.find(class_="waitlist-position").get_text(strip=True)
    assert position == ("1番目" if locale == "ja" else "Number 1")
    card = visitor.soup.find("section", class_="waitlist-card").get_text(" ", strip=True)
    assert ("町民体育館" if locale == "ja" else "Town Gymnasium") in card
    assert ("12月16日" if locale == "ja" else "16 December") in card
    me = resident_of(town.residents[0])
    [place] = services.waitlist_of(me.id, NOW)
    assert (place.entry.channel, place.entry.asked_by_id) == ("web", me.id)


def test_the_join_page_says_what_happens_and_needs_sign_in(visitor, locale, town):
    book_for(town.residents[1])
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    visitor.get(join_link(visitor))
    assert visitor.path == "/sign-in"  # and back to the join page after
    sign_in(visitor, town.residents[0])
    assert visitor.path == "/waitlist/join"
    text = visitor.text
    assert ("48時間" if locale == "ja" else "48 hours") in text
    assert visitor.soup.find("form", id="waitlist-form").find("button")


def test_a_free_time_shows_no_join_link_and_joining_it_is_refused(visitor, locale, town):
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    assert join_link(visitor) is None
    sign_in(visitor, town.residents[0])
    morning = block_ids(gym, "morning")[0]
    visitor.get(f"/waitlist/join?unit={whole.id}&day={DAY.isoformat()}&block={morning}")
    visitor.post("/waitlist/join", _hidden_fields(visitor))
    assert visitor.path == "/waitlist/join"
    [error] = visitor.error_summary()
    assert error == (
        "この時間は空いていますので、そのままご予約いただけます。"
        if locale == "ja"
        else "This time is free now, so there is no need to wait: you can book it."
    )


def test_joining_over_the_monthly_limit_is_explained(visitor, locale, town):
    book_for(town.residents[1], codes=("morning", "afternoon"))
    book_for(town.residents[1], codes=("evening",))
    gym, whole = gym_whole()
    sign_in(visitor, town.residents[0])
    for code in ("morning", "afternoon", "evening"):
        block = block_ids(gym, code)[0]
        visitor.get(f"/waitlist/join?unit={whole.id}&day={DAY.isoformat()}&block={block}")
        visitor.post("/waitlist/join", _hidden_fields(visitor))
    assert visitor.path == "/waitlist/join"
    [error] = visitor.error_summary()
    assert ("2件" if locale == "ja" else "2 times") in error
    assert len(services.waitlist_of(resident_of(town.residents[0]).id, NOW)) == 2


def test_bad_join_addresses_are_not_found(visitor, town):
    sign_in(visitor, town.residents[0])
    visitor.get("/waitlist/join", status=404)
    visitor.get("/waitlist/join?unit=x&day=2026-12-16&block=1", status=404)
    visitor.get("/waitlist/join?unit=99999&day=2026-12-16&block=1", status=404)
    visitor.get("/waitlist/join?unit=1&day=not-a-date&block=1", status=404)


def test_leaving_the_waiting_list(visitor, locale, town):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    form = visitor.soup.find("section", class_="waitlist-card").find("form")
    visitor.post(form["action"])
    assert visitor.path == "/my-waitlist"
    assert visitor.soup.find("section", class_="waitlist-card") is None
    assert ("キャンセル待ちはありません" if locale == "ja" else "not waiting") in visitor.text


def _offer(town, clock):
    """The booked morning is cancelled and the worker offers it to the waiter."""
    [reservation] = services.reservations_of(resident_of(town.residents[1]).id, now=NOW).upcoming
    later = at(2026, 12, 1, 10, 10)  # within the visitor's sign-in
    services.cancel(
        services.Actor.resident(reservation.booked_by_id, "phone"),
        reservation_id=reservation.id,
        now=later,
    )
    [entry] = services.offer_freed_slots(later)
    clock.now = later
    return entry


def test_an_offer_is_shown_with_its_deadline_and_accepted(visitor, locale, town, clock):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    entry = _offer(town, clock)
    visitor.get("/my-waitlist")
    panel = visitor.soup.find(class_="panel-warning").get_text(" ", strip=True)
    assert ("12月3日(木)" if locale == "ja" else "Thu 3 Dec, 10:10 am") in panel  # 48 hours on
    accept = visitor.soup.find("form", action=f"/waitlist/{entry.id}/accept")
    visitor.post(accept["action"])
    assert visitor.path.endswith("/booked")
    number = visitor.soup.find(id="reservation-number").get_text(strip=True)
    reservation = services.find_reservation(number)
    assert reservation.booked_by_id == resident_of(town.residents[0]).id
    assert reservation.status == services.HELD  # a hold, due by the payment rule
    visitor.get("/my-waitlist")
    assert visitor.soup.find("section", class_="waitlist-card") is None


def test_an_offer_declined_goes_to_the_next_and_a_late_accept_is_explained(
    visitor, locale, town, clock
):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    entry = _offer(town, clock)
    visitor.get("/my-waitlist")
    clock.advance(days=3)  # past the 48 hours: signed out meanwhile, so sign in again
    sign_in(visitor, town.residents[0])
    visitor.get("/my-waitlist")  # not settled by the worker yet: no button all the same
    card = visitor.soup.find("section", class_="waitlist-card")
    assert card.find("form") is None and card.find(class_="panel-warning") is None
    assert ("ご案内は終了しました" if locale == "ja" else "The offer has ended") in card.get_text()
    visitor.post(f"/waitlist/{entry.id}/accept")  # the old form, pressed again
    assert visitor.path == f"/waitlist/{entry.id}/accept"
    [error] = visitor.error_summary()
    assert ("次にお待ちの方" if locale == "ja" else "next person waiting") in error


def test_declining_an_offer(visitor, locale, town, clock):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    entry = _offer(town, clock)
    visitor.get("/my-waitlist")
    visitor.post(f"/waitlist/{entry.id}/decline")
    assert visitor.path == "/my-waitlist"
    [notice] = visitor.notices()
    assert ("次にお待ちの方" if locale == "ja" else "next person waiting") in notice
    reservation = services.find_reservation(entry.offer_reservation.number)
    assert reservation.status == services.CANCELLED
    visitor.post(f"/waitlist/{entry.id}/decline")  # twice: already answered
    [error] = visitor.error_summary()
    assert ("すでにお返事" if locale == "ja" else "already been answered") in error


def test_an_offer_paid_at_the_counter_shows_no_accept_button(visitor, locale, town, clock):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    entry = _offer(town, clock)
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=entry.offer_reservation_id,
        status=services.PAID,
        now=clock.now,
    )
    visitor.get("/my-waitlist")
    assert visitor.soup.find("form", action=f"/waitlist/{entry.id}/accept") is None
    visitor.post(f"/waitlist/{entry.id}/accept")
    [error] = visitor.error_summary()
    assert ("すでにお返事" if locale == "ja" else "already been answered") in error


def test_pressing_accept_on_an_entry_the_core_closed_says_so(visitor, locale, town, clock):
    book_for(town.residents[1])
    join_through_pages(visitor, town)
    entry = _offer(town, clock)
    services.cancel(
        services.Actor.staff(make_staff("admin").id),
        reservation_id=entry.offer_reservation_id,
        now=clock.now,
        reason="町の行事",
        by_town=True,
    )
    services.run_due_jobs(clock.now)  # the worker closes the entry
    visitor.get("/my-waitlist")
    assert visitor.soup.find("section", class_="waitlist-card") is None
    visitor.post(f"/waitlist/{entry.id}/accept")
    [error] = visitor.error_summary()
    assert ("キャンセル待ちは終了" if locale == "ja" else "waiting for it has ended") in error


def test_another_residents_entry_is_not_found(visitor, town):
    book_for(town.residents[1])
    waiter = resident_of(town.residents[2])
    entry = services.join_waitlist(
        services.Actor.resident(waiter.id, "web"),
        resident_id=waiter.id,
        unit_id=gym_whole()[1].id,
        day=DAY,
        block_ids=block_ids(gym_whole()[0], "morning"),
        now=NOW,
    )
    sign_in(visitor, town.residents[0])
    visitor.post(f"/waitlist/{entry.id}/leave", status=404)
    visitor.post("/waitlist/99999/accept", status=404)


def test_csrf_is_needed_to_join(visitor, town):
    book_for(town.residents[1])
    sign_in(visitor, town.residents[0])
    gym, whole = gym_whole()
    block = block_ids(gym, "morning")[0]
    visitor.post(
        "/waitlist/join",
        {"unit": whole.id, "day": DAY.isoformat(), "block": block},
        csrf=False,
        status=400,
    )
    assert services.waitlist_of(resident_of(town.residents[0]).id, NOW) == []


def test_a_freed_time_with_waiters_shows_as_kept_for_the_waiting_list(visitor, locale, town):
    reservation = book_for(town.residents[1])
    join_through_pages(visitor, town)
    services.cancel(
        services.Actor.resident(reservation.booked_by_id, "phone"),
        reservation_id=reservation.id,
        now=NOW,
    )
    gym, whole = gym_whole()
    visitor.get(f"/units/{whole.id}/availability?week=2026-12-14")
    cells = [c.get_text(strip=True) for c in visitor.soup.find_all(class_="status-waitlisted")]
    assert cells == ["キャンセル待ちあり" if locale == "ja" else "Kept for the waiting list"] * len(
        cells
    )
    assert cells  # at least the morning of the 16th (in the table and the day list)
    visitor.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    morning = visitor.soup.find(
        "input", attrs={"name": "blocks", "value": str(block_ids(gym, "morning")[0])}
    )
    assert morning.has_attr("disabled")


def test_the_week_table_and_the_search_offer_the_waiting_list_for_a_booked_time(
    visitor, locale, town
):
    book_for(town.residents[1])
    gym, whole = gym_whole()
    morning = block_ids(gym, "morning")[0]
    visitor.get(f"/units/{whole.id}/availability?week=2026-12-14")
    href = f"/waitlist/join?unit={whole.id}&day={DAY.isoformat()}&block={morning}"
    links = visitor.soup.find_all("a", href=href)
    assert len(links) == 2  # the table and the list for narrow screens (one shown)
    label = links[0].get_text(" ", strip=True)
    assert ("キャンセル待ちに登録" if locale == "ja" else "Join the waiting list") in label
    assert ("12月16日" if locale == "ja" else "16 December") in label  # for screen readers
    visitor.get(f"/units/{whole.id}/days/{DAY.isoformat()}")  # the day page has them too
    assert join_link(visitor) == href
    visitor.get(href)
    assert visitor.path in ("/waitlist/join", "/sign-in")


def test_a_freed_time_kept_for_the_waiting_list_can_be_joined_at_the_end_of_the_line(
    visitor, locale, town
):
    reservation = book_for(town.residents[1])
    waiter = resident_of(town.residents[2])
    gym, whole = gym_whole()
    services.join_waitlist(
        services.Actor.resident(waiter.id, "web"),
        resident_id=waiter.id,
        unit_id=whole.id,
        day=DAY,
        block_ids=block_ids(gym, "morning"),
        now=NOW,
    )
    services.cancel(
        services.Actor.resident(reservation.booked_by_id, "phone"),
        reservation_id=reservation.id,
        now=NOW,
    )  # kept for the waiter until the worker offers it: joining it is not refused
    join_through_pages_by_address(visitor, town, whole, block_ids(gym, "morning")[0])
    assert visitor.path == "/my-waitlist"
    me = resident_of(town.residents[0])
    assert [place.position for place in services.waitlist_of(me.id, NOW)] == [2]


def join_through_pages_by_address(visitor, town, unit, block):
    href = f"/waitlist/join?unit={unit.id}&day={DAY.isoformat()}&block={block}"
    visitor.get(href)
    if visitor.path == "/sign-in":
        sign_in(visitor, town.residents[0])
    return visitor.post(visitor.urls[-1], _hidden_fields(visitor))
