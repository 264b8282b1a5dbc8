"""The lottery (抽選) at the counter: the rounds, and a round's page with its dates, the
seed's commitment and reveal, every application (receipt number, for whom, how it came
in, its ranked choices and what the draw gave them), the demand per slot and, while the
round takes applications, the form to enter a paper application for a resident (or
for their group). The draw itself is the command line's
(`flask --app channels lottery draw`).

An application's own page (from the round's list, by its receipt number) lets the
clerk act for the resident in front of them or on the telephone: change its choices
or withdraw it while the period is open, and confirm or decline a win by the
deadline. The core records the clerk and whom it was for in the audit trail."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..ids import parse_id
from ..ui import localized
from .blueprint import bp
from .common import actor, render, today
from .forms import ActionForm
from .messages import describe
from .parsing import parse_day

_RECEIPT = re.compile(r"^[0-9]{1,12}$")


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


def _choices_from(found: services.LotteryRound, form, problems: list) -> list:
    """The ranked choices entered (unit_1, day_1, block_1, ...; a rank left empty is
    skipped); a problem for each one that cannot be read. A block may be several
    ("3-4": a choice of consecutive blocks made by phone, kept when it is changed)."""
    choices = []
    for rank in range(1, found.max_choices + 1):
        unit, day, block = (
            form.get(f"{name}_{rank}", "").strip() for name in ("unit", "day", "block")
        )
        if not (unit or day or block):
            continue
        parsed = parse_day(day, today())
        block_ids = [parse_id(part) for part in block.split("-")] if block else []
        if parse_id(unit) is None or parsed is None or not block_ids or None in block_ids:
            problems.append(
                (
                    f"#day_{rank}",
                    _("Choice %(rank)s: choose a unit and a block and enter a date", rank=rank),
                )
            )
            continue
        choices.append(services.ChoiceRequest(parse_id(unit), parsed, tuple(block_ids)))
    return choices


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
    choices = _choices_from(found, form, problems)
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


# -------------------------------------------------------------- one application


def _application_or_404(receipt: str) -> services.LotteryApplication:
    if not _RECEIPT.match(receipt):
        abort(404)
    try:
        return services.get_application(actor(), receipt)
    except ReservationError:
        abort(404)


def _entered_from(application) -> dict[str, str]:
    entered = {}
    for choice in application.choices:
        entered[f"unit_{choice.rank}"] = str(choice.unit_id)
        entered[f"day_{choice.rank}"] = choice.date.isoformat()
        entered[f"block_{choice.rank}"] = "-".join(str(b.id) for b in choice.time_blocks)
    return entered


def application_page(application, extra: list | None = None, status: int = 200):
    now = services.clock_now()
    found = application.round
    blocks = sorted(
        {block.id: block for unit in found.units for block in unit.facility.time_blocks}.values(),
        key=lambda block: (block.start_time, block.position),
    )
    entered = request.form if extra else _entered_from(application)
    names = {block.id: localized(block) for block in blocks}
    block_options = [(str(block.id), localized(block)) for block in blocks]
    for key, value in entered.items():
        if key.startswith("block_") and "-" in value and value not in dict(block_options):
            ids = [parse_id(part) for part in value.split("-")]
            if all(i in names for i in ids):
                block_options.append((value, "・".join(names[i] for i in ids)))
    return render(
        "lottery_application.html",
        status=status,
        application=application,
        round=found,
        extra=extra or [],
        entered=entered,
        block_options=block_options,
        may_change=services.application_open(application, now),
        may_answer={c.id: services.win_open(c, now) for c in application.choices if c.won},
        now=now,
    )


@bp.get("/lottery/applications/<receipt>")
def lottery_application(receipt: str):
    """One application: for whom, how it came in, its choices and results, and what
    the clerk can do for the resident."""
    return application_page(_application_or_404(receipt))


def _checked_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/lottery/applications/<receipt>/change")
def lottery_change_application(receipt: str):
    """The resident asks (at the counter or by telephone) to change their choices."""
    _checked_form()
    application = _application_or_404(receipt)
    problems: list = []
    choices = _choices_from(application.round, request.form, problems)
    if problems:
        return application_page(application, problems, status=400)
    try:
        services.change_application(
            actor(), receipt=application.receipt_number, choices=choices, now=services.clock_now()
        )
    except ReservationError as error:
        return application_page(application, [(None, describe(error))], status=409)
    flash(_("Application %(receipt)s changed.", receipt=application.receipt_number), "success")
    return redirect(url_for("counter.lottery_application", receipt=application.receipt_number))


@bp.post("/lottery/applications/<receipt>/withdraw")
def lottery_withdraw_application(receipt: str):
    """The resident asks to withdraw the application; it cannot be made again."""
    _checked_form()
    application = _application_or_404(receipt)
    try:
        services.withdraw_application(
            actor(), receipt=application.receipt_number, now=services.clock_now()
        )
    except ReservationError as error:
        return application_page(application, [(None, describe(error))], status=409)
    flash(_("Application %(receipt)s withdrawn.", receipt=application.receipt_number), "success")
    return redirect(url_for("counter.lottery_application", receipt=application.receipt_number))


def _answer(receipt: str, choice_id: int, answer):
    _checked_form()
    application = _application_or_404(receipt)
    if all(choice.id != choice_id for choice in application.choices):
        abort(404)
    try:
        answer(actor(), choice_id=choice_id, now=services.clock_now())
    except ReservationError as error:
        return application, application_page(application, [(None, describe(error))], status=409)
    return application, None


@bp.post("/lottery/applications/<receipt>/choices/<int:choice_id>/confirm")
def lottery_confirm_win(receipt: str, choice_id: int):
    """The winner confirms the win through the clerk: the hold becomes a booking."""
    application, refused = _answer(receipt, choice_id, services.confirm_win)
    if refused is not None:
        return refused
    flash(_("The win is confirmed: it is now an ordinary booking."), "success")
    return redirect(url_for("counter.lottery_application", receipt=application.receipt_number))


@bp.post("/lottery/applications/<receipt>/choices/<int:choice_id>/decline")
def lottery_decline_win(receipt: str, choice_id: int):
    """The winner declines the win through the clerk: the hold is cancelled."""
    application, refused = _answer(receipt, choice_id, services.decline_win)
    if refused is not None:
        return refused
    flash(_("The win is declined: the time is free again."), "success")
    return redirect(url_for("counter.lottery_application", receipt=application.receipt_number))
