"""Commands for the town's IT person: ``flask --app channels <command>``."""

from __future__ import annotations

import click
from flask import Flask

from reservations import services
from reservations.errors import ErrorCode, InputProblem, LotteryDrawProblem, ReservationError

from . import demo


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(lottery_group)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo town's facilities, residents and staff (safe to run again)."""
    report = demo.seed(now=services.clock_now(), staff=None)
    click.echo(
        f"Facilities: {report.facilities_added} added, {report.facilities_present} already present"
    )
    click.echo("Demo residents (registration number / PIN):")
    for line in report.residents:
        click.echo(f"  {line.registration_no}  PIN {line.pin}  {line.name}  ({line.note})")
    click.echo("Demo groups (group number: members book for them with their own PIN):")
    for group in report.groups:
        click.echo(f"  {group.registration_no}  {group.name}  ({group.note})")
    click.echo("Demo lottery rounds for the town gym (the seeds are shown only in the demo):")
    for line in demo.seed_lottery(services.clock_now()):
        click.echo(f"  {line.code}  {line.state}  seed {line.seed!r}")
    if report.staff:
        click.echo("Demo staff (username / password, shown only now):")
    for line in report.staff:
        click.echo(f"  {line.username}  {line.password}  ({line.role})")
    click.echo("These credentials are for the demo only; never seed a production database.")


@click.command("create-staff")
@click.argument("username")
@click.option(
    "--name", "display_name", prompt="Display name", help="Name shown in the audit trail."
)
@click.option(
    "--role", type=click.Choice(services.STAFF_ROLES), default=services.CLERK, show_default=True
)
@click.password_option(help="At least 10 characters; asked for when not given.")
def create_staff_command(username: str, display_name: str, role: str, password: str) -> None:
    """Create a counter staff account."""
    try:
        services.create_staff(
            services.Actor.system(),
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            now=services.clock_now(),
        )
    except ReservationError as error:
        raise click.ClickException(_staff_error_text(error)) from error
    click.echo(f"Created {role} account {username!r}.")


def _staff_error_text(error: ReservationError) -> str:
    field, problem = error.params.get("field"), error.params.get("problem")
    if (field, problem) == ("username", InputProblem.TAKEN):
        return "That username is already taken; choose another."
    if (field, problem) == ("password", InputProblem.TOO_SHORT):
        return f"The password must be at least {error.params['minimum']} characters long."
    if problem == InputProblem.REQUIRED:
        return f"The {field.replace('_', ' ')} must not be empty."
    return f"The account could not be created ({error.code})."


@click.group("lottery")
def lottery_group() -> None:
    """The lottery (抽選): publish and reveal a round's seed, draw it once, verify it."""


ROUND = click.option("--round", "code", required=True, help="The round's code.")

DRAW_REFUSALS = {
    LotteryDrawProblem.NOT_CLOSED: "its application period ends at {closes_at}",
    LotteryDrawProblem.ALREADY_DRAWN: "it was drawn at {drawn_at}; a draw runs once",
    LotteryDrawProblem.NO_COMMITMENT: "no seed commitment was published for it",
    LotteryDrawProblem.COMMITTED: "its seed commitment is published already",
    LotteryDrawProblem.LATE_COMMITMENT: "its application period has ended",
    LotteryDrawProblem.NOT_REVEALED: "its seed is not revealed yet (lottery reveal)",
    LotteryDrawProblem.REVEALED: "its seed is revealed already",
    LotteryDrawProblem.REVEAL_TOO_EARLY: "its seed is revealed after {closes_at}",
    LotteryDrawProblem.SEED_MISMATCH: "that seed's SHA-256 is not the published commitment",
}


def _lottery_error(code: str, error: ReservationError) -> click.ClickException:
    problem = error.params.get("problem")
    if problem in DRAW_REFUSALS:
        moments = {
            name: value.astimezone(services.town_timezone()).strftime("%Y-%m-%d %H:%M")
            for name, value in error.params.items()
            if hasattr(value, "astimezone")
        }
        text = DRAW_REFUSALS[problem].format(**{**error.params, **moments})
    elif error.code == ErrorCode.NOT_FOUND:
        text = "there is no such round"
    else:
        text = f"refused ({error.code.value})"
    return click.ClickException(f"Round {code}: {text}.")


@lottery_group.command("commit")
@ROUND
@click.option(
    "--seed", prompt=True, hide_input=True, help="The seed text, kept secret until the reveal."
)
def lottery_commit_command(code: str, seed: str) -> None:
    """Publish the SHA-256 of the seed before the application period ends."""
    try:
        found = services.commit_seed(
            services.Actor.system(),
            code=code,
            commitment=services.seed_commitment(seed),
            now=services.clock_now(),
        )
    except ReservationError as error:
        raise _lottery_error(code, error) from error
    click.echo(f"Round {code}: commitment {found.seed_commitment} published.")


@lottery_group.command("reveal")
@ROUND
@click.option("--seed", required=True, help="The seed text whose SHA-256 was published.")
def lottery_reveal_command(code: str, seed: str) -> None:
    """Reveal the seed after the application period ends."""
    try:
        services.reveal_seed(
            services.Actor.system(), code=code, seed=seed, now=services.clock_now()
        )
    except ReservationError as error:
        raise _lottery_error(code, error) from error
    click.echo(f"Round {code}: seed revealed; it matches the published commitment.")


@lottery_group.command("draw")
@ROUND
def lottery_draw_command(code: str) -> None:
    """Draw the round, once: every win becomes a hold due by the round's deadline."""
    try:
        summary = services.draw_round(services.Actor.system(), code=code, now=services.clock_now())
    except ReservationError as error:
        raise _lottery_error(code, error) from error
    click.echo(
        f"Round {code} drawn: {summary.applications} applications, {summary.choices} choices, "
        f"{summary.wins} won, {summary.unavailable} unavailable before the draw."
    )
    click.echo(f"Fingerprint: {summary.fingerprint}")


@lottery_group.command("verify")
@ROUND
def lottery_verify_command(code: str) -> None:
    """Re-run the draw from the recorded seed and applications and compare it with the
    stored result: exit status 0 when identical, 1 with every difference otherwise."""
    try:
        report = services.verify_round(code)
    except ReservationError as error:
        raise _lottery_error(code, error) from error
    if report.ok:
        click.echo(f"Round {code} verified: the stored result is exactly the draw's.")
        click.echo(f"Fingerprint: {report.fingerprint}")
        return
    click.echo(f"Round {code} does NOT verify:")
    for problem in report.problems:
        click.echo(f"  {problem}")
    raise SystemExit(1)
