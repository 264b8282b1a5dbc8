"""Outbound voice calls (reservations/notify.py): the callers the channels configure,
re-exported here as the services' door to them."""

from __future__ import annotations

from ..notify import DeliveryError, LogCaller, TwilioCaller

__all__ = ["DeliveryError", "LogCaller", "TwilioCaller"]
