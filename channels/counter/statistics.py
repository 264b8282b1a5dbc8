"""The statistics page (/counter/statistics, admins and statistics staff): for a period
and a facility or unit, each figure as a chart (static SVG from pygal, no JavaScript),
a sentence saying what it shows, the same figures in a table, and the table as CSV.
The core computes the figures; this module words them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pygal
from flask import Response, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from reservations import services
from reservations.errors import ErrorCode, ReservationError

from .. import formatting
from ..csv_export import csv_lines
from ..i18n import current_locale
from ..ids import parse_id
from ..phone.stats import OUTCOMES, call_figures
from ..ui import localized
from . import words
from .blueprint import bp
from .common import actor, add_error, date_error, query_form, render, today
from .forms import StatisticsForm
from .messages import describe
from .parsing import parse_day


@dataclass
class Figure:
    """One table of the page: its chart, summary and rows (the CSV is the rows)."""

    name: str
    title: str
    summary: str
    headers: list[str]
    rows: list[list]
    chart: Markup | None = None


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _month(day: date) -> str:
    return formatting.format_month(day, current_locale())


SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _weekday(index: int) -> str:
    return (WEEKDAYS_EN if current_locale() == "en" else WEEKDAYS)[index]


def _chart(title: str, summary: str, labels: list[str], values: list, unit: str = "") -> Markup:
    """A bar chart, one series with each value written on its bar (never colour
    alone), as static SVG: pygal with its JavaScript off."""
    chart = pygal.Bar(
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        print_values=True,
        print_values_position="top",
        width=720,
        height=320,
        explicit_size=False,
        title=title,
        x_label_rotation=0 if len(labels) <= 8 else 30,
        style=pygal.style.Style(
            background="white",
            plot_background="white",
            foreground="#0b0c0c",
            foreground_strong="#0b0c0c",
            foreground_subtle="#505a5f",
            colors=("#1d70b8",),
            value_font_size=12,
            label_font_size=12,
            title_font_size=14,
        ),
        value_formatter=lambda value: "" if value is None else f"{value:g}{unit}",
    )
    chart.x_labels = labels
    chart.add(title, [value if value is not None else None for value in values])
    # pygal writes its configuration in a <script> even with js=[]: nothing runs it
    # without pygal's tooltips, so it goes, and the SVG is static.
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    label = escape(f"{title}. {summary}")
    return Markup(
        svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)
    )


def _share_figure(name, title, key_label, shares: dict, label_of) -> Figure:
    labels = [label_of(key) for key in shares]
    rows = [[label_of(key), s.part, s.whole, _percent(s.percent)] for key, s in shares.items()]
    values = [s.percent for s in shares.values()]
    known = [
        (label, s.percent)
        for label, s in zip(labels, shares.values(), strict=True)
        if s.percent is not None
    ]
    if known:
        top = max(known, key=lambda item: item[1])
        summary = _("Highest: %(label)s at %(percent)s.", label=top[0], percent=_percent(top[1]))
    else:
        summary = _("Nothing could be booked in this period.")
    return Figure(
        name,
        title,
        summary,
        [key_label, _("Booked part-blocks"), _("Bookable part-blocks"), _("Occupancy")],
        rows,
        _chart(title, summary, labels, values, "%"),
    )


def _use_figure(
    name, title, key_label, table: dict, label_of, recorded_only=False, summary=None
) -> Figure:
    """Used, no-shows (and not recorded) with the use rate, by month, weekday or block."""
    items = [(label_of(key), counts) for key, counts in table.items()]
    rated = [(label, c.use_rate) for label, c in items if c.use_rate is not None]
    if summary is None and rated:
        low = min(rated, key=lambda item: item[1])
        summary = _(
            "Lowest use rate: %(label)s at %(percent)s.", label=low[0], percent=_percent(low[1])
        )
    elif summary is None:
        summary = _("No use was recorded in this period.")
    if recorded_only:
        summary += " " + _(
            "Bookings whose use was not recorded are left out; a booking of two blocks counts in both."
        )
        headers = [key_label, _("Used"), _("No-show"), _("Use rate")]
        rows = [[label, c.used, c.no_show, _percent(c.use_rate)] for label, c in items]
    else:
        headers = [key_label, _("Used"), _("No-show"), _("Not recorded"), _("Use rate")]
        rows = [
            [label, c.used, c.no_show, c.unrecorded, _percent(c.use_rate)] for label, c in items
        ]
    chart = _chart(
        title, summary, [label for label, _c in items], [c.use_rate for _l, c in items], "%"
    )
    return Figure(name, title, summary, headers, rows, chart)


def _figures(stats: services.Statistics, calls) -> list[Figure]:
    figures = []
    total = stats.occupancy
    figures.append(
        _share_figure(
            "occupancy-by-month",
            _("Occupancy by month"),
            _("Month"),
            stats.occupancy_by_month,
            _month,
        )
    )
    figures[-1].summary = (
        _(
            "Over the period %(part)s of %(whole)s bookable part-blocks were booked: %(percent)s.",
            part=total.part,
            whole=total.whole,
            percent=_percent(total.percent),
        )
        + " "
        + figures[-1].summary
    )
    figures.append(
        _share_figure(
            "occupancy-by-weekday",
            _("Occupancy by weekday"),
            _("Weekday"),
            stats.occupancy_by_weekday,
            _weekday,
        )
    )
    names = stats.block_names
    figures.append(
        _share_figure(
            "occupancy-by-block",
            _("Occupancy by time block"),
            _("Time block"),
            stats.occupancy_by_block,
            lambda code: localized(names[code]) if code in names else code,
        )
    )
    use = stats.use
    summary = _(
        "Of %(booked)s past bookings, %(used)s were used and %(no_show)s were no-shows; %(unrecorded)s were not recorded. Use rate: %(rate)s.",
        booked=use.booked,
        used=use.used,
        no_show=use.no_show,
        unrecorded=use.unrecorded,
        rate=_percent(use.use_rate),
    )
    figures.append(
        _use_figure(
            "use-by-month",
            _("Use rate by month"),
            _("Month"),
            stats.use_by_month,
            _month,
            summary=summary,
        )
    )
    figures.append(
        _use_figure(
            "use-by-weekday",
            _("Use rate by weekday"),
            _("Weekday"),
            stats.use_by_weekday,
            _weekday,
        )
    )
    figures.append(
        _use_figure(
            "use-by-block",
            _("Use rate by time block"),
            _("Time block"),
            stats.use_by_block,
            lambda code: localized(names[code]) if code in names else code,
            recorded_only=True,
        )
    )
    channels = [(words.word(words.CHANNELS, c), n) for c, n in sorted(stats.by_channel.items())]
    all_bookings = sum(stats.by_channel.values())
    summary = _(
        "%(count)s bookings in the period: %(parts)s.",
        count=all_bookings,
        parts=", ".join(f"{label} {count}" for label, count in channels) or "–",
    )
    figures.append(
        Figure(
            "bookings-by-channel",
            _("Bookings by channel"),
            summary,
            [_("Channel"), _("Bookings")],
            [[label, count] for label, count in channels],
            _chart(
                _("Bookings by channel"),
                summary,
                [c[0] for c in channels],
                [c[1] for c in channels],
            ),
        )
    )
    shares = list(stats.counter_share_by_month.items())
    summary = _(
        "The share of bookings made at the counter for residents, month by month.",
    )
    figures.append(
        Figure(
            "counter-share-by-month",
            _("Booked at the counter on behalf of residents"),
            summary,
            [_("Month"), _("At the counter"), _("All bookings"), _("Share")],
            [[_month(m), s.part, s.whole, _percent(s.percent)] for m, s in shares],
            _chart(
                _("Booked at the counter on behalf of residents"),
                summary,
                [_month(m) for m, _s in shares],
                [s.percent for _m, s in shares],
                "%",
            ),
        )
    )
    holders = [(_holder_label(kind), count) for kind, count in stats.by_holder]
    summary = _("Whom the bookings were for: residents, non-residents and groups by category.")
    figures.append(
        Figure(
            "bookings-by-holder",
            _("Bookings by whom they were for"),
            summary,
            [_("For"), _("Bookings")],
            [[label, count] for label, count in holders],
            _chart(
                _("Bookings by whom they were for"),
                summary,
                [h[0] for h in holders],
                [h[1] for h in holders],
            ),
        )
    )
    kinds = [
        (_CANCELLATIONS[kind](), stats.cancellations.get(kind, 0))
        for kind in services.CANCELLATION_KINDS
    ]
    summary = _("Cancellations by when and by whom, holds not paid in time, and no-shows.")
    figures.append(
        Figure(
            "cancellations",
            _("Cancellations and no-shows"),
            summary,
            [_("Kind"), _("Bookings")],
            [[label, count] for label, count in kinds],
            _chart(
                _("Cancellations and no-shows"),
                summary,
                [k[0] for k in kinds],
                [k[1] for k in kinds],
            ),
        )
    )
    fees = [
        (localized(line.category) if line.category else _("No exemption"), line)
        for line in stats.fees
    ]
    summary = _(
        "Fees collected: %(collected)s; exempted (減免): %(exempted)s.",
        collected=f"{sum(line.collected_yen for _l, line in fees):,}円",
        exempted=f"{sum(line.exempted_yen for _l, line in fees):,}円",
    )
    figures.append(
        Figure(
            "fees",
            _("Fees collected and exempted by category"),
            summary,
            [_("Exemption category"), _("Bookings"), _("Collected (yen)"), _("Exempted (yen)")],
            [[label, line.bookings, line.collected_yen, line.exempted_yen] for label, line in fees],
            _chart(
                _("Exempted fees by category (yen)"),
                summary,
                [label for label, _line in fees],
                [line.exempted_yen for _label, line in fees],
            ),
        )
    )
    figures += _refund_and_demand_figures(stats)
    outcomes = [
        (_OUTCOMES.get(kind, lambda k=kind: k)(), calls.outcomes[kind]) for kind in OUTCOMES
    ]
    summary = _(
        "%(calls)s calls; %(completed)s completed a task (booked, cancelled or heard their bookings).",
        calls=calls.calls,
        completed=calls.completed,
    )
    figures.append(
        Figure(
            "phone-calls",
            _("Phone calls by how they ended"),
            summary,
            [_("Outcome"), _("Calls")],
            [[label, count] for label, count in outcomes]
            + [[_("In progress or no status yet"), calls.in_progress]],
            _chart(
                _("Phone calls by how they ended"),
                summary,
                [o[0] for o in outcomes],
                [o[1] for o in outcomes],
            ),
        )
    )
    abandoned = list(calls.abandoned_at.items())
    summary = _("Abandoned calls by the menu the caller was in when they hung up.")
    figures.append(
        Figure(
            "phone-abandoned",
            _("Where callers gave up, by menu"),
            summary,
            [_("Menu"), _("Calls")],
            [[node, count] for node, count in abandoned],
            _chart(
                _("Where callers gave up, by menu"),
                summary,
                [node for node, _count in abandoned],
                [count for _node, count in abandoned],
            )
            if abandoned
            else None,
        )
    )
    return figures


def _refund_and_demand_figures(stats: services.Statistics) -> list[Figure]:
    lines = [(words.word(words.REFUND_STATUSES, line.status), line) for line in stats.refunds]
    summary = _(
        "Refunds (還付) for cancelled paid bookings of the period: %(owed)s still owed, %(paid)s paid out.",
        owed=formatting.format_yen(
            sum(line.amount_yen for line in stats.refunds if line.status == services.REFUND_OWED),
            current_locale(),
        ),
        paid=formatting.format_yen(
            sum(line.amount_yen for line in stats.refunds if line.status == services.REFUND_PAID),
            current_locale(),
        ),
    )
    refunds = Figure(
        "refunds",
        _("Refunds"),
        summary,
        [_("Refund"), _("Refunds"), _("Amount (yen)")],
        [[label, line.refunds, line.amount_yen] for label, line in lines],
        _chart(
            _("Refunds (yen)"),
            summary,
            [label for label, _line in lines],
            [line.amount_yen for _label, line in lines],
        ),
    )
    return [refunds, _demand_figure(stats)]


def _demand_figure(stats: services.Statistics) -> Figure:
    slots = [
        (
            f"{formatting.format_short_date(slot.day, current_locale())} "
            f"{localized(slot.block)} {localized(slot.unit.facility)} {localized(slot.unit)}",
            slot,
        )
        for slot in stats.demanded_slots
    ]
    summary = _(
        "%(applications)s lottery applications (抽選) and %(entries)s waitlist entries (キャンセル待ち) asked for slots of the period. Each slot is one booking's worth of supply: the slots asked for most are listed, with how many asked.",
        applications=stats.lottery_applications,
        entries=stats.waitlist_entries,
    )
    return Figure(
        "demand",
        _("Demand against supply: the slots asked for most"),
        summary,
        [_("Slot"), _("Lottery applications"), _("Waitlist entries"), _("Requests for one slot")],
        [
            [label, slot.lottery_applications, slot.waitlist_entries, slot.requests]
            for label, slot in slots
        ],
        _chart(
            _("Requests per slot (lottery applications and waitlist entries)"),
            summary,
            [label for label, _slot in slots],
            [slot.requests for _label, slot in slots],
        )
        if slots
        else None,
    )


def _holder_label(kind: services.HolderKind) -> str:
    if kind.kind == "resident":
        return _("Residents")
    if kind.kind == "nonresident":
        return _("Non-residents")
    if kind.category is None:
        return _("Groups without a category")
    return _("Groups: %(category)s", category=localized(kind.category))


_CANCELLATIONS = {
    "early": lambda: _("Cancelled before the deadline"),
    "late": lambda: _("Cancelled after the deadline"),
    "town": lambda: _("Cancelled by the town"),
    "unpaid": lambda: _("Holds not paid in time"),
    "no_show": lambda: _("No-shows"),
}

_OUTCOMES = {
    "booked": lambda: _("Booked"),
    "cancelled": lambda: _("Cancelled a booking"),
    "heard": lambda: _("Heard their bookings"),
    "transferred": lambda: _("Talked to the counter"),
    "transfer_unanswered": lambda: _("Transfer not answered"),
    "locked": lambda: _("PIN locked"),
    "unresolved": lambda: _("Ended without a result"),
    "abandoned": lambda: _("Caller hung up"),
}


def _period(form: StatisticsForm, facilities):
    """The period asked for (this month so far by default), or None with errors on
    the form's fields."""
    form.facility.choices = [("", _("All facilities"))] + [
        (str(f.id), localized(f)) for f in facilities
    ]
    form.unit.choices = [("", _("All rooms and areas"))] + [
        (str(u.id), f"{localized(f)} {localized(u)}") for f in facilities for u in f.units
    ]
    if not form.start.data:
        form.start.data = today().replace(day=1).isoformat()
    if not form.end.data:
        form.end.data = today().isoformat()
    start, end = parse_day(form.start.data, today()), parse_day(form.end.data, today())
    for field, value in ((form.start, start), (form.end, end)):
        if value is None:
            add_error(field, date_error())
    facility_id = parse_id(form.facility.data) if form.facility.data else None
    unit_id = parse_id(form.unit.data) if form.unit.data else None
    if form.facility.data and facility_id is None:
        add_error(form.facility, _("Choose a facility from the list"))
    if form.unit.data and unit_id is None:
        add_error(form.unit, _("Choose a room or area from the list"))
    if any(field.errors for field in form):
        return None
    return services.Period(start=start, end=end, facility_id=facility_id, unit_id=unit_id)


def _computed():
    """The form and the figures (None when the form or the core refused)."""
    facilities = services.list_facilities()
    form = query_form(StatisticsForm)
    period = _period(form, facilities)
    if period is None:
        return form, None, 400
    try:
        stats = services.statistics(actor(), period, today=today())
    except ReservationError as error:
        if error.code == ErrorCode.FORBIDDEN:
            return form, None, 403
        field = form.end if error.code == ErrorCode.INVALID_RANGE else form.facility
        if error.code == ErrorCode.NOT_FOUND and error.params.get("what") == "unit":
            field = form.unit
        add_error(field, describe(error))
        return form, None, 400
    tz = services.town_timezone()
    since = datetime.combine(period.start, time(0), tz)
    until = datetime.combine(period.end + timedelta(days=1), time(0), tz)
    return form, _figures(stats, call_figures(since, until)), 200


@bp.get("/statistics")
def statistics():
    form, figures, status = _computed()
    if status == 403:
        return render("forbidden.html", status=403)
    query = request.query_string.decode()
    return render("statistics.html", status=status, form=form, figures=figures or [], query=query)


@bp.get("/statistics/<name>.csv")
def statistics_csv(name: str):
    form, figures, status = _computed()
    if status == 403:
        return render("forbidden.html", status=403)
    figure = next((f for f in figures or [] if f.name == name), None)
    if figure is None:
        return render(
            "statistics.html",
            status=status if status != 200 else 404,
            form=form,
            figures=figures or [],
            query="",
        )
    stamp = services.clock_now().strftime("%Y%m%d-%H%M")
    return Response(
        csv_lines([figure.headers, *figure.rows]),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
