"""Plain phone menu steps for the throughput benchmarks (issue 19): many calls of a
signed-in resident waiting at the main menu, and for each one signed webhook that
presses a key there.

A call's steps must come in order, and wrk's connections do not keep to one call, so
each prepared call gets one step: `count` calls are made from one real call (山田
ハナ's landline, signed in with her PIN over HTTP, through the whole flow), copied
row for row under new CallSids in one INSERT ... SELECT. The step measured is then
exactly what the next key of such a call costs: the lease that reads the state, the
menu, the stored answer (and the events of a wrong key).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bench.load import Request, fetch

YAMADA_PHONE = "+81166123456"  # the demo town's 山田 ハナ, landline
KEYS = ("*",)  # the main menu again, in full: a plain menu step


def webhook(path: str, sid: str, auth_token: str, base_url: str, **extra: str) -> Request:
    """A webhook of call `sid` to `path`, signed as Twilio signs it."""
    params = {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": YAMADA_PHONE,
        "To": "+81166000000",
        **extra,
    }
    signature = RequestValidator(auth_token).compute_signature(base_url + path, params)
    return Request.form(path, params, headers={"X-Twilio-Signature": signature})


async def signed_in_call(host: str, port: int, pin: str, auth_token: str, base_url: str) -> str:
    """One real call, over HTTP, to the main menu: the greeting asks 山田 ハナ (known by
    her caller ID) for her PIN. Its CallSid."""
    sid = "CA" + secrets.token_hex(16)
    for path, extra in (("/phone/voice", {}), ("/phone/step/1", {"Digits": pin})):
        response = await fetch(host, port, webhook(path, sid, auth_token, base_url, **extra))
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
    if "ご本人の確認ができました" not in response.text:
        raise RuntimeError("the template call did not sign in")
    return sid


def copy_call(url: str, template_sid: str, count: int) -> list[str]:
    """`count` copies of the template call (same state, same step), new CallSids."""
    sids = ["CA" + secrets.token_hex(16) for _ in range(count)]
    columns = (
        "started_at, updated_at, caller_known, resident_id, step, node, state, response, claimed_at"
    )
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                f"INSERT INTO phone_calls (call_sid, {columns}) "
                f"SELECT :sid, {columns} FROM phone_calls WHERE call_sid = :template"
            ),
            [{"sid": sid, "template": template_sid} for sid in sids],
        )
    engine.dispose()
    return sids


def menu_steps(sids: list[str], auth_token: str, base_url: str, step: int = 2) -> list[Request]:
    """For each call, its next webhook: a key pressed at the main menu."""
    return [
        webhook(f"/phone/step/{step}", sid, auth_token, base_url, Digits=KEYS[i % len(KEYS)])
        for i, sid in enumerate(sids)
    ]
