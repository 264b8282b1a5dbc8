"""Holds at the counter: the reservation page says it is held and until when; the
list of holds due today and overdue; payment confirms it with a permit number; an
administrator extends the due time with a reason; a hold past its due time is refused
with what to do."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.counter.conftest import NOW, fresh, get_page, post, text_of
from tests.factories import at


def hold_for(town, day=date(2026, 12, 16), now=NOW):
    resident = services.find_residents(town.residents[0].registration_no)[0]
    gym = next(f for f in services.list_facilities() if f.code == "town-gym")
    return services.book(
        services.Actor.system(),
        resident_id=resident.id,
        unit_id=gym.units[0].id,
        day=day,
        block_ids=[gym.time_blocks[0].id],
        now=now,
    )


def test_the_reservation_page_shows_the_hold_and_payment_confirms_it(clerk, town):
    hold = hold_for(town)
    page = text_of(get_page(clerk, f"/counter/reservations/{hold.id}"))
    assert "Held: to be paid by" in page or "仮予約: " in page
    response = post(
        clerk,
        f"/counter/reservations/{hold.id}/payment",
        {"status": "paid"},
        form_page=f"/counter/reservations/{hold.id}",
    )
    assert response.status_code == 302
    fresh()
    paid = services.find_reservation(hold.number)
    assert paid.status == services.CONFIRMED and paid.permit_number
    page = text_of(get_page(clerk, f"/counter/reservations/{hold.id}"))
    assert paid.permit_number in page


def test_the_list_of_holds_due_today_and_overdue_is_printable(clerk, town):
    overdue = hold_for(town, now=at(2026, 11, 20, 10))  # was due by the end of 11月27日
    today = hold_for(town, day=date(2026, 12, 4))  # booked inside the period: due today
    hold_for(town, day=date(2026, 12, 23))  # due by 12月8日: not listed
    soup = get_page(clerk, "/counter/holds")
    rows = soup.find("tbody").find_all("tr")
    assert [r.find("a").get_text(strip=True) for r in rows] == [overdue.number, today.number]
    assert "slip-page" in soup.body["class"]
    assert "Overdue" in text_of(rows[0]) or "期限切れ" in text_of(rows[0])


def test_paying_a_hold_past_its_due_time_is_refused_with_what_to_do(clerk, town):
    hold = hold_for(town, now=at(2026, 11, 20, 10))  # was due by the end of 11月27日
    page = f"/counter/reservations/{hold.id}"
    soup = get_page(clerk, page)  # no payment form: it may no longer be paid
    assert soup.find("form", attrs={"action": f"{page}/payment"}) is None
    response = post(clerk, f"{page}/payment", {"status": "paid"}, form_page=page)
    assert response.status_code == 409
    text = " ".join(response.data.decode().split())
    assert hold.number in text and ("extend the due time" in text or "期限を延長" in text)
    fresh()
    assert services.find_reservation(hold.number).status == services.HELD


def test_an_administrator_extends_the_due_time_with_a_reason(admin, town, clock):
    hold = hold_for(town)
    url = f"/counter/reservations/{hold.id}/extend"
    missing = post(admin, url, {"last_day": "12/12", "reason": ""})
    assert missing.status_code == 400
    assert (
        "Write the reason for the extension" in missing.data.decode()
        or "延長の理由を書いてください" in missing.data.decode()
    )
    beyond = post(admin, url, {"last_day": "12/20", "reason": "入院中"})
    assert beyond.status_code == 400
    done = post(admin, url, {"last_day": "12/12", "reason": "入院中のため"})
    assert done.status_code == 302
    fresh()
    extended = services.find_reservation(hold.number)
    assert extended.payment_due_at == at(2026, 12, 13) and extended.due_extension_reason


def test_a_clerk_may_not_extend(clerk, town):
    hold = hold_for(town)
    soup = get_page(clerk, f"/counter/reservations/{hold.id}/extend")
    assert soup.find("form", attrs={"action": f"/counter/reservations/{hold.id}/extend"}) is None
