"""Twilio's webhooks for the town's number.

- POST /phone/voice     the number's Voice URL: greeting and sign-in
- POST /phone/step/<n>  every <Gather> and <Dial> action of the call that follows
- POST /phone/status    the call's status callback: how it ended, for the statistics;
                        a sign-in callback the call asked for is rung then
- POST /phone/callback/<id>  the town's sign-in callback, answered (services/callbacks.py)
- /phone/fallback       Twilio's Fallback URL: an apology and the counter, no database
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, g, request, url_for
from werkzeug.exceptions import HTTPException

from reservations import services

from . import callback, calls, prompts, twiml
from .settings import DIAL_TIMEOUT, get_phone_settings
from .signature import is_signed

log = logging.getLogger(__name__)

bp = Blueprint("phone", __name__)


def _step_url(step: int) -> str:
    path = url_for("phone.step", step=step)[len(request.script_root) :]
    return get_phone_settings().public_base_url + path


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


@bp.before_request
def _japanese_and_signed():
    g.locale = "ja"
    settings = get_phone_settings()
    if settings.check_signature and not is_signed(
        request, settings.public_base_url, settings.auth_token
    ):
        log.warning(
            "phone: refused %s %s: missing or wrong X-Twilio-Signature",
            request.method,
            request.path,
        )
        abort(403)


# Twilio's CallSid: "CA" and 32 hexadecimal digits. Anything else is not a call.
CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")


def _sid() -> str:
    sid = request.form.get("CallSid", "")
    if not CALL_SID.fullmatch(sid):
        abort(400)
    return sid


@bp.post("/voice")
def voice():
    return _twiml(
        calls.start(
            _sid(),
            request.form.get("From", ""),
            services.clock_now(),
            get_phone_settings(),
            _step_url,
        )
    )


@bp.post("/step/<int:step>")
def step(step: int):
    return _twiml(
        calls.advance(
            _sid(),
            step,
            request.form.to_dict(),
            services.clock_now(),
            get_phone_settings(),
            _step_url,
        )
    )


@bp.post("/status")
def status():
    calls.finish(
        _sid(),
        request.form.get("CallStatus", ""),
        request.form.get("CallDuration"),
        services.clock_now(),
    )
    if request.form.get("CallStatus") in calls.FINAL_STATUSES:
        callback.place_after(_sid(), services.clock_now())
    return Response(status=204)


@bp.post("/callback/<int:callback_id>")
def callback_answered(callback_id: int):
    """Twilio fetched what to say on the callback it placed (only Twilio can sign this
    request, and only we gave it this address): the PIN for the resident it is for."""
    sid = _sid()
    now = services.clock_now()
    resident_id = services.answer_callback(callback_id, sid, now)
    settings = get_phone_settings()
    if resident_id is None:
        return _twiml(twiml.hang_up([prompts.callback_not_expected(), prompts.goodbye()], settings))
    return _twiml(calls.start(sid, "", now, settings, _step_url, callback_for=resident_id))


def trouble_twiml() -> str:
    """An apology and the counter's telephone (its hours when it is closed), built from
    the configuration alone, so that it works when the database does not."""
    settings = get_phone_settings()
    if settings.operator_number and settings.counter_open(services.clock_now()):
        # The dial's outcome comes back to /fallback/dialled: after a clerk has talked
        # with the caller, only a goodbye (never "no one can answer").
        path = url_for("phone.fallback_dialled")[len(request.script_root) :]
        return twiml.dial(
            [prompts.system_trouble(), prompts.transferring()],
            number=settings.operator_number,
            action=settings.public_base_url + path,
            timeout=DIAL_TIMEOUT,
            settings=settings,
        )
    return twiml.hang_up(
        [
            prompts.system_trouble(),
            prompts.counter_hours(settings),
            prompts.call_again_later(),
            prompts.goodbye(),
        ],
        settings,
    )


@bp.route("/fallback", methods=["GET", "POST"])
def fallback():
    return _twiml(trouble_twiml())


@bp.route("/fallback/dialled", methods=["POST"])
def fallback_dialled():
    """How the fallback's dial ended (Twilio's DialCallStatus): after a conversation a
    goodbye; unanswered, the apology with the hours. No database, like the fallback."""
    settings = get_phone_settings()
    if request.form.get("DialCallStatus") in ("completed", "answered"):
        return _twiml(twiml.hang_up([prompts.goodbye()], settings))
    return _twiml(
        twiml.hang_up(
            [
                prompts.nobody_answered(),
                prompts.counter_hours(settings),
                prompts.call_again_later(),
                prompts.goodbye(),
            ],
            settings,
        )
    )


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    """Whatever broke, the caller hears an apology and reaches a person."""
    if isinstance(error, HTTPException):
        return error
    log.exception("phone: error answering %s; the caller was sent to the counter", request.path)
    services.discard_unfinished_work()
    return _twiml(trouble_twiml())
