"""What every counter page shares: the acting staff member, today, rendering a page,
putting the core's refusals on form fields, reading query forms and slot arguments."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    ForbiddenAction,
    InvalidInput,
    ReasonFor,
    ReservationError,
)

from ..ids import parse_id
from ..ui import localized
from .auth import current_staff
from .messages import describe
from .parsing import parse_day


def actor() -> services.Actor:
    return services.Actor.staff(current_staff().id)


def today() -> date:
    return services.clock_now().date()


def render(template: str, status: int = 200, **context):
    """A counter page; `page_errors` (the title's 「エラー:」) when a form or `extra`
    has errors."""
    forms = [value for value in context.values() if hasattr(value, "_fields")]
    has_errors = bool(context.get("extra")) or any(field.errors for form in forms for field in form)
    context.setdefault("page_errors", has_errors)
    return render_template(f"counter/{template}", **context), status


def _field_for(error: ReservationError) -> str | None:
    if isinstance(error, InvalidInput):
        return error.params.get("field")
    if error.code == ErrorCode.REASON_REQUIRED:
        return {
            ReasonFor.OVERRIDE: "override_reason",
            ReasonFor.NO_SHOW_RESTRICTION: "restriction_reason",
        }.get(error.params["action"], "reason")
    if error.code == ErrorCode.FORBIDDEN and error.params["action"] == ForbiddenAction.OVERRIDE:
        return "override"
    return None


def attach_error(
    form, error: ReservationError, default_field: str | None = None, shown: set[str] | None = None
) -> list:
    """Put the error's wording on its form field (of those `shown` on the page, when
    given); what belongs to no field comes back as an item for the error summary."""
    message = describe(error)
    name = _field_for(error) or default_field
    if shown is not None and name not in shown:
        name = None
    field = form[name] if form is not None and name in form else None
    if field is not None:
        field.errors = [*field.errors, message]
        return []
    return [(None, message)]


def add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


def query_form(form_class):
    return form_class(formdata=request.args or None)


def unit_choices(facilities) -> dict:
    """Units grouped by facility: <optgroup>s of a <select>."""
    return {
        localized(facility): [(str(unit.id), localized(unit)) for unit in facility.units]
        for facility in facilities
    }


def flat_unit_choices(facilities) -> list[tuple[str, str]]:
    """Every unit as one choice, "facility unit", after a "choose" prompt."""
    return [("", _("Choose a unit"))] + [
        (str(unit.id), f"{localized(facility)} {localized(unit)}")
        for facility in facilities
        for unit in facility.units
    ]


def block_choices(facilities) -> list[tuple[str, str]]:
    """Every facility's time blocks as checkbox choices: "facility: block (09:00–12:00)"."""
    return [
        (
            str(block.id),
            f"{localized(facility)}: {localized(block)} "
            f"({block.start_time:%H:%M}–{block.end_time:%H:%M})",
        )
        for facility in facilities
        for block in facility.time_blocks
    ]


def find_unit(facilities, unit_id: str | None):
    for facility in facilities:
        for unit in facility.units:
            if str(unit.id) == (unit_id or ""):
                return unit
    return None


def slot_args() -> tuple[int, date, list[int]] | None:
    """The unit, day and blocks a confirm page carries in its address."""
    try:
        day = date.fromisoformat(request.args["day"])
    except (KeyError, ValueError):
        return None
    unit_id = parse_id(request.args.get("unit"))
    blocks = [parse_id(value) for value in request.args.getlist("blocks")]
    if unit_id is None or not blocks or None in blocks:
        return None
    return unit_id, day, blocks


def typed_day(field):
    """An optional date typed by staff: None when empty, False (with the field's error)
    when it is no date."""
    if not (field.data or "").strip():
        return None
    day = parse_day(field.data, today())
    if day is None:
        add_error(field, date_error())
        return False
    return day


def date_error() -> str:
    return _("Enter a date, like 2026-12-16, 2026/12/16 or 12/16")


def forbidden():
    return render("forbidden.html", status=403)
