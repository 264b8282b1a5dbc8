"""The lottery (抽選) on the web: the rounds taking applications (/lottery), a round's
form to apply for oneself or for a group with up to the round's number of ranked
choices (a room or court, a date of its month, a time), the receipt number when it is
received, "My lottery applications" with change and withdraw while the period is open,
and after the draw each choice's result with the win confirmed or declined by the
deadline; and the public results (/lottery/<code>/results), with no names.

Every rule is the core's (services.apply, change_application, withdraw_application,
confirm_win, decline_win; round_offer, application_open, win_open say what is on
offer and what may still be done): these pages parse the form, call one service and
word the outcome. A form that cannot be read (a choice half filled, a value no option
has) is refused here with a message and changes nothing."""

from __future__ import annotations

import re
from datetime import date

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    Forbidden,
    LotteryApplicationProblem,
    LotteryApplicationRefused,
    LotteryClosed,
    NotFound,
    ReservationError,
)

from ..ids import parse_id
from ..ui import block_label, ja_name, localized, markup_format
from .auth import resident_required
from .messages import error_message, flash_message
from .views import SELF, _actor, bp

_CHOICE_FIELD = re.compile(r"^(unit|day|block)_([1-9][0-9]?)$")
_RECEIPT = re.compile(r"^[0-9]{1,12}$")


def _round_or_404(code: str) -> services.LotteryRound:
    try:
        return services.get_round(code)
    except ReservationError:
        abort(404)


def _application_or_404(receipt: str) -> services.LotteryApplication:
    """The signed-in resident's application; another's is not found, as their
    reservations are (the core refuses it)."""
    if not _RECEIPT.match(receipt):
        abort(404)
    try:
        return services.get_application(_actor(), receipt)
    except (NotFound, Forbidden):
        abort(404)


def _block_names(found) -> dict[int, str]:
    return {
        block.id: localized(block) for unit in found.units for block in unit.facility.time_blocks
    }


def _blocks(found) -> list:
    """Every block the round's facilities offer, in the day's order (the core checks
    that the one chosen is offered on the day chosen)."""
    return sorted(
        {block.id: block for unit in found.units for block in unit.facility.time_blocks}.values(),
        key=lambda block: (block.start_time, block.position),
    )


def _is_open(found, now) -> bool:
    return any(other.id == found.id for other in services.rounds_open(now))


def _who_options() -> list[tuple[str, str, int | None]]:
    """Myself, then each of the resident's groups (value, label, group id): the core
    says whether they may apply for it."""
    return [(SELF, markup_format(_("Myself (%(name)s)"), name=ja_name(g.resident.name)), None)] + [
        (str(m.group_id), ja_name(m.group.name), m.group_id)
        for m in services.groups_of(g.resident.id)
    ]


def _parse_choices(form) -> tuple[list[services.ChoiceRequest], list[tuple[str, str]]]:
    """The ranked choices in the form (unit_1, day_1, block_1, ...; an empty rank is
    skipped), and a problem for each one that cannot be read. How many there may be,
    and which, is the core's to say."""
    ranks = sorted({int(match.group(2)) for key in form if (match := _CHOICE_FIELD.match(key))})
    choices, problems = [], []
    for rank in ranks:
        unit, day, block = (
            form.get(f"{name}_{rank}", "").strip() for name in ("unit", "day", "block")
        )
        if not (unit or day or block):
            continue
        unit_id = parse_id(unit)
        block_ids = [parse_id(part) for part in block.split("-")] if block else []
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            parsed = None
        if unit_id is None or parsed is None or not block_ids or None in block_ids:
            missing = "unit" if unit_id is None else "day" if parsed is None else "block"
            problems.append(
                (
                    f"#{missing}_{rank}",
                    _("Choice %(rank)d: choose a room or court, a date and a time.", rank=rank),
                )
            )
            continue
        choices.append(services.ChoiceRequest(unit_id, parsed, tuple(block_ids)))
    return choices, problems


def _entered_from(application) -> dict[str, str]:
    entered = {}
    for choice in application.choices:
        entered[f"unit_{choice.rank}"] = str(choice.unit_id)
        entered[f"day_{choice.rank}"] = choice.date.isoformat()
        entered[f"block_{choice.rank}"] = "-".join(str(b.id) for b in choice.time_blocks)
    return entered


def _block_options(found, entered) -> list[tuple[str, str]]:
    """The time options: each block, and any several-block choice already made (by
    phone or at the counter), so that changing an application keeps it."""
    options = [(str(block.id), block_label(block)) for block in _blocks(found)]
    names = _block_names(found)
    for key, value in entered.items():
        if key.startswith("block_") and "-" in value and value not in dict(options):
            ids = [parse_id(part) for part in value.split("-")]
            if all(i in names for i in ids):
                options.append((value, "・".join(names[i] for i in ids)))
    return options


def _form_page(found, *, application=None, entered=None, problems=(), status=200):
    now = services.clock_now()
    offer = services.round_offer(found.code)
    entered = entered if entered is not None else {}
    options = _who_options() if application is None else []
    demand = (
        [s for s in services.round_results(found.code) if s.applicants]
        if offer.show_applicants
        else []
    )
    return render_template(
        "web/lottery_apply.html",
        round=found,
        application=application,
        taking=(
            services.application_open(application, now)
            if application is not None
            else _is_open(found, now)
        ),
        closed_text=error_message(
            LotteryApplicationRefused(problem=LotteryApplicationProblem.WITHDRAWN)
            if application is not None and application.status == "withdrawn"
            else LotteryClosed(opens_at=found.opens_at, closes_at=found.closes_at)
        ),
        offer=offer,
        demand=demand,
        block_names=_block_names(found),
        block_options=_block_options(found, entered),
        who_options=options,
        entered=entered,
        problems=list(problems),
        page_errors=bool(problems),
    ), status


@bp.get("/lottery")
def lottery_rounds():
    """The rounds taking applications now, each with its form and its results."""
    return render_template(
        "web/lottery_rounds.html", rounds=services.rounds_open(services.clock_now())
    )


@bp.route("/lottery/<code>/apply", methods=["GET", "POST"])
@resident_required
def lottery_apply(code: str):
    found = _round_or_404(code)
    if request.method == "GET":
        return _form_page(found, entered={"for_whom": SELF})
    form = request.form
    choices, problems = _parse_choices(form)
    options = {value: group_id for value, _label, group_id in _who_options()}
    wanted = form.get("for_whom", SELF)
    if wanted not in options:
        href = "#for_whom-0" if len(options) > 1 else None
        problems.insert(0, (href, _("Choose who the application is for.")))
    if problems:
        return _form_page(found, entered=form, problems=problems, status=400)
    try:
        made = services.apply(
            _actor(),
            code=found.code,
            resident_id=g.resident.id,
            group_id=options[wanted],
            choices=choices,
            now=services.clock_now(),
        )
    except ReservationError as refused:
        facility = found.units[0].facility if found.units else None
        return _form_page(
            found, entered=form, problems=[(None, error_message(refused, facility))], status=409
        )
    return redirect(url_for("web.lottery_received", receipt=made.receipt_number))


@bp.get("/lottery/applications/<receipt>/received")
@resident_required
def lottery_received(receipt: str):
    """The done page: the receipt number (受付番号) and the choices as recorded."""
    application = _application_or_404(receipt)
    return render_template(
        "web/lottery_received.html",
        application=application,
        block_names=_block_names(application.round),
    )


def _render_mine(error: str | None = None, status: int = 200):
    now = services.clock_now()
    applications = services.applications_of(g.resident.id)
    return render_template(
        "web/my_lottery.html",
        applications=applications,
        open_rounds=services.rounds_open(now),
        may_change={a.id: services.application_open(a, now) for a in applications},
        may_answer={
            c.id: services.win_open(c, now) for a in applications for c in a.choices if c.won
        },
        error=error,
        page_errors=error is not None,
        now=now,
    ), status


@bp.get("/my-lottery")
@resident_required
def my_lottery():
    """The resident's applications, theirs and their groups', with each choice's
    result after the draw."""
    return _render_mine()


@bp.route("/lottery/applications/<receipt>/change", methods=["GET", "POST"])
@resident_required
def lottery_change(receipt: str):
    application = _application_or_404(receipt)
    found = application.round
    if request.method == "GET":
        return _form_page(found, application=application, entered=_entered_from(application))
    choices, problems = _parse_choices(request.form)
    if problems:
        return _form_page(
            found, application=application, entered=request.form, problems=problems, status=400
        )
    try:
        services.change_application(
            _actor(), receipt=application.receipt_number, choices=choices, now=services.clock_now()
        )
    except ReservationError as refused:
        facility = found.units[0].facility if found.units else None
        return _form_page(
            found,
            application=application,
            entered=request.form,
            problems=[(None, error_message(refused, facility))],
            status=409,
        )
    flash_message(
        _("Your application %(receipt)s is changed.", receipt=application.receipt_number),
        "success",
    )
    return redirect(url_for("web.my_lottery"))


@bp.route("/lottery/applications/<receipt>/withdraw", methods=["GET", "POST"])
@resident_required
def lottery_withdraw(receipt: str):
    application = _application_or_404(receipt)
    error = None
    if request.method == "POST":
        try:
            services.withdraw_application(
                _actor(), receipt=application.receipt_number, now=services.clock_now()
            )
        except ReservationError as refused:
            error = error_message(refused)
        else:
            flash_message(
                _(
                    "Your application %(receipt)s is withdrawn. It cannot be made again in "
                    "this lottery.",
                    receipt=application.receipt_number,
                ),
                "success",
            )
            return redirect(url_for("web.my_lottery"))
    return render_template(
        "web/lottery_withdraw.html",
        application=application,
        block_names=_block_names(application.round),
        may_withdraw=services.application_open(application, services.clock_now()),
        error=error,
        page_errors=error is not None,
    ), (409 if error else 200)


def _answer(choice_id: int, answer):
    try:
        return answer(_actor(), choice_id=choice_id, now=services.clock_now()), None
    except (NotFound, Forbidden):
        abort(404)
    except ReservationError as refused:
        return None, _render_mine(error_message(refused), status=409)


@bp.post("/lottery/choices/<int:choice_id>/confirm")
@resident_required
def lottery_confirm(choice_id: int):
    reservation, refused = _answer(choice_id, services.confirm_win)
    if refused is not None:
        return refused
    flash_message(_("You have confirmed the win: the time is booked for you."), "success")
    return redirect(url_for("web.booked", reservation_id=reservation.id))


@bp.post("/lottery/choices/<int:choice_id>/decline")
@resident_required
def lottery_decline(choice_id: int):
    _choice, refused = _answer(choice_id, services.decline_win)
    if refused is not None:
        return refused
    flash_message(_("You have declined the win. The time is free for others."), "success")
    return redirect(url_for("web.my_lottery"))


@bp.get("/lottery/<code>/results")
def lottery_results(code: str):
    found = _round_or_404(code)
    show = found.drawn_at is not None or services.round_offer(found.code).show_applicants
    return render_template(
        "web/lottery_results.html",
        round=found,
        results=services.round_results(code) if show else [],
        shown=show,
        block_names=_block_names(found),
    )
