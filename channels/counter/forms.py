"""The counter's forms. Only parsing lives here (is it a date, a number, a choice
offered?); what is allowed is for the core to say."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from reservations.services import AuditEntry, Closure, Facility, Group, Reservation, Resident, Staff

from ..limits import Fits
from . import words


class QueryForm(FlaskForm):
    """A GET form: its values come from the query string and it needs no CSRF token."""

    class Meta:
        csrf = False


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[InputRequired(_l("Enter your username"))])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password"))])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token (sign out, unlock, reset
    PIN, stay signed in)."""

    next = HiddenField()


class SearchForm(FlaskForm):
    """Sent by POST: names, kana and phone numbers stay out of URLs and access logs."""

    q = SearchField(_l("Registration number, phone number, name or kana"))


class GroupSearchForm(FlaskForm):
    """Sent by POST, as SearchForm."""

    q = SearchField(_l("Find a resident to add"))


class RegisterForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the resident's name")), Fits(Resident.name)],
    )
    name_kana = StringField(
        _l("Name in kana"),
        validators=[DataRequired(_l("Enter the name in kana")), Fits(Resident.name_kana)],
    )
    phone = StringField(_l("Phone number"), validators=[Optional()])
    district = StringField(_l("District"), validators=[Optional(), Fits(Resident.district)])
    is_resident = RadioField(
        _l("Does the resident live in the town?"),
        choices=[
            SelectChoice("yes", _l("Yes, a town resident")),
            SelectChoice("no", _l("No, from outside the town")),
        ],
        validators=[InputRequired(_l("Choose whether the resident lives in the town"))],
    )
    exemption = SelectField(_l("Fee exemption"), validators=[Optional()])
    exemption_evidence = SelectField(_l("Document seen for the exemption"), validators=[Optional()])
    exemption_valid_until = StringField(
        _l("The document is valid until (optional)"), validators=[Optional()]
    )
    confirm_different = BooleanField(
        _l("I have checked the residents listed above: this is a different person or group")
    )


class ChooseForm(QueryForm):
    unit = SelectField(_l("Facility and room"), coerce=str)
    day = StringField(_l("Date"))
    group = HiddenField()


class BlocksForm(QueryForm):
    unit = HiddenField()
    day = HiddenField()
    group = HiddenField()
    blocks = SelectMultipleField(
        _l("Time blocks"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    go = HiddenField(default="1")


class BookForm(FlaskForm):
    override = BooleanField(_l("Override the booking window or the limit (administrators only)"))
    override_reason = TextAreaField(
        _l("Reason for the override"), validators=[Fits(Reservation.override_reason)]
    )
    restriction_reason = TextAreaField(
        _l("Why the counter books despite the no-show rule"), validators=[Fits(AuditEntry.reason)]
    )


class ChangeForm(BookForm):
    reason = TextAreaField(
        _l("Reason for the change"), validators=[Fits(Reservation.cancel_reason)]
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for cancelling"), validators=[Fits(Reservation.cancel_reason)]
    )


class PaymentForm(FlaskForm):
    status = RadioField(
        _l("Payment"),
        choices=[SelectChoice(code, words.PAYMENT_CHOICES[code]) for code in words.PAYMENT_CHOICES],
        validators=[InputRequired(_l("Choose paid or exempt"))],
    )


class RefundPayoutForm(FlaskForm):
    method = RadioField(
        _l("Paid out"),
        choices=[SelectChoice(code, words.REFUND_METHODS[code]) for code in words.REFUND_METHODS],
        validators=[InputRequired(_l("Choose how the refund was paid out"))],
    )


class RefundMonthForm(QueryForm):
    month = StringField(_l("Month"))


class DaySheetForm(QueryForm):
    day = StringField(_l("Date"))
    facility = SelectField(_l("Facility"), coerce=str)


class AuditFilterForm(QueryForm):
    resident = StringField(_l("Resident's registration number"))
    group = StringField(_l("Group number"))
    staff = SelectField(_l("Staff member"), coerce=str)
    reservation = StringField(_l("Reservation number"))
    start = StringField(_l("From (date)"))
    end = StringField(_l("To (date)"))


ROLE_CHOICES = [SelectChoice(code, label) for code, label in words.ROLES.items()]


class StaffForm(FlaskForm):
    username = StringField(_l("Username"), validators=[Fits(Staff.username)])
    display_name = StringField(
        _l("Name shown in the audit trail"), validators=[Fits(Staff.display_name)]
    )
    role = RadioField(
        _l("Role"),
        choices=ROLE_CHOICES,
        default="clerk",
        validators=[InputRequired(_l("Choose a role"))],
    )
    password = PasswordField(_l("Initial password"))


class RoleForm(FlaskForm):
    role = RadioField(
        _l("Role"), choices=ROLE_CHOICES, validators=[InputRequired(_l("Choose a role"))]
    )


class StaffPasswordForm(FlaskForm):
    """An administrator resets someone's password: empty, and the core makes one."""

    password = PasswordField(_l("Temporary password (optional)"), validators=[Optional()])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[InputRequired(_l("Enter your current password"))]
    )
    new_password = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Enter a new password"))]
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[
            InputRequired(_l("Enter the new password again")),
            EqualTo("new_password", _l("Enter the same new password twice")),
        ],
    )
    next = HiddenField()


class WordedMultiCheckboxField(SelectMultipleField):
    """Checkboxes whose refusal of a value that is not a choice is said in the clerk's
    language (WTForms' own message is English only)."""

    def __init__(self, label, invalid_message, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValueError:
            raise ValidationError(self.invalid_message) from None


def _checkboxes(label, invalid_message, coerce=str):
    return WordedMultiCheckboxField(
        label,
        invalid_message,
        coerce=coerce,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ClosureForm(FlaskForm):
    facility = SelectField(_l("Facility"), coerce=str)
    start = StringField(_l("First day closed"))
    end = StringField(_l("Last day closed"))
    reason = StringField(
        _l("Reason (Japanese, shown to residents)"), validators=[Fits(Closure.reason)]
    )
    reason_en = StringField(
        _l("Reason in English (optional)"), validators=[Optional(), Fits(Closure.reason_en)]
    )
    unit = SelectField(_l("Only this unit (optional)"), coerce=str, validators=[Optional()])
    blocks = _checkboxes(
        _l("Only these time blocks (optional)"), _l("Choose a time block of the list")
    )


class FacilityDetailsForm(FlaskForm):
    """What residents read about a facility (admins): services.FACILITY_DETAILS."""

    address = StringField(_l("Address"), validators=[Fits(Facility.address)])
    address_en = StringField(_l("Address in English"), validators=[Fits(Facility.address_en)])
    directions = TextAreaField(_l("How to get there"), validators=[Fits(Facility.directions)])
    directions_en = TextAreaField(
        _l("How to get there, in English"), validators=[Fits(Facility.directions_en)]
    )
    hours = StringField(_l("Hours of use"), validators=[Fits(Facility.hours)])
    hours_en = StringField(_l("Hours of use, in English"), validators=[Fits(Facility.hours_en)])
    equipment = TextAreaField(_l("Equipment"), validators=[Fits(Facility.equipment)])
    equipment_en = TextAreaField(
        _l("Equipment, in English"), validators=[Fits(Facility.equipment_en)]
    )
    access_note = StringField(_l("Accessibility notes"), validators=[Fits(Facility.access_note)])
    access_note_en = StringField(
        _l("Accessibility notes, in English"), validators=[Fits(Facility.access_note_en)]
    )
    phone = StringField(_l("The facility's telephone (empty: the counter's)"))
    map_url = StringField(_l("Map address (https://…)"), validators=[Fits(Facility.map_url)])


class GroupForm(FlaskForm):
    """Registering a group: its details, then its roster, found with the search that is
    part of the same form (nothing is saved until Register)."""

    name = StringField(_l("Group name"), validators=[Fits(Group.name)])
    name_kana = StringField(_l("Group name in kana"), validators=[Fits(Group.name_kana)])
    purpose = SelectField(_l("What the group does"))
    category = SelectField(_l("Category (fee exemption)"), validators=[Optional()])
    evidence = SelectField(_l("Document seen for the category"), validators=[Optional()])
    evidence_valid_until = StringField(_l("The document is valid until (optional)"))
    declared_members = StringField(_l("Members, as the group declares them"))
    resident_members = StringField(_l("Of them, living in the town"))
    q = SearchField(_l("Find a resident for the roster"))
    representative = StringField(_l("Representative's registration number"))
    contact = StringField(_l("Contact's registration number (optional)"))
    members = TextAreaField(_l("Members' registration numbers"))
    confirm_overlap = BooleanField(
        _l("I have checked the groups listed above: this is a different group")
    )


class RenewForm(FlaskForm):
    declared_members = StringField(_l("Members, as the group declares them"))
    resident_members = StringField(_l("Of them, living in the town"))
    evidence_valid_until = StringField(
        _l("The document for the category is valid until (optional)")
    )


class GroupStatusForm(FlaskForm):
    action = RadioField(
        _l("What to do"), validators=[InputRequired(_l("Choose what to do with the group"))]
    )
    reason = TextAreaField(_l("Reason"), validators=[Fits(Group.status_reason)])


class AddMemberForm(FlaskForm):
    registration_no = StringField(_l("Registration number of the resident to add"))
    role = RadioField(
        _l("Role"),
        choices=[
            SelectChoice("member", words.MEMBER_ROLES["member"]),
            SelectChoice("contact", words.MEMBER_ROLES["contact"]),
        ],
        default="member",
        validators=[InputRequired(_l("Choose a role"))],
    )


class MemberRoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(code, text) for code, text in words.MEMBER_ROLES.items()],
        validators=[InputRequired(_l("Choose a role"))],
    )


class ExemptionForm(FlaskForm):
    """Staff's decision on one booking's exemption: a category, or none, with a reason."""

    category = SelectField(_l("Exemption for this booking"), validators=[Optional()])
    reason = TextAreaField(
        _l("Reason for the decision"), validators=[Fits(Reservation.exemption_reason)]
    )


class UseDayForm(QueryForm):
    """The day list (利用実績): a day and one facility (or all the staff member's)."""

    day = StringField(_l("Date"))
    facility = SelectField(_l("Facility"), coerce=str)


class UseMarkForm(FlaskForm):
    """One booking's mark on the day list: which button, and the keybox code."""

    state = HiddenField()
    access_code = StringField(_l("Keybox code from the slip"))


class CaretakerFacilitiesForm(FlaskForm):
    facilities = SelectMultipleField(
        _l("Facilities"),
        coerce=str,
        validate_choice=False,  # the core refuses an unknown facility, in words
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class SeriesForm(FlaskForm):
    """A series (定期利用): whom for (from the address), the unit, weekdays and blocks,
    the dates, the dates to skip, the purpose and the fee rule. `action` says whether
    to preview it or, after the preview, to book it; `expected` carries the dates the
    preview showed."""

    resident = HiddenField()
    group = HiddenField()
    unit = SelectField(_l("Facility and unit"))
    weekdays = _checkboxes(_l("Weekdays"), _l("Choose at least one weekday"))
    blocks = _checkboxes(_l("Time blocks"), _l("Choose at least one time block"))
    first_date = StringField(_l("First date"))
    last_date = StringField(_l("Last date"))
    exceptions = TextAreaField(_l("Dates to skip (optional)"), validators=[Optional()])
    skip_holidays = BooleanField(_l("Skip national holidays"), default=True)
    purpose = StringField(_l("Purpose (optional)"), validators=[Optional()])
    fee_rule = RadioField(_l("Fee"), default="standard")
    exemption = SelectField(_l("Exemption category granted"), validators=[Optional()])
    fee_reason = TextAreaField(_l("Reason for the fee decision"), validators=[Optional()])
    expected = HiddenField()
    # A draft of this allocation season (利用調整) instead of booking it now.
    season = HiddenField()


class BlockForm(FlaskForm):
    """A staff block (行政使用): the unit, the date, the blocks, the kind and a note;
    after the preview, whether to cancel the reservations in the way and why.
    `expected` carries the numbers the preview showed."""

    unit = SelectField(_l("Facility and unit"))
    day = StringField(_l("Date"))
    blocks = _checkboxes(_l("Time blocks"), _l("Choose at least one time block"))
    kind = RadioField(_l("Kind of town use"))
    note = TextAreaField(
        _l("Note (optional, for staff)"), validators=[Optional(), Fits(Reservation.block_note)]
    )
    cancel_in_the_way = BooleanField(_l("Cancel the reservations in the way"))
    reason = TextAreaField(
        _l("Reason for cancelling them (the residents are told)"), validators=[Optional()]
    )
    expected = HiddenField()


class BlockCancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for lifting the block"))


class SeriesCancelFromForm(FlaskForm):
    from_date = StringField(_l("Cancel every date from"))
    reason = TextAreaField(_l("Reason for cancelling"))


class SeriesExtendForm(FlaskForm):
    last_date = StringField(_l("New last date"))
    expected = HiddenField()


class SeasonForm(FlaskForm):
    """A new allocation season (利用調整): its name and a day of its year."""

    name = StringField(_l("Name of the season"))
    day = StringField(_l("First day of the season"))


class SeasonCommitForm(FlaskForm):
    """Commit a season; `key` carries the dates its review showed."""

    key = HiddenField()


class SeriesWithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawing it"))


class StatisticsForm(QueryForm):
    """The statistics' period (from, to) and a facility or one of its rooms."""

    start = StringField(_l("From (date)"))
    end = StringField(_l("To (date)"))
    facility = SelectField(_l("Facility"), coerce=str, validate_choice=False)
    unit = SelectField(_l("Room or area"), coerce=str, validate_choice=False)


class ExtendHoldForm(FlaskForm):
    """An administrator's extension of a hold's payment due time, with a reason."""

    last_day = StringField(_l("New last day to pay"))
    reason = TextAreaField(_l("Reason for the extension"))


class SignInStopForm(FlaskForm):
    """Staff stop an account's sign-in: why (kept in the audit trail)."""

    reason = TextAreaField(
        _l("Why sign-in is stopped"), validators=[Fits(Resident.sign_in_stop_reason)]
    )
