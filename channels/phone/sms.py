"""The wording of the confirmation SMS (reservations/notify.py keeps only a kind and
parameters). Short text with the reservation number, in the resident's preferred
language (`language` in the parameters: Japanese, やさしい日本語 (its own short
sentences, times as 午後1時) or English for a resident who chose them); worded here because, like the voice, it is text for a telephone. Every channel's
bookings get the same text.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ErrorCode

from ..formatting import WEEKDAYS_JA, clock_range, format_short_date
from ..i18n import EASY_JAPANESE, channel_catalog

# The languages an SMS can be in (the resident's preferred_language).
SMS_LOCALES = ("ja", EASY_JAPANESE, "en")


def _day(iso: str, english: bool = False) -> str:
    day = date.fromisoformat(iso)
    if english:
        return format_short_date(day, "en")
    return f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def _hm(value: str) -> str:
    hour, minute = value.split(":")
    return f"{int(hour)}:{minute}"


def _deadline(params: dict[str, Any], english: bool = False) -> str:
    """The cancellation deadline, or, once it has passed (when the message is sent:
    a booking made past its deadline included), that it can no longer be cancelled. A
    date that has passed is never stated as a deadline."""
    last_day = date.fromisoformat(params["cancel_last_day"])
    today = services.clock_now().astimezone(services.town_timezone()).date()
    if last_day < today:
        return _("取消期限を過ぎているため取消はできません")
    return _("取消は%(last_day)sまで", last_day=_day(params["cancel_last_day"], english))


def closed_why(reason: str | None) -> str:
    """Why a waitlist entry was closed (the ErrorCode a booking would get), briefly."""
    code = ErrorCode
    if reason in (code.LIMIT_REACHED, code.GROUP_LIMIT_REACHED):
        return _("ご予約の上限に達しているため")
    if reason in (code.GROUP_NOT_ACTIVE, code.GROUP_VALIDITY_ENDS, code.NOT_A_MEMBER):
        return _("団体の登録の状況により")
    if reason in (code.FACILITY_CLOSED, code.UNAVAILABLE):
        return _("その時間は施設を使用できないため")
    if reason == code.BOOKING_CLOSED:
        return _("受付期間が過ぎたため")
    if reason == code.NO_SHOW_RESTRICTED:
        return _("インターネットでのご予約が一時停止中のため")
    return _("ご予約の条件を満たさないため")


def render(kind: str, params: dict[str, Any]) -> str:
    """The text of a confirmation SMS, in the language the resident chose (Japanese
    for a message written before residents could choose)."""
    locale = params.get("language") if params.get("language") in SMS_LOCALES else "ja"
    with channel_catalog("phone"), force_locale(locale):
        return _render(kind, params, english=locale == "en", easy=locale == EASY_JAPANESE)


def _slot(params: dict[str, Any], *, english: bool, easy: bool) -> tuple[str, str]:
    """A reservation's (when, place) as an SMS says them."""
    day = _day(params["date"], english)
    if english:
        when = f"{day} {_hm(params['start'])}-{_hm(params['end'])}"
    elif easy:
        start, end = time.fromisoformat(params["start"]), time.fromisoformat(params["end"])
        when = f"{day} {clock_range(start, end)}"
    else:
        when = f"{day}{_hm(params['start'])}〜{_hm(params['end'])}"
    facility = params.get("facility_en") if english else None
    unit = params.get("unit_en") if english else None
    facility, unit = facility or params["facility"], unit or params["unit"]
    place = facility if params.get("single_unit") else f"{facility} {unit}"
    if params.get("group"):
        place = f"{place} ({params['group']})" if english else f"{place}（{params['group']}）"
    return when, place


def _lottery(params: dict[str, Any], *, english: bool, easy: bool) -> str:
    """An application's draw: each win as a 仮予約 to confirm and pay by its due day,
    or that nothing was drawn."""
    receipt = params["receipt_number"]
    if not params["wins"]:
        return _(
            "【町予約】抽選の結果、受付番号%(receipt)sのお申し込みは当選しませんでした",
            receipt=receipt,
        )
    won = []
    for win in params["wins"]:
        when, place = _slot(win, english=english, easy=easy)
        won.append(
            _(
                "%(when)s %(place)s（仮予約%(number)s、%(due)sまでに確定とお支払い）",
                when=when,
                place=place,
                number=win["number"],
                due=_day(win["payment_due"], english),
            )
        )
    return _(
        "【町予約】抽選の結果、受付番号%(receipt)sで当選しました: %(wins)s 期限までに"
        "確定されない場合は取り消しになります",
        receipt=receipt,
        wins=" ".join(won),
    )


def _render(kind: str, params: dict[str, Any], *, english: bool, easy: bool = False) -> str:
    def day(iso: str) -> str:
        return _day(iso, english)

    if kind == services.LOTTERY_RESULT:
        return _lottery(params, english=english, easy=easy)
    when, place = _slot(params, english=english, easy=easy)
    values = {"number": params.get("number", ""), "when": when, "place": place}
    if kind == services.HOLD_REMINDER:
        return _(
            "【町予約】仮予約%(number)s %(when)s %(place)s の使用料%(fee)s円は"
            "%(due)sまでに窓口でお支払いください。未払いの場合は取り消しになります",
            fee=f"{params['fee_yen']:,}",
            due=day(params["payment_due"]),
            **values,
        )
    if kind == services.WAITLIST_OFFER:
        expires = datetime.fromisoformat(params["offer_expires"]).astimezone(
            services.town_timezone()
        )
        return _(
            "【町予約】キャンセル待ちの%(when)s %(place)s が空きました。"
            "%(expires)sまでにお返事がない場合は次の方にご案内します。仮予約番号%(number)s",
            expires=f"{day(expires.date().isoformat())}{expires.hour}:{expires.minute:02d}",
            **values,
        )
    if kind == services.WAITLIST_CLOSED:
        return _(
            "【町予約】キャンセル待ちの%(when)s %(place)s は、%(why)sご案内できません。"
            "キャンセル待ちを終了しました",
            why=closed_why(params.get("reason")),
            **values,
        )
    if kind == services.HOLD_EXPIRED:
        return _(
            "【町予約】お支払いの期限が過ぎたため、仮予約%(number)s %(when)s %(place)s を"
            "取り消しました",
            **values,
        )
    if kind == services.RESERVATION_BOOKED and params.get("payment_due"):
        due = (
            _("ご利用の当日、始まる前")
            if params.get("due_on_the_day")
            else _("%(due)sまで", due=day(params["payment_due"]))
        )
        return _(
            "【町予約】仮予約を承りました。予約番号%(number)s %(when)s %(place)s "
            "使用料%(fee)s円を%(due)sに窓口でお支払いください",
            fee=f"{params['fee_yen']:,}",
            due=due,
            **values,
        )
    if kind == services.RESERVATION_BOOKED:
        return _(
            "【町予約】ご予約を承りました。予約番号%(number)s %(when)s %(place)s %(deadline)s",
            deadline=_deadline(params, english),
            **values,
        )
    if kind == services.RESERVATION_CHANGED:
        return _(
            "【町予約】ご予約を変更しました。予約番号%(number)s %(when)s %(place)s %(deadline)s",
            deadline=_deadline(params, english),
            **values,
        )
    if kind == services.RESERVATION_CANCELLED:
        return _(
            "【町予約】ご予約を取り消しました。予約番号%(number)s %(when)s %(place)s", **values
        )
    raise ValueError(f"no wording for notification kind {kind!r}")
