"""The sign-in callback's telephone side: placing it once the call it was asked on has
ended (the line is free then), and answering it (services/callbacks.py has the rules).

Calls are placed through the outbound caller of reservations/notify.py: `TwilioCaller`
with CALL_BACKEND=twilio (from TWILIO_CALL_FROM, through TWILIO_API_BASE_URL when set),
else `LogCaller`, which places nothing (development)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, request, url_for

from reservations import services

from .settings import get_phone_settings

log = logging.getLogger(__name__)


def caller_from_config(config):
    if config.get("CALL_BACKEND", "log") == "twilio":
        return services.TwilioCaller(
            config.get("TWILIO_ACCOUNT_SID", ""),
            config.get("TWILIO_AUTH_TOKEN", ""),
            from_number=config.get("TWILIO_CALL_FROM", ""),
            api_base_url=config.get("TWILIO_API_BASE_URL", ""),
        )
    return services.LogCaller()


def _public(endpoint: str, **values) -> str:
    path = url_for(endpoint, **values)[len(request.script_root) :]
    return get_phone_settings().public_base_url + path


def place_after(call_sid: str, now: datetime) -> None:
    """The call `call_sid` ended: ring the callback it asked for, if it asked for one."""
    placed = services.place_callback(
        caller_from_config(current_app.config),
        requested_call_sid=call_sid,
        url=lambda callback_id: _public("phone.callback_answered", callback_id=callback_id),
        status_callback=_public("phone.status"),
        now=now,
    )
    if placed is not None:
        log.info("phone call %s: sign-in callback %d %s", call_sid, placed.id, placed.status)
