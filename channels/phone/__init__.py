"""The telephone channel: Twilio Voice webhooks answering in Japanese TwiML.

views.py holds the webhooks, flow.py (the engine) and menus/ (a module a task) the
call, prompts.py and speech.py what is said, calls.py the call state in the database,
simulator.py a telephone for the terminal and the tests. No reservation rule lives
here: every decision comes from the core.
"""

from __future__ import annotations

import logging

from flask import Flask

from . import (
    models,  # noqa: F401  (the tables belong to the app's metadata)
    notice,  # noqa: F401  (the notification calls' webhooks, on bp)
)
from .commands import phone_sim_command, phone_stats_command
from .settings import PhoneSettings
from .views import bp

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    settings = PhoneSettings.from_config(app.config)
    app.extensions["phone"] = settings
    if settings.check_signature and not settings.auth_token:
        log.warning("TWILIO_AUTH_TOKEN is not set: the phone webhooks will refuse every request")
    if not settings.check_signature:
        log.warning("PHONE_SIGNATURE_CHECK=off: phone webhooks are NOT verified (development only)")
    app.register_blueprint(bp, url_prefix="/phone")
    # Twilio proves itself by signature, not by a CSRF token.
    if "csrf" in app.extensions:
        app.extensions["csrf"].exempt(bp)
    app.cli.add_command(phone_sim_command)
    app.cli.add_command(phone_stats_command)
