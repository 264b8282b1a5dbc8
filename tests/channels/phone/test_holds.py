"""Holds (仮予約) on the phone: read out after booking, with by when and where to pay,
and again in "hear my reservations"; every answer checked as TwiML."""

from __future__ import annotations

import sqlalchemy as sa

from reservations import services
from reservations.db import db
from reservations.models import Reservation
from tests.channels.phone.conftest import SATO_PHONE


def test_a_fee_booking_is_read_out_as_a_hold_to_pay_by_its_due_day(call, town):
    simulator = call(SATO_PHONE)
    for key in (town.sato.pin, "2", "1", "1", "1216"):
        simulator.press(key)
    simulator.press("1")
    done = simulator.last.text
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    assert reservation.status == services.HELD
    assert done.startswith("承りました。")
    assert (
        "仮予約です。12月8日《ようか》、火曜日までに、窓口で使用料1500円をお支払いください。"
        in done
    )
    assert "お支払いがないと、取り消しになります。" in done
    assert done.index("もう一度、") < done.index("仮予約です")  # after the number
