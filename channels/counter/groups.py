"""Groups (団体) at the counter: the list, registering a group with its roster (found
with the resident search inside the form, saved only on Register), its page with the
roster, bookings and standing, the registration slip (団体登録証), renewal, suspension,
dissolution and reinstatement, and the printable list of registrations ending soon.
Every rule is the core's; these views parse the forms and word the outcome."""

from __future__ import annotations

import re
import unicodedata

from flask import abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    GroupOverlap,
    InvalidInput,
    NotFound,
    ReservationError,
)

from .. import formatting
from ..i18n import current_locale
from ..ui import localized
from . import words
from .auth import current_staff
from .blueprint import bp
from .common import actor, add_error, render, today, typed_day
from .forms import (
    ActionForm,
    AddMemberForm,
    GroupForm,
    GroupSearchForm,
    GroupStatusForm,
    MemberRoleForm,
    RenewForm,
)
from .messages import describe

_SEPARATORS = re.compile(r"[\s,、，・;；]+")
ROLE_ORDER = {
    services.MemberRole.REPRESENTATIVE: 0,
    services.MemberRole.CONTACT: 1,
    services.MemberRole.MEMBER: 2,
}
STATUS_CHANGES = {
    "suspend": services.suspend_group,
    "dissolve": services.dissolve_group,
    "reinstate": services.reinstate_group,
}


def _group_or_404(group_id: int) -> services.Group:
    try:
        return services.get_group(group_id)
    except NotFound:
        abort(404)


def numbers_in(text: str | None) -> list[str]:
    """Registration numbers typed one per line, or with spaces or commas between."""
    return [part for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")) if part]


def _count(field) -> int | None:
    """A whole number typed in any width; an error on the field otherwise."""
    text = unicodedata.normalize("NFKC", field.data or "").strip()
    if not text:
        add_error(field, _("Enter a number, like 20"))
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        add_error(field, _("Enter a whole number, like 20"))
        return None
    return int(text)


# The field of the registration form each refusal belongs to.
_ROLE_FIELDS = {
    services.MemberRole.REPRESENTATIVE: "representative",
    services.MemberRole.CONTACT: "contact",
    services.MemberRole.MEMBER: "members",
}
_CODE_FIELDS = {
    ErrorCode.TOO_FEW_MEMBERS: "members",
    ErrorCode.ALREADY_A_MEMBER: "members",
    ErrorCode.GROUP_NAME_TAKEN: "name",
    ErrorCode.GROUP_OVERLAP: "confirm_overlap",
    ErrorCode.REASON_REQUIRED: "reason",
}


def put_error(form, error: ReservationError, default: str | None = None) -> list:
    """The refusal on its field of `form`; what belongs to none goes to the summary."""
    if isinstance(error, InvalidInput):
        name = error.params.get("field")
        name = "evidence" if name == "exemption_evidence" else name
    elif error.code == ErrorCode.NOT_REGISTERED:
        name = _ROLE_FIELDS.get(error.params.get("role"))
    else:
        name = _CODE_FIELDS.get(error.code, default)
    if name is not None and name in form:
        add_error(form[name], describe(error))
        return []
    return [(None, describe(error))]


# ------------------------------------------------------------------------- the list


@bp.get("/groups")
def groups():
    listed = services.list_groups()
    return render(
        "groups.html",
        groups=listed,
        statuses={group.id: services.status_of(group, today()) for group in listed},
        expiring=len(services.groups_expiring(today())),
        reminder_days=services.group_rules().reminder_days,
    )


@bp.get("/groups/expiring")
def groups_expiring():
    """Registrations ending within GROUP_REMINDER_DAYS: printable, to remind them."""
    expiring = services.groups_expiring(today())
    representatives = {g.id: _representative(g) for g in expiring}
    return render(
        "groups_expiring.html",
        groups=expiring,
        representatives=representatives,
        phones={
            person.id: services.format_phone_national(person.phone_e164)
            if person.phone_e164
            else _("none")
            for person in representatives.values()
            if person is not None
        },
        reminder_days=services.group_rules().reminder_days,
        standing={g.id: services.group_standing(g, today()) for g in expiring},
        slip_page=True,
    )


def _representative(group: services.Group):
    return next(
        (m.resident for m in group.members if m.role == services.MemberRole.REPRESENTATIVE), None
    )


# ----------------------------------------------------------------------- registering


def _choices(form: GroupForm) -> None:
    form.purpose.choices = [("", _("Choose"))] + [
        (code, words.word(words.PURPOSES, code)) for code in services.GROUP_PURPOSES
    ]
    form.category.choices = [("", _("None (general)"))] + [
        (category.code, localized(category)) for category in services.list_exemptions()
    ]
    form.evidence.choices = [("", _("None (no category)"))] + [
        (code, words.word(words.EVIDENCE, code)) for code in services.EXEMPTION_EVIDENCE
    ]


def _named(form: GroupForm) -> list[str]:
    return [form.representative.data or "", form.contact.data or "", *numbers_in(form.members.data)]


def _roster_edit(form: GroupForm) -> str | None:
    """A button of the search results: put the resident on the roster being written
    (nothing is saved). Returns a notice."""
    for name, field in (("make_representative", "representative"), ("make_contact", "contact")):
        number = services.digits_only(request.form.get(name, ""))
        if number:
            form[field].data = number
            form.members.data = "\n".join(n for n in numbers_in(form.members.data) if n != number)
            return None
    number = services.digits_only(request.form.get("add", ""))
    if number:
        if number in [services.digits_only(n) for n in _named(form)]:
            return _("%(number)s is already on the roster.", number=number)
        form.members.data = "\n".join([*numbers_in(form.members.data), number])
    return None


@bp.route("/groups/new", methods=["GET", "POST"])
def register_group():
    form = GroupForm()
    _choices(form)
    extra: list = []
    overlaps: list = []
    found: list = []
    notice = None
    if form.validate_on_submit():
        query = (form.q.data or "").strip()
        if len(query) > services.SEARCH_MAX_LENGTH:
            add_error(
                form.q,
                _("Search with at most %(count)d characters.", count=services.SEARCH_MAX_LENGTH),
            )
        elif query:
            found = services.find_residents(query)
        notice = _roster_edit(form)
        if request.form.get("action") == "register":
            done = _register(form, extra, overlaps)
            if done is not None:
                flash(
                    _(
                        "Group %(name)s is registered as number %(number)s. Print this slip and give it to the representative.",
                        name=done.name,
                        number=done.registration_no,
                    ),
                    "success",
                )
                return redirect(url_for("counter.group_slip", group_id=done.id))
    roster = _roster_preview(form)
    return render(
        "group_new.html",
        form=form,
        extra=extra,
        found=found,
        roster=roster,
        overlaps=overlaps,
        notice=notice,
        minimum=services.group_rules().min_members,
    )


def _roster_preview(form: GroupForm) -> list[tuple[str, services.Resident | None, str]]:
    """Who the numbers typed so far are (for staff to check), in roster order."""
    preview = []
    roles = [("representative", form.representative.data), ("contact", form.contact.data)]
    roles += [("member", number) for number in numbers_in(form.members.data)]
    for role, number in roles:
        digits = services.digits_only(number or "")
        if not digits:
            continue
        person = next(
            (r for r in services.find_residents(digits) if r.registration_no == digits), None
        )
        preview.append((role, person, digits))
    return preview


def _register(form: GroupForm, extra: list, overlaps: list):
    declared = _count(form.declared_members)
    in_town = _count(form.resident_members)
    valid_until = typed_day(form.evidence_valid_until)
    if declared is None or in_town is None or valid_until is False:
        return None
    try:
        return services.register_group(
            actor(),
            name=form.name.data or "",
            name_kana=form.name_kana.data or "",
            purpose=form.purpose.data or "",
            representative=form.representative.data or "",
            contact=form.contact.data or None,
            members=numbers_in(form.members.data),
            declared_members=declared,
            resident_members=in_town,
            category_code=form.category.data or None,
            evidence=form.evidence.data or None,
            evidence_valid_until=valid_until,
            now=services.clock_now(),
            allow_overlap=form.confirm_overlap.data,
        )
    except GroupOverlap as error:
        numbers = error.params.get("groups", [])
        overlaps += [g for n in numbers for g in services.find_groups(n) if g.registration_no == n]
        extra += put_error(form, error)
    except ReservationError as error:
        extra += put_error(form, error)
    return None


# ---------------------------------------------------------------------- one group


# The last search for a resident to add, {"group": id, "q": text}: in the session, not
# the URL, so that names and phone numbers never reach the access log.
MEMBER_SEARCH_KEY = "counter_member_search"


def _member_query(group: services.Group) -> str:
    kept = session.get(MEMBER_SEARCH_KEY)
    return kept["q"] if kept and kept["group"] == group.id else ""


def _group_page(group: services.Group, *, add_form=None, search=None, extra=()):
    """The group's page; a refused change shows its error summary there (the page is
    the answer, as a form's is). It lists the residents the last search for this
    group found."""
    now = services.clock_now()
    query = _member_query(group) if search is None else ""
    if search is None:
        search = GroupSearchForm(formdata=None, q=query or None)
    on_roster = {m.resident_id for m in group.members}
    found = [r for r in services.find_residents(query) if r.id not in on_roster] if query else []
    bookings = services.group_reservations(group.id, now=now)
    members = sorted(group.members, key=lambda m: (ROLE_ORDER[m.role], m.resident.kana_key))
    standing = services.group_standing(group, today())
    add_form = add_form or AddMemberForm(formdata=None)
    extra = list(extra)
    if standing.status == services.GroupStatus.DISSOLVED:
        # The page shows no roster forms: their errors go to the summary, unlinked.
        for field in [*add_form, *search]:
            extra += [(None, message) for message in field.errors]
            field.errors = []
    return render(
        "group.html",
        group=group,
        standing=standing,
        members=members,
        role_forms={m.resident_id: MemberRoleForm(formdata=None, role=m.role) for m in members},
        add_form=add_form,
        search=search,
        query=query,
        found=found,
        upcoming=bookings.upcoming,
        past=bookings.past,
        series_list=services.series_of(group_id=group.id),
        seasons=services.preparing_seasons(),
        is_admin=current_staff().is_admin,
        form=ActionForm(),
        extra=extra,
    )


@bp.get("/groups/<int:group_id>")
def group(group_id: int):
    return _group_page(_group_or_404(group_id))


@bp.get("/groups/<int:group_id>/slip")
def group_slip(group_id: int):
    group = _group_or_404(group_id)
    members = sorted(group.members, key=lambda m: (ROLE_ORDER[m.role], m.resident.kana_key))
    return render(
        "group_slip.html",
        group=group,
        members=members,
        standing=services.group_standing(group, today()),
        slip_page=True,
        issued=today(),
    )


@bp.post("/groups/<int:group_id>/member-search")
def member_search(group_id: int):
    """Search for a resident to add, by POST (see MEMBER_SEARCH_KEY)."""
    group = _group_or_404(group_id)
    search = GroupSearchForm()
    if not search.validate_on_submit():
        return _group_page(group, search=search)
    query = (search.q.data or "").strip()
    if len(query) > services.SEARCH_MAX_LENGTH:
        add_error(
            search.q,
            _("Search with at most %(count)d characters.", count=services.SEARCH_MAX_LENGTH),
        )
        return _group_page(group, search=search)
    session[MEMBER_SEARCH_KEY] = {"group": group.id, "q": query}
    return redirect(url_for("counter.group", group_id=group.id, _anchor="add-member"))


@bp.post("/groups/<int:group_id>/members")
def add_member(group_id: int):
    group = _group_or_404(group_id)
    form = AddMemberForm()
    if not form.validate_on_submit():
        return _group_page(group, add_form=form)
    try:
        membership = services.add_member(
            actor(),
            group_id=group.id,
            registration_no=form.registration_no.data or "",
            role=services.MemberRole(form.role.data),
            now=services.clock_now(),
        )
    except ReservationError as error:
        extra = []
        if error.code in (ErrorCode.NOT_REGISTERED, ErrorCode.ALREADY_A_MEMBER):
            add_error(form.registration_no, describe(error))
        else:
            extra = [(None, describe(error))]
        return _group_page(_group_or_404(group_id), add_form=form, extra=extra)
    flash(_("%(name)s is on the roster.", name=membership.resident.name), "success")
    return redirect(url_for("counter.group", group_id=group.id))


def _roster_change(group_id: int, change, notice):
    group = _group_or_404(group_id)
    try:
        done = change(group)
    except ReservationError as error:
        return _group_page(_group_or_404(group_id), extra=[(None, describe(error))])
    flash(notice(done), "success")
    return redirect(url_for("counter.group", group_id=group.id))


@bp.post("/groups/<int:group_id>/members/<int:resident_id>/remove")
def remove_member(group_id: int, resident_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    person = services.get_resident(resident_id)
    return _roster_change(
        group_id,
        lambda group: services.remove_member(
            actor(), group_id=group.id, resident_id=person.id, now=services.clock_now()
        ),
        lambda group: _("%(name)s is no longer on the roster.", name=person.name),
    )


@bp.post("/groups/<int:group_id>/members/<int:resident_id>/role")
def member_role(group_id: int, resident_id: int):
    form = MemberRoleForm()
    if not form.validate_on_submit():
        return _group_page(
            _group_or_404(group_id),
            extra=[(None, message) for message in form.role.errors],
        )
    person = services.get_resident(resident_id)
    role = services.MemberRole(form.role.data)
    return _roster_change(
        group_id,
        lambda group: services.set_member_role(
            actor(), group_id=group.id, resident_id=person.id, role=role, now=services.clock_now()
        ),
        lambda group: _(
            "%(name)s is now: %(role)s.",
            name=person.name,
            role=words.word(words.MEMBER_ROLES, role),
        ),
    )


# ------------------------------------------------------------- renewal and standing


@bp.route("/groups/<int:group_id>/renew", methods=["GET", "POST"])
def renew_group(group_id: int):
    group = _group_or_404(group_id)
    form = RenewForm()
    if request.method == "GET":
        form.declared_members.data = str(group.declared_members)
        form.resident_members.data = str(group.resident_members)
    extra: list = []
    if form.validate_on_submit():
        declared, in_town = _count(form.declared_members), _count(form.resident_members)
        # The document's date is asked only of a group with a category.
        valid_until = typed_day(form.evidence_valid_until) if group.category else None
        if declared is not None and in_town is not None and valid_until is not False:
            try:
                renewed = services.renew_group(
                    actor(),
                    group_id=group.id,
                    declared_members=declared,
                    resident_members=in_town,
                    evidence_valid_until=valid_until,
                    now=services.clock_now(),
                )
            except ReservationError as error:
                extra = put_error(form, error)
            else:
                flash(
                    _(
                        "Renewed: %(name)s is registered until %(date)s. Print the new slip.",
                        name=renewed.name,
                        date=_day(renewed.valid_until),
                    ),
                    "success",
                )
                return redirect(url_for("counter.group_slip", group_id=group.id))
    return render(
        "group_renew.html",
        group=services.get_group(group.id),
        standing=services.group_standing(group, today()),
        form=form,
        extra=extra,
        members=len(group.members),
        minimum=services.group_rules().min_members,
        share=services.group_rules().resident_share_percent,
    )


def _day(value) -> str:
    return formatting.format_date(value, current_locale())


STATUS_WORDS = {
    "suspend": lambda: _("Suspend: the group cannot book until it is reinstated"),
    "dissolve": lambda: _("Dissolve: the group no longer exists (final)"),
    "reinstate": lambda: _("Reinstate: end the suspension"),
}


@bp.route("/groups/<int:group_id>/status", methods=["GET", "POST"])
def group_status(group_id: int):
    group = _group_or_404(group_id)
    standing = services.group_standing(group, today())
    form = GroupStatusForm()
    form.action.choices = [(code, STATUS_WORDS[code]()) for code in standing.status_changes]
    extra: list = []
    if form.validate_on_submit():
        try:
            changed = STATUS_CHANGES[form.action.data](
                actor(), group_id=group.id, reason=form.reason.data or "", now=services.clock_now()
            )
        except ReservationError as error:
            extra = put_error(form, error)
        else:
            status = services.status_of(changed, today())
            flash(
                _(
                    "%(name)s is now: %(status)s.",
                    name=changed.name,
                    status=words.word(words.GROUP_STATUSES, status),
                ),
                "success",
            )
            return redirect(url_for("counter.group", group_id=group.id))
    if not form.action.choices:
        # No change is open to the group now, so the page has no form: what went wrong
        # goes to the summary, which must not link to a control that is not there.
        for field in form:
            extra += [(None, message) for message in field.errors]
            field.errors = []
    return render("group_status.html", group=group, standing=standing, form=form, extra=extra)
