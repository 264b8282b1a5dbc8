"""The audit view: who did what, for whom, through which channel; and its CSV export
(UTF-8 with a byte-order mark, so that Excel opens it with the Japanese intact)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Response, request, stream_with_context, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import InvalidRange

from ..csv_export import cell
from ..ids import parse_id
from . import words
from .blueprint import bp
from .common import add_error, date_error, query_form, render, today
from .forms import AuditFilterForm
from .messages import describe
from .parsing import parse_day

FILTER_ARGS = ("resident", "group", "staff", "reservation", "start", "end")


def _filter_from(form: AuditFilterForm) -> services.AuditFilter:
    days = {}
    for name in ("start", "end"):
        field = form[name]
        days[name] = parse_day(field.data, today()) if field.data else None
        if field.data and days[name] is None:
            add_error(field, date_error())
    staff = form.staff.data
    return services.AuditFilter(
        registration_no=(form.resident.data or "").strip() or None,
        group_no=(form.group.data or "").strip() or None,
        staff_id=parse_id(staff),
        reservation_number=(form.reservation.data or "").strip() or None,
        start=days["start"],
        end=days["end"],
    )


def _filter_form() -> AuditFilterForm:
    form = query_form(AuditFilterForm)
    form.staff.choices = [("", _("Anyone"))] + [
        (str(member.id), f"{member.display_name} ({member.username})")
        for member in services.list_staff()
    ]
    return form


def changes(entry: services.AuditEntry) -> list[tuple[str, object, object]]:
    """What the entry changed: (key, before, after) for each value that differs."""
    before, after = entry.before or {}, entry.after or {}
    if not before:
        return []
    return [
        (key, before.get(key), after.get(key)) for key in after if before.get(key) != after.get(key)
    ]


@bp.get("/audit")
def audit():
    form = _filter_form()
    audit_filter = _filter_from(form)
    page = None
    if not any(field.errors for field in form):
        try:
            page = services.audit_trail(audit_filter, page=request.args.get("page", 1, type=int))
        except InvalidRange as error:
            add_error(form.end, describe(error))
    args = {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}
    return render(
        "audit.html",
        form=form,
        page=page,
        args=args,
        changes=changes,
        csv_url=url_for("counter.audit_csv", **args),
    )


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def csv_rows(entries) -> Iterator[list[str]]:
    tz = services.town_timezone()
    yield [
        _("Date and time"),
        _("Action"),
        _("Action code"),
        _("Channel"),
        _("Staff username"),
        _("Staff name"),
        _("Resident acting"),
        _("On behalf of"),
        _("On behalf of (name)"),
        _("Reservation number"),
        _("Subject"),
        _("Reason"),
        _("Before"),
        _("After"),
        _("Group number"),
    ]
    for entry in entries:
        yield [
            cell(value)
            for value in (
                entry.at.astimezone(tz).isoformat(timespec="seconds"),
                words.word(words.ACTIONS, entry.action),
                entry.action,
                words.word(words.CHANNELS, entry.channel),
                entry.actor_staff.username if entry.actor_staff else "",
                entry.actor_staff.display_name if entry.actor_staff else "",
                entry.actor_resident.registration_no if entry.actor_resident else "",
                entry.on_behalf_of.registration_no if entry.on_behalf_of else "",
                entry.on_behalf_of.name if entry.on_behalf_of else "",
                entry.reservation.number if entry.reservation else "",
                entry.subject,
                entry.reason,
                _json(entry.before),
                _json(entry.after),
                entry.group.registration_no if entry.group else "",
            )
        ]


@bp.get("/audit.csv")
def audit_csv():
    form = _filter_form()
    audit_filter = _filter_from(form)
    if any(field.errors for field in form):
        return audit()
    try:
        services.audit_trail(audit_filter, per_page=1)  # the core checks the filter
    except InvalidRange:
        return audit()

    def generate() -> Iterator[str]:
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in csv_rows(services.audit_trail_all(audit_filter)):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    stamp = services.clock_now().strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
