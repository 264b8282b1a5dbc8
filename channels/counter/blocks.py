"""Staff blocks (行政使用) at the counter: the list of coming blocks, the form, its
preview (what the block claims and the reservations in the way, which the
administrator may cancel with a reason) and lifting a block. Administrators only;
the core decides everything."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode, ReservationError

from ..ids import parse_id
from . import words
from .auth import current_staff
from .blueprint import bp
from .common import (
    actor,
    add_error,
    attach_error,
    block_choices,
    date_error,
    flat_unit_choices,
    forbidden,
    render,
    today,
)
from .forms import BlockCancelForm, BlockForm
from .parsing import parse_day

# The form field each refusal belongs to (the others go to the error summary).
FIELD_OF = {
    ErrorCode.BLOCK_NOT_OFFERED: "blocks",
    ErrorCode.BLOCKS_NOT_CONSECUTIVE: "blocks",
    ErrorCode.FACILITY_CLOSED: "day",
    ErrorCode.IN_PAST: "day",
}


def _choices(form: BlockForm) -> None:
    facilities = services.list_facilities()
    form.unit.choices = flat_unit_choices(facilities)
    form.blocks.choices = block_choices(facilities)
    form.kind.choices = [
        (kind, words.word(words.BLOCK_KINDS, kind)) for kind in services.StaffBlockKind
    ]


def _request(form: BlockForm) -> services.BlockRequest | None:
    """The form as the core's request, or None with the fields' errors."""
    day = parse_day(form.day.data or "", today())
    if day is None:
        add_error(form.day, date_error())
    unit_id = parse_id(form.unit.data)
    if unit_id is None:
        add_error(form.unit, _("Choose the facility and unit"))
    if not form.blocks.data:
        add_error(form.blocks, _("Choose at least one time block"))
    if not form.kind.data:
        add_error(form.kind, _("Choose the kind of town use"))
    if any(field.errors for field in form):
        return None
    return services.BlockRequest(
        unit_id=unit_id,
        date=day,
        block_ids=[int(block) for block in form.blocks.data],
        kind=form.kind.data,
        note=form.note.data or "",
    )


def _refused(form: BlockForm, error: ReservationError) -> list:
    field = FIELD_OF.get(error.code)
    if field is not None:
        return attach_error(form, error, default_field=field)
    return attach_error(form, error)


@bp.get("/blocks")
def blocks():
    if not current_staff().is_admin:
        return forbidden()
    return render("blocks.html", upcoming=services.list_blocks(today()))


@bp.route("/blocks/new", methods=["GET", "POST"])
def new_block():
    """The form; Preview shows what it claims and what stands in the way; Block (from
    the preview) makes it, cancelling those reservations when the box is ticked."""
    if not current_staff().is_admin:
        return forbidden()
    form = BlockForm()
    _choices(form)
    extra: list = []
    if request.method == "POST" and form.validate_on_submit():
        ask = _request(form)
        action = request.form.get("action")
        if ask is not None and action != "edit":
            now = services.clock_now()
            try:
                if action == "commit":
                    block = services.create_block(
                        actor(),
                        ask,
                        now=now,
                        cancel_in_the_way=bool(form.cancel_in_the_way.data),
                        cancel_reason=form.reason.data or None,
                        expected=[n for n in (form.expected.data or "").split(",") if n],
                    )
                    flash(
                        _(
                            "The times are blocked for the town (%(number)s).",
                            number=block.number,
                        ),
                        "success",
                    )
                    return redirect(url_for("counter.blocks"))
                return _preview(form, ask)
            except ReservationError as error:
                if action == "commit" and error.code in (
                    ErrorCode.IN_THE_WAY,
                    ErrorCode.REASON_REQUIRED,
                ):
                    try:
                        return _preview(form, ask, error=error)
                    except ReservationError as again:
                        error = again
                extra = _refused(form, error)
    return render("block_new.html", form=form, extra=extra)


def _preview(form: BlockForm, ask: services.BlockRequest, error: ReservationError | None = None):
    preview = services.preview_block(ask, now=services.clock_now())
    numbers = [r.number for r in preview.in_the_way]
    extra: list = []
    if error is not None:
        extra = attach_error(form, error, shown={"reason"} if preview.cancellable else set())
    form.expected.data = ",".join(numbers)
    return render(
        "block_preview.html",
        status=409 if error is not None else 200,
        form=form,
        preview=preview,
        extra=extra,
    )


def _block_or_404(reservation_id: int):
    block = services.get_reservation(actor(), reservation_id)
    if not block.is_staff_block:
        abort(404)
    return block


@bp.route("/blocks/<int:reservation_id>/cancel", methods=["GET", "POST"])
def cancel_block(reservation_id: int):
    """Lift a block, with a reason: its times are free again."""
    if not current_staff().is_admin:
        return forbidden()
    block = _block_or_404(reservation_id)
    form = BlockCancelForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            services.cancel(
                actor(),
                reservation_id=block.id,
                reason=form.reason.data or "",
                now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            flash(_("The block %(number)s is lifted.", number=block.number), "success")
            return redirect(url_for("counter.blocks"))
    return render(
        "block_cancel.html",
        status=409 if extra or form.errors else 200,
        block=block,
        form=form,
        extra=extra,
    )
