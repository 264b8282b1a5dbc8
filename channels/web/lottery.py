"""The lottery's public results (/lottery/<code>/results): for a round, per date, unit
and block, how many applications chose it and whether it was allocated, with no names
(open data for demand and occupancy). The figures are the core's (round_results)."""

from __future__ import annotations

from flask import abort, render_template

from reservations import services
from reservations.errors import ReservationError

from ..ui import localized
from .views import bp


@bp.get("/lottery/<code>/results")
def lottery_results(code: str):
    try:
        found = services.get_round(code)
    except ReservationError:
        abort(404)
    return render_template(
        "web/lottery_results.html",
        round=found,
        results=services.round_results(code),
        block_names={
            block.id: localized(block)
            for unit in found.units
            for block in unit.facility.time_blocks
        },
    )
