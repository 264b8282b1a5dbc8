"""The counter: education-division staff serve residents in person (and on the phone
when a resident asks for a person), doing for them what they could do themselves,
under the same rules, with every act recorded as who did it for whom.

Every decision comes from ``reservations.services``; this package parses staff
forms, calls one service and words the outcome as a staff notice.
"""

from __future__ import annotations

from flask import Flask

from . import (  # noqa: F401  (they register routes on the blueprint)
    admin,
    audit,
    auth,
    blocks,
    call_list,
    groups,
    holds,
    lottery,
    refunds,
    seasons,
    series,
    sign_in_stops,
    statistics,
    usage,
    views,
    waitlist,
)
from .blueprint import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/counter")
