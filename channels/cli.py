"""Commands for the town's IT person: ``flask --app channels <command>``."""

from __future__ import annotations

import click
from flask import Flask

from reservations import services
from reservations.errors import InputProblem, ReservationError

from . import demo


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_staff_command)


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
