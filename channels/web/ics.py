"""A reservation as an iCalendar file, for "add to calendar"."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from icalendar import Calendar, Event

from .. import formatting
from ..i18n import current_locale
from ..ui import localized


def reservation_calendar(reservation, *, now: datetime, deadline, host: str) -> bytes:
    facility = reservation.unit.facility
    calendar = Calendar()
    calendar.add("prodid", "-//machi-yoyaku//web//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{reservation.number}@{host}")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", reservation.start_at.astimezone(UTC))
    event.add("dtend", reservation.end_at.astimezone(UTC))
    event.add("summary", f"{localized(facility)} {localized(reservation.unit)}")
    event.add("location", localized(facility))
    event.add(
        "description",
        "\n".join(
            [
                _("Reservation number: %(number)s", number=reservation.number),
                _("Fee: %(fee)s", fee=formatting.format_yen(reservation.fee_yen, current_locale())),
                _(
                    "Cancel on the web by the end of %(day)s.",
                    day=formatting.format_date(deadline.last_day, current_locale()),
                ),
            ]
        ),
    )
    calendar.add_component(event)
    return calendar.to_ical()
