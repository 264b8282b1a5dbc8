"""What is fuzzed, endpoint by endpoint: the fields each form posts and the query
parameters each page reads, each with a strategy close to what it expects (so that
some input gets past the first check) mixed with anything at all.

test_inventory.py checks that every route of the web, counter and phone channels is
here, so a new form or page without fuzzing fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from hypothesis import strategies as st

from tests.channels import redirects

from . import strategies as s
from .conftest import Town

Fields = Callable[[Town], dict[str, st.SearchStrategy]]


def _ids(*known: int) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(i) for i in known]), s.ids)


def _reg_no() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text("0123456789", min_size=6, max_size=6),
        s.fullwidth_digits,
        s.odd_digits,
        st.sampled_from(["123-456", " 1 2 3 4 5 6 ", "000000"]),
    )


def _pin() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text("0123456789", min_size=4, max_size=4), s.fullwidth_digits, s.odd_digits
    )


def _next() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "/",
                "//evil.example",
                "https://evil.example/",
                "/\\evil",
                "/counter/",
                "/counter//x",
                "javascript:alert(1)",
                "/my-reservations",
                "/%0d%0aSet-Cookie:x=1",
                "/" + "a" * 5000,
            ]
        ),
        st.sampled_from(redirects.COUNTER),
        st.builds("/{}/evil.example".format, st.characters(codec="utf-8")),
    )


# ---------------------------------------------------------------------------- web


def _lottery_choices(t: Town, for_whom: bool = False) -> dict[str, st.SearchStrategy]:
    """A lottery application's ranked choices (unit_1, day_1, block_1, ...), a rank
    beyond the round's maximum, one block given as several ("3-4") and, to apply,
    for whom."""
    fields: dict[str, st.SearchStrategy] = {
        "unit_1": _ids(t.unit_id),
        "day_1": s.any_date,
        "block_1": st.one_of(_ids(*t.block_ids), st.just("-".join(map(str, t.block_ids)))),
        "unit_2": s.value,
        "day_2": s.value,
        "block_2": s.value,
        "unit_9": _ids(t.unit_id),
        "day_9": s.any_date,
        "block_9": _ids(*t.block_ids),
    }
    if for_whom:
        fields["for_whom"] = st.one_of(st.sampled_from(["self", str(t.group_id), ""]), s.value)
    return fields


WEB_FORMS: dict[str, Fields] = {
    "web.sign_in": lambda t: {
        "registration_no": st.one_of(_reg_no(), st.just(t.sato_no)),
        "pin": _pin(),
    },
    "web.blocks": lambda t: {"blocks": _ids(*t.block_ids)},
    "web.confirm": lambda t: {
        "key": s.value,
        "for_whom": st.one_of(st.sampled_from(["self", str(t.group_id), ""]), s.value),
    },
    "web.cancel": lambda t: {"confirm": s.value},
    "web.change_blocks": lambda t: {"blocks": _ids(*t.block_ids)},
    "web.change_confirm": lambda t: {},
    "web.sign_out": lambda t: {},
    "web.messages_language": lambda t: {
        "language": st.one_of(st.sampled_from(["ja", "en", ""]), s.value)
    },
    "web.extend_session": lambda t: {"next": _next()},
    "web.join_waitlist": lambda t: {
        "unit": _ids(t.unit_id),
        "day": s.any_date,
        "block": _ids(*t.block_ids),
        "for_whom": st.one_of(st.sampled_from(["self", str(t.group_id), ""]), s.value),
    },
    "web.accept_offer": lambda t: {},
    "web.decline_offer": lambda t: {},
    "web.leave_waitlist": lambda t: {},
    "web.lottery_apply": lambda t: _lottery_choices(t, for_whom=True),
    "web.lottery_change": lambda t: _lottery_choices(t),
    "web.lottery_withdraw": lambda t: {},
    "web.lottery_confirm": lambda t: {},
    "web.lottery_decline": lambda t: {},
}

WEB_QUERIES: dict[str, Fields] = {
    "web.lottery_results": lambda t: {},
    "web.lottery_rounds": lambda t: {},
    "web.lottery_apply": lambda t: {},
    "web.lottery_received": lambda t: {},
    "web.my_lottery": lambda t: {},
    "web.lottery_change": lambda t: {},
    "web.lottery_withdraw": lambda t: {},
    "web.home": lambda t: {},
    "web.facilities": lambda t: {},
    "web.open_data_facilities": lambda t: {},
    "web.open_data_occupancy": lambda t: {},
    "web.open_data_availability": lambda t: {},
    "web.facility": lambda t: {},
    "web.availability": lambda t: {
        "week": s.any_date,
        "month": st.one_of(s.any_date.map(lambda d: d[:7]), s.value),
        "date": s.any_date,
    },
    "web.blocks": lambda t: {"block": _ids(*t.block_ids)},
    "web.change": lambda t: {"date": s.any_date, "unit": _ids(t.unit_id)},
    "web.change_blocks": lambda t: {},
    "web.change_confirm": lambda t: {},
    "web.search": lambda t: {
        "date": s.any_date,
        "part": st.sampled_from(["", "morning", "afternoon", "evening", "midnight"]),
        "kind": st.sampled_from(["", "gym", "room", "tennis", "casino"]),
        "step_free": st.sampled_from(["", "y", "on"]),
    },
    "web.confirm": lambda t: {},
    "web.booked": lambda t: {},
    "web.print_view": lambda t: {},
    "web.calendar": lambda t: {},
    "web.permit": lambda t: {},
    "web.receipt": lambda t: {},
    "web.my_reservations": lambda t: {"page": s.numbers},
    "web.cancel": lambda t: {},
    "web.join_waitlist": lambda t: {
        "unit": _ids(t.unit_id),
        "day": s.any_date,
        "block": _ids(*t.block_ids),
    },
    "web.my_waitlist": lambda t: {},
    "web.sign_in": lambda t: {"next": _next()},
    "web.date_style": lambda t: {"next": _next()},
    "language.choose_language": lambda t: {"next": _next()},
}

# ------------------------------------------------------------------------ counter

_REASON = st.one_of(s.any_text, s.control, st.just("   "), s.huge_text)

COUNTER_FORMS: dict[str, Fields] = {
    "counter.sign_in": lambda t: {
        "username": st.sampled_from(["clerk", "admin", " clerk ", ""]),
        "password": s.value,
        "next": _next(),
    },
    "counter.sign_out": lambda t: {},
    "counter.extend_session": lambda t: {"next": _next(), "background": s.value},
    "counter.change_password": lambda t: {
        "current_password": s.value,
        "new_password": s.value,
        "new_password_again": s.value,
        "next": _next(),
    },
    "counter.register": lambda t: {
        "name": s.value,
        "name_kana": s.value,
        "phone": st.one_of(
            st.sampled_from(
                [
                    "090-1234-5678",
                    "０９０－１２３４－５６７８",
                    "+81 90 1234 5678",
                    "110",
                    "0120-000-000",
                ]
            ),
            s.value,
        ),
        "district": s.value,
        "is_resident": st.sampled_from(["yes", "no", "maybe"]),
        "exemption": st.sampled_from(["", "youth_club", "seniors", "nonesuch"]),
        "exemption_evidence": s.value,
        "confirm_different": st.sampled_from(["y", "", "on"]),
    },
    "counter.reset_pin": lambda t: {},
    "counter.unlock": lambda t: {},
    "counter.book_confirm": lambda t: {
        "override": st.sampled_from(["y", ""]),
        "override_reason": _REASON,
    },
    "counter.change_confirm": lambda t: {
        "override": st.sampled_from(["y", ""]),
        "override_reason": _REASON,
        "reason": _REASON,
    },
    "counter.payment": lambda t: {"status": st.sampled_from(["paid", "exempt", "unpaid", ""])},
    "counter.cancel": lambda t: {"reason": _REASON},
    "counter.staff_accounts": lambda t: {
        "username": s.value,
        "display_name": s.value,
        "role": st.sampled_from(["clerk", "admin", "root", ""]),
        "password": s.value,
    },
    "counter.staff_role": lambda t: {"role": st.sampled_from(["clerk", "admin", "root", ""])},
    "counter.staff_password": lambda t: {"password": s.value},
    "counter.staff_unlock": lambda t: {},
    "counter.staff_deactivate": lambda t: {},
    "counter.staff_reactivate": lambda t: {},
    "counter.closures": lambda t: {
        "facility": _ids(t.facility_id),
        "start": s.any_date,
        "end": s.any_date,
        "reason": _REASON,
        "reason_en": _REASON,
        "action": st.sampled_from(["preview", "commit", ""]),
    },
    "counter.register_group": lambda t: {
        "name": s.value,
        "name_kana": s.value,
        "purpose": st.sampled_from(["sport", "welfare", "", "racing"]),
        "category": st.sampled_from(["", "youth_club", "seniors", "nonesuch"]),
        "evidence": st.sampled_from(["", "club_roster", "nonesuch"]),
        "evidence_valid_until": s.any_date,
        "declared_members": st.one_of(s.numbers, s.value),
        "resident_members": st.one_of(s.numbers, s.value),
        "q": st.one_of(s.value, _reg_no()),
        "representative": st.one_of(st.sampled_from(t.group_member_nos), _reg_no(), s.value),
        "contact": st.one_of(st.sampled_from(t.group_member_nos), _reg_no(), s.value),
        "members": st.one_of(st.lists(st.sampled_from(t.group_member_nos)).map("\n".join), s.value),
        "add": st.one_of(_reg_no(), s.value),
        "make_representative": _reg_no(),
        "make_contact": _reg_no(),
        "confirm_overlap": st.sampled_from(["y", ""]),
        "action": st.sampled_from(["register", "search", "", "x"]),
    },
    "counter.home": lambda t: {"q": st.one_of(s.value, _reg_no())},
    "counter.member_search": lambda t: {"q": st.one_of(s.value, _reg_no())},
    "counter.add_member": lambda t: {
        "registration_no": st.one_of(st.sampled_from(t.group_member_nos), _reg_no(), s.value),
        "role": st.sampled_from(["member", "contact", "representative", ""]),
    },
    "counter.remove_member": lambda t: {},
    "counter.member_role": lambda t: {
        "role": st.sampled_from(["member", "contact", "representative", "root", ""])
    },
    "counter.renew_group": lambda t: {
        "declared_members": st.one_of(s.numbers, s.value),
        "resident_members": st.one_of(s.numbers, s.value),
        "evidence_valid_until": s.any_date,
    },
    "counter.group_status": lambda t: {
        "action": st.sampled_from(["suspend", "dissolve", "reinstate", "", "explode"]),
        "reason": _REASON,
    },
    "counter.use_mark": lambda t: {
        "state": st.one_of(st.sampled_from(["used", "no_show", ""]), s.value),
        "access_code": st.one_of(s.value, st.text("0123456789", max_size=6)),
        "day": st.one_of(s.any_date, st.just("2026-12-16")),
        "facility": _ids(t.facility_id),
        "next_row": _ids(t.reservation_id),
    },
    "counter.caretaker_facilities": lambda t: {
        "facilities": _ids(t.facility_id),
    },
    "counter.exemption": lambda t: {
        "category": st.sampled_from(["", "youth_club", "seniors", "nonesuch"]),
        "reason": _REASON,
    },
    "counter.facility_details": lambda t: {
        **{name: s.value for name in ("address", "address_en", "directions", "hours", "equipment")},
        "phone": st.one_of(st.sampled_from(["0166-00-0200", "", "12345"]), s.value),
        "map_url": st.one_of(st.sampled_from(["https://example.jp/map", "javascript:x"]), s.value),
    },
    "counter.new_series": lambda t: {
        "resident": st.one_of(_ids(t.sato_id), st.just("")),
        "group": st.one_of(_ids(t.group_id), st.just("")),
        "unit": _ids(t.unit_id),
        "weekdays": st.one_of(st.integers(-1, 8).map(str), s.value),
        "blocks": _ids(*t.block_ids),
        "first_date": st.one_of(st.just("2027-01-05"), s.any_date),
        "last_date": st.one_of(st.just("2027-03-25"), s.any_date),
        "exceptions": st.one_of(s.any_date, s.value),
        "skip_holidays": st.sampled_from(["y", ""]),
        "purpose": s.value,
        "fee_rule": st.sampled_from(["standard", "granted", "refused", "", "free"]),
        "exemption": st.sampled_from(["", "youth_club", "seniors", "nonesuch"]),
        "fee_reason": _REASON,
        "expected": st.one_of(s.any_date, s.value),
        "season": st.one_of(_ids(1), st.just("")),
        "action": st.sampled_from(["preview", "commit", "edit", "", "x"]),
    },
    "counter.new_season": lambda t: {
        "name": st.one_of(st.just("2027年度"), s.value),
        "day": st.one_of(st.just("2027-04-01"), s.any_date),
    },
    "counter.commit_season": lambda t: {"key": st.one_of(st.just("1:2027-04-06"), s.value)},
    "counter.withdraw_series": lambda t: {"reason": _REASON},
    "counter.series_cancel_from": lambda t: {"from_date": s.any_date, "reason": _REASON},
    "counter.series_extend": lambda t: {
        "last_date": st.one_of(st.just("2027-03-31"), s.any_date),
        "expected": st.one_of(s.any_date, s.value),
        "action": st.sampled_from(["preview", "commit", ""]),
    },
    "counter.extend_hold": lambda t: {"last_day": s.any_date, "reason": _REASON},
    "counter.new_block": lambda t: {
        "unit": _ids(t.unit_id),
        "day": st.one_of(st.just("2027-03-03"), s.any_date),
        "blocks": _ids(*t.block_ids),
        "kind": st.one_of(st.sampled_from(["town_event", "maintenance", "election"]), s.value),
        "note": _REASON,
        "cancel_in_the_way": st.sampled_from(["y", "", "n"]),
        "reason": _REASON,
        "expected": s.value,
        "action": st.sampled_from(["preview", "block", "", "x"]),
    },
    "counter.cancel_block": lambda t: {"reason": _REASON},
    "counter.lottery_paper_application": lambda t: {
        "resident": st.one_of(st.just(t.sato_no), _reg_no(), s.value),
        "group": st.one_of(st.just(""), s.value),
        "unit_1": _ids(t.unit_id),
        "day_1": s.any_date,
        "block_1": _ids(*t.block_ids),
        "unit_2": s.value,
        "day_2": s.value,
        "block_2": s.value,
    },
    "counter.resident_language": lambda t: {
        "language": st.one_of(st.sampled_from(["ja", "en", ""]), s.value)
    },
    "counter.pay_out_refund": lambda t: {
        "method": st.one_of(st.sampled_from(["cash", "transfer", ""]), s.value)
    },
    "counter.lottery_change_application": lambda t: _lottery_choices(t),
    "counter.lottery_withdraw_application": lambda t: {},
    "counter.lottery_confirm_win": lambda t: {},
    "counter.lottery_decline_win": lambda t: {},
    "counter.join_waitlist": lambda t: {"block": _ids(*t.block_ids)},
    "counter.accept_offer": lambda t: {},
    "counter.decline_offer": lambda t: {},
    "counter.leave_waitlist": lambda t: {},
    "counter.mark_phoned": lambda t: {},
    "counter.call_done": lambda t: {},
    "counter.stop_resident_sign_in": lambda t: {"reason": _REASON},
    "counter.lift_resident_sign_in_stop": lambda t: {},
    "counter.stop_staff_sign_in": lambda t: {"reason": _REASON},
    "counter.lift_staff_sign_in_stop": lambda t: {},
}


def _SLOT(t):
    return {
        "unit": _ids(t.unit_id),
        "day": s.any_date,
        "blocks": _ids(*t.block_ids),
        "go": st.sampled_from(["1", ""]),
        "group": st.one_of(_ids(t.group_id), st.just("")),
    }


COUNTER_QUERIES: dict[str, Fields] = {
    "counter.home": lambda t: {},
    "counter.search_results": lambda t: {},
    "counter.sign_in": lambda t: {"next": _next()},
    "counter.change_password": lambda t: {"next": _next()},
    "counter.register": lambda t: {},
    "counter.resident": lambda t: {},
    "counter.book": _SLOT,
    "counter.change": _SLOT,
    "counter.book_confirm": _SLOT,
    "counter.change_confirm": _SLOT,
    "counter.reservation": lambda t: {},
    "counter.cancel": lambda t: {},
    "counter.slip": lambda t: {},
    "counter.permit": lambda t: {},
    "counter.receipt": lambda t: {},
    "counter.extend_hold": lambda t: {},
    "counter.holds_due": lambda t: {},
    "counter.blocks": lambda t: {},
    "counter.new_block": lambda t: {"unit": _ids(t.unit_id), "day": s.any_date},
    "counter.cancel_block": lambda t: {},
    "counter.lottery_rounds": lambda t: {},
    "counter.lottery_round": lambda t: {},
    "counter.lottery_application": lambda t: {},
    "counter.refunds": lambda t: {"month": st.one_of(st.just("2026-12"), s.value)},
    "counter.refunds_csv": lambda t: {"month": st.one_of(st.just("2026-12"), s.value)},
    "counter.waitlist_calls": lambda t: {},
    "counter.call_list": lambda t: {},
    "counter.stop_resident_sign_in": lambda t: {},
    "counter.stop_staff_sign_in": lambda t: {},
    "counter.day_sheet": lambda t: {"day": s.any_date, "facility": _ids(t.facility_id)},
    "counter.use_day": lambda t: {"day": s.any_date, "facility": _ids(t.facility_id)},
    "counter.statistics": lambda t: {
        "start": s.any_date,
        "end": s.any_date,
        "facility": _ids(t.facility_id),
        "unit": _ids(t.unit_id),
    },
    "counter.statistics_csv": lambda t: {
        "start": s.any_date,
        "end": s.any_date,
        "facility": _ids(t.facility_id),
        "unit": _ids(t.unit_id),
    },
    "counter.caretaker_facilities": lambda t: {},
    "counter.audit": lambda t: {
        "resident": st.one_of(_reg_no(), s.value),
        "group": st.one_of(_reg_no(), s.value),
        "staff": _ids(t.clerk_id, t.admin_id),
        "reservation": s.value,
        "start": s.any_date,
        "end": s.any_date,
        "page": s.numbers,
    },
    "counter.audit_csv": lambda t: {
        "resident": _reg_no(),
        "staff": _ids(t.clerk_id),
        "reservation": s.value,
        "start": s.any_date,
        "end": s.any_date,
    },
    "counter.staff_accounts": lambda t: {},
    "counter.staff_member": lambda t: {},
    "counter.closures": lambda t: {},
    "counter.facilities": lambda t: {},
    "counter.facility_details": lambda t: {},
    "counter.groups": lambda t: {},
    "counter.groups_expiring": lambda t: {},
    "counter.register_group": lambda t: {},
    "counter.group": lambda t: {},
    "counter.group_slip": lambda t: {},
    "counter.renew_group": lambda t: {},
    "counter.group_status": lambda t: {},
    "counter.new_series": lambda t: {
        "resident": st.one_of(_ids(t.sato_id), st.just("")),
        "group": st.one_of(_ids(t.group_id), st.just("")),
        "season": st.one_of(_ids(1), st.just("")),
    },
    "counter.seasons": lambda t: {},
    "counter.season": lambda t: {},
    "counter.series": lambda t: {},
    "counter.series_slip": lambda t: {},
}

# ---------------------------------------------------------------------------- phone

_CALL_SID = st.one_of(
    st.just("CA" + "f" * 32),
    st.text("0123456789abcdef", min_size=32, max_size=32).map("CA".__add__),
    s.value,
    st.just("CA" + "f" * 100),
    st.just(""),
    st.just("  "),
)
_DIGITS = st.one_of(
    st.text("0123456789*#", max_size=12),
    s.fullwidth_digits,
    s.odd_digits,
    s.keypad_lookalikes,
    s.value,
)
_PHONE = st.one_of(
    st.sampled_from(
        [
            "+81166123456",
            "+819012345678",
            "+81155550000",
            "anonymous",
            "+",
            "",
            "266696687",
            "client:alice",
        ]
    ),
    s.value,
)
_STATUS = st.one_of(
    st.sampled_from(
        [
            "completed",
            "busy",
            "failed",
            "no-answer",
            "canceled",
            "in-progress",
            "ringing",
            "answered",
            "queued",
        ]
    ),
    s.value,
)

PHONE_PARAMS: dict[str, dict[str, st.SearchStrategy]] = {
    "phone.voice": {"CallSid": _CALL_SID, "From": _PHONE, "To": _PHONE, "CallStatus": _STATUS},
    "phone.step": {
        "CallSid": _CALL_SID,
        "Digits": _DIGITS,
        "From": _PHONE,
        "CallStatus": _STATUS,
        "DialCallStatus": _STATUS,
    },
    "phone.status": {
        "CallSid": _CALL_SID,
        "CallStatus": _STATUS,
        "CallDuration": st.one_of(s.numbers, s.value),
    },
    "phone.fallback": {"CallSid": _CALL_SID, "ErrorCode": s.numbers, "ErrorUrl": s.value},
    "phone.fallback_dialled": {
        "CallSid": _CALL_SID,
        "DialCallStatus": _STATUS,
        "DialCallDuration": st.one_of(s.numbers, s.value),
    },
    # The calls this app places: a notification read out, and the sign-in callback.
    "phone.notice": {"CallSid": _CALL_SID, "From": _PHONE, "To": _PHONE, "CallStatus": _STATUS},
    "phone.notice_key": {"CallSid": _CALL_SID, "Digits": _DIGITS, "CallStatus": _STATUS},
    "phone.notice_status": {
        "CallSid": _CALL_SID,
        "CallStatus": _STATUS,
        "CallDuration": st.one_of(s.numbers, s.value),
    },
    "phone.callback_answered": {
        "CallSid": _CALL_SID,
        "From": _PHONE,
        "To": _PHONE,
        "CallStatus": _STATUS,
    },
}

# Routes no visitor's input reaches: files, and the health check (no parameters).
NOT_FUZZED = {"static", "web.static", "counter.static", "health.healthz"}


# ----------------------------------------------------------------------- addresses

_STEP = st.one_of(st.integers(0, 6).map(str), s.ids)


def path_values(t: Town) -> dict[str, st.SearchStrategy[str]]:
    """A strategy for each variable part of an address, by its name."""
    return {
        "unit_id": _ids(t.unit_id),
        "facility_id": _ids(t.facility_id),
        "reservation_id": _ids(t.reservation_id, t.other_reservation_id),
        "resident_id": _ids(t.sato_id, t.victim_resident_id, t.group_member_id),
        "group_id": _ids(t.group_id),
        "series_id": _ids(t.series_id),
        "season_id": _ids(1),  # an allocation season (one the fuzzing may have opened)
        "refund_id": _ids(1),  # a refund (the fuzzed town has none, so none is found)
        "entry_id": _ids(1),  # a waitlist entry (the fuzzed town has none, so none is found)
        "staff_id": _ids(t.victim_staff_id, t.victim_admin_id, t.admin_id),
        "notification_id": _ids(1, 2),  # the town's confirmations in the outbox
        "callback_id": _ids(1),  # a sign-in callback (the fuzzed town has none)
        "choice_id": _ids(1),  # a lottery choice (the fuzzed town has no round)
        # A lottery application's receipt number (受付番号), or anything but a "/" (and
        # not nothing: an empty part makes "//", redirected as for "code").
        "receipt": st.one_of(
            st.text("0123456789", min_size=7, max_size=7),
            s.value.filter(lambda v: v and "/" not in v),
        ),
        "step": _STEP,
        "day": st.one_of(s.any_date, st.just("2026-12-16")),
        "style": st.one_of(st.sampled_from(["era", "western"]), s.value),
        # A language or a lottery round's code. Not a "/": in the middle of a path it
        # makes "//", which werkzeug answers with a redirect to the merged path.
        "code": st.one_of(
            st.sampled_from(["ja", "en", "2027-02"]), s.value.filter(lambda v: "/" not in v)
        ),
        "name": st.one_of(st.sampled_from(["fees", "occupancy-by-month"]), s.value),
    }


def draw_path(draw, app, endpoint: str, town: Town, method: str) -> str:
    """An address of the endpoint with each variable part drawn from its strategy."""
    [rule] = [r for r in app.url_map.iter_rules(endpoint) if method in r.methods]
    strategies = path_values(town)
    values = {name: quote(draw(strategies[name]), safe="") for name in rule.arguments}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)
