"""The lottery (抽選) at the counter: the rounds, and a round's page with its dates, the
seed's commitment and reveal, every application (receipt number, for whom, how it came
in, its ranked choices and what the draw gave them) and the demand per slot. The draw
itself is the command line's (`flask --app channels lottery draw`)."""

from __future__ import annotations

from flask import abort

from reservations import services
from reservations.errors import ReservationError

from ..ui import localized
from .blueprint import bp
from .common import render


@bp.get("/lottery")
def lottery_rounds():
    """Every round, newest month first, with where it stands."""
    return render("lottery_rounds.html", rounds=services.list_rounds(), now=services.clock_now())


@bp.get("/lottery/<code>")
def lottery_round(code: str):
    """One round: its calendar, seed, applications and demand per slot. Printable."""
    try:
        found = services.get_round(code)
    except ReservationError:
        abort(404)
    return render(
        "lottery_round.html",
        round=found,
        now=services.clock_now(),
        applications=services.applications_in(code),
        results=services.round_results(code),
        block_names={
            block.id: localized(block)
            for unit in found.units
            for block in unit.facility.time_blocks
        },
        slip_page=True,
    )
