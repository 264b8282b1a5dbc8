"""What a phone caller must remember and listen to, task by task (issue 16).

    python -m bench.phone_load [--no-write]

Each task is one whole call through PhoneSimulator (channels/phone/simulator.py), in
process, on a fresh SQLite copy of the demo town (channels/demo.py), at a fixed
moment: Tuesday 1 December 2026, 10:00, the counter open. 山田 ハナ calls from her
landline (caller ID known) or, to sign in by registration number, from a number the
town does not know; she chooses the town gym (町民体育館), whole court. For hearing and
cancelling she has two reservations made on the web beforehand.

Per task:
- keys pressed: every key, sign-in digits included;
- decisions: the questions the caller answers after sign-in (a menu choice or a typed
  date), until the task's result is spoken;
- menus deep: how many different menus those decisions were made in;
- largest menu: the most options a menu offered where the caller chose, as the engine
  declares them (the keys a node accepts; `*` repeat, `0` a person and `9` the main
  menu work the same in every menu and are not counted);
- speech: seconds the caller listens to, from the greeting to the end of the answer
  that gives the result, measured from Open JTalk's synthesized audio at the
  configured PHONE_SPEECH_RATE (channels/phone/audio.py says how); "after sign-in"
  counts from the answer that confirms who is calling;
- the longest single prompt (one <Say>).

Targets (issue 16) are printed beside the figures. Tasks whose flows do not exist yet
are listed as not available: nothing is faked for them.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from bench.common import BASE_CONFIG, markdown_table, migrated_app, report
from channels import create_app, demo
from channels.phone import audio, flow
from channels.phone.models import PhoneCall, PhoneCallEvent
from channels.phone.settings import get_phone_settings
from channels.phone.simulator import FlaskTransport, PhoneSimulator
from reservations import services
from reservations.db import db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
TOKEN = "bench-twilio-auth-token"
BASE_URL = "https://yoyaku.example.jp"
OPERATOR = "0166-00-0111"
CALLER_ID = "+81166123456"  # 山田 ハナ's landline in the demo town
UNKNOWN_NUMBER = "+81155550000"
CALLER = "山田 ハナ"

# Issue 16's targets.
TARGETS = {
    "book next free": (4, 75.0),  # decisions after sign-in, seconds of speech
    "book by date": (5, 90.0),
}
MAX_OPTIONS = 4
MAX_PROMPT_SECONDS = 15.0


# ----------------------------------------------------------------------- the town


@dataclass(frozen=True)
class Town:
    registration_no: str
    pin: str
    resident_id: int
    gym_unit_id: int  # 町民体育館, 全面
    free_day: date  # a day with a free block at the gym, two weeks ahead or later


def _unit(facility_code: str, unit_code: str):
    facility = next(f for f in services.list_facilities() if f.code == facility_code)
    return next(u for u in facility.units if u.code == unit_code)


def _free_day(unit_id: int, start: date) -> date:
    days = services.availability(unit_id, start, start + timedelta(days=14), now=NOW)
    return next(day.date for day in days if day.closed is None and day.has_free_block)


def seed() -> Town:
    report_ = demo.seed(now=NOW)
    line = next(r for r in report_.residents if r.name == CALLER)
    resident_id = services.find_residents(line.registration_no)[0].id
    gym = _unit("town-gym", "whole")
    return Town(
        line.registration_no,
        line.pin,
        resident_id,
        gym.id,
        _free_day(gym.id, NOW.date() + timedelta(days=14)),
    )


def two_reservations_on_the_web(town: Town) -> None:
    """What the caller hears and cancels: two upcoming bookings, both still cancellable."""
    actor = services.Actor.resident(town.resident_id, "web")
    for facility, unit, block, weeks in (
        ("town-gym", "whole", "morning", 2),
        ("community-hall", "washitsu", "afternoon", 3),
    ):
        chosen = _unit(facility, unit)
        day = _free_day(chosen.id, NOW.date() + timedelta(weeks=weeks))
        block_id = next(b.id for b in chosen.facility.time_blocks if b.code == block)
        services.book(
            actor,
            resident_id=town.resident_id,
            unit_id=chosen.id,
            day=day,
            block_ids=[block_id],
            now=NOW,
        )


# ---------------------------------------------------------------------- the tasks


@dataclass(frozen=True)
class Task:
    name: str
    # The keys, one entry per question, from the greeting to the result.
    keys: Callable[[Town], list[str]] | None
    done_when: str = ""  # the call event that says the task's result was given
    caller: str = CALLER_ID
    before: Callable[[Town], None] | None = None
    missing: str = ""  # why the task cannot be measured yet


def _gym() -> list[str]:
    return ["1", "1"]  # 体育館 (the kind of place), 町民体育館の全面


def booked_the_gym_before(town: Town) -> None:
    """The caller booked the gym's whole court on the web before: it is offered first."""
    actor = services.Actor.resident(town.resident_id, "web")
    chosen = _unit("town-gym", "whole")
    day = _free_day(chosen.id, NOW.date() + timedelta(weeks=3))
    services.book(
        actor,
        resident_id=town.resident_id,
        unit_id=chosen.id,
        day=day,
        block_ids=[chosen.facility.time_blocks[0].id],
        now=NOW,
    )


TASKS = [
    Task("sign in by caller ID", lambda t: [t.pin], "signed_in"),
    Task(
        "sign in by registration number",
        lambda t: [t.registration_no, t.pin],
        "signed_in",
        caller=UNKNOWN_NUMBER,
    ),
    Task(
        "book next free",
        # the soonest free block (main menu 1), the place, then book the block offered
        lambda t: [t.pin, "1", *_gym(), "1"],
        "booked",
    ),
    Task(
        "book by date",
        # by date (main menu 2), the place, a date, then book its first free block
        lambda t: [t.pin, "2", *_gym(), t.free_day.strftime("%m%d"), "1"],
        "booked",
    ),
    Task(
        "book next free, the place booked last time",
        lambda t: [t.pin, "1", "1", "1"],  # 「前回と同じ…でよろしければ1」, then book
        "booked",
        before=booked_the_gym_before,
    ),
    Task(
        "hear my reservations",
        lambda t: [t.pin, "3"],
        "heard",
        before=two_reservations_on_the_web,
    ),
    Task(
        "cancel",
        lambda t: [t.pin, "4", "1", "1"],  # the first reservation listed, then confirm
        "cancelled",
        before=two_reservations_on_the_web,
    ),
    Task("change a booking", None, missing="no change flow on the phone yet"),
    Task("apply to a lottery", None, missing="no lottery yet"),
    Task("join a waitlist", None, missing="no waitlist yet"),
]


# ------------------------------------------------------------------- measuring


@dataclass
class Measure:
    task: str
    keys: int = 0
    decisions: int = 0
    menus: list[str] = field(default_factory=list)  # the menu of each decision
    largest_menu: tuple[int, str] = (0, "")  # options, menu
    seconds: float = 0.0
    seconds_after_sign_in: float = 0.0
    longest: tuple[float, str] = (0.0, "")  # seconds, the prompt as written
    missing: str = ""


def _call(sid: str) -> PhoneCall:
    db.session.rollback()
    return db.session.scalar(sa.select(PhoneCall).filter_by(call_sid=sid))


def _options(call: PhoneCall) -> int:
    """How many keys the menu the call is at offers, as the engine declares them."""
    turn = flow.Turn(
        flow.Call(call.call_sid, call.step, dict(call.state), call.resident_id, NOW, NOW),
        get_phone_settings(),
        lambda step: "",
    )
    return len(turn.node.keys(turn))


def _events(call: PhoneCall) -> set[str]:
    return set(db.session.scalars(sa.select(PhoneCallEvent.kind).filter_by(call_id=call.id)))


def measure(app: Flask, task: Task, town: Town) -> Measure:
    result = Measure(task.name)
    simulator = PhoneSimulator(
        FlaskTransport(app), public_base_url=BASE_URL, auth_token=TOKEN, caller=task.caller
    )
    simulator.call()
    signed_in_from: int | None = None
    for entry in task.keys(town):
        call = _call(simulator.sid)
        if call.resident_id is not None:
            result.decisions += 1
            result.menus.append(call.node)
            result.largest_menu = max(result.largest_menu, (_options(call), call.node))
        result.keys += len(entry)
        answered = len(simulator.exchanges)
        simulator.press(entry)
        if signed_in_from is None and _call(simulator.sid).resident_id is not None:
            signed_in_from = answered
    call = _call(simulator.sid)
    if task.done_when not in _events(call) or simulator.question is None:
        raise RuntimeError(
            f"{task.name}: the call did not reach its result ({task.done_when}); "
            f"it is at {call.node}:\n{simulator.transcript}"
        )
    simulator.hang_up()
    result.seconds = audio.seconds_heard(simulator.exchanges)
    if signed_in_from is not None:
        result.seconds_after_sign_in = audio.seconds_heard(simulator.exchanges[signed_in_from:])
    length, prompt = audio.longest_prompt(simulator.exchanges)
    result.longest = (length, prompt.text if prompt else "")
    return result


def bench_app(url: str) -> Flask:
    return create_app(
        {
            **BASE_CONFIG,
            "DATABASE_URL": url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": BASE_URL,
            "PHONE_OPERATOR_NUMBER": OPERATOR,
            "CLOCK": lambda: NOW,
        }
    )


def run_all() -> tuple[list[Measure], str]:
    """Every task's measures, and the speech rate they were measured at."""
    audio.synthesizer()  # fail at once, with what to install, if Open JTalk is missing
    results = []
    with tempfile.TemporaryDirectory(prefix="machi-phone-load-") as directory:
        template = Path(directory) / "template.db"
        with migrated_app(f"sqlite:///{template}", TWILIO_AUTH_TOKEN=TOKEN).app_context():
            db.engine.dispose()  # everything in the file before it is copied
        logging.getLogger().setLevel(logging.WARNING)  # not every webhook of every call
        for index, task in enumerate(TASKS):
            if task.keys is None:
                results.append(Measure(task.name, missing=task.missing))
                continue
            copy = Path(directory) / f"task-{index}.db"
            shutil.copyfile(template, copy)
            app = bench_app(f"sqlite:///{copy}")
            logging.getLogger().setLevel(logging.WARNING)
            rate = app.extensions["phone"].rate
            with app.app_context():
                town = seed()
                if task.before:
                    task.before(town)
                results.append(measure(app, task, town))
                db.session.remove()
                db.engine.dispose()
    return results, rate


# ------------------------------------------------------------------- reporting


def _short(text: str, length: int = 28) -> str:
    text = text.replace("|", "/")
    return text if len(text) <= length else text[: length - 1] + "…"


def tables(results: list[Measure]) -> tuple[str, str]:
    rows = []
    for r in results:
        if r.missing:
            rows.append([r.task, f"not available yet ({r.missing})", "", "", "", "", "", ""])
            continue
        rows.append(
            [
                r.task,
                r.keys,
                r.decisions,
                len(set(r.menus)),
                f"{r.largest_menu[0]} ({r.largest_menu[1]})" if r.largest_menu[0] else "-",
                f"{r.seconds:.1f}",
                f"{r.seconds_after_sign_in:.1f}",
                f"{r.longest[0]:.1f} 「{_short(r.longest[1])}」",
            ]
        )
    figures = markdown_table(
        [
            "task",
            "keys pressed",
            "decisions after sign-in",
            "menus deep",
            "largest menu (options)",
            "speech s, whole call",
            "speech s, after sign-in",
            "longest prompt s",
        ],
        rows,
    )
    measured = {r.task: r for r in results if not r.missing}
    target_rows = []
    for name, (decisions, seconds) in TARGETS.items():
        r = measured[name]
        target_rows.append(
            [
                f"{name}: <= {decisions} decisions after sign-in",
                r.decisions,
                _met(r.decisions <= decisions),
            ]
        )
        target_rows.append(
            [
                f"{name}: <= {seconds:.0f} s of speech",
                f"{r.seconds:.1f} s whole call, {r.seconds_after_sign_in:.1f} s after sign-in",
                _met(r.seconds <= seconds, r.seconds_after_sign_in <= seconds),
            ]
        )
    widest = max(measured.values(), key=lambda r: r.largest_menu[0])
    target_rows.append(
        [
            f"no menu over {MAX_OPTIONS} options",
            f"{widest.largest_menu[0]} ({widest.largest_menu[1]}, in {widest.task})",
            _met(widest.largest_menu[0] <= MAX_OPTIONS),
        ]
    )
    longest = max(measured.values(), key=lambda r: r.longest[0])
    target_rows.append(
        [
            f"no prompt over {MAX_PROMPT_SECONDS:.0f} s",
            f"{longest.longest[0]:.1f} s 「{_short(longest.longest[1], 40)}」 ({longest.task})",
            _met(longest.longest[0] <= MAX_PROMPT_SECONDS),
        ]
    )
    return figures, markdown_table(["issue 16 target", "today", "met?"], target_rows)


def _met(whole: bool, after_sign_in: bool | None = None) -> str:
    if after_sign_in is None or whole == after_sign_in:
        return "yes" if whole else "no"
    return "after sign-in only" if after_sign_in else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-write", action="store_true", help="print the tables; leave bench/RESULTS.md"
    )
    args = parser.parse_args()
    results, rate = run_all()
    figures, targets = tables(results)
    notes = (
        f"Targets beside today's figures:\n\n{targets}\n\n"
        "Speech is measured from Open JTalk's synthesized audio at PHONE_SPEECH_RATE "
        f"{rate} (channels/phone/audio.py: each <Say> with its <sub> readings, without "
        "the synthesizer's silence around it, plus <Pause>s; every prompt heard to its "
        "end). Decisions are the questions answered after sign-in (menu choices and typed "
        "dates); menus deep counts the different menus among them; the largest menu is "
        "the most keys a menu where the caller chose accepts, `*`, `0` and `9` aside (the same "
        "in every menu). The "
        "demo town on Tuesday 1 December 2026 at 10:00: 山田 ハナ calls from her "
        "landline (from an unknown number to sign in by registration number) and books "
        "the town gym, whole court; for hearing and cancelling she has two reservations "
        "made on the web. Reservation numbers are random and read digit by digit, so "
        "a call that reads one varies by up to a second from run to run."
    )
    title = "Phone: what a caller must remember and listen to (bench/phone_load.py)"
    if args.no_write:
        print(f"\n## {title}\n\n{figures}\n\n{notes}\n")
    else:
        report(title, figures, notes)


if __name__ == "__main__":
    main()
