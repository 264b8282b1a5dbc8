"""The waitlist (キャンセル待ち) at the counter, in Japanese and English: a clerk joins
the line for the resident in front of them from the booking page (recorded as the
clerk for the resident), sees the day's waiters, answers an offer for them or takes
them off the line from their page, and the printable call list of offers no SMS
reaches, where the call is recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reservations import services
from reservations.db import db, write_transaction
from reservations.models import AuditEntry, WaitlistEntry
from tests.channels.counter.conftest import NOW, fresh, get_page, post, text_of
from tests.factories import at, make_staff

DAY = date(2026, 12, 16)


@pytest.fixture(params=["ja", "en"])
def locale(request, clerk):
    clerk.set_cookie("lang", request.param)
    return request.param


def _gym():
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return gym, gym.units[0]


def person(town, index):
    return services.find_residents(town.residents[index].registration_no)[0]


def book_morning(town, index=1):
    gym, whole = _gym()
    holder = person(town, index)
    return services.book(
        services.Actor.resident(holder.id, "phone"),
        resident_id=holder.id,
        unit_id=whole.id,
        day=DAY,
        block_ids=[gym.time_blocks[0].id],
        now=NOW,
    )


def booking_page(resident_id):
    gym, whole = _gym()
    return f"/counter/residents/{resident_id}/book?unit={whole.id}&day={DAY.isoformat()}"


def join(clerk, resident_id, block_id=None):
    gym, whole = _gym()
    page = booking_page(resident_id)
    return post(
        clerk,
        f"/counter/residents/{resident_id}/waitlist?unit={whole.id}&day={DAY.isoformat()}",
        {"block": block_id or gym.time_blocks[0].id},
        form_page=page,
    )


def test_a_clerk_joins_for_the_resident_and_the_trail_names_both(clerk, locale, town):
    book_morning(town)
    hana = person(town, 0)
    soup = get_page(clerk, booking_page(hana.id))
    buttons = [b.get_text(strip=True) for b in soup.find_all("button")]
    wanted = (
        "午前 09:00–12:00のキャンセル待ちに登録する"
        if locale == "ja"
        else ("Join the waiting list for Morning 09:00–12:00")
    )
    assert wanted in buttons
    response = join(clerk, hana.id)
    assert response.status_code == 302
    assert response.location.endswith(f"/counter/residents/{hana.id}")
    fresh()
    [place] = services.waitlist_of(hana.id, NOW)
    assert place.entry.channel == "counter" and place.entry.created_by_staff_id
    from reservations.db import db

    audit = db.session.query(AuditEntry).filter_by(action="waitlist.join").one()
    assert (audit.channel, audit.on_behalf_of_id) == ("counter", hana.id) and audit.actor_staff_id
    page = text_of(get_page(clerk, f"/counter/residents/{hana.id}"))
    assert ("1番目" if locale == "ja" else "number 1 in line") in page
    waiters = text_of(get_page(clerk, booking_page(person(town, 2).id)).find(id="waiters"))
    assert hana.name in waiters


def test_joining_a_free_time_is_refused_on_the_booking_page(clerk, locale, town):
    gym, _whole = _gym()
    hana = person(town, 0)
    response = join(clerk, hana.id, block_id=gym.time_blocks[1].id)  # the afternoon is free
    assert response.status_code == 409
    soup = check(response)
    summary = text_of(soup.find(class_="error-summary"))
    assert ("空いて" if locale == "ja" else "free") in summary


def check(response):
    from tests.pages import check_page

    return check_page(response.data)


def _offer(town):
    reservation = book_morning(town)
    hana = person(town, 0)
    services.join_waitlist(
        services.Actor.resident(hana.id, "web"),
        resident_id=hana.id,
        unit_id=reservation.unit_id,
        day=DAY,
        block_ids=[reservation.unit.facility.time_blocks[0].id],
        now=NOW,
    )
    services.cancel(
        services.Actor.resident(reservation.booked_by_id, "phone"),
        reservation_id=reservation.id,
        now=NOW,
    )
    [entry] = services.offer_freed_slots(NOW)
    return hana, entry


def test_the_clerk_accepts_an_offer_for_the_resident(clerk, locale, town):
    hana, entry = _offer(town)
    page = f"/counter/residents/{hana.id}"
    text = text_of(get_page(clerk, page))
    assert entry.offer_reservation.number in text
    response = post(clerk, f"/counter/waitlist/{entry.id}/accept", form_page=page)
    assert response.status_code == 302
    fresh()
    reservation = services.find_reservation(entry.offer_reservation.number)
    assert response.location.endswith(f"/counter/reservations/{reservation.id}")
    assert services.waitlist_of(hana.id, NOW) == []
    again = post(clerk, f"/counter/waitlist/{entry.id}/accept", form_page=page)
    assert again.status_code == 409  # twice: already answered, in the summary
    summary = text_of(check(again).find(class_="error-summary"))
    assert summary


def test_the_clerk_declines_or_takes_the_resident_off_the_line(clerk, locale, town):
    hana, entry = _offer(town)
    page = f"/counter/residents/{hana.id}"
    response = post(clerk, f"/counter/waitlist/{entry.id}/decline", form_page=page)
    assert response.status_code == 302
    fresh()
    assert services.find_reservation(entry.offer_reservation.number).status == services.CANCELLED
    book_morning(town, index=2)
    join(clerk, hana.id)
    fresh()
    [place] = services.waitlist_of(hana.id, NOW)
    response = post(clerk, f"/counter/waitlist/{place.entry.id}/leave", form_page=page)
    assert response.status_code == 302
    fresh()
    assert services.waitlist_of(hana.id, NOW) == []
    assert post(clerk, "/counter/waitlist/99999/leave", form_page=page).status_code == 404


def test_the_call_list_shows_offers_no_sms_reaches_and_records_the_call(clerk, locale, town):
    hana, entry = _offer(town)  # 山田 ハナ has a landline
    soup = get_page(clerk, "/counter/waitlist/calls")
    assert "slip-page" in soup.body["class"]
    [row] = soup.find("tbody").find_all("tr")
    text = text_of(row)
    assert hana.name in text and "0166-12-3456" in text
    assert entry.offer_reservation.number in text
    assert ("12月3日" if locale == "ja" else "3 Dec") in text  # the deadline, 48 hours on
    response = post(
        clerk, f"/counter/waitlist/{entry.id}/phoned", form_page="/counter/waitlist/calls"
    )
    assert response.status_code == 302
    fresh()
    soup = get_page(clerk, "/counter/waitlist/calls")
    assert ("もう一度" if locale == "ja" else "Phoned again") in text_of(soup.find("tbody"))
    services.accept_offer(
        services.Actor.resident(hana.id, "web"), entry_id=entry.id, now=at(2026, 12, 1, 11)
    )
    late = post(clerk, f"/counter/waitlist/{entry.id}/phoned", form_page="/counter/waitlist/calls")
    assert late.status_code == 409  # answered meanwhile: said in the summary
    assert check(late).find(class_="error-summary")


def test_a_caretaker_cannot_open_the_call_list(client, town):
    from tests.channels.counter.conftest import sign_in

    caretaker = next(s for s in town.staff if s.role == "caretaker")
    sign_in(client, caretaker.username, caretaker.password)
    response = client.get("/counter/waitlist/calls")
    assert response.status_code in (302, 403)


def _answer_forms(soup, entry):
    return [
        form
        for form in soup.find_all("form")
        if form.get("action", "").startswith(f"/counter/waitlist/{entry.id}/")
    ]


def test_an_offer_paid_meanwhile_shows_no_answer_button_and_an_old_form_is_explained(
    clerk, locale, town
):
    hana, entry = _offer(town)
    page = f"/counter/residents/{hana.id}"
    assert len(_answer_forms(get_page(clerk, page), entry)) == 2  # accept, decline
    services.record_payment(
        services.Actor.staff(make_staff().id),
        reservation_id=entry.offer_reservation_id,
        status=services.PAID,
        now=NOW,
    )
    fresh()
    soup = get_page(clerk, page)
    assert _answer_forms(soup, entry) == []  # not settled by the worker yet
    assert ("案内終了" if locale == "ja" else "Offer ended") in text_of(soup)
    assert services.open_offers_to_phone(NOW) == []  # nor on the call list
    again = post(clerk, f"/counter/waitlist/{entry.id}/accept", form_page=page)
    assert again.status_code == 409
    summary = text_of(check(again).find(class_="error-summary"))
    assert ("返事" if locale == "ja" else "already been answered") in summary


def test_an_offer_past_its_deadline_shows_no_answer_button(clerk, locale, town):
    hana, entry = _offer(town)
    with write_transaction():  # as if offered 49 hours ago, not settled yet
        db.session.get(WaitlistEntry, entry.id).offer_expires_at = NOW - timedelta(hours=1)
    page = f"/counter/residents/{hana.id}"
    soup = get_page(clerk, page)
    assert _answer_forms(soup, entry) == []
    assert ("案内終了" if locale == "ja" else "Offer ended") in text_of(soup)
    again = post(clerk, f"/counter/waitlist/{entry.id}/accept", form_page=page)
    summary = text_of(check(again).find(class_="error-summary"))
    assert ("過ぎ" if locale == "ja" else "passed") in summary
