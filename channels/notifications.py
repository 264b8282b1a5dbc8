"""Delivering the confirmation outbox: ``flask --app channels send-notifications``.

Bookings, changes and cancellations on every channel add a row to the outbox in their
own transaction (reservations/notify.py). This command, run by a timer (every minute)
or as a long-running service (``--every 30``), words each due message
(channels/phone/sms.py) and sends it with the configured backend: ``log`` (the default:
nothing leaves the machine; development and tests) or ``twilio`` (Twilio's Messages
API). Sending never happens inside a webhook or a page request.
"""

from __future__ import annotations

import time

import click
from flask import Flask, current_app

from reservations import services

from .outbound import caller_from_config
from .phone import notice, sms

BACKENDS = ("log", "twilio")


def sender_from_config(config) -> services.Sender:
    backend = config.get("SMS_BACKEND", "log")
    if backend == "twilio":
        return services.TwilioSender(
            config.get("TWILIO_ACCOUNT_SID", ""),
            config.get("TWILIO_AUTH_TOKEN", ""),
            from_number=config.get("TWILIO_SMS_FROM", ""),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            api_base_url=config.get("TWILIO_API_BASE_URL", ""),
        )
    return services.LogSender()


def place_due(now=None, limit: int = 100) -> services.CallReport:
    """Place the notification calls due now through the configured caller."""
    config = current_app.config
    base_url = config.get("PUBLIC_BASE_URL", "")
    return services.place_due_calls(
        caller_from_config(config),
        lambda notification_id: notice.call_urls(base_url, notification_id),
        now=now or services.clock_now(),
        limit=limit,
    )


def init_app(app: Flask) -> None:
    if app.config.get("SMS_BACKEND", "log") not in BACKENDS:
        raise RuntimeError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}")
    if app.config.get("CALL_BACKEND", "log") not in BACKENDS:
        raise RuntimeError(f"CALL_BACKEND must be one of {', '.join(BACKENDS)}")
    app.cli.add_command(send_notifications_command)


def send_due(now=None, limit: int = 100) -> services.DeliveryReport:
    """Send what is due now through the configured backend."""
    return services.deliver_due(
        sender_from_config(current_app.config),
        sms.render,
        now=now or services.clock_now(),
        limit=limit,
    )


@click.command("send-notifications")
@click.option(
    "--every",
    type=int,
    default=0,
    help="Keep running and send every N seconds (0: send what is due once, then stop).",
)
@click.option(
    "--limit",
    type=int,
    default=100,
    show_default=True,
    help="At most this many messages per round.",
)
def send_notifications_command(every: int, limit: int) -> None:
    """Send the confirmation SMS that are due (outbox → Twilio, or the log)."""
    try:
        sender_from_config(current_app.config)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    while True:
        report = send_due(limit=limit)
        if report.total or not every:
            click.echo(
                f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}"
            )
        if not every:
            return
        time.sleep(every)
