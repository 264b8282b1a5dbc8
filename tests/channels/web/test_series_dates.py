"""A series (定期利用) is visible as such on the web too: each date in My reservations
says "regular booking, date k of m", and cancelling one date says only it is
cancelled."""

from __future__ import annotations

from datetime import date

from reservations import services
from reservations.db import db
from reservations.models import Staff
from tests.channels.web.test_booking import block_ids, gym_whole, sign_in

from .conftest import NOW

SAID = {
    "ja": ("定期利用", "全5回のうち2回目", "取り消すのはこの日だけです"),
    "en": ("Regular booking (定期利用)", "Date 2 of 5", "only this date is cancelled"),
}


def test_a_series_date_says_so_in_my_reservations_and_when_cancelled(visitor, locale, town):
    line = town.residents[0]
    gym, whole = gym_whole()
    admin = services.Actor.staff(db.session.scalar(db.select(Staff).filter_by(username="admin")).id)
    series = services.create_series(
        admin,
        services.SeriesRequest(
            unit_id=whole.id,
            weekdays=[3],  # Thursdays
            block_ids=block_ids(gym, "evening"),
            first_date=date(2027, 1, 7),
            last_date=date(2027, 2, 4),
            resident_id=services.find_residents(line.registration_no)[0].id,
        ),
        now=NOW,
    )
    assert len(series.reservations) == 5
    second = series.reservations[1]
    sign_in(visitor, line)
    visitor.get("/my-reservations")
    card = next(
        c
        for c in visitor.soup.find_all("section", class_="reservation-card")
        if second.number in c.get_text()
    )
    heading, position, cancelling = SAID[locale]
    assert heading in card.get_text() and position in card.get_text()
    visitor.get(f"/reservations/{second.id}/cancel")
    assert position in visitor.text and cancelling in visitor.text
