"""Issue 17, point 7 ("the small ones"), through the test client, each as the resident
met it: the fee hint and a non-resident's own fee before the confirm page, one word for
the resident's own bookings, no honorific after a group's name, and Japanese names
marked as Japanese on English pages. (The others are in test_saying_what_happens.py,
tests/unit/test_town_and_days.py, tests/channels/phone/test_sms.py and, in Chromium,
tests/e2e/test_web_flow.py and test_web_phones_and_keyboard.py.)"""

from __future__ import annotations

from datetime import date

from babel.messages.pofile import read_po

from channels.i18n import EASY_JAPANESE, catalog_dir
from tests.channels.web.conftest import DAY, Visitor
from tests.channels.web.test_booking import gym_whole, sign_in
from tests.channels.web.test_easy_japanese import plain
from tests.channels.web.test_groups import group_id, to_confirm

FOR_RESIDENTS = {"ja": "ログイン前は町内の方の使用料", "en": "Fees are for town residents"}
YOURS = {"ja": "表示の料金は、ご自身の料金です", "en": "The fees shown are yours"}


def morning_fee(visitor) -> str:
    """The fee the day page gives the gym's morning (its checkbox's hint)."""
    label = visitor.soup.find("label", attrs={"for": "blocks-0"})
    return label.find_parent(class_="choice").get_text(" ", strip=True)


def test_the_fee_hint_and_a_non_residents_own_fee_come_before_the_confirm_page(
    visitor, locale, town
):
    _, whole = gym_whole()
    day = f"/units/{whole.id}/days/{date(2026, 12, 16).isoformat()}"
    visitor.get(day)
    assert FOR_RESIDENTS[locale] in visitor.text and YOURS[locale] not in visitor.text
    assert ("1,500円" if locale == "ja" else "¥1,500") in morning_fee(visitor)
    # signed in from the header, before choosing: the day page shows their own fee
    sign_in(visitor, next(r for r in town.residents if "non-resident" in r.note))
    visitor.get(day)
    assert FOR_RESIDENTS[locale] not in visitor.text and YOURS[locale] in visitor.text
    assert ("3,000円" if locale == "ja" else "¥3,000") in morning_fee(visitor)


def _messages(name: str, locale: str) -> list[str]:
    path = catalog_dir(name) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return [
            m.string if isinstance(m.string, str) else "".join(m.string)
            for m in read_po(po_file, locale=locale)
            if m.id
        ]


def test_the_residents_own_bookings_have_one_name_in_each_japanese():
    """ご自身の予約 in Japanese, あなたの予約 in easy Japanese: never both in one."""
    for name in ("web", "common"):
        assert not [s for s in _messages(name, "ja") if "あなた" in s], name
        assert not [s for s in _messages(name, EASY_JAPANESE) if "ご自身" in s], name
    assert "ご自身の予約" in _messages("web", "ja")
    assert "あなたの予約" in _messages("web", EASY_JAPANESE)


def test_no_honorific_follows_a_groups_name(app, visitor, locale, town):
    """さん and 様 are for people: the group's name stands alone on every page of a
    group booking, in Japanese and in easy Japanese."""
    group = "青葉スポーツ少年団"
    to_confirm(visitor, town, "田中 美咲")
    pages = [visitor.text]
    visitor.post("/confirm", {"for_whom": str(group_id(group))})
    assert visitor.path.endswith("/booked")
    pages.append(visitor.text)
    visitor.get("/my-reservations")
    pages.append(visitor.text)
    easy = Visitor(visitor.client, EASY_JAPANESE)
    easy.get("/my-reservations")
    pages.append(plain(easy.soup.body))
    for text in pages:
        assert group in text
        for honorific in ("さん", "様", " san", "-san"):
            assert f"{group}{honorific}" not in text and f"{group} {honorific}" not in text


def test_group_and_member_names_are_marked_as_japanese_on_english_pages(visitor, locale, town):
    to_confirm(visitor, town, "田中 美咲", DAY)
    visitor.post("/confirm", {"for_whom": str(group_id("青葉スポーツ少年団"))})
    visitor.get("/my-reservations")
    names = {"青葉スポーツ少年団", "田中 美咲"}
    marked = {span.get_text() for span in visitor.soup.select('main [lang="ja"]')}
    assert (names <= marked) if locale == "en" else not (names & marked), marked
