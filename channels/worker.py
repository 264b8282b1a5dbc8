"""The worker: ``flask --app channels worker`` runs the time-driven work (ending
unanswered waitlist offers, expiring unpaid holds, offering freed slots to waiters,
reminders of due times, then sending what is due in the outbox and placing its
calls to landlines) every
``--every`` seconds; ``--once`` does one round and stops (for cron or a systemd timer).
Several workers may run at once, on one machine or several: every piece of work is
claimed in the database (see reservations/services/jobs.py)."""

from __future__ import annotations

import logging
import time

import click
from flask import Flask, current_app

from reservations import services

from .notifications import caller_from_config, place_due, send_due, sender_from_config

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)


def run_once(
    limit: int = 100,
) -> tuple[services.JobReport, services.DeliveryReport, services.CallReport]:
    """One round: the jobs due now, then the outbox's SMS, then its calls."""
    now = services.clock_now()
    jobs = services.run_due_jobs(now, limit=limit)
    sent = send_due(now, limit=limit)
    called = place_due(now, limit=limit)
    return jobs, sent, called


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then stop (for cron).")
@click.option("--every", type=int, default=30, show_default=True, help="Seconds between rounds.")
@click.option(
    "--limit", type=int, default=100, show_default=True, help="At most this many of each per round."
)
def worker_command(once: bool, every: int, limit: int) -> None:
    """Expire unpaid holds and waitlist offers, offer freed slots, send reminders and the
    outbox: forever, or --once."""
    try:
        sender_from_config(current_app.config)
        caller_from_config(current_app.config)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    while True:
        jobs, sent, called = run_once(limit)
        if once or jobs.total or sent.total or called.total:
            click.echo(
                f"holds expired {jobs.expired_holds}, reminders {jobs.reminders}; "
                f"sent {sent.sent}, retrying later {sent.retrying}, failed {sent.failed}; "
                f"waitlist offers {jobs.offers}, offers ended {jobs.settled_offers}; "
                f"calls placed {called.placed}, answered {called.answered}, "
                f"to ring again {called.retrying}, to the counter's call list {called.to_counter}"
            )
        if once:
            return
        time.sleep(max(every, 1))
