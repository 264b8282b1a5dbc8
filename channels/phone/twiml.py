"""TwiML for the phone channel, built with the twilio package's VoiceResponse.

Every <Say> and <Gather> is in Japanese (language="ja-JP"), spoken by the configured
voice at the configured rate (SSML <prosody>); readings become <sub alias="...">.
Worded in English (a notification call to a resident who chose English, notice.py),
they are language="en-US" in Twilio's default English voice, readings as written.
Every <Gather> posts to its action even on silence (actionOnEmptyResult), so the
caller is never left in a silent hang-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.voice_response import VoiceResponse

from .settings import PhoneSettings
from .speech import Reading, Silence, Speech, english

LANGUAGE = "ja-JP"
ENGLISH = "en-US"


def _language() -> str:
    return ENGLISH if english() else LANGUAGE


def _say(parent, speech: Speech, settings: PhoneSettings) -> None:
    if english():  # the configured voice is a Japanese one
        element = parent.say(language=ENGLISH)
        text = "".join(s.en or s.text if isinstance(s, Reading) else s for s in speech.segments)
        if settings.rate not in ("", "100%", "medium"):
            element.prosody(text, rate=settings.rate)
        else:
            element.nest(text)
        return
    element = parent.say(language=LANGUAGE, voice=settings.voice or None)
    container = element
    if settings.rate not in ("", "100%", "medium"):
        container = element.prosody(rate=settings.rate)
    for segment in speech.segments:
        if isinstance(segment, Reading):
            container.sub(segment.text, alias=segment.yomi)
        else:
            container.nest(segment)


def _says(parent, speeches: Sequence[Speech | Silence], settings: PhoneSettings) -> None:
    for speech in speeches:
        if isinstance(speech, Silence):
            parent.pause(length=speech.seconds)
        elif speech:
            _say(parent, speech, settings)


def gather(
    speeches: Sequence[Speech | Silence], *, action: str, num_digits: int, settings: PhoneSettings
) -> str:
    """Speak, then wait for keys. One-key menus take the first key as it is pressed
    (no finishing key, so # is an ordinary, invalid, key); entries end at their length
    or at #."""
    response = VoiceResponse()
    node = response.gather(
        input="dtmf",
        action=action,
        method="POST",
        num_digits=num_digits,
        finish_on_key="" if num_digits == 1 else "#",
        timeout=settings.gather_timeout,
        action_on_empty_result=True,
        language=_language(),
    )
    _says(node, speeches, settings)
    return response.to_xml()


def dial(
    speeches: Sequence[Speech | Silence],
    *,
    number: str,
    action: str | None,
    timeout: int,
    settings: PhoneSettings,
    unanswered: Sequence[Speech] = (),
) -> str:
    """Speak, then ring the counter. With an `action`, that webhook hears how the dial
    ended; without one, `unanswered` is said and the call ends politely."""
    response = VoiceResponse()
    _says(response, speeches, settings)
    response.dial(number, action=action, method="POST" if action else None, timeout=timeout)
    if action is None:
        _says(response, unanswered, settings)
        response.hangup()
    return response.to_xml()


def hang_up(speeches: Sequence[Speech | Silence], settings: PhoneSettings) -> str:
    response = VoiceResponse()
    _says(response, speeches, settings)
    response.hangup()
    return response.to_xml()


def hold(redirect_to: str, seconds: int = 2) -> str:
    """While another worker answers the same step: wait, then ask again."""
    response = VoiceResponse()
    response.pause(length=seconds)
    response.redirect(redirect_to, method="POST")
    return response.to_xml()
