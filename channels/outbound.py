"""The outbound caller the configuration names, for every call the town places: the
notification calls (channels/notifications.py, the worker) and the phone's sign-in
callback (channels/phone/callback.py). A module of its own, importing no channel, so
that both can use it."""

from __future__ import annotations

from reservations import services


def caller_from_config(config):
    """The caller of notification calls and sign-in callbacks: `log` (nothing placed)
    or `twilio`."""
    if config.get("CALL_BACKEND", "log") == "twilio":
        return services.TwilioCaller(
            config.get("TWILIO_ACCOUNT_SID", ""),
            config.get("TWILIO_AUTH_TOKEN", ""),
            from_number=config.get("TWILIO_CALL_FROM", ""),
            api_base_url=config.get("TWILIO_API_BASE_URL", ""),
        )
    return services.LogCaller()
