"""The lottery (抽選) at the counter: the rounds, and a round's page with its dates, the
seed's commitment and reveal, every application (receipt number, for whom, how it came
in, its ranked choices and what the draw gave them), the demand per slot and, while the
round takes applications, the form to enter a paper application for a resident (or
for their group). The draw itself is the command line's
(`flask --app channels lottery draw`)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..ui import localized
from .blueprint import bp
from .common import actor, render, today
from .forms import ActionForm
from .messages import describe
from .parsing import parse_day


def _round_or_404(code: str) -> services.LotteryRound:
    try:
        return services.get_round(code)
    except ReservationError:
        abort(404)


@bp.get("/lottery")
def lottery_rounds():
    """Every round, newest month first, with where it stands."""
    return render("lottery_rounds.html", rounds=services.list_rounds(), now=services.clock_now())


def round_page(found: services.LotteryRound, extra: list | None = None, status: int = 200):
    now = services.clock_now()
    return render(
        "lottery_round.html",
        status=status,
        round=found,
        now=now,
        extra=extra or [],
        entered=request.form if extra else {},
        applications=services.applications_in(found.code),
        results=services.round_results(found.code),
        block_names={
            block.id: localized(block)
            for unit in found.units
            for block in unit.facility.time_blocks
        },
        blocks=sorted(
            {
                block.id: block for unit in found.units for block in unit.facility.time_blocks
            }.values(),
            key=lambda block: block.position,
        ),
        taking=found.opens_at <= now < found.closes_at,
        slip_page=True,
    )


@bp.get("/lottery/<code>")
def lottery_round(code: str):
    """One round: its calendar, seed, applications and demand per slot. Printable."""
    return round_page(_round_or_404(code))


def _one(found: list, number: str):
    digits = "".join(ch for ch in number if ch.isdigit())
    return next((item for item in found if item.registration_no == digits), None)


@bp.post("/lottery/<code>/applications")
def lottery_paper_application(code: str):
    """A paper application entered by the clerk for the resident in front of them (or
    for their group): recorded as the clerk for the resident (channel counter)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found = _round_or_404(code)
    form = request.form
    problems = []
    number = form.get("resident", "").strip()
    resident = _one(services.find_residents(number), number) if number else None
    if resident is None:
        problems.append(("#resident", _("Enter the registration number of a resident")))
    group_number = form.get("group", "").strip()
    group = _one(services.find_groups(group_number), group_number) if group_number else None
    if group_number and group is None:
        problems.append(("#group", _("No group has that number")))
    choices = []
    for rank in range(1, found.max_choices + 1):
        unit, day, block = (
            form.get(f"{name}_{rank}", "").strip() for name in ("unit", "day", "block")
        )
        if not (unit or day or block):
            continue
        parsed = parse_day(day, today())
        if not unit.isdigit() or not block.isdigit() or parsed is None:
            problems.append(
                (
                    f"#day_{rank}",
                    _("Choice %(rank)s: choose a unit and a block and enter a date", rank=rank),
                )
            )
            continue
        choices.append(services.ChoiceRequest(int(unit), parsed, (int(block),)))
    if problems:
        return round_page(found, problems, status=400)
    try:
        made = services.apply(
            actor(),
            code=found.code,
            resident_id=resident.id,
            group_id=group.id if group else None,
            choices=choices,
            now=services.clock_now(),
        )
    except ReservationError as error:
        return round_page(found, [(None, describe(error))], status=409)
    flash(
        _("Application entered: receipt number %(receipt)s.", receipt=made.receipt_number),
        "success",
    )
    return redirect(url_for("counter.lottery_round", code=found.code))
