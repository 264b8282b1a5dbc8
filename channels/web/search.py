"""Which places in town are free on a day (/availability?date=…): every unit free
that day, grouped by facility, each with its free times, fee and a link straight to
the day's times. One core query (services.free_on), the week view's states."""

from __future__ import annotations

from datetime import timedelta

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l

from reservations import services

from ..ui import localized
from .forms import SearchForm
from .views import DISPLAY_DAYS_AHEAD, bp, today

PARTS = {
    services.PartOfDay.MORNING: _l("Morning (before noon)"),
    services.PartOfDay.AFTERNOON: _l("Afternoon (noon to 5 pm)"),
    services.PartOfDay.EVENING: _l("Evening (from 5 pm)"),
}


@bp.get("/availability")
def search():
    first, last = today(), today() + timedelta(days=DISPLAY_DAYS_AHEAD)
    asked = "date" in request.args
    form = SearchForm(formdata=request.args if asked else None, earliest=first, latest=last)
    form.part.choices = [("", _l("Any time"))] + [(p.value, str(w)) for p, w in PARTS.items()]
    kinds = {f.category.code: f.category for f in services.list_facilities()}
    form.kind.choices = [("", _l("Any kind"))] + [(c, localized(k)) for c, k in kinds.items()]
    found = None
    if asked and form.validate():
        resident = g.get("resident")
        found = services.free_on(
            form.day,
            now=services.clock_now(),
            resident_id=resident.id if resident is not None else None,
            part=services.PartOfDay(form.part.data) if form.part.data else None,
            category=form.kind.data or None,
            step_free_only=bool(form.step_free.data),
        )
    return render_template("web/search.html", form=form, found=found, page_errors=bool(form.errors))
