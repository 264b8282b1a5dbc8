"""What the HTML channels (web and counter) share: template filters that write dates,
times and fees the way residents read them, in the page's language."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import lazy_gettext as _l

from reservations import services

from . import formatting
from .i18n import current_locale

SERVICE_NAME = _l("Town facility reservations")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(services.town_timezone())


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    filters = app.jinja_env.filters
    filters["date"] = lambda day, era=False: formatting.format_date(
        day.date() if isinstance(day, datetime) else day, current_locale(), era=era
    )
    filters["short_date"] = lambda day: formatting.format_short_date(day, current_locale())
    filters["month"] = lambda day: formatting.format_month(day, current_locale())
    filters["datetime"] = lambda moment: formatting.format_datetime(
        _local(moment), current_locale()
    )
    filters["time"] = lambda moment: formatting.format_time(
        _local(moment) if isinstance(moment, datetime) else moment
    )
    filters["time_range"] = lambda start, end: formatting.format_time_range(
        _local(start) if isinstance(start, datetime) else start,
        _local(end) if isinstance(end, datetime) else end,
        current_locale(),
    )
    filters["yen"] = lambda amount: formatting.format_yen(amount, current_locale())
    filters["localized"] = localized
    app.jinja_env.globals["service_name"] = SERVICE_NAME


def localized(obj, attribute: str = "name") -> str:
    """A stored name in the page's language: `name_en` in English when it is filled."""
    if current_locale() == "en":
        english = getattr(obj, f"{attribute}_en", None)
        if english:
            return english
    return getattr(obj, attribute)
