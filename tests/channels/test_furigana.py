"""Furigana for easy Japanese: readings on the kanji of a page's text, from the town's
data first, never markup from the text itself."""

from __future__ import annotations

import re
from types import SimpleNamespace

from channels.furigana import add_furigana, name_readings

RUBY = re.compile(r'<ruby>(.*?)<rp>\(</rp><rt aria-hidden="true">(.*?)</rt><rp>\)</rp></ruby>')


def readings(html: str) -> str:
    """「[予約|よやく]します」: each ruby as its base and reading."""
    return RUBY.sub(r"[\1|\2]", html)


def test_every_kanji_run_gets_its_reading_and_kana_stays_as_it_is():
    assert readings(add_furigana("予約を取り消します")) == "[予約|よやく]を[取|と]り[消|け]します"
    assert add_furigana("ログインしてください") == "ログインしてください"


def test_counters_and_weekdays_are_read_as_dates_and_times():
    assert readings(add_furigana("12月3日(水) 午後1時から")) == (
        "12[月|がつ]3[日|みっか]([水|すい]) [午後|ごご]1[時|じ]から"
    )
    assert readings(add_furigana("土・日・祝日")) == "[土|ど]・[日|にち]・[祝日|しゅくじつ]"
    assert readings(add_furigana("1人、10分")) == "1[人|ひとり]、10[分|ぷん]"


def test_a_facility_is_read_as_the_town_wrote_its_reading():
    names = name_readings(
        [
            SimpleNamespace(
                name="第一小学校体育館（学校開放）", yomi="だいいち しょうがっこう たいいくかん"
            ),
            SimpleNamespace(name="町営テニスコート", yomi="ちょうえい てにすこーと"),
            SimpleNamespace(name="A面", yomi="えーめん"),  # no kanji reading to take from it
        ]
    )
    assert set(names) == {
        ("第一小学校体育館", "だいいちしょうがっこうたいいくかん"),
        ("町営テニスコート", "ちょうえいてにすこーと"),
    }
    assert readings(add_furigana("第一小学校体育館（学校開放）を予約", names)) == (
        "[第一小学校体育館|だいいちしょうがっこうたいいくかん]（[学校|がっこう][開放|かいほう]）を[予約|よやく]"
    )
    assert readings(add_furigana("町営テニスコート", names)) == "[町営|ちょうえい]テニスコート"


def test_tags_attributes_and_plain_elements_are_left_alone():
    html = (
        '<title>予約</title><p aria-label="予約">予約</p>'
        "<select><option>午前</option></select><script>var 予約 = 1;</script>"
        "<ruby>町<rt>まち</rt></ruby><textarea>備考</textarea>"
    )
    assert add_furigana(html) == html.replace(
        '<p aria-label="予約">予約</p>',
        '<p aria-label="予約"><ruby>予約<rp>(</rp><rt aria-hidden="true">よやく</rt><rp>)</rp></ruby></p>',
    )


def test_text_that_looks_like_markup_stays_escaped():
    """A group named with markup was escaped when the page was rendered: its name gets
    readings and stays text."""
    escaped = "&lt;b onclick=&#34;x()&#34;&gt;寿会&lt;/b&gt;"
    out = add_furigana(f"<p>{escaped}</p>")
    assert set(re.findall(r"</?(\w+)", out)) == {"p", "ruby", "rp", "rt"}
    assert re.sub(r"<rp>.*?</rp>|<rt[^>]*>.*?</rt>|</?ruby>", "", out) == f"<p>{escaped}</p>"


def test_line_breaks_are_kept_once():
    assert readings(add_furigana("\n  予約\n  町\n")) == "\n  [予約|よやく]\n  [町|まち]\n"


def test_words_the_dictionary_misreads_read_as_this_service_means_them():
    assert readings(add_furigana("この日は")) == "この[日|ひ]は"
    assert readings(add_furigana("今日より後に")) == "[今日|きょう]より[後|あと]に"
    assert readings(add_furigana("1週間ずつ、3か月")) == "1[週間|しゅうかん]ずつ、3か[月|げつ]"
    assert readings(add_furigana("<th>火</th>")) == "<th>[火|か]</th>"  # a weekday heading
