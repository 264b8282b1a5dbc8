"""The counter's pages. Each parses a staff form, calls one service with the staff
member as actor (channel "counter") and the resident named, and words the outcome."""

from __future__ import annotations

import math
from datetime import date, timedelta

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from reservations import services
from reservations.errors import (
    ErrorCode,
    InvalidCredentials,
    NotFound,
    PossibleDuplicate,
    ReservationError,
    TooManyAttempts,
)
from reservations.services import Reservation, Resident

from .. import formatting
from ..i18n import current_locale
from ..ids import parse_id
from ..ratelimit import sign_in_limits, until_after
from ..security import safe_next
from ..ui import localized
from . import words
from .auth import (
    current_staff,
    current_ticket,
    end_staff_session,
    renew_staff_session,
    start_staff_session,
)
from .blueprint import bp
from .common import (
    actor,
    add_error,
    attach_error,
    date_error,
    find_unit,
    query_form,
    render,
    slot_args,
    today,
    typed_day,
    unit_choices,
)
from .forms import (
    ActionForm,
    BlocksForm,
    BookForm,
    CancelForm,
    ChangeForm,
    ChangePasswordForm,
    ChooseForm,
    DaySheetForm,
    ExemptionForm,
    PaymentForm,
    RefundPayoutForm,
    RegisterForm,
    SearchForm,
    SignInForm,
)
from .messages import describe
from .parsing import parse_day
from .refunds import rule_text as refund_rule


@bp.context_processor
def helpers() -> dict:
    return words.template_helpers()


@bp.errorhandler(NotFound)
def not_found(error):
    return render("not_found.html", status=404)


@bp.errorhandler(CSRFError)
def form_expired(error):
    return render("form_expired.html", status=400)


# --------------------------------------------------------------------- signing in


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    extra = []
    retry_after = None
    if request.method == "POST":
        source = f"counter:{request.remote_addr or 'unknown'}"
        limits = sign_in_limits()
        retry_after = limits.retry_after(source)
        if retry_after is not None:
            until = until_after(services.clock_now(), retry_after)
            extra = [("#username", describe(TooManyAttempts(until=until)))]
        elif form.validate_on_submit():
            try:
                staff = services.sign_in_staff(
                    form.username.data,
                    form.password.data,
                    now=services.clock_now(),
                    source=source,
                )
            except (InvalidCredentials, TooManyAttempts) as error:
                left = limits.count_failure(source)
                if isinstance(error, TooManyAttempts):
                    retry_after = max(
                        1, math.ceil((error.params["until"] - services.clock_now()).total_seconds())
                    )
                elif left == 0:
                    retry_after = limits.retry_after(source) or 60
                    error = TooManyAttempts(until=until_after(services.clock_now(), retry_after))
                elif left == 1:
                    error = InvalidCredentials(attempts_left=1)  # this computer's last try
                extra = [("#username", describe(error))]
            except ReservationError as error:
                extra = [("#username", describe(error))]
            else:
                start_staff_session(staff)
                flash(_("Signed in as %(name)s.", name=staff.display_name), "success")
                return redirect(
                    safe_next(form.next.data, url_for("counter.home"), under="/counter/")
                )
    if retry_after is None:
        return render("sign_in.html", form=form, extra=extra)
    page, status = render("sign_in.html", form=form, extra=extra, status=429)
    return page, status, {"Retry-After": str(retry_after)}


@bp.post("/sign-out")
def sign_out():
    ticket = current_ticket()
    services.sign_out_staff(
        actor(), now=services.clock_now(), session_id=ticket.id if ticket else None
    )
    end_staff_session()
    flash(_("You have signed out."), "success")
    return redirect(url_for("counter.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Any staff member's own password; the only page a temporary password opens."""
    form = ChangePasswordForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    extra: list = []
    if form.validate_on_submit():
        try:
            staff = services.change_own_password(
                actor(),
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                now=services.clock_now(),
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            renew_staff_session(staff)
            flash(_("Your password is changed."), "success")
            return redirect(safe_next(form.next.data, url_for("counter.home"), under="/counter/"))
    return render("change_password.html", form=form, extra=extra)


@bp.post("/session/extend")
def extend_session():
    """Any counter request counts as activity; this one does nothing else. The page's
    script sends it in the background (no page to show, so no notice)."""
    form = ActionForm()
    if request.form.get("background"):
        return "", 204
    flash(_("You are still signed in."), "success")
    return redirect(safe_next(form.next.data, url_for("counter.home"), under="/counter/"))


# ------------------------------------------------------------------ finding people


# The last resident search, kept in the (signed) session instead of the URL.
SEARCH_KEY = "counter_search"


@bp.route("/", methods=["GET", "POST"])
def home():
    """Find a resident. The search is sent by POST and kept in the session, and its
    results are shown at /counter/search: a name, kana or phone number typed here never
    reaches a URL, so neither the access log nor the browser's history holds it. The
    results page can be reloaded and gone back to (it shows the last search)."""
    form = SearchForm()
    if form.validate_on_submit():
        query = (form.q.data or "").strip()
        if len(query) > services.SEARCH_MAX_LENGTH:
            add_error(
                form.q,
                _(
                    "Search with at most %(count)d characters: a name, kana, "
                    "registration number or phone number.",
                    count=services.SEARCH_MAX_LENGTH,
                ),
            )
        elif query:
            session[SEARCH_KEY] = query
            return redirect(url_for("counter.search_results"))
    return _search_page(form, "")


@bp.get("/search")
def search_results():
    query = session.get(SEARCH_KEY)
    if not query:
        return redirect(url_for("counter.home"))
    return _search_page(SearchForm(formdata=None, q=query), query)


def _search_page(form: SearchForm, query: str):
    residents = services.find_residents(query) if query else []
    groups = services.find_groups(query) if query else []
    reservation = services.find_reservation(query) if query else None
    return render(
        "home.html",
        form=form,
        query=query,
        residents=residents,
        groups=groups,
        group_status={g.id: services.status_of(g, today()) for g in groups},
        reservation=reservation,
        search_page=True,
    )


def _exemption_choices(form: RegisterForm) -> None:
    form.exemption.choices = [("", _("None"))] + [
        (exemption.code, localized(exemption)) for exemption in services.list_exemptions()
    ]
    form.exemption_evidence.choices = [("", _("None (no exemption)"))] + [
        (code, words.word(words.EVIDENCE, code)) for code in services.EXEMPTION_EVIDENCE
    ]


def _residents_numbered(numbers) -> list[Resident]:
    found = []
    for number in numbers:
        found += [r for r in services.find_residents(number) if r.registration_no == number]
    return found


@bp.route("/residents/new", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    _exemption_choices(form)
    matches: list[Resident] = []
    extra: list = []
    if form.validate_on_submit():
        valid_until = typed_day(form.exemption_valid_until)
        if valid_until is not False:
            try:
                resident, pin = services.register_resident(
                    actor(),
                    name=form.name.data,
                    name_kana=form.name_kana.data,
                    phone=form.phone.data,
                    district=form.district.data,
                    is_resident=form.is_resident.data == "yes",
                    exemption_code=form.exemption.data or None,
                    exemption_evidence=form.exemption_evidence.data or None,
                    exemption_valid_until=valid_until,
                    now=services.clock_now(),
                    allow_duplicate=form.confirm_different.data,
                )
            except PossibleDuplicate as error:
                matches = _residents_numbered(error.params.get("matches", []))
                add_error(form.confirm_different, describe(error))
            except ReservationError as error:
                extra = attach_error(form, error)
            else:
                return registration_slip(resident, pin, new=True)
    return render("register.html", form=form, matches=matches, extra=extra)


def registration_slip(resident: Resident, pin: str, *, new: bool):
    """The slip with the PIN: shown once, in this response only, never stored."""
    body, status = render(
        "registration_slip.html",
        resident=resident,
        pin=pin,
        new=new,
        slip_page=True,
        services_now=services.clock_now(),
        public_url=current_app.config["PUBLIC_BASE_URL"],
    )
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/residents/<int:resident_id>")
def resident(resident_id: int):
    return resident_page(services.get_resident(resident_id))


def resident_page(person: Resident, extra: list | None = None, status: int = 200):
    """The resident's page; `extra` is a refusal for its error summary (an answer to a
    waitlist offer that came too late)."""
    now = services.clock_now()
    mine = services.reservations_of(person.id, now=now)
    return render(
        "resident.html",
        status=status,
        extra=extra or [],
        waitlist=services.waitlist_of(person.id, now),
        lottery_applications=services.applications_of(person.id),
        resident=person,
        upcoming=mine.upcoming,
        past=mine.past,
        more_past=mine.more_past,
        phone=_phone(person),
        memberships=services.groups_of(person.id),
        series_list=services.series_of(resident_id=person.id),
        seasons=services.preparing_seasons(),
        is_admin=current_staff().is_admin,
        group_status={
            m.group_id: services.status_of(m.group, today()) for m in services.groups_of(person.id)
        },
        form=ActionForm(),
        message_languages=services.MESSAGE_LANGUAGES,
        disowned_callbacks=[c for c in services.callbacks_of(person.id) if c.status == "disowned"],
        message_language_name=lambda code: words.word(words.MESSAGE_LANGUAGES, code),
    )


def _phone(person: Resident) -> str:
    return services.format_phone_national(person.phone_e164) if person.phone_e164 else ""


@bp.post("/residents/<int:resident_id>/pin")
def reset_pin(resident_id: int):
    person = services.get_resident(resident_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    pin = services.set_pin(actor(), resident_id=person.id, now=services.clock_now())
    return registration_slip(services.get_resident(person.id), pin, new=False)


@bp.post("/residents/<int:resident_id>/unlock")
def unlock(resident_id: int):
    person = services.get_resident(resident_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.unlock_resident(actor(), resident_id=person.id, now=services.clock_now())
    flash(_("The resident can sign in with their PIN again."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


@bp.post("/residents/<int:resident_id>/language")
def resident_language(resident_id: int):
    """The language of the resident's SMS and calls, as they asked at the counter."""
    person = services.get_resident(resident_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.set_preferred_language(
            actor(),
            resident_id=person.id,
            language=request.form.get("language", ""),
            now=services.clock_now(),
        )
    except ReservationError as error:  # only a tampered form: the page offers the others
        flash(describe(error), "warning")
    else:
        flash(_("Saved: the resident's messages will be in that language."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


# ------------------------------------------------------------- booking and changing


def _group_asked() -> services.Group | None:
    """The group a counter booking is for (?group=), when one is named."""
    if not request.args.get("group"):
        return None
    group_id = parse_id(request.args.get("group"))
    if group_id is None:
        abort(404)
    return services.get_group(group_id)


def choose(
    person: Resident,
    reservation: Reservation | None,
    group: services.Group | None,
    refused: list | None = None,
    status: int = 200,
):
    """Pick a unit and a day, see the day's blocks in words, tick the blocks; a booked
    block can be waited for (キャンセル待ち), and the day's waiters are listed.
    `refused` is a refusal to join the waitlist, for the error summary."""
    facilities = services.list_facilities()
    form = query_form(ChooseForm)
    form.unit.choices = unit_choices(facilities)
    form.group.data = str(group.id) if group is not None and reservation is None else ""
    if reservation is not None and not request.args:
        form.unit.data = str(reservation.unit_id)
        form.day.data = reservation.date.isoformat()
    if not form.day.data:
        form.day.data = today().isoformat()
    unit = find_unit(facilities, form.unit.data)
    day = parse_day(form.day.data, today())
    if day is None:
        add_error(form.day, date_error())
    blocks_form = None
    availability = None
    waiters: list = []
    extra: list = list(refused or [])
    here = (
        url_for("counter.change", reservation_id=reservation.id)
        if reservation
        else url_for("counter.book", resident_id=person.id)
    )
    group_id = group.id if group is not None else None
    if unit is not None and day is not None:
        availability = services.availability(
            unit.id,
            day,
            day,
            now=services.clock_now(),
            resident_id=None if group_id else person.id,
            group_id=group_id,
        )[0]
        if reservation is None:
            waiters = services.slot_waiters(actor(), unit.id, day, services.clock_now())
        selectable = services.choosable_statuses(actor(), changing=reservation is not None)
        blocks_form = query_form(BlocksForm)
        blocks_form.blocks.choices = [
            (
                cell.block.id,
                f"{localized(cell.block)} {cell.block.start_time.hour}:{cell.block.start_time.minute:02d}",
            )
            for cell in availability.blocks
        ]
        disabled = [cell.block.id for cell in availability.blocks if cell.status not in selectable]
        # On a closed day the page shows why instead of the blocks: there is nothing to
        # choose, and an error could not point at the blocks.
        if request.args.get("go") and not availability.closed:
            chosen = [b for b in (blocks_form.blocks.data or []) if b not in disabled]
            if not chosen:
                add_error(blocks_form.blocks, _("Choose at least one free time block"))
            else:
                try:
                    services.quote(unit.id, day, chosen, resident_id=person.id, group_id=group_id)
                except ReservationError as error:
                    extra = attach_error(blocks_form, error, default_field="blocks")
                else:
                    target = "counter.change_confirm" if reservation else "counter.book_confirm"
                    key = (
                        {"reservation_id": reservation.id}
                        if reservation
                        else {"resident_id": person.id, "group": group_id}
                    )
                    return redirect(
                        url_for(target, **key, unit=unit.id, day=day.isoformat(), blocks=chosen)
                    )
        blocks_form.disabled = disabled
    return render(
        "choose.html",
        status=status,
        waiters=waiters,
        resident=person,
        reservation=reservation,
        form=form,
        blocks_form=blocks_form,
        unit=unit,
        day=day,
        availability=availability,
        extra=extra,
        here=here,
        group=group,
        group_arg=form.group.data,
        timedelta=timedelta,
    )


@bp.get("/residents/<int:resident_id>/book")
def book(resident_id: int):
    return choose(services.get_resident(resident_id), None, _group_asked())


def _asker(reservation: Reservation) -> Resident:
    """The person a reservation names: its resident, or the member who booked it for
    their group."""
    return reservation.resident or reservation.booked_by


@bp.get("/reservations/<int:reservation_id>/change")
def change(reservation_id: int):
    reservation = services.get_reservation(actor(), reservation_id)
    return choose(_asker(reservation), reservation, reservation.group)


def _confirm(person: Resident, reservation: Reservation | None, group: services.Group | None):
    slot = slot_args()
    group_id = group.id if group is not None else None
    back = (
        url_for("counter.change", reservation_id=reservation.id)
        if reservation
        else url_for("counter.book", resident_id=person.id, group=group_id)
    )
    if slot is None:
        return redirect(back)
    unit_id, day, block_ids = slot
    try:
        quoted = services.quote(unit_id, day, block_ids, resident_id=person.id, group_id=group_id)
    except ReservationError as error:
        flash(describe(error), "error")
        return redirect(back)
    form = ChangeForm() if reservation else BookForm()
    extra: list = []
    just_taken = False  # taken meanwhile: the page offers the waiting list instead
    paused = (
        None
        if reservation
        else services.no_show_pause(
            resident_id=None if group_id else person.id,
            group_id=group_id,
            now=services.clock_now(),
        )
    )
    if form.validate_on_submit():
        override_reason = (form.override_reason.data or "") if form.override.data else None
        try:
            if reservation is None:
                done = services.book(
                    actor(),
                    resident_id=person.id,
                    group_id=group_id,
                    unit_id=unit_id,
                    day=day,
                    block_ids=block_ids,
                    now=services.clock_now(),
                    override_reason=override_reason,
                    restriction_reason=form.restriction_reason.data if paused else None,
                )
                flash(
                    _("Booked. The reservation number is %(number)s.", number=done.number),
                    "success",
                )
            else:
                done = services.change(
                    actor(),
                    reservation_id=reservation.id,
                    unit_id=unit_id,
                    day=day,
                    block_ids=block_ids,
                    now=services.clock_now(),
                    reason=form.reason.data,
                    override_reason=override_reason,
                )
                flash(
                    _("Changed. The reservation number stays %(number)s.", number=done.number),
                    "success",
                )
        except ReservationError as error:
            # Clerks see no override controls: a refusal of one goes to the summary.
            shown = None if services.may_override(actor()) else {"reason", "restriction_reason"}
            extra = attach_error(form, error, shown=shown)
            just_taken = reservation is None and error.code == ErrorCode.SLOT_TAKEN
        else:
            return redirect(url_for("counter.reservation", reservation_id=done.id))
    joiner = "&" if "?" in back else "?"
    back_to_day = f"{back}{joiner}unit={unit_id}&day={day.isoformat()}"
    return render(
        "confirm.html",
        may_override=services.may_override(actor()),
        resident=person,
        group=group,
        reservation=reservation,
        quote=quoted,
        cancel_passed=quoted.cancel_deadline_passed(services.clock_now()),
        form=form,
        extra=extra,
        back=back_to_day,
        paused=paused,
        just_taken=just_taken,
        group_arg=group_id,
    )


@bp.route("/residents/<int:resident_id>/book/confirm", methods=["GET", "POST"])
def book_confirm(resident_id: int):
    return _confirm(services.get_resident(resident_id), None, _group_asked())


@bp.route("/reservations/<int:reservation_id>/change/confirm", methods=["GET", "POST"])
def change_confirm(reservation_id: int):
    reservation = services.get_reservation(actor(), reservation_id)
    return _confirm(_asker(reservation), reservation, reservation.group)


# ------------------------------------------------------- the waitlist (キャンセル待ち)
# A clerk puts the resident in front of them (or one of their groups) in line for a
# booked block from the booking page, and answers an offer for them, or takes them out
# of line, from their page; done as the clerk for the resident (the trail names both).


def _checked_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/residents/<int:resident_id>/waitlist")
def join_waitlist(resident_id: int):
    """Join for the resident (or ?group=) the line for one booked block of the day the
    booking page shows (?unit=&day=): the form posts to that page's address."""
    person = services.get_resident(resident_id)
    group = _group_asked()
    _checked_action()
    unit_id = parse_id(request.args.get("unit"))
    block_id = parse_id(request.form.get("block"))
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if unit_id is None or block_id is None or day is None:
        abort(400)
    try:
        entry = services.join_waitlist(
            actor(),
            resident_id=person.id,
            group_id=group.id if group is not None else None,
            unit_id=unit_id,
            day=day,
            block_ids=[block_id],
            now=services.clock_now(),
        )
    except ReservationError as error:
        return choose(person, None, group, refused=[(None, describe(error))], status=409)
    place = services.waitlist_place(actor(), entry.id, services.clock_now())
    flash(
        _(
            "On the waiting list for %(name)s: number %(position)d in line.",
            name=entry.holder_name or person.name,
            position=place.position,
        ),
        "success",
    )
    return redirect(url_for("counter.resident", resident_id=person.id))


def _answer(entry_id: int, answer):
    """Answer for the waiter; a refusal goes to the error summary of their page."""
    _checked_action()
    place = services.waitlist_place(actor(), entry_id, services.clock_now())
    person = place.entry.resident or place.entry.asked_by
    try:
        return answer(actor(), entry_id=entry_id, now=services.clock_now()), person, None
    except ReservationError as error:
        return None, person, resident_page(person, extra=[(None, describe(error))], status=409)


@bp.post("/waitlist/<int:entry_id>/accept")
def accept_offer(entry_id: int):
    reservation, _person, refused = _answer(entry_id, services.accept_offer)
    if refused is not None:
        return refused
    flash(
        _("Offer accepted. The reservation number is %(number)s.", number=reservation.number),
        "success",
    )
    return redirect(url_for("counter.reservation", reservation_id=reservation.id))


@bp.post("/waitlist/<int:entry_id>/decline")
def decline_offer(entry_id: int):
    _entry, person, refused = _answer(entry_id, services.decline_offer)
    if refused is not None:
        return refused
    flash(_("Offer declined: the time goes to the next person waiting."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


@bp.post("/waitlist/<int:entry_id>/leave")
def leave_waitlist(entry_id: int):
    _entry, person, refused = _answer(entry_id, services.leave_waitlist)
    if refused is not None:
        return refused
    flash(_("Taken off the waiting list."), "success")
    return redirect(url_for("counter.resident", resident_id=person.id))


# -------------------------------------------------------------------- reservations


def _booking_exemption_choices(form: ExemptionForm) -> None:
    form.category.choices = [("", _("No exemption (refuse it)"))] + [
        (category.code, f"{localized(category)} ({category.percent}%)")
        for category in services.list_exemptions()
    ]


def reservation_page(
    reservation: Reservation,
    payment_form=None,
    extra=(),
    status=200,
    exemption_form=None,
    refund_form=None,
):
    actions = services.reservation_actions(actor(), reservation.id, services.clock_now())
    extra = list(extra)
    refund = services.refund_for(reservation.id)
    refund_form = refund_form or RefundPayoutForm(formdata=None)
    if refund is None or not refund.is_owed:
        for field in refund_form:  # no payout form on the page: errors go to the summary
            extra += [(None, message) for message in field.errors]
            field.errors = []
    exemption_form = exemption_form or ExemptionForm(formdata=None)
    _booking_exemption_choices(exemption_form)
    if not actions.may_set_exemption:
        for field in exemption_form:
            extra += [(None, message) for message in field.errors]
            field.errors = []
    payment_form = payment_form or PaymentForm()
    payment_form.status.choices = [
        (code, words.word(words.PAYMENT_CHOICES, code)) for code in actions.payment_statuses
    ]
    if not actions.may_pay:
        # The page shows no payment form (cancelled, or settled already): its errors
        # go to the summary, which must not link to a control that is not there.
        for field in payment_form:
            extra += [(None, message) for message in field.errors]
            field.errors = []
    return render(
        "reservation.html",
        status=status,
        may_extend=services.may_extend_hold(actor(), actions.reservation),
        terms=services.hold_terms(actions.reservation, services.clock_now()),
        reservation=actions.reservation,
        actions=actions,
        deadline=actions.deadline,
        payment_form=payment_form,
        exemption_form=exemption_form,
        extra=extra,
        staff_names=_staff_names(reservation, refund),
        series_position=services.series_position(actions.reservation),
        refund=refund,
        refund_form=refund_form,
        refund_rule=refund_rule(refund) if refund else "",
        refund_method=words.word(words.REFUND_METHODS, refund.method)
        if refund and refund.method
        else "",
    )


def _staff_names(reservation: Reservation, refund=None) -> dict:
    ids = {
        reservation.created_by_staff_id,
        reservation.paid_by_staff_id,
        reservation.cancelled_by_staff_id,
        refund.paid_out_by_staff_id if refund else None,
    } - {None}
    return {staff_id: services.get_staff(staff_id) for staff_id in ids}


@bp.get("/reservations/<int:reservation_id>")
def reservation(reservation_id: int):
    found = services.get_reservation(actor(), reservation_id)
    if found.is_staff_block:  # the town's own use: its page is the block's
        return redirect(url_for("counter.cancel_block", reservation_id=found.id))
    return reservation_page(found)


@bp.post("/reservations/<int:reservation_id>/payment")
def payment(reservation_id: int):
    booked = services.get_reservation(actor(), reservation_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            services.record_payment(
                actor(), reservation_id=booked.id, status=form.status.data, now=services.clock_now()
            )
        except ReservationError as error:
            return reservation_page(booked, form, attach_error(form, error, "status"), 409)
        flash(
            _("Payment recorded: %(status)s.", status=words.word(words.PAYMENTS, form.status.data)),
            "success",
        )
        return redirect(url_for("counter.reservation", reservation_id=booked.id))
    return reservation_page(booked, form, status=400)


@bp.post("/refunds/<int:refund_id>/pay-out")
def pay_out_refund(refund_id: int):
    refund = services.get_refund(actor(), refund_id)
    booked = services.get_reservation(actor(), refund.reservation_id)
    form = RefundPayoutForm()
    if not form.validate_on_submit():
        return reservation_page(booked, refund_form=form, status=400)
    try:
        services.pay_out_refund(
            actor(), refund_id=refund.id, method=form.method.data, now=services.clock_now()
        )
    except ReservationError as error:
        extra = attach_error(form, error, default_field=None)
        return reservation_page(booked, refund_form=form, extra=extra, status=409)
    flash(
        _(
            "Refund of %(amount)s recorded as paid out.",
            amount=formatting.format_yen(refund.amount_yen, current_locale()),
        ),
        "success",
    )
    return redirect(url_for("counter.reservation", reservation_id=booked.id))


@bp.post("/reservations/<int:reservation_id>/exemption")
def exemption(reservation_id: int):
    """Staff grant or refuse this one booking's exemption, with a reason."""
    booked = services.get_reservation(actor(), reservation_id)
    form = ExemptionForm()
    _booking_exemption_choices(form)
    if not form.validate_on_submit():
        return reservation_page(booked, exemption_form=form, status=400)
    try:
        done = services.set_booking_exemption(
            actor(),
            reservation_id=booked.id,
            category_code=form.category.data or None,
            reason=form.reason.data or "",
            now=services.clock_now(),
        )
    except ReservationError as error:
        extra = attach_error(form, error, default_field=None)
        return reservation_page(booked, exemption_form=form, extra=extra, status=409)
    flash(
        _(
            "Exemption recorded. The fee to pay is now %(fee)s.",
            fee=formatting.format_yen(done.fee_yen, current_locale()),
        ),
        "success",
    )
    return redirect(url_for("counter.reservation", reservation_id=booked.id))


@bp.route("/reservations/<int:reservation_id>/cancel", methods=["GET", "POST"])
def cancel(reservation_id: int):
    booked = services.get_reservation(actor(), reservation_id)
    form = CancelForm()
    extra: list = []
    if form.validate_on_submit():
        try:
            services.cancel(
                actor(), reservation_id=booked.id, now=services.clock_now(), reason=form.reason.data
            )
        except ReservationError as error:
            extra = attach_error(form, error)
        else:
            flash(_("Reservation %(number)s is cancelled.", number=booked.number), "success")
            return redirect(url_for("counter.reservation", reservation_id=booked.id))
    actions = services.reservation_actions(actor(), booked.id, services.clock_now())
    return render(
        "cancel.html",
        reservation=booked,
        form=form,
        extra=extra,
        deadline=actions.deadline,
        after_deadline=actions.after_deadline,
        series_position=services.series_position(booked),
        refund_quote=services.refund_quote(booked, services.clock_now())
        if booked.is_active
        else None,
    )


@bp.get("/reservations/<int:reservation_id>/slip")
def slip(reservation_id: int):
    booked = services.get_reservation(actor(), reservation_id)
    return render(
        "slip.html",
        reservation=booked,
        slip_page=True,
        deadline=services.cancellation_deadline(booked),
    )


@bp.get("/reservations/<int:reservation_id>/permit")
def permit(reservation_id: int):
    """The permit (使用許可書) to print: once paid, exempt or free (it has a number)."""
    booked = services.get_reservation(actor(), reservation_id)
    if not booked.has_permit:
        abort(404)
    return render("permit.html", reservation=booked, slip_page=True)


@bp.get("/reservations/<int:reservation_id>/receipt")
def receipt(reservation_id: int):
    """The receipt (領収書) for a paid fee, to print."""
    booked = services.get_reservation(actor(), reservation_id)
    if not booked.has_receipt:
        abort(404)
    return render(
        "receipt.html",
        reservation=booked,
        received_by=_staff_names(booked).get(booked.paid_by_staff_id),
        slip_page=True,
    )


# ------------------------------------------------------------------------ day sheet


@bp.get("/day")
def day_sheet():
    facilities = services.list_facilities()
    form = query_form(DaySheetForm)
    form.facility.choices = [("", _("All facilities"))] + [
        (str(facility.id), localized(facility)) for facility in facilities
    ]
    if not form.day.data:
        form.day.data = today().isoformat()
    day = parse_day(form.day.data, today())
    if day is None:
        add_error(form.day, date_error())
        day = today()
    chosen = next((f for f in facilities if str(f.id) == form.facility.data), None)
    shown = [chosen] if chosen else facilities
    booked = services.reservations_on(day, chosen.id if chosen else None)
    closed = services.closed_facilities_on(day)
    sheets = [
        (
            facility,
            [r for r in booked if r.unit.facility_id == facility.id],
            closed.get(facility.id),
        )
        for facility in shown
    ]
    return render(
        "day_sheet.html",
        form=form,
        day=day,
        sheets=sheets,
        previous_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )
