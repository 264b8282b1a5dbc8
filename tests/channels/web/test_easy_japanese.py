"""やさしい日本語 (easy Japanese): the third language of the residents' pages, chosen by
the switch and remembered like the others, written in its own catalog and read with
furigana (the town's readings for facility names)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from channels.i18n import EASY_JAPANESE, missing_translations
from reservations import services
from reservations.db import db
from reservations.models import Notification
from tests.channels.web.conftest import DAY, Visitor
from tests.channels.web.test_booking import block_ids, gym_whole, sign_in
from tests.fake_twilio import FakeTwilio


@pytest.fixture
def easy(app, town) -> Visitor:
    return Visitor(app.test_client(), EASY_JAPANESE)


def plain(element) -> str:
    """The text as it reads without its readings (<rt>, <rp>)."""
    return "".join(s for s in element.find_all(string=True) if s.parent.name not in ("rt", "rp"))


def ruby_text(soup) -> list[tuple[str, str]]:
    return [
        (ruby.find(string=True, recursive=False), ruby.rt.get_text())
        for ruby in soup.find_all("ruby")
    ]


def test_every_web_and_shared_string_is_in_easy_japanese():
    missing = missing_translations(EASY_JAPANESE)
    assert missing == {}, missing


def test_the_switch_offers_easy_japanese_and_remembers_it(app, town):
    visitor = Visitor(app.test_client(), "ja")
    visitor.get("/facilities")
    switch = visitor.soup.find("nav", class_="language-switch")
    link = switch.find("a", string="やさしい日本語")
    assert link["lang"] == "ja" and link["hreflang"] == "ja"
    response = visitor.client.get(link["href"])
    assert response.status_code == 302 and response.headers["Location"] == "/facilities"
    assert f"lang={EASY_JAPANESE}" in response.headers["Set-Cookie"]
    assert "Max-Age=31536000" in response.headers["Set-Cookie"]
    visitor.locale = EASY_JAPANESE
    visitor.get("/facilities")
    current = visitor.soup.find("nav", class_="language-switch").find(
        attrs={"aria-current": "true"}
    )
    assert current.get_text() == "やさしい日本語"
    assert visitor.soup.html["lang"] == "ja"
    assert plain(visitor.soup.h1) == "施設をさがす"


def test_pages_carry_readings_on_their_kanji_and_the_towns_reading_for_names(easy):
    easy.get("/facilities")
    readings = ruby_text(easy.soup)
    assert ("町民体育館", "ちょうみんたいいくかん") in readings  # the town's yomi
    assert ("施設", "しせつ") in readings
    assert "<ruby>" not in str(easy.soup.title)  # the title holds text only
    gym, whole = gym_whole()
    easy.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    assert easy.soup.h1.find("ruby") is not None
    assert ("予約", "よやく") in ruby_text(easy.soup)


def test_an_error_summary_reads_in_easy_japanese(easy):
    easy.get("/sign-in")
    easy.post("/sign-in", {"registration_no": "", "pin": ""})
    errors = easy.error_summary()
    assert "登録番号を入れてください。" in "".join(errors).replace(" ", "")
    summary = easy.soup.find(class_="error-summary")
    assert "登録番号を入れてください。" in plain(summary)
    assert easy.soup.title.get_text().startswith("エラー:")


def test_a_booking_in_easy_japanese_says_the_times_as_in_japanese(easy, town):
    gym, whole = gym_whole()
    sign_in(easy, town.residents[0])
    easy.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    easy.post(f"/units/{whole.id}/days/{DAY.isoformat()}", {"blocks": block_ids(gym, "afternoon")})
    assert plain(easy.soup.h1) == "予約の内容を見てください"
    text = plain(easy.soup.find("main"))
    assert "2026年12月16日(水)" in text and "円" in text, text
    assert "午後1時から5時まで" in text and "13:00" not in text, text


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def test_a_resident_who_chose_easy_japanese_gets_the_sms_in_easy_japanese(
    app, easy, town, fake_twilio
):
    sato = next(line for line in town.residents if line.name == "佐藤 一郎")
    sign_in(easy, sato)
    easy.get("/my-reservations")
    form = easy.soup.find("form", action="/preferences/messages-language")
    button = form.find("button", attrs={"value": EASY_JAPANESE})
    assert button["lang"] == "ja" and plain(button) == "やさしい日本語で受け取る"
    easy.post("/preferences/messages-language", {"language": EASY_JAPANESE})
    assert "次のショートメッセージから、その言葉で送ります。" in plain(
        easy.soup.find(class_="notices")
    )
    resident = services.find_residents(sato.registration_no)[0]
    db.session.refresh(resident)
    assert resident.preferred_language == EASY_JAPANESE
    gym, whole = gym_whole()
    easy.get(f"/units/{whole.id}/days/{DAY.isoformat()}")
    easy.post(f"/units/{whole.id}/days/{DAY.isoformat()}", {"blocks": block_ids(gym, "morning")})
    easy.post("/confirm")
    number = easy.soup.find(id="reservation-number").get_text(strip=True)
    [queued] = db.session.scalars(sa.select(Notification)).all()
    assert queued.params["language"] == EASY_JAPANESE
    app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_SMS_FROM="+815012345678",
        TWILIO_API_BASE_URL=fake_twilio.url,
    )
    result = app.test_cli_runner().invoke(args=["send-notifications"])
    assert "sent 1," in result.output, result.output
    [received] = fake_twilio.received
    assert received.form["Body"].startswith(f"【町予約】仮の予約ができました。予約番号{number} ")
    assert "12月16日(水) 午前9時から正午まで" in received.form["Body"]
    assert "窓口で払ってください" in received.form["Body"]
