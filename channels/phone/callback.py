"""The sign-in callback's telephone side: placing it once the call it was asked on has
ended (the line is free then), and answering it (services/callbacks.py has the rules).

Calls are placed by the notification calls' caller (channels/outbound.py's
`caller_from_config`: reservations/notify.py's `TwilioCaller` with CALL_BACKEND=twilio,
from TWILIO_CALL_FROM, else `LogCaller`, which places nothing)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, request, url_for

from reservations import services

from ..outbound import caller_from_config
from .settings import get_phone_settings

log = logging.getLogger(__name__)


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
