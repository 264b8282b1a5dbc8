"""Admins edit what residents read about a facility (issue 17): address, how to get
there, hours of use, equipment, telephone and map; clerks cannot. The counter's
confirm page warns when the resident's cancellation deadline has already passed, and
its slips give the counter's telephone and hours."""

from __future__ import annotations

from datetime import date

from reservations import services
from tests.channels.counter.conftest import fresh, get_page, post, text_of
from tests.pages import check_page


def facility(code: str):
    return next(f for f in services.list_facilities() if f.code == code)


def test_an_admin_edits_a_facilitys_details_and_residents_read_them(admin, app):
    gym = facility("town-gym")
    listing = get_page(admin, "/counter/facilities")
    assert listing.find("a", href=f"/counter/facilities/{gym.id}")
    url = f"/counter/facilities/{gym.id}"
    details = {name: getattr(gym, name) for name in services.FACILITY_DETAILS}
    details.update(address="みどり町本町9-9", phone="0166-00-0999", hours="午前8時から")
    response = post(admin, url, details)
    assert response.status_code == 302
    fresh()
    gym = facility("town-gym")
    assert (gym.address, gym.phone, gym.hours) == ("みどり町本町9-9", "0166-00-0999", "午前8時から")
    page = app.test_client().get(f"/facilities/{gym.id}").data.decode()
    assert "みどり町本町9-9" in page and 'href="tel:+81166000999"' in page


def test_bad_details_are_explained_on_their_field_and_change_nothing(admin):
    gym = facility("town-gym")
    url = f"/counter/facilities/{gym.id}"
    details = {name: getattr(gym, name) for name in services.FACILITY_DETAILS}
    response = post(admin, url, {**details, "map_url": "javascript:alert(1)", "address": "x"})
    assert response.status_code == 200
    soup = check_page(response.data)
    assert "https://" in soup.find(id="map_url-error").get_text()
    fresh()
    assert facility("town-gym").address == gym.address


def test_clerks_cannot_edit_facility_details(clerk):
    gym = facility("town-gym")
    get_page(clerk, "/counter/facilities", status=403)
    get_page(clerk, f"/counter/facilities/{gym.id}", status=403)


def test_the_counters_confirm_warns_when_the_deadline_to_cancel_has_passed(clerk):
    resident = services.find_residents("やまだ")[0]
    gym = facility("town-gym")
    unit, morning = gym.units[0], gym.time_blocks[0]
    late = get_page(
        clerk,
        f"/counter/residents/{resident.id}/book/confirm?unit={unit.id}&day=2026-12-03&blocks={morning.id}",
    )
    assert "すでに過ぎています" in text_of(late)
    early = get_page(
        clerk,
        f"/counter/residents/{resident.id}/book/confirm?unit={unit.id}&day=2026-12-16&blocks={morning.id}",
    )
    assert "すでに過ぎています" not in text_of(early)


def test_the_confirmation_slip_gives_the_counters_telephone_and_hours(clerk):
    resident = services.find_residents("やまだ")[0]
    gym = facility("town-gym")
    reservation = services.book(
        services.Actor.system(),
        resident_id=resident.id,
        unit_id=gym.units[0].id,
        day=date(2026, 12, 16),
        block_ids=[gym.time_blocks[0].id],
        now=services.clock_now(),
    )
    slip = get_page(clerk, f"/counter/reservations/{reservation.id}/slip")
    assert slip.select_one('.counter-help a[href="tel:+81166000111"]')
    assert "午前8時30分から午後5時15分まで" in text_of(slip)
