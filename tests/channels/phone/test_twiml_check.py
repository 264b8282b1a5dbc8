"""The TwiML rules every response is held to (check_twiml), shown to catch what they
are meant to catch, and the shape of the channel's own TwiML."""

from __future__ import annotations

import pytest

from channels.phone import prompts, twiml
from channels.phone.settings import PhoneSettings
from channels.phone.simulator import check_twiml
from channels.phone.speech import Reading, Speech

GOOD_GATHER = (
    '<Gather action="https://x/phone/step/2" actionOnEmptyResult="true" finishOnKey="" '
    'language="ja-JP" numDigits="1" timeout="8"><Say language="ja-JP">はい</Say></Gather>'
)


def doc(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def test_a_good_document_passes():
    assert check_twiml(doc(GOOD_GATHER)) == []
    assert check_twiml(doc('<Say language="ja-JP">さようなら</Say><Hangup/>')) == []
    # a notification call in English: en-US throughout
    assert check_twiml(doc('<Say language="en-US">Goodbye.</Say><Hangup/>')) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<Response><Say>", "not XML"),
        ("<Document/>", "root is <Document>"),
        (doc(""), "empty <Response>"),
        (
            doc('<Say language="en-US">hello</Say><Say language="ja-JP">はい</Say><Hangup/>'),
            '<Say> #2 without language="en-US"',
        ),
        (doc('<Say language="en-GB">hello</Say><Hangup/>'), 'without language="ja-JP"'),
        (doc("<Say>はい</Say><Hangup/>"), 'without language="ja-JP"'),
        (
            doc(GOOD_GATHER.replace('language="ja-JP" numDigits', "numDigits")),
            '<Gather> #1 without language="ja-JP"',
        ),
        (
            doc(GOOD_GATHER.replace('actionOnEmptyResult="true" ', "")),
            "neither posts on silence nor is followed by a verb",
        ),
        (doc(GOOD_GATHER.replace('finishOnKey="" ', "")), 'must have finishOnKey=""'),
        (doc(GOOD_GATHER.replace('timeout="8"', 'timeout="5"')), "timeout 5 is not 8–10 s"),
        (doc(GOOD_GATHER.replace('action="https://x/phone/step/2" ', "")), "without an action"),
        (doc('<Say language="ja-JP">' + "あ" * 1000 + "</Say><Hangup/>"), "not under 1,000"),
        (doc('<Say language="ja-JP">はい</Say>'), "a silent hang-up"),
        (doc("<Dial>+81166000111</Dial>"), "a silent hang-up"),
        (doc("<Hangup/>"), "hangs up without a word"),
        (doc("<Play>x.mp3</Play><Hangup/>"), "unexpected verb <Play>"),
        (
            doc(('<Say language="ja-JP">' + "あ" * 900 + "</Say>") * 30 + "<Hangup/>"),
            "not under 64 kB",
        ),
    ],
)
def test_each_rule_catches_its_problem(body, problem):
    assert any(problem in found for found in check_twiml(body)), check_twiml(body)


def test_a_gather_followed_by_a_verb_is_fine_without_action_on_empty():
    body = doc(
        GOOD_GATHER.replace('actionOnEmptyResult="true" ', "")
        + '<Say language="ja-JP">さようなら</Say><Hangup/>'
    )
    assert check_twiml(body) == []


SETTINGS = PhoneSettings.from_config({"PUBLIC_BASE_URL": "https://x"})


def test_the_channels_gather_speaks_slowly_with_readings():
    xml = twiml.gather(
        [Speech("次は", Reading("町民体育館", "ちょうみん たいいくかん"), "です。")],
        action="https://x/phone/step/2",
        num_digits=1,
        settings=SETTINGS,
    )
    assert check_twiml(xml) == []
    assert (
        '<Say language="ja-JP" voice="Polly.Mizuki"><prosody rate="90%">次は'
        '<sub alias="ちょうみん たいいくかん">町民体育館</sub>です。</prosody></Say>'
    ) in xml
    assert 'finishOnKey=""' in xml and 'numDigits="1"' in xml and 'input="dtmf"' in xml


def test_a_number_entry_ends_at_its_length_or_hash():
    xml = twiml.gather(
        [Speech("番号")], action="https://x/phone/step/2", num_digits=6, settings=SETTINGS
    )
    assert 'finishOnKey="#"' in xml and 'numDigits="6"' in xml


def test_the_greeting_is_short(app):
    """The greeting says only what is needed (its synthesized length is kept by
    test_prompt_lengths.py); this guard needs no synthesizer."""
    assert len(prompts.greeting(True).spoken) <= 40
