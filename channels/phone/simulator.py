"""A telephone on the desk: call the IVR the way Twilio does.

`PhoneSimulator` sends the webhooks Twilio would send, each signed with the auth token
exactly as Twilio signs it, reads back the TwiML, says what would be spoken, answers
each <Gather> with keys (or silence) following Twilio's rules for numDigits and
finishOnKey, follows <Redirect>, plays the operator on <Dial>, and knows where the call
ended. Every response is checked by `check_twiml` on the way.

`flask --app channels phone-sim` drives it from a terminal; the automated call tests
drive the very same class through Flask's test client.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from twilio.request_validator import RequestValidator

from .signature import HEADER

MAX_TWIML_BYTES = 64 * 1024
MAX_SAY_CHARS = 1000
TOP_LEVEL_VERBS = {"Say", "Gather", "Dial", "Hangup", "Redirect", "Pause"}
IN_GATHER = {"Say", "Pause"}


# ------------------------------------------------------------------- TwiML check


def _say_text(element: ET.Element, spoken: bool = False) -> str:
    """The text of a <Say>: as written, or as spoken (a <sub>'s alias)."""
    parts: list[str] = []

    def walk(node: ET.Element) -> None:
        if node.tag == "sub" and spoken:
            parts.append(node.get("alias", ""))
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not element:
            parts.append(node.tail or "")

    walk(element)
    return "".join(parts)


def check_twiml(body: str | bytes) -> list[str]:
    """What is wrong with a webhook's TwiML, by the channel's rules; [] when nothing.

    Valid XML under <Response>; only the verbs the channel uses; language="ja-JP" on
    every <Say> and <Gather> (or en-US on all of them: a notification call in English); every <Gather> posts on silence (actionOnEmptyResult) or
    is followed by another verb; one-key menus take one key with no finishing key;
    a Gather timeout of 8–10 s; a Say under 1,000 characters; under 64 kB; and the
    document ends in a question, a transfer, a redirect or a spoken goodbye, never in a
    silent hang-up.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    problems: list[str] = []
    if len(raw) >= MAX_TWIML_BYTES:
        problems.append(f"response is {len(raw)} bytes, not under 64 kB")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        return [*problems, f"not XML: {error}"]
    if root.tag != "Response":
        return [*problems, f"root is <{root.tag}>, not <Response>"]
    verbs = list(root)
    if not verbs:
        problems.append("empty <Response>: the caller would hear silence and be cut off")

    spoken = [v for v in root.iter() if v.tag in ("Say", "Gather")]
    language = "en-US" if spoken and spoken[0].get("language") == "en-US" else "ja-JP"

    def check_say(say: ET.Element, where: str) -> None:
        if say.get("language") != language:
            problems.append(f'<Say> {where} without language="{language}"')
        text = _say_text(say)
        if not text.strip():
            problems.append(f"empty <Say> {where}")
        if len(text) >= MAX_SAY_CHARS:
            problems.append(f"<Say> {where} has {len(text)} characters, not under 1,000")

    for index, verb in enumerate(verbs):
        where = f"#{index + 1}"
        if verb.tag not in TOP_LEVEL_VERBS:
            problems.append(f"unexpected verb <{verb.tag}>")
        if verb.tag == "Say":
            check_say(verb, where)
        if verb.tag == "Gather":
            if verb.get("language") != language:
                problems.append(f'<Gather> {where} without language="{language}"')
            if not verb.get("action"):
                problems.append(f"<Gather> {where} without an action")
            followed = index + 1 < len(verbs)
            if verb.get("actionOnEmptyResult") != "true" and not followed:
                problems.append(
                    f"<Gather> {where} neither posts on silence nor is followed by a verb"
                )
            if verb.get("numDigits") == "1" and verb.get("finishOnKey") != "":
                problems.append(f'one-key <Gather> {where} must have finishOnKey=""')
            timeout = verb.get("timeout", "5")
            if not timeout.isdigit() or not 8 <= int(timeout) <= 10:
                problems.append(f"<Gather> {where} timeout {timeout} is not 8–10 s")
            for child in verb:
                if child.tag not in IN_GATHER:
                    problems.append(f"unexpected <{child.tag}> in <Gather> {where}")
                if child.tag == "Say":
                    check_say(child, f"in <Gather> {where}")
            if not any(child.tag == "Say" for child in verb):
                problems.append(f"<Gather> {where} asks nothing")
    if verbs:
        last = verbs[-1]
        ends_well = last.tag in ("Gather", "Redirect", "Hangup") or (
            last.tag == "Dial" and last.get("action")
        )
        if not ends_well:
            problems.append(f"ends with <{last.tag}>: a silent hang-up")
        if last.tag == "Hangup" and not any(v.tag == "Say" for v in verbs):
            problems.append("hangs up without a word")
    return problems


# ----------------------------------------------------------------------- transport


class Transport(Protocol):
    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST a form to the app's `path` (with its query); the status and body."""


class FlaskTransport:
    """The app in this process, through Flask's test client."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def post(self, path, params, headers):
        response = self.client.post(path, data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """A running server, e.g. ``flask --app channels run`` on another terminal."""

    def __init__(self, base_url: str, timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, path, params, headers):
        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")


# ---------------------------------------------------------------------- simulator


class TwiMLProblem(AssertionError):
    pass


@dataclass
class Spoken:
    text: str  # as written, readings shown as 町予約《まちよやく》
    spoken: str  # what the voice says
    rate: str = ""  # its <prosody rate>, e.g. "90%" ("" is the voice's own pace)


@dataclass
class Pause:
    seconds: float  # a <Pause>: silence the caller waits through


@dataclass
class Exchange:
    """One webhook and what came back: `says` the prompts, `heard` the prompts and
    pauses in the order the caller hears them (channels/phone/audio.py measures them)."""

    path: str
    params: dict[str, str]
    status: int
    body: str
    says: list[Spoken] = field(default_factory=list)
    heard: list[Spoken | Pause] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.says)

    @property
    def spoken(self) -> str:
        return "".join(s.spoken for s in self.says)


@dataclass
class Question:
    action: str
    num_digits: int | None
    finish_on_key: str
    timeout: int
    on_empty: bool
    rest: list[ET.Element]  # the verbs after the <Gather>


class PhoneSimulator:
    """One simulated call. `call()` rings, `press(keys)` and `silence()` answer the
    current question, `hang_up()` leaves; `ended` says how it ended: "hangup" (the
    IVR said goodbye), "operator" (a person answered), "caller" (the caller hung up),
    or "silent" (the document ran out: a defect)."""

    def __init__(
        self,
        transport: Transport,
        *,
        public_base_url: str,
        auth_token: str,
        caller: str = "+81166123456",
        to: str = "+81166000000",
        call_sid: str | None = None,
        operator_answers: bool = False,
        strict: bool = True,
    ) -> None:
        self.transport = transport
        self.base = public_base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.caller = caller
        self.to = to
        self.sid = call_sid or "CA" + secrets.token_hex(16)
        self.operator_answers = operator_answers
        self.strict = strict
        self.exchanges: list[Exchange] = []
        self.problems: list[str] = []
        self.question: Question | None = None
        self.dialled: list[str] = []
        self.ended: str | None = None
        self._last_request: tuple[str, dict[str, str]] | None = None

    # -- what the caller does

    def call(self) -> Exchange:
        return self.send(self.base + "/phone/voice", {"CallStatus": "ringing"})

    def answer(self, url: str) -> Exchange:
        """A call the app placed (From: the town's number, To: this phone) is answered:
        Twilio asks `url`, the address the app gave it, what to say."""
        return self.send(url, {"CallStatus": "in-progress", "Direction": "outbound-api"})

    def press(self, keys: str) -> Exchange:
        """Keys for the current question, as Twilio collects them: up to numDigits,
        or up to the finishing key (not sent); what is left over is lost."""
        question = self._current()
        digits = ""
        for key in keys:
            if question.finish_on_key and key == question.finish_on_key:
                break
            digits += key
            if question.num_digits and len(digits) >= question.num_digits:
                break
        if not digits:
            return self.silence()
        return self._answer(question, digits)

    def silence(self) -> Exchange:
        question = self._current()
        if question.on_empty:
            return self._answer(question, "")
        self.question = None
        exchange = self.exchanges[-1]
        self._play(question.rest, exchange)
        return exchange

    def hang_up(self) -> None:
        """The caller puts the receiver down (or the call ended): the status callback."""
        if self.ended is None:
            self.ended = "caller"
        self.question = None
        self.status_callback("completed")

    def status_callback(self, status: str = "completed", duration: int = 60) -> int:
        params = self.params({"CallStatus": status, "CallDuration": str(duration)})
        path = "/phone/status"
        code, _ = self.transport.post(path, params, {HEADER: self.sign(self.base + path, params)})
        return code

    def repeat_last(self) -> Exchange:
        """Send the last webhook again, as Twilio does when it retries."""
        assert self._last_request is not None, "nothing sent yet"
        url, params = self._last_request
        return self._post(url, params)

    # -- what was heard

    @property
    def last(self) -> Exchange:
        return self.exchanges[-1]

    @property
    def transcript(self) -> str:
        return "\n".join(e.text for e in self.exchanges if e.says)

    # -- machinery

    def _current(self) -> Question:
        if self.question is None:
            raise RuntimeError(f"no question is waiting (the call ended: {self.ended})")
        return self.question

    def _answer(self, question: Question, digits: str) -> Exchange:
        self.question = None
        return self.send(question.action, {"Digits": digits})

    def params(self, extra: dict[str, str]) -> dict[str, str]:
        """What Twilio posts with every webhook of this call, and `extra`."""
        return {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": self.sid,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "From": self.caller,
            "To": self.to,
            **extra,
        }

    def sign(self, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature for this URL and these parameters, as Twilio computes it."""
        return self.validator.compute_signature(url, params)

    def _path(self, url: str) -> str:
        if not url.startswith(self.base + "/"):
            raise TwiMLProblem(f"{url} is not under the public base URL {self.base}")
        return url[len(self.base) :]

    def send(self, url: str, extra: dict[str, str]) -> Exchange:
        """POST a signed webhook of this call to `url` and play what comes back."""
        params = self.params(extra)
        self._last_request = (url, params)
        return self._post(url, params)

    def _post(self, url: str, params: dict[str, str]) -> Exchange:
        path = self._path(url)
        status, body = self.transport.post(path, params, {HEADER: self.sign(url, params)})
        exchange = Exchange(path, params, status, body)
        self.exchanges.append(exchange)
        if status != 200:
            self._problem(f"{path} answered HTTP {status}")
            self.ended = "silent"
            return exchange
        for problem in check_twiml(body):
            self._problem(f"{path}: {problem}")
        self.question = None
        try:
            verbs = list(ET.fromstring(body))
        except ET.ParseError:
            self.ended = "silent"
            return exchange
        self._play(verbs, exchange)
        return exchange

    def _problem(self, problem: str) -> None:
        self.problems.append(problem)
        if self.strict:
            raise TwiMLProblem(problem)

    def _play(self, verbs: list[ET.Element], exchange: Exchange) -> None:
        for index, verb in enumerate(verbs):
            if verb.tag in ("Say", "Pause"):
                _hear(exchange, verb)
            elif verb.tag == "Gather":
                for child in verb:
                    _hear(exchange, child)
                self.question = Question(
                    action=verb.get("action", ""),
                    num_digits=int(verb.get("numDigits")) if verb.get("numDigits") else None,
                    finish_on_key=verb.get("finishOnKey", "#"),
                    timeout=int(verb.get("timeout", "5")),
                    on_empty=verb.get("actionOnEmptyResult") == "true",
                    rest=verbs[index + 1 :],
                )
                return
            elif verb.tag == "Redirect":
                self.send(verb.text.strip(), {})
                return
            elif verb.tag == "Dial":
                self.dialled.append((verb.text or "").strip())
                status = "completed" if self.operator_answers else "no-answer"
                if verb.get("action"):
                    self.send(verb.get("action"), {"DialCallStatus": status})
                    return
                if self.operator_answers:
                    self.ended = "operator"
                    return
            elif verb.tag == "Hangup":
                self.ended = "hangup"
                return
        self.ended = "silent"
        self._problem(f"{exchange.path}: the call ran out of TwiML (a silent hang-up)")


def _hear(exchange: Exchange, verb: ET.Element) -> None:
    if verb.tag == "Say":
        spoken = _spoken(verb)
        exchange.says.append(spoken)
        exchange.heard.append(spoken)
    elif verb.tag == "Pause":
        length = verb.get("length", "1")
        exchange.heard.append(Pause(float(length) if length.isdigit() else 1.0))


def _spoken(say: ET.Element) -> Spoken:
    written: list[str] = []

    def walk(node: ET.Element) -> None:
        if node.tag == "sub":
            written.append(f"{node.text or ''}《{node.get('alias', '')}》")
        else:
            written.append(node.text or "")
            for child in node:
                walk(child)
        if node is not say:
            written.append(node.tail or "")

    walk(say)
    prosody = say.find(".//prosody")
    rate = prosody.get("rate", "") if prosody is not None else ""
    return Spoken("".join(written), _say_text(say, spoken=True), rate)


# --------------------------------------------------------------------- the command


def script(keys: str | None) -> Iterator[str | None]:
    """--keys "4826,1,1,,1": one entry per question; '-' or an empty entry is silence."""
    if keys is None:
        return iter(())
    return iter(None if entry.strip() in ("", "-") else entry.strip() for entry in keys.split(","))


def in_process(app) -> tuple[FlaskTransport, str, str]:
    """A transport to this app and the base URL and token to sign with. Without a
    configured auth token (development), a throwaway one is set for this process."""
    from .settings import get_phone_settings

    with app.app_context():
        settings = get_phone_settings()
    token = settings.auth_token
    if not token:
        if app.config.get("PRODUCTION"):
            raise RuntimeError("TWILIO_AUTH_TOKEN is not set")
        token = secrets.token_hex(16)
        app.extensions["phone"] = replace(settings, auth_token=token)
    return FlaskTransport(app), settings.public_base_url, token
