"""The phone channel's commands: ``phone-sim`` (call the IVR from a terminal) and
``phone-stats`` (how calls ended, for the division's statistics)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select

from reservations import services
from reservations.db import db
from reservations.errors import InvalidInput

from . import audio
from .models import PhoneCall, PhoneCallEvent
from .simulator import HttpTransport, PhoneSimulator, TwiMLProblem, in_process, script

MAX_EXCHANGES = 200


@click.command("phone-sim")
@click.option(
    "--from",
    "caller",
    default="0166-12-3456",
    show_default=True,
    help="The caller's number (caller ID). The default is the demo's 山田 ハナ.",
)
@click.option(
    "--keys",
    default=None,
    help='Answers, one per question, separated by commas: "4826,1,1,,1". '
    'An empty entry or "-" is silence.',
)
@click.option(
    "--silence", is_flag=True, help="When the --keys run out, stay silent instead of hanging up."
)
@click.option(
    "--url",
    default=None,
    help="Call a running server at this address instead of this app in-process "
    "(sign with its TWILIO_AUTH_TOKEN; its PUBLIC_BASE_URL must be this URL).",
)
@click.option(
    "--operator",
    type=click.Choice(["no-answer", "answer"]),
    default="no-answer",
    show_default=True,
    help="What the counter's telephone does when the call is put through.",
)
@click.option(
    "--speak",
    "wav_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write what the caller hears (every prompt of the call, in order, synthesized "
    "with Open JTalk at PHONE_SPEECH_RATE) to this WAV file, and show each prompt's length.",
)
def phone_sim_command(caller, keys, silence, url, operator, wav_path):
    """Call the phone IVR from the terminal: see what is said, press keys."""
    app = current_app._get_current_object()
    if wav_path:
        try:
            audio.synthesizer()  # before the call: say at once what is missing
        except audio.SynthesisUnavailable as error:
            raise click.ClickException(str(error)) from error
    if url:
        settings_token = app.config.get("TWILIO_AUTH_TOKEN") or ""
        if not settings_token:
            raise click.ClickException(
                "set TWILIO_AUTH_TOKEN to the server's token to sign requests"
            )
        transport, base, token = HttpTransport(url), url.rstrip("/"), settings_token
    else:
        transport, base, token = in_process(app)
    try:
        e164, _ = services.normalize_phone(caller)
    except InvalidInput:  # a withheld or foreign number: sent as it is
        e164 = caller
    simulator = PhoneSimulator(
        transport,
        public_base_url=base,
        auth_token=token,
        caller=e164,
        operator_answers=operator == "answer",
        strict=False,
    )
    answers = script(keys)
    interactive = keys is None and not silence
    click.echo(f"Calling {base}/phone/voice from {caller} (call {simulator.sid})")
    shown = 0
    speak = wav_path is not None
    try:
        simulator.call()
        while True:
            shown = _show(simulator, shown, speak)
            if simulator.question is None or len(simulator.exchanges) >= MAX_EXCHANGES:
                break
            question = simulator.question
            entry = _next_answer(answers, interactive, silence, question)
            if entry == "hang up":
                click.echo("  (the caller hangs up)")
                break
            if entry is None:
                click.echo("  > (silence)")
                simulator.silence()
            else:
                masked = entry if (question.num_digits or 0) == 1 else "•" * len(entry)
                click.echo(f"  > {masked}")
                simulator.press(entry)
    except TwiMLProblem as problem:  # strict is off; kept for safety
        click.echo(f"PROBLEM: {problem}")
    _show(simulator, shown, speak)
    simulator.hang_up()
    for problem in simulator.problems:
        click.echo(f"PROBLEM: {problem}")
    endings = {
        "hangup": "the service said goodbye and hung up",
        "operator": "a person at the counter answered",
        "caller": "the caller hung up",
        "silent": "the call ran out of TwiML (a defect)",
    }
    for number in simulator.dialled:
        click.echo(f"Transferred to {number} ({operator})")
    click.echo(f"Call ended: {endings.get(simulator.ended, simulator.ended)}")
    if speak:
        length = _measured(audio.write_wav, wav_path, simulator.exchanges)
        heard = _measured(audio.seconds_heard, simulator.exchanges)
        prompts = sum(len(exchange.says) for exchange in simulator.exchanges)
        click.echo(
            f"Wrote {wav_path}: {length:.1f} s, of which {heard:.1f} s of speech "
            f"in {prompts} prompts (Open JTalk)"
        )


def _measured(measure, *args):
    """An audio measure; a speech rate Open JTalk cannot stand in for stops cleanly."""
    try:
        return measure(*args)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


def _next_answer(answers, interactive: bool, silence: bool, question) -> str | None:
    try:
        return next(answers)
    except StopIteration:
        pass
    if silence:
        return None
    if not interactive:
        return "hang up"
    what = "1 key" if question.num_digits == 1 else f"up to {question.num_digits} keys, # ends"
    line = click.prompt(
        f"  keys ({what}; Enter = silence, q = hang up)", default="", show_default=False
    )
    if line.strip().lower() == "q":
        return "hang up"
    return line.strip() or None


def _show(simulator: PhoneSimulator, shown: int, speak: bool = False) -> int:
    for exchange in simulator.exchanges[shown:]:
        click.echo(
            f"-> POST {exchange.path}"
            + (f" [HTTP {exchange.status}]" if exchange.status != 200 else "")
        )
        for said in exchange.says:
            length = f" ({_measured(audio.seconds, said):.1f} s)" if speak else ""
            click.echo(f"   「{said.text}」{length}")
    if simulator.question is not None and len(simulator.exchanges) > shown:
        question = simulator.question
        keys = "1 key" if question.num_digits == 1 else f"{question.num_digits} keys or #"
        click.echo(f"   (waiting {question.timeout} s for {keys})")
    return len(simulator.exchanges)


@click.command("phone-stats")
@click.option("--days", default=30, show_default=True, help="Calls started in the last N days.")
def phone_stats_command(days: int) -> None:
    """How phone calls ended: outcomes, where callers gave up, what the core refused."""
    since = services.clock_now() - timedelta(days=days)
    calls = db.session.scalars(select(PhoneCall).where(PhoneCall.started_at >= since)).all()
    events = db.session.execute(
        select(PhoneCallEvent.kind, PhoneCallEvent.node, PhoneCallEvent.detail)
        .join(PhoneCall, PhoneCall.id == PhoneCallEvent.call_id)
        .where(PhoneCall.started_at >= since)
    ).all()
    click.echo(f"Calls in the last {days} days: {len(calls)}")
    outcomes = Counter(call.outcome or "in progress or no status callback" for call in calls)
    for outcome, count in outcomes.most_common():
        click.echo(f"  {outcome}: {count}")
    abandoned = Counter(call.abandoned_at for call in calls if call.abandoned_at)
    if abandoned:
        click.echo("Abandoned at:")
        for node, count in abandoned.most_common():
            click.echo(f"  {node}: {count}")
    troubles = Counter(
        (kind, node) for kind, node, _ in events if kind in ("no_input", "invalid_input")
    )
    if troubles:
        click.echo("Silence and wrong keys, by menu:")
        for (kind, node), count in troubles.most_common(10):
            click.echo(f"  {node} {kind}: {count}")
    refused = Counter(detail for kind, _, detail in events if kind == "refused")
    if refused:
        click.echo("Refused by the reservation rules:")
        for code, count in refused.most_common():
            click.echo(f"  {code}: {count}")
    durations = [call.duration_seconds for call in calls if call.duration_seconds]
    if durations:
        click.echo(f"Average call: {sum(durations) / len(durations):.0f} s")
