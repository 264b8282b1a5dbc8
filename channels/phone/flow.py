"""The call as a small state machine: the engine that runs the menus in menus/.

A menu ("node") speaks a prompt inside a <Gather> and handles the keys pressed. The
channel's part is only this: parse the keys, keep the call's place, and word what the
core decided. Every decision (what is free, what it costs, who may cancel, whether a
PIN is right) comes from reservations.services.

Keys that work the same at every prompt: `*` repeats, `0` reaches a person (during the
counter's telephone hours; otherwise the hours are said and the same prompt is asked
again, at number prompts too), `9` returns to the main menu once signed in (except
inside a number: there 9 alone, ended by #, is the way back), `#` ends a number.
Silence repeats the prompt in simpler words, a second silence offers a person when one
can answer (else how to hear it again), a third failure (silence or a wrong key) puts
the caller through, or says the hours and asks again; only after six failures in a row
does the call end, politely. After a result (booked, cancelled, heard) a second silence
ends the call with a goodbye. No path ends in a silent hang-up.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from reservations import services

from . import prompts, twiml
from .menus import NODES
from .menus.base import Call, Node
from .settings import DIAL_TIMEOUT, PhoneSettings
from .speech import Silence, Speech

MAX_FAILURES = 6  # in a row at one prompt: then the call ends with the hours, politely
MENU_KEY = "9"


@dataclass(frozen=True)
class Event:
    kind: str
    node: str
    detail: str | None = None
    reservation_id: int | None = None


@dataclass
class Reply:
    xml: str
    node: str
    state: dict[str, Any]
    resident_id: int | None
    events: list[Event] = field(default_factory=list)


class Turn:
    """One webhook's worth of the call: what to say before the next question, the
    events to record, and how the step ends (ask a node, dial, or say goodbye). The
    menus see it as menus.base.Turn."""

    def __init__(self, call: Call, settings: PhoneSettings, step_url: Callable[[int], str]):
        self.call = call
        self.settings = settings
        self.step_url = step_url
        self.now = call.now
        self.state: dict[str, Any] = copy.deepcopy(call.state)
        self.resident_id = call.resident_id
        self.preface: list[Speech | Silence] = []
        self.events: list[Event] = []
        self._ending: tuple[str, str] = ("ask", "full")

    @property
    def node(self) -> Node:
        return NODES[self.state["node"]]

    @property
    def today(self) -> date:
        return self.now.astimezone(services.town_timezone()).date()

    def actor(self) -> services.Actor:
        return services.Actor.resident(self.resident_id, "phone")

    def say(self, *speeches: Speech) -> None:
        self.preface.extend(speeches)

    def event(
        self, kind: str, detail: str | None = None, reservation_id: int | None = None
    ) -> None:
        self.events.append(Event(kind, self.state["node"], detail, reservation_id))

    def goto(self, name: str, **updates: Any) -> None:
        """Move to a node and ask its question (a node may move on at once, e.g. an
        empty list)."""
        self.state["node"] = name
        self.state["failures"] = 0
        self.state.update(updates)
        self._ending = ("ask", "full")
        NODES[name].enter(self)

    def resume(self) -> None:
        """Back where the caller was before the transfer (`return_node`): to sign-in
        if that menu needs a resident and nobody signed in, never to after_dial."""
        target = self.state.pop("return_node", None) or "main"
        if NODES[target].needs_resident and self.resident_id is None:
            target = "pin" if self.state.get("hint") else "registration"
        if target == "after_dial":
            target = "main" if self.resident_id else "registration"
        self.goto(target)

    def ask(self, mode: str) -> None:
        self._ending = ("ask", mode)

    def person_available(self) -> bool:
        return can_transfer(self.settings, self.now)

    def dial(self) -> None:
        self._ending = ("dial", "")

    def end(self) -> None:
        self._ending = ("end", "")

    def reply(self) -> Reply:
        kind, mode = self._ending
        action = self.step_url(self.call.step + 1)
        speeches = list(self.preface)
        if kind == "dial":
            speeches.append(prompts.transferring())
            xml = twiml.dial(
                speeches,
                number=self.settings.operator_number,
                action=action,
                timeout=DIAL_TIMEOUT,
                settings=self.settings,
            )
        elif kind == "end":
            self.event("ended")
            speeches.append(prompts.goodbye())
            xml = twiml.hang_up(speeches, self.settings)
        else:
            speeches.extend(self._question(mode))
            xml = twiml.gather(
                speeches, action=action, num_digits=self.node.digits, settings=self.settings
            )
        return Reply(xml, self.state["node"], self.state, self.resident_id, self.events)

    def _question(self, mode: str) -> list[Speech | Silence]:
        node = self.node
        if mode == "full":
            greeting = (
                [] if self.state.get("greeted") else [prompts.greeting(self.person_available())]
            )
            return greeting + node.prompt(self)
        if mode == "simple":
            return node.simple(self)
        if mode == "operator":
            return [self._way_out(), *node.simple(self)]
        if mode == "help":
            return [*node.help(self), *node.simple(self)]
        return [*node.help(self), self._way_out(), *node.simple(self)]

    def _way_out(self) -> Speech:
        """After a second failure: a person if one can answer, else how to hear again."""
        return prompts.offer_operator() if self.person_available() else prompts.repeat_hint()


def can_transfer(settings: PhoneSettings, now: datetime) -> bool:
    """Whether `0` reaches a person now: an operator number, in the counter's hours."""
    return bool(settings.operator_number) and settings.counter_open(now)


# ------------------------------------------------------------------------- engine


def begin(
    sid: str, caller: str, now: datetime, settings: PhoneSettings, step_url: Callable[[int], str]
) -> Reply:
    """The greeting and the first sign-in question. A caller ID that matches exactly
    one registered resident is a hint: only the PIN is asked, and the PIN decides."""
    matches = services.residents_with_phone(caller) if caller else []
    state: dict[str, Any] = {"node": "registration", "failures": 0, "greeted": False}
    if caller:
        # The calling line, for the sign-in limits: a hash, so no number is kept.
        state["line"] = services.line_key(caller)
        if matches:
            # The line is some resident's registered number (several, on a shared
            # landline): a callback may be asked on it (menus/sign_in.py).
            state["registered_line"] = True
    turn = Turn(Call(sid, 0, state, None, now, now), settings, step_url)
    if len(matches) == 1:
        turn.goto("pin", hint=matches[0].id)
    else:
        turn.goto("registration")
    return turn.reply()


def begin_callback(
    sid: str,
    resident_id: int,
    now: datetime,
    settings: PhoneSettings,
    step_url: Callable[[int], str],
) -> Reply:
    """The town's callback, answered at the resident's registered number: the PIN is
    asked for that resident (or 2: "I did not ask for this")."""
    state: dict[str, Any] = {"node": "pin", "failures": 0, "greeted": True, "callback": True}
    turn = Turn(Call(sid, 0, state, None, now, now), settings, step_url)
    turn.goto("pin", hint=resident_id)
    return turn.reply()


def answer(
    call: Call, form: dict[str, str], settings: PhoneSettings, step_url: Callable[[int], str]
) -> Reply:
    """Handle the keys (or the dial's end) that came back for the call's step."""
    turn = Turn(call, settings, step_url)
    if turn.state.get("awaiting") == "dial":
        _dial_ended(turn, form.get("DialCallStatus", ""))
        return turn.reply()
    digits = (form.get("Digits") or "").strip()
    node = turn.node
    if node.needs_resident and turn.resident_id is None:
        turn.goto("registration")
    elif "*" in digits:
        turn.ask("full")
    else:
        turn.state["greeted"] = True
        if digits == "0":
            _operator(turn, "asked")
        elif digits == MENU_KEY and turn.resident_id is not None:
            turn.goto("main")
        elif not digits:
            _failure(turn, "no_input")
        elif not node.handle(turn, digits):
            _failure(turn, "invalid_input")
    return turn.reply()


def reprompt(call: Call, settings: PhoneSettings, step_url: Callable[[int], str]) -> Reply:
    """Ask the current question again (the worker that took the step went away)."""
    turn = Turn(call, settings, step_url)
    turn.ask("full")
    return turn.reply()


def _failure(turn: Turn, kind: str) -> None:
    failures = turn.state.get("failures", 0) + 1
    turn.event(kind)
    turn.state["failures"] = failures
    if failures >= 3:
        _operator(turn, "failures")
        return
    if kind == "no_input":
        if turn.node.result and failures >= 2:
            turn.end()
        else:
            turn.ask("simple" if failures == 1 else "operator")
    else:
        turn.ask("help" if failures == 1 else "help_operator")


def _operator(turn: Turn, reason: str) -> None:
    """To the counter's telephone during its hours; otherwise say the hours and ask the
    same question again (a number prompt too: nothing the caller did is lost). Only a
    caller who cannot go on (MAX_FAILURES in a row) hears goodbye."""
    settings = turn.settings
    if can_transfer(settings, turn.now):
        turn.event("transferred", reason)
        turn.state["awaiting"] = "dial"
        turn.state["return_node"] = turn.state["node"]
        turn.dial()
        return
    turn.event("operator_unavailable", reason)
    unavailable = prompts.no_operator() if not settings.operator_number else prompts.out_of_hours()
    turn.say(unavailable, prompts.counter_hours(settings))
    if reason == "failures" and turn.state.get("failures", 0) >= MAX_FAILURES:
        turn.say(prompts.call_again_later())
        turn.end()
        return
    if reason == "asked":
        turn.state["failures"] = 0
    turn.ask("full" if reason == "asked" else "simple")


# Twilio's DialCallStatus values; anything else is recorded as "unknown".
DIAL_STATUSES = {"completed", "answered", "busy", "no-answer", "failed", "canceled"}


def _dial_ended(turn: Turn, status: str) -> None:
    turn.state.pop("awaiting", None)
    if status in ("completed", "answered"):
        turn.event("operator_talked")
        turn.end()
    else:
        detail = status if status in DIAL_STATUSES else ("unknown" if status else None)
        turn.event("operator_no_answer", detail)
        turn.goto("after_dial")
