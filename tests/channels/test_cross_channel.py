"""One reservation, three channels: a clerk books at the counter for 山田 ハナ, who
then sees it on the web and hears it on the phone; she cancels it by phone, and the
counter and the web show it cancelled. The same core, the same rules, the same
confirmations, whichever way a resident comes in."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from channels import create_app, demo
from channels.phone.simulator import FlaskTransport, PhoneSimulator
from reservations import services
from reservations.db import db
from reservations.models import AuditEntry, Reservation
from tests.channels.counter.conftest import RequestContextClient, get_page, post, sign_in, text_of
from tests.channels.phone.conftest import BASE_URL, TOKEN, YAMADA_PHONE, Clock, phone_config
from tests.channels.web.conftest import Visitor
from tests.conftest import fresh_sqlite_url
from tests.factories import at

NOW = at(2026, 12, 1, 10)
DAY = date(2026, 12, 16)


def test_booked_at_the_counter_seen_on_the_web_heard_and_cancelled_on_the_phone(
    sqlite_template, tmp_path
):
    app = create_app(phone_config(fresh_sqlite_url(sqlite_template, tmp_path), Clock(NOW)))
    app.test_client_class = RequestContextClient
    with app.app_context():
        town = demo.seed(now=NOW)
        hana = next(r for r in town.residents if "landline" in r.note)
        person = services.find_residents(hana.registration_no)[0]
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        whole = next(u for u in gym.units if u.code == "whole")
        evening = next(b for b in gym.time_blocks if b.code == "evening")

        # The counter: a clerk books the evening of 16 December for her.
        counter = app.test_client()
        sign_in(counter)
        response = post(
            counter,
            f"/counter/residents/{person.id}/book/confirm?unit={whole.id}"
            f"&day={DAY.isoformat()}&blocks={evening.id}",
        )
        assert response.status_code == 302
        db.session.rollback()
        reservation = db.session.scalars(sa.select(Reservation)).one()
        booked = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "reservation.book")
        ).one()
        clerk = services.verify_staff("clerk", "window-desk-2026", now=NOW)
        assert (
            reservation.channel,
            booked.channel,
            booked.actor_staff_id,
            booked.on_behalf_of_id,
        ) == ("counter", "counter", clerk.id, person.id)

        # The web: she signs in and finds it under her reservations.
        web = Visitor(app.test_client(), "ja")
        web.get("/sign-in")
        web.post("/sign-in", {"registration_no": hana.registration_no, "pin": hana.pin})
        web.get("/my-reservations")
        page = " ".join(web.soup.get_text(" ").split())
        assert reservation.number in page and "12月16日(水)" in page

        # The phone: from her landline, PIN only; she hears it and cancels it.
        call = PhoneSimulator(
            FlaskTransport(app), public_base_url=BASE_URL, auth_token=TOKEN, caller=YAMADA_PHONE
        )
        call.call()
        call.press(hana.pin)
        call.press("3")
        heard = call.last.text
        assert "ご予約は1件です。" in heard
        assert "12月16日、水曜日、午後6時から午後9時《くじ》まで。" in heard  # 《》: the reading
        number = reservation.number
        assert f"予約番号、{'、'.join(number[:4])}の、{'、'.join(number[4:])}。" in heard
        call.press("9")
        call.press("4")
        call.press("1")
        assert "のご予約を取り消します。" in call.last.text
        call.press("1")
        assert "ご予約を取り消しました。" in call.last.text
        call.hang_up()

        db.session.rollback()
        cancelled = services.get_reservation(services.Actor.system(), reservation.id)
        assert (cancelled.status, cancelled.cancelled_channel) == ("cancelled", "phone")
        counter_page = text_of(get_page(counter, f"/counter/reservations/{reservation.id}"))
        assert "取消済み" in counter_page and "電話" in counter_page
        web.get("/my-reservations")
        assert reservation.number in web.soup.get_text()
        db.session.remove()
        db.engine.dispose()


def test_a_member_books_for_the_group_on_the_web_others_see_it_everywhere(
    sqlite_template, tmp_path
):
    """A plain member of the youth club books for it on the web; its representative
    hears it on the phone (and may cancel it), another member sees it under the club's
    name on the web, and the counter shows it on the club's page: one booking, the
    club's, naming who made it."""
    from tests.channels.phone.conftest import TANAKA_PHONE

    app = create_app(phone_config(fresh_sqlite_url(sqlite_template, tmp_path), Clock(NOW)))
    app.test_client_class = RequestContextClient
    with app.app_context():
        town = demo.seed(now=NOW)
        line = {r.name: r for r in town.residents}
        club = next(g for g in services.list_groups() if g.name == "青葉スポーツ少年団")
        gym = next(f for f in services.list_facilities() if f.code == "town-gym")
        whole = next(u for u in gym.units if u.code == "whole")
        evening = next(b for b in gym.time_blocks if b.code == "evening")

        web = Visitor(app.test_client(), "ja")
        web.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
        web.post(f"/units/{whole.id}/days/{DAY.isoformat()}", {"blocks": [evening.id]})
        ito = line["伊藤 誠"]
        web.post("/sign-in", {"registration_no": ito.registration_no, "pin": ito.pin})
        web.post("/confirm", {"for_whom": str(club.id)})
        assert web.path.endswith("/booked")
        db.session.rollback()
        reservation = db.session.scalars(sa.select(Reservation)).one()
        assert reservation.group_id == club.id and reservation.resident_id is None

        other = Visitor(app.test_client(), "ja")
        yoshida = line["吉田 花"]
        other.get("/sign-in")
        other.post("/sign-in", {"registration_no": yoshida.registration_no, "pin": yoshida.pin})
        other.get("/my-reservations")
        page = " ".join(other.soup.get_text(" ").split())
        assert "青葉スポーツ少年団の予約" in page and reservation.number in page

        call = PhoneSimulator(
            FlaskTransport(app), public_base_url=BASE_URL, auth_token=TOKEN, caller=TANAKA_PHONE
        )
        call.call()
        call.press(line["田中 美咲"].pin)
        call.press("3")
        assert (
            "青葉スポーツ少年団《あおば すぽーつ しょうねんだん》のご予約です。" in call.last.text
        )

        counter = app.test_client()
        sign_in(counter)
        text = text_of(get_page(counter, f"/counter/groups/{club.id}"))
        assert reservation.number in text
        text = text_of(get_page(counter, f"/counter/reservations/{reservation.id}"))
        assert "青葉スポーツ少年団" in text and "伊藤 誠" in text
