"""What the HTML channels (web and counter) share: template filters that write dates,
times and fees the way residents read them, in the page's language."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from reservations import services

from . import formatting
from .i18n import current_locale, locale_code

SERVICE_NAME = _l("Town facility reservations")

# What a group does (its purpose), as the counter's forms and the permit name it.
PURPOSES = {
    "sport": _l("Sport"),
    "culture": _l("Culture and arts"),
    "learning": _l("Learning"),
    "welfare": _l("Welfare"),
    "children": _l("Children and youth"),
    "community": _l("Community activities"),
    "other": _l("Other"),
}


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
        _local(moment) if isinstance(moment, datetime) else moment, locale_code()
    )
    filters["moment"] = lambda moment: formatting.format_moment(_local(moment), current_locale())
    filters["clock"] = lambda value: formatting.format_clock(value, current_locale())
    filters["ja_name"] = ja_name
    filters["block_label"] = block_label
    filters["phone_e164"] = lambda phone: services.normalize_phone(phone)[0]
    app.jinja_env.tests["refers_to_counter"] = lambda message: bool(
        getattr(message, "refers_to_counter", False)
    )
    app.jinja_env.globals["counter"] = services.counter_details
    app.jinja_env.globals["counter_hours"] = counter_hours
    filters["time_range"] = lambda start, end: formatting.format_time_range(
        _local(start) if isinstance(start, datetime) else start,
        _local(end) if isinstance(end, datetime) else end,
        locale_code(),
    )
    filters["yen"] = lambda amount: formatting.format_yen(amount, current_locale())
    filters["localized"] = localized
    app.jinja_env.globals["service_name"] = SERVICE_NAME
    app.jinja_env.globals["hold_terms"] = hold_terms
    app.jinja_env.globals["payment_place"] = payment_place
    app.jinja_env.globals["use_purpose"] = use_purpose
    filters["use_period"] = use_period


def use_period(reservation, era: bool = True) -> str:
    """令和8年12月3日(木) 午後2時から4時まで: when the booking is used, as a permit says it."""
    return formatting.format_use_period(
        reservation.date,
        _local(reservation.start_at).time(),
        _local(reservation.end_at).time(),
        current_locale(),
        era=era,
    )


def use_purpose(reservation) -> str:
    """What the booking is used for, on its permit: a group's registered purpose; a
    person's own booking is personal use (bookings record no purpose of their own)."""
    if reservation.group is not None:
        return str(PURPOSES.get(reservation.group.purpose, reservation.group.purpose))
    return _("Personal use")


def hold_terms(reservation) -> services.HoldTerms | None:
    """How a hold (仮予約) is to be paid, now; None when it is not a hold."""
    return services.hold_terms(reservation, services.clock_now())


def payment_place() -> str:
    """Where residents pay: the counter (COUNTER_NAME), in the page's language."""
    return localized(services.counter_details())


def localized(obj, attribute: str = "name") -> str:
    """A stored name in the page's language: `name_en` in English when it is filled."""
    if current_locale() == "en":
        english = getattr(obj, f"{attribute}_en", None)
        if english:
            return english
    return getattr(obj, attribute)


def ja_name(name: str) -> Markup:
    """A name kept only in Japanese (a person's, a group's), marked as Japanese on a
    page in another language so that screen readers say it in Japanese."""
    if current_locale() == "ja" or not name:
        return escape(name)
    return Markup('<span lang="ja">%s</span>') % name


def counter_hours(details: services.CounterDetails | None = None) -> str:
    """When the counter is open, in words: 月曜日から金曜日 午前8時30分から午後5時15分まで
    (祝日・年末年始を除く) / Monday to Friday, 8:30 am to 5:15 pm (...)."""
    details = details or services.counter_details()
    locale = current_locale()
    days = formatting.format_weekdays(details.weekdays, locale)
    opens = formatting.format_clock(details.opens, locale)
    closes = formatting.format_clock(details.closes, locale)
    hours = _("%(days)s, %(opens)s to %(closes)s", days=days, opens=opens, closes=closes)
    if not details.on_holidays:
        hours += _(" (closed on public holidays and 29 December to 3 January)")
    return hours


def markup_format(translated: str, **values) -> Markup:
    """A translated sentence (gettext without values, so its placeholders are kept)
    filled with values that may carry markup (a name marked with its language): the
    sentence is escaped, and so is every value that is not Markup already."""
    return Markup(escape(translated)) % values


def names_its_time(block) -> bool:
    """A block named by its own hours (「9時〜10時」, "9:00–10:00"): saying the name and
    then the time range would say the time twice."""
    numbers = [int(n) for n in re.findall(r"\d+", localized(block))]
    hours = [block.start_time.hour, block.end_time.hour]
    with_minutes = [block.start_time.hour, block.start_time.minute]
    with_minutes += [block.end_time.hour, block.end_time.minute]
    return bool(numbers) and numbers in (hours, with_minutes)


def block_label(block) -> str:
    """A time block as a resident reads it: 午前 9:00〜12:00, or only 9:00〜10:00 when
    the block is named by its hours."""
    hours = formatting.format_time_range(block.start_time, block.end_time, locale_code())
    return hours if names_its_time(block) else f"{localized(block)} {hours}"
