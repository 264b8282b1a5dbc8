"""A resident whose sign-in staff stopped is answered by phone exactly as a wrong PIN
is, from their own line; once staff lift the stop, the same line signs in at once."""

from __future__ import annotations

from reservations import services
from tests.channels.phone.conftest import YAMADA_PHONE
from tests.factories import SYSTEM


def test_a_stopped_resident_hears_wrong_pin_until_the_stop_is_lifted(call, town, clock):
    services.stop_resident_sign_in(
        SYSTEM, resident_id=town.yamada.id, reason="PIN slip lost", now=clock.now
    )
    refused = call(YAMADA_PHONE)
    refused.press(town.yamada.pin)
    # The words of a first wrong PIN (test_calls.test_wrong_pins_warn_then_make_this_line_wait).
    assert refused.last.text.endswith(
        "暗証番号が違います。ご登録の方は暗証番号4桁を、別の方は2を押してください。"
    )
    refused.press(town.yamada.pin)
    assert "あと1回間違えると" in refused.last.text
    services.lift_resident_sign_in_stop(SYSTEM, resident_id=town.yamada.id, now=clock.now)
    again = call(YAMADA_PHONE)
    again.press(town.yamada.pin)
    assert "ご本人の確認ができました。" in again.last.text
