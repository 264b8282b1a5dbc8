"""The resident's pages. One question per page, POST-redirect-GET, no JavaScript
needed. Every decision is the core's: these views parse input, call one service,
and render the outcome."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from reservations import services
from reservations.errors import (
    ErrorCode,
    InvalidCredentials,
    NotFound,
    ReservationError,
    SlotTaken,
    TooManyAttempts,
)

from .. import formatting
from ..i18n import current_locale, locale_code
from ..ids import parse_id
from ..ratelimit import sign_in_limits, until_after
from ..security import safe_next
from ..ui import block_label, ja_name, localized, markup_format
from . import auth, page_cache
from .auth import BOOKING_KEY, NEXT_KEY, resident_required
from .forms import BlocksForm, DateForm, ForWhomForm, SignInForm, parse_date
from .ics import reservation_calendar
from .messages import error_message, flash_message, to_counter

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)

ERA_COOKIE = "web_era"
DISPLAY_DAYS_AHEAD = 366  # how far the availability pages reach; the core's window decides

# Each block's state in words, never only in colour.
STATUS_WORDS = {
    services.BlockStatus.FREE: _l("Free"),
    services.BlockStatus.TAKEN: _l("Booked"),
    services.BlockStatus.YOURS: _l("Your booking"),
    services.BlockStatus.CLOSED: _l("Closed"),
    services.BlockStatus.NOT_OFFERED: _l("Not offered"),
    services.BlockStatus.PAST: _l("Ended"),
    services.BlockStatus.NOT_OPEN_YET: _l("Not open yet"),
    services.BlockStatus.BOOKING_CLOSED: _l("Booking closed"),
    services.BlockStatus.UNAVAILABLE: _l("Unavailable"),
    services.BlockStatus.WAITLISTED: _l("Kept for the waiting list"),
    services.BlockStatus.LOTTERY: _l("By lottery"),
}
CLOSED_WORDS = {
    services.ClosedReason.WEEKLY: _l("Regular closing day"),
    services.ClosedReason.HOLIDAY: _l("Closed on public holidays"),
    services.ClosedReason.MOVED_CLOSED_DAY: _l("Closed in place of a holiday"),
    services.ClosedReason.YEAR_END: _l("New Year holidays"),
    services.ClosedReason.CLOSURE: _l("Temporarily closed"),
}
WEEKDAY_WORDS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


# --------------------------------------------------------------------------- helpers


@bp.before_request
def before_request() -> None:
    if request.endpoint != "web.static":
        auth.load_resident()


@bp.context_processor
def web_context() -> dict:
    expires = g.get("session_expires")
    seconds_left = None
    if expires is not None:
        seconds_left = max(0, int((expires - services.clock_now()).total_seconds()))
    return {
        "resident": g.get("resident"),
        "session_expires": expires,
        "session_seconds_left": seconds_left,
        "era": current_locale() == "ja" and request.cookies.get(ERA_COOKIE) == "1",
        "status_words": STATUS_WORDS,
        "closed_words": CLOSED_WORDS,
        "holiday_name": holiday_name,
        "offered_days": offered_days,
        "current_path": request.full_path.rstrip("?"),
        "payment_terms": services.payment_terms,
        "series_position": services.series_position,
    }


def holiday_name(day_availability) -> str | None:
    if day_availability.holiday is None or current_locale() == "ja":
        return day_availability.holiday
    return services.holiday_name(day_availability.date, "en") or day_availability.holiday


def offered_days(block) -> str | None:
    """The days a block is offered, when not every day (a school gym's weekends)."""
    if block.weekdays == "0123456" and block.on_holidays:
        return None
    names = [str(WEEKDAY_WORDS[int(d)]) for d in sorted(block.weekdays)]
    if block.on_holidays:
        names.append(_("public holidays"))
    return _("Only on: %(days)s", days=("・" if current_locale() == "ja" else ", ").join(names))


def _block_label(block) -> str:
    return block_label(block)


def today() -> date:
    return services.clock_now().date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _unit_or_404(unit_id: int):
    try:
        return services.get_unit(unit_id)
    except NotFound:
        abort(404)


def _actor() -> services.Actor:
    return services.Actor.resident(g.resident.id, "web")


def _own_reservation(reservation_id: int):
    """The signed-in resident's reservation; another's is not found (the core says so)."""
    try:
        return services.get_reservation(_actor(), reservation_id)
    except NotFound:
        abort(404)


def _resident_id() -> int | None:
    return g.resident.id if g.get("resident") is not None else None


def _availability_url(unit_id: int, day: date) -> str:
    return url_for("web.availability", unit_id=unit_id, week=week_start(day).isoformat())


# ----------------------------------------------------------------------------- pages


@bp.get("/")
def home():
    return render_template("web/home.html")


@bp.get("/facilities")
def facilities():
    return render_template("web/facilities.html", facilities=services.list_facilities())


@bp.get("/facilities/<int:facility_id>")
def facility(facility_id: int):
    found = next((f for f in services.list_facilities() if f.id == facility_id), None)
    if found is None:
        abort(404)
    fees = {unit.id: {fee.time_block_id: fee for fee in unit.fees} for unit in found.units}
    return render_template("web/facility.html", facility=found, fees=fees)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _parse_month(text: str) -> date | None:
    """2026-12 (the month links' form) as the first day of that month."""
    return parse_date(f"{text}-01") if text else None


@dataclass(frozen=True)
class Cell:
    status: str
    words: str
    href: str | None = None  # free cells link to the day's times
    detail: str | None = (
        None  # a closed day's reason; a free cell's date and block, for screen readers
    )
    colspan: int = 1
    label: str = ""  # the block, as the list per day (narrow screens) names it
    wait_href: str | None = None  # a time booked by others: join its waiting list


@dataclass(frozen=True)
class Row:
    date: date
    label: str
    holiday: str | None
    weekend: bool
    cells: list[Cell]


def _availability_rows(unit, days, era: bool) -> list[Row]:
    """The table's rows, worded once per page rather than once per cell: a month is
    about a hundred cells, and translating each of them was most of the page's cost."""
    locale = current_locale()
    words = {status: str(text) for status, text in STATUS_WORDS.items()}
    closed_words = {reason: str(text) for reason, text in CLOSED_WORDS.items()}
    book = _("book %(date)s, %(block)s")
    block_names = {block.id: localized(block) for block in unit.facility.time_blocks}
    labels = {block.id: block_label(block) for block in unit.facility.time_blocks}
    day_url = url_for("web.blocks", unit_id=unit.id, day="DAY") + "?block="
    join_url = url_for("web.join_waitlist", unit=unit.id, day="DAY") + "&block="
    rows = []
    for day in days:
        if day.closed:
            note = day.closed.note_en if locale == "en" and day.closed.note_en else day.closed.note
            text = closed_words[day.closed.reason] + (f": {note}" if note else "")
            cells = [
                Cell(
                    services.BlockStatus.CLOSED,
                    words[services.BlockStatus.CLOSED],
                    detail=text,
                    colspan=len(day.blocks),
                )
            ]
        else:
            long_date = formatting.format_date(day.date, locale, era=era)
            link = day_url.replace("DAY", day.date.isoformat())
            cells = [
                Cell(
                    cell.status,
                    words[cell.status],
                    f"{link}{cell.block.id}",
                    book % {"date": long_date, "block": block_names[cell.block.id]},
                    label=labels[cell.block.id],
                )
                if cell.bookable
                else Cell(
                    cell.status,
                    words[cell.status],
                    detail=f"{long_date} {block_names[cell.block.id]}",  # for screen readers
                    label=labels[cell.block.id],
                    wait_href=f"{join_url.replace('DAY', day.date.isoformat())}{cell.block.id}",
                )
                if cell.status == services.BlockStatus.TAKEN
                else Cell(
                    cell.status,
                    words[cell.status],
                    label=labels[cell.block.id],
                    detail=(cell.note_en if locale == "en" and cell.note_en else cell.note),
                )
                for cell in day.blocks
            ]
        rows.append(
            Row(
                day.date,
                formatting.format_short_date(day.date, locale),
                holiday_name(day),
                day.date.weekday() >= 5 or bool(day.holiday),
                cells,
            )
        )
    return rows


def _say_why_moved(asked: date | None, first: date, last: date, month: bool = False) -> None:
    """A week or month asked for that cannot be shown: say why before showing another."""
    locale = current_locale()
    if asked is None and month:
        flash_message(_("That month could not be read, so this month is shown."), "warning")
    elif asked is None:
        flash_message(_("That date could not be read, so this week is shown."), "warning")
    elif asked < first:
        flash_message(
            _(
                "%(date)s has already passed, so the first dates that can be booked are shown.",
                date=formatting.format_date(asked, locale),
            ),
            "warning",
        )
    else:
        flash_message(
            _(
                "Dates up to %(last)s are shown here, so the last of them are shown instead "
                "of %(date)s.",
                last=formatting.format_date(last, locale),
                date=formatting.format_date(asked, locale),
            ),
            "warning",
        )


def _openings(days) -> list[tuple[date, object]]:
    """(the first day, the moment) for each moment booking opens among days 受付前."""
    found: dict = {}
    for day in days:
        if day.opens_at is not None and day.opens_at not in found:
            found[day.opens_at] = day.date
    return [(first, moment) for moment, first in found.items()]


def _releases(days) -> list[tuple[date, object]]:
    """(the first day, the moment) for each lottery round's release among the days 抽選:
    first come first served opens then."""
    found: dict = {}
    for day in days:
        if day.lottery_release_at is not None and day.lottery_release_at not in found:
            found[day.lottery_release_at] = day.date
    return [(first, moment) for moment, first in found.items()]


@bp.get("/units/<int:unit_id>/availability")
def availability(unit_id: int):
    """A week (the default, best on a phone) or a whole month (?month=2026-12)."""
    now = services.clock_now()
    keep = g.get("resident") is None and "date" not in request.args and "_flashes" not in session
    locale = current_locale()
    era = locale == "ja" and request.cookies.get(ERA_COOKIE) == "1"
    key = (request.full_path, locale_code(), era, today())
    pages = page_cache.rendered_pages()
    version = pages.version(services.availability_version) if keep else None
    if keep and (html := pages.get(key, version, now)) is not None:
        return html
    unit = _unit_or_404(unit_id)
    first, last = today(), today() + timedelta(days=DISPLAY_DAYS_AHEAD)
    form = DateForm(
        formdata=request.args if "date" in request.args else None, earliest=first, latest=last
    )
    if "date" in request.args and form.validate():
        return redirect(url_for("web.blocks", unit_id=unit.id, day=form.day.isoformat()))
    if "month" in request.args:
        view = "month"
        asked = _parse_month(request.args["month"])
        start = month_start(asked or first)
        start = min(max(start, month_start(first)), month_start(last))
        if asked is None or start != month_start(asked):
            _say_why_moved(asked, first, last, month=True)
            return redirect(
                url_for("web.availability", unit_id=unit.id, month=start.strftime("%Y-%m"))
            )
        end = next_month(start) - timedelta(days=1)
        previous = month_start(start - timedelta(days=1)) if start > month_start(first) else None
        following = next_month(start) if next_month(start) <= last else None
    else:
        view = "week"
        asked = parse_date(request.args.get("week", "")) if "week" in request.args else first
        start = week_start(asked or first)
        start = min(max(start, week_start(first)), week_start(last))
        if asked is None or start != week_start(asked):
            _say_why_moved(asked, first, last)
            return redirect(url_for("web.availability", unit_id=unit.id, week=start.isoformat()))
        end = start + timedelta(days=6)
        previous = start - timedelta(days=7) if start > week_start(first) else None
        following = start + timedelta(days=7) if start + timedelta(days=7) <= last else None
    snapshot = services.availability_snapshot(
        unit.id, start, end, now=now, resident_id=_resident_id()
    )
    html = render_template(
        "web/availability.html",
        unit=unit,
        facility=unit.facility,
        start=start,
        rows=_availability_rows(unit, snapshot.days, era),
        wait_words=_("Join the waiting list"),
        openings=_openings(snapshot.days),
        releases=_releases(snapshot.days),
        end=end,
        view=view,
        previous=previous,
        following=following,
        shown_from=max(start, first),
        form=form,
        page_errors=bool(form.errors),
    )
    if keep:
        pages.put(key, page_cache.Kept(snapshot.version, snapshot.valid_until, html))
    return html


@bp.route("/units/<int:unit_id>/days/<day>", methods=["GET", "POST"])
def blocks(unit_id: int, day: str):
    unit = _unit_or_404(unit_id)
    try:
        chosen_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    first, last = today(), today() + timedelta(days=DISPLAY_DAYS_AHEAD)
    if not first <= chosen_day <= last:
        _say_why_moved(chosen_day, first, last)
        shown = min(max(chosen_day, first), last)
        return redirect(_availability_url(unit.id, shown))
    resident_id = _resident_id()
    [day_availability] = services.availability(
        unit.id, chosen_day, chosen_day, now=services.clock_now(), resident_id=resident_id
    )
    cells = [
        cell for cell in day_availability.blocks if cell.status != services.BlockStatus.NOT_OFFERED
    ]
    free = {cell.block.id for cell in cells if cell.bookable}
    form = BlocksForm(free=free)
    form.blocks.choices = [(cell.block.id, _block_label(cell.block)) for cell in cells]
    if request.method == "GET":
        booking = session.get(BOOKING_KEY) or {}
        if booking.get("unit_id") == unit.id and booking.get("date") == chosen_day.isoformat():
            wanted = booking.get("block_ids", [])
        else:
            wanted = [i for i in map(parse_id, request.args.getlist("block")) if i is not None]
        form.blocks.data = [block_id for block_id in wanted if block_id in free]
    elif form.validate_on_submit():
        try:
            quote = services.quote(unit.id, chosen_day, form.blocks.data, resident_id=resident_id)
        except ReservationError as error:
            form.blocks.errors = [error_message(error, unit.facility)]
        else:
            session[BOOKING_KEY] = {
                "unit_id": unit.id,
                "date": chosen_day.isoformat(),
                "block_ids": [block.id for block in quote.blocks],
                "key": secrets.token_urlsafe(16),
            }
            return redirect(url_for("web.confirm"))
    fees = {
        block_id: services.quote(unit.id, chosen_day, [block_id], resident_id=resident_id).fee
        for block_id in free
    }
    return render_template(
        "web/blocks.html",
        unit=unit,
        facility=unit.facility,
        day=day_availability,
        cells=cells,
        form=form,
        fees=fees,
        page_errors=bool(form.errors),
        back_url=_availability_url(unit.id, chosen_day),
    )


def _booking_in_progress():
    booking = session.get(BOOKING_KEY)
    if not booking:
        return None
    try:
        return booking["unit_id"], date.fromisoformat(booking["date"]), booking["block_ids"]
    except (KeyError, TypeError, ValueError):
        session.pop(BOOKING_KEY, None)
        return None


def _offer_the_waitlist(error: SlotTaken, unit_id: int, day: date, block_ids: list[int]):
    """Someone else took the slot: the message, and the page that offers to wait for
    it (キャンセル待ち), whose back link leads to the day's other times; the sign-in
    and the unit stay as they were."""
    flash_message(
        _(
            "%(taken)s You can join the waiting list for it here.",
            taken=error_message(error),
        )
    )
    return redirect(
        url_for("web.join_waitlist", unit=unit_id, day=day.isoformat(), block=block_ids)
    )


SELF = "self"


@dataclass(frozen=True)
class ForWhom:
    """One answer to "who is this booking for?", with what the core says of it: the
    quote (the fee for that choice) and why it cannot be booked, if it cannot."""

    value: str  # SELF, or the group's id
    label: str
    group_id: int | None
    quote: services.Quote | None
    refusal: ReservationError | None


def _choices() -> list[tuple[str, str, int | None]]:
    """The answers to "who is this booking for?" (value, label, group id): myself,
    then each of the resident's groups."""
    return [(SELF, markup_format(_("Myself (%(name)s)"), name=ja_name(g.resident.name)), None)] + [
        (str(m.group_id), ja_name(m.group.name), m.group_id)
        for m in services.groups_of(g.resident.id)
    ]


def _for_whom(
    unit_id: int, day: date, block_ids: list[int], now, choices: list | None = None
) -> list[ForWhom]:
    """Each of the choices with what the core says of it. SlotTaken (the slot is gone,
    for everyone) is raised for the caller to send the resident back."""
    found = []
    for value, label, group_id in _choices() if choices is None else choices:
        refusal = None
        try:
            quote = services.check_booking(
                resident_id=g.resident.id,
                group_id=group_id,
                unit_id=unit_id,
                day=day,
                block_ids=block_ids,
                now=now,
            )
        except SlotTaken:
            raise
        except ReservationError as refused:
            refusal = refused
            try:
                quote = services.quote(
                    unit_id, day, block_ids, resident_id=g.resident.id, group_id=group_id
                )
            except ReservationError:
                quote = None
        found.append(ForWhom(value, label, group_id, quote, refusal))
    return found


def _chosen(options: list[ForWhom], wanted: str | None) -> ForWhom:
    """The answer kept from before, else the first that can be booked (myself first)."""
    by_value = {option.value: option for option in options}
    if wanted in by_value:
        return by_value[wanted]
    return next((o for o in options if o.refusal is None), options[0])


@bp.route("/confirm", methods=["GET", "POST"])
@resident_required
def confirm():
    booking = _booking_in_progress()
    if booking is None:
        flash(_("There is no booking in progress. Choose a facility to start one."), "warning")
        return redirect(url_for("web.facilities"))
    unit_id, day, block_ids = booking
    now = services.clock_now()
    choices = _choices()
    form = ForWhomForm()
    form.for_whom.choices = [(value, label) for value, label, _group in choices]
    wanted = session[BOOKING_KEY].get("for")
    invalid = request.method == "POST" and len(choices) > 1 and not form.validate_on_submit()
    refused = None
    if request.method == "POST" and not invalid:
        # The booking itself checks everything: the page's checks of each choice are
        # needed only to show the page again when it is refused.
        if len(choices) > 1:
            wanted = form.for_whom.data
            session[BOOKING_KEY] = {**session[BOOKING_KEY], "for": wanted}
        group_id = next((c[2] for c in choices if c[0] == wanted), None)
        try:
            reservation = services.book(
                _actor(),
                resident_id=g.resident.id,
                group_id=group_id if len(choices) > 1 else None,
                unit_id=unit_id,
                day=day,
                block_ids=block_ids,
                now=now,
                idempotency_key=f"web-{session[BOOKING_KEY].get('key', '')}",
            )
        except SlotTaken as taken:
            return _offer_the_waitlist(taken, unit_id, day, block_ids)
        except ReservationError as error:
            refused = error
        else:
            session.pop(BOOKING_KEY, None)
            return redirect(url_for("web.booked", reservation_id=reservation.id))
    try:
        options = _for_whom(unit_id, day, block_ids, now, choices)
    except SlotTaken as taken:
        return _offer_the_waitlist(taken, unit_id, day, block_ids)
    chosen = _chosen(options, wanted)
    error = chosen.refusal
    if request.method == "POST":
        error = None if invalid else refused
    if all(option.quote is None for option in options):
        session.pop(BOOKING_KEY, None)
        flash_message(error_message(error or options[0].refusal))
        return redirect(url_for("web.facilities"))
    if not form.for_whom.errors:
        form.for_whom.data = chosen.value
    quote = chosen.quote or next(o.quote for o in options if o.quote is not None)
    if error is not None and len(options) > 1:
        # The refusal belongs to the choice: on its radios, linked from the summary.
        form.for_whom.errors = [error_message(error, quote.facility)]
        error = None
    return render_template(
        "web/confirm.html",
        quote=quote,
        form=form,
        options=options,
        chosen=chosen,
        may_book=any(option.refusal is None for option in options),
        error=error_message(error, quote.facility) if error else None,
        limit_reached=error is not None and error.code == ErrorCode.LIMIT_REACHED,
        page_errors=error is not None or bool(form.for_whom.errors),
        option_hint=_option_hint,
        cancel_passed=quote.cancel_deadline_passed(now),
        terms=services.payment_terms(quote),
        back_url=url_for("web.blocks", unit_id=unit_id, day=day.isoformat()),
        availability_url=_availability_url(unit_id, day),
    )


def _option_hint(option: ForWhom) -> str:
    """Under each answer: its fee (with the exemption, and on what it rests), or why
    it cannot be booked."""
    if option.refusal is not None:
        facility = option.quote.facility if option.quote else None
        return _("Cannot be booked: %(why)s", why=error_message(option.refusal, facility))
    fee = option.quote.fee
    locale = current_locale()
    if not fee.exemption_percent:
        return _("Fee: %(fee)s", fee=formatting.format_yen(fee.fee_yen, locale))
    exemption = option.quote.exemption
    return _(
        "Fee: %(fee)s (%(base)s less a %(percent)d%% exemption: %(category)s)",
        fee=formatting.format_yen(fee.fee_yen, locale),
        base=formatting.format_yen(fee.base_yen, locale),
        percent=fee.exemption_percent,
        category=localized(exemption.category) if exemption.category else "",
    )


@bp.get("/reservations/<int:reservation_id>/booked")
@resident_required
def booked(reservation_id: int):
    reservation = _own_reservation(reservation_id)
    return render_template(
        "web/booked.html",
        reservation=reservation,
        deadline=services.cancellation_deadline(reservation),
    )


@bp.get("/reservations/<int:reservation_id>/print")
@resident_required
def print_view(reservation_id: int):
    reservation = _own_reservation(reservation_id)
    return render_template(
        "web/print.html",
        reservation=reservation,
        deadline=services.cancellation_deadline(reservation),
    )


@bp.get("/reservations/<int:reservation_id>/permit")
@resident_required
def permit(reservation_id: int):
    """The permit (使用許可書) of a booking that is paid (or has nothing to pay), to print."""
    reservation = _own_reservation(reservation_id)
    if not (reservation.has_permit and reservation.is_active):
        abort(404)
    return render_template("web/permit.html", reservation=reservation)


@bp.get("/reservations/<int:reservation_id>/receipt")
@resident_required
def receipt(reservation_id: int):
    """The receipt (領収書) of a paid booking, to print."""
    reservation = _own_reservation(reservation_id)
    if not reservation.has_receipt:
        abort(404)
    return render_template("web/receipt.html", reservation=reservation)


@bp.get("/reservations/<int:reservation_id>/calendar.ics")
@resident_required
def calendar(reservation_id: int):
    reservation = _own_reservation(reservation_id)
    host = current_app.config["PUBLIC_BASE_URL"].split("://")[-1].split("/")[0]
    body = reservation_calendar(
        reservation,
        now=services.clock_now(),
        host=host,
        deadline=services.cancellation_deadline(reservation),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="reservation-{reservation.number}.ics"'
        },
    )


ROLE_WORDS = {
    services.MemberRole.REPRESENTATIVE: _l("representative"),
    services.MemberRole.CONTACT: _l("contact"),
    services.MemberRole.MEMBER: _l("member"),
}


def _refusal_text(actions: services.ReservationActions) -> str:
    """Why the resident may not cancel on the web, in their words."""
    if actions.refusal is None:
        return ""
    return error_message(actions.refusal, actions.reservation.unit.facility)


@bp.get("/my-reservations")
@resident_required
def my_reservations():
    """The resident's own reservations, then each of their groups' upcoming ones under
    the group's name."""
    now = services.clock_now()
    lists = services.reservations_of(g.resident.id, now=now)
    group_bookings = [
        (membership, services.group_reservations(membership.group_id, now=now).upcoming)
        for membership in services.groups_of(g.resident.id)
    ]
    shown = lists.upcoming + [r for _, bookings in group_bookings for r in bookings]
    actions = services.actions_for(_actor(), shown, now)
    return render_template(
        "web/my_reservations.html",
        upcoming=lists.upcoming,
        past=lists.past,
        more_past=lists.more_past,
        group_bookings=group_bookings,
        role_words=ROLE_WORDS,
        refusal_text=_refusal_text,
        actions=actions,
        any_late=any(action.after_deadline for action in actions.values()),
        language_names=_language_names(),
        name_in_itself=MESSAGE_LANGUAGE_NAMES,
    )


# Each language named in itself: the button a resident who reads only it can find.
MESSAGE_LANGUAGE_NAMES = {
    "ja": "日本語で受け取る",
    "ja@easy": "やさしい日本語で受け取る",
    "en": "Receive them in English",
}


def _language_names() -> dict[str, str]:
    return {"ja": _("Japanese"), "ja@easy": _("Easy Japanese"), "en": _("English")}


@bp.post("/preferences/messages-language")
@resident_required
def messages_language():
    """The language of the resident's SMS or calls, kept on their record."""
    try:
        services.set_preferred_language(
            _actor(),
            resident_id=g.resident.id,
            language=request.form.get("language", ""),
            now=services.clock_now(),
        )
    except ReservationError as error:
        flash(error_message(error), "warning")
    else:
        if g.resident.phone_is_mobile:
            flash(_("Saved. Your next text messages will be in that language."), "success")
        else:
            flash(_("Saved. Our next calls will be in that language."), "success")
    return redirect(url_for("web.my_reservations") + "#messages-language")


@bp.route("/reservations/<int:reservation_id>/cancel", methods=["GET", "POST"])
@resident_required
def cancel(reservation_id: int):
    reservation = _own_reservation(reservation_id)
    now = services.clock_now()
    error = None
    if request.method == "POST":
        try:
            services.cancel(_actor(), reservation_id=reservation.id, now=now)
        except ReservationError as refused:
            error = refused
        else:
            flash(
                _(
                    "Reservation %(number)s is cancelled. The time is free for others again.",
                    number=reservation.number,
                ),
                "success",
            )
            refund = services.refund_for(reservation.id)
            if refund is not None:
                flash(
                    _(
                        "%(amount)s is given back to you. The counter will tell you how you receive it.",
                        amount=formatting.format_yen(refund.amount_yen, current_locale()),
                    ),
                    "success",
                )
            return redirect(url_for("web.my_reservations"))
    actions = services.reservation_actions(_actor(), reservation.id, now)
    return render_template(
        "web/cancel.html",
        reservation=actions.reservation,
        deadline=actions.deadline,
        can_cancel=actions.may_cancel,
        refusal=None if actions.after_deadline else _refusal_text(actions),
        refund_quote=services.refund_quote(actions.reservation, now)
        if actions.may_cancel
        else None,
        error=error_message(error) if error else None,
        page_errors=error is not None,
    )


# ------------------------------------------------------------------- sign-in, session


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if g.resident is not None and request.method == "GET":
        return redirect(safe_next(session.pop(NEXT_KEY, None), url_for("web.my_reservations")))
    form = SignInForm()
    extra_errors = []
    status = 200
    retry_after = None
    if request.method == "POST":
        source = f"web:{request.remote_addr or 'unknown'}"
        limits = sign_in_limits()
        retry_after = limits.retry_after(source)
        if retry_after is not None:
            extra_errors.append((None, _device_waits(retry_after)))
            status = 429
        elif form.validate_on_submit():
            try:
                resident = services.verify_pin(
                    "web",
                    registration_no=form.registration_no.data,
                    pin=form.pin.data,
                    now=services.clock_now(),
                    source=source,
                )
            except (InvalidCredentials, TooManyAttempts) as refused:
                left = limits.count_failure(source)
                if isinstance(refused, TooManyAttempts):
                    status = 429
                    retry_after = _seconds_until(refused.params["until"])
                elif left == 0:
                    status = 429
                    retry_after = limits.retry_after(source) or 60
                    refused = TooManyAttempts(until=until_after(services.clock_now(), retry_after))
                elif left == 1:
                    refused = InvalidCredentials(attempts_left=1)  # this device's last try
                form.registration_no.errors = [error_message(refused)]
            else:
                auth.sign_in(resident.id)
                flash(_("You are signed in."), "success")
                default = (
                    url_for("web.confirm")
                    if session.get(BOOKING_KEY)
                    else url_for("web.my_reservations")
                )
                return redirect(safe_next(session.pop(NEXT_KEY, None), default))
    response = current_app.make_response(
        (
            render_template(
                "web/sign_in.html",
                form=form,
                extra_errors=extra_errors,
                page_errors=bool(form.errors or extra_errors),
                booking_in_progress=bool(session.get(BOOKING_KEY)),
            ),
            status,
        )
    )
    if status == 429:
        response.headers["Retry-After"] = str(retry_after or 60)
    return response


def _device_waits(seconds: int) -> str:
    return to_counter(
        _(
            "There have been too many sign-in attempts from this device. Please wait "
            "%(minutes)d minutes and try again, or call or visit the counter.",
            minutes=max(1, -(-seconds // 60)),
        )
    )


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - services.clock_now()).total_seconds()))


@bp.post("/sign-out")
def sign_out():
    auth.sign_out()
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.home"))


@bp.post("/session/extend")
def extend_session():
    """Stay signed in: loading this request already started the time again."""
    if g.resident is None:
        return redirect(url_for("web.sign_in"))
    if request.accept_mimetypes.best == "application/json":
        return {
            "seconds_left": int(auth.lifetime().total_seconds()),
            "ends_at": formatting.format_time(g.session_expires),
        }
    flash(
        _(
            "You will stay signed in. Your sign-in now ends at %(time)s if nothing is done.",
            time=formatting.format_time(g.session_expires),
        ),
        "success",
    )
    return redirect(safe_next(request.form.get("next"), url_for("web.home")))


@bp.get("/preferences/dates/<style>")
def date_style(style: str):
    """Dates with the era year (令和8年) or the Western year, remembered in a cookie."""
    if style not in ("era", "western"):
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("web.home")))
    response.set_cookie(
        ERA_COOKIE,
        "1" if style == "era" else "0",
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


# ------------------------------------------------------------------------------ errors


@bp.errorhandler(404)
def not_found(error):
    return render_template(
        "web/error.html",
        heading=_("Page not found"),
        message=_(
            "The page may have moved, or the address may be mistyped. Start again from the "
            "home page."
        ),
    ), 404


@bp.errorhandler(CSRFError)
def form_expired(error):
    return render_template(
        "web/error.html",
        heading=_("This form has expired"),
        message=_(
            "For your security, forms can only be sent for a limited time. Go back, reload "
            "the page and try again. Nothing was booked or cancelled."
        ),
    ), 400
