"""The notification calls the worker places to landlines (reservations/calls.py): the
TwiML Twilio asks for when the resident answers, the keys they press, and the call's
status callback. Every request is signed by Twilio (views.py checks it first).

- POST /phone/notice/<id>          answered: the message, then `*` again, `0` a person
                                   (for a waitlist offer, 1 accepts and 2 declines)
- POST /phone/notice/<id>/key      the key pressed (or silence)
- POST /phone/notice/<id>/status   how the call ended: answered, busy, no answer...

The message is spoken in the phone channel's voice and Japanese wording (prompts.py),
in やさしい日本語 (short sentences, everyday words: the phone catalog's ja@easy) for a
resident who chose it as their message language, as their SMS are, and in English
(the phone catalog's en, language="en-US", dates and times as channels/formatting
writes them in English) for a resident who chose English.
"""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Response, abort, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from reservations import services
from reservations.errors import ReservationError

from ..i18n import EASY_JAPANESE
from . import prompts, twiml
from .settings import DIAL_TIMEOUT, get_phone_settings
from .sms import closed_why
from .speech import Speech, compose, spoken_date, spoken_slot
from .views import _sid, _twiml, bp

OFFER = services.WAITLIST_OFFER


def _url(endpoint: str, notification_id: int) -> str:
    path = url_for(endpoint, notification_id=notification_id)[len(request.script_root) :]
    return get_phone_settings().public_base_url + path


def call_urls(base_url: str, notification_id: int) -> tuple[str, str]:
    """The TwiML and status-callback addresses of a notification's call (the worker
    places calls outside any request, so from PUBLIC_BASE_URL)."""
    base = f"{base_url.rstrip('/')}/phone/notice/{notification_id}"
    return base, base + "/status"


def _what(reservation: services.Reservation) -> Speech:
    blocks = reservation.time_blocks
    return compose(
        _("%(slot)s。%(place)s。"),
        slot=spoken_slot(reservation.date, blocks[0].start_time, blocks[-1].end_time),
        place=prompts.place(reservation.unit.facility, reservation.unit),
    )


def message(notification: services.Notification, today: date) -> list[Speech]:
    """What the call says about its notification, after the greeting."""
    reservation = notification.reservation
    params = notification.params
    kind = notification.kind
    if kind == services.LOTTERY_RESULT:
        return _lottery(params)
    if kind == services.WAITLIST_CLOSED:
        return [_waitlist_closed(params)]
    if kind == OFFER:
        return [
            prompts.waitlist_offer(reservation),
            prompts.waitlist_offer_deadline(datetime.fromisoformat(params["offer_expires"]), today),
        ]
    what = _what(reservation)
    if kind == services.HOLD_REMINDER:
        lead = Speech(_("お支払いの期限のお知らせです。"))
        due = date.fromisoformat(params["payment_due"])
        return [lead + what, prompts.hold_due(due, params["fee_yen"], False)]
    if kind == services.HOLD_EXPIRED:
        return [Speech(_("お支払いがなかったため、次のご予約は取り消しになりました。")) + what]
    if kind == services.RESERVATION_CANCELLED:
        return [Speech(_("次のご予約は取り消しになりました。")) + what]
    if kind == services.RESERVATION_CHANGED:
        return [Speech(_("ご予約を変更しました。")) + what, _number(reservation)]
    speeches = [Speech(_("ご予約を承りました。")) + what, _number(reservation)]
    if "payment_due" in params:
        due = date.fromisoformat(params["payment_due"])
        speeches.append(prompts.hold_due(due, params["fee_yen"], params["due_on_the_day"]))
    return speeches


def _waitlist_closed(params: dict) -> Speech:
    """A waitlist entry the core closed: which time, why, and that the waiting ended
    (the reasons worded as in the SMS)."""
    unit = services.get_unit(params["unit_id"])
    return compose(
        _(
            "キャンセル待ちをしていた、%(slot)s、%(place)sは、%(why)s、ご案内できなくなりました。"
            "キャンセル待ちは終了しました。"
        ),
        slot=spoken_slot(
            date.fromisoformat(params["date"]),
            time.fromisoformat(params["start"]),
            time.fromisoformat(params["end"]),
        ),
        place=prompts.place(unit.facility, unit),
        why=closed_why(params.get("reason")),
    )


def _lottery(params: dict) -> list[Speech]:
    """An application's draw: each win (a 仮予約, its number and due day), or none."""
    if not params["wins"]:
        return [Speech(_("抽選の結果、お申し込みは当選しませんでした。"))]
    speeches = [Speech(_("抽選の結果、次の枠に当選しました。"))]
    for win in params["wins"]:
        reservation = services.find_reservation(win["number"])
        speeches.append(_what(reservation))
        speeches.append(_number(reservation))
        speeches.append(
            compose(
                _(
                    "%(date)sまでに、確定とお支払いをお願いします。確定がないと、取り消しになります。"
                ),
                date=spoken_date(date.fromisoformat(win["payment_due"])),
            )
        )
    return speeches


def _number(reservation: services.Reservation) -> Speech:
    return prompts.reservation_number_heard(reservation.number)


def _intro() -> Speech:
    return compose(
        _("こちらは%(service)sです。ご予約についてのお知らせです。"),
        service=prompts.SERVICE_NAME,
    )


def _keys(notification: services.Notification) -> list[Speech]:
    keys = [prompts.repeat_hint(), prompts.offer_operator()]
    if notification.kind == OFFER:
        keys.insert(0, prompts.waitlist_offer_keys())
    return keys


def _say_message(notification, now: datetime, before: list[Speech] | None = None) -> str:
    settings = get_phone_settings()
    today = now.astimezone(services.town_timezone()).date()
    return twiml.gather(
        [*(before or [_intro()]), *message(notification, today), *_keys(notification)],
        action=_url("phone.notice_key", notification.id),
        num_digits=1,
        settings=settings,
    )


def _notification(notification_id: int):
    notification = services.call_answered(notification_id, _sid(), services.clock_now())
    if notification is None:
        abort(404)
    return notification


def call_locale(notification: services.Notification) -> str:
    """The wording of the call: the message's language, fixed in its parameters when
    it was written (English is spoken in en-US, twiml.py), else Japanese."""
    language = notification.params.get("language")
    return language if language in (EASY_JAPANESE, "en") else "ja"


@bp.post("/notice/<int:notification_id>")
def notice(notification_id: int):
    notification = _notification(notification_id)
    with force_locale(call_locale(notification)):
        return _twiml(_say_message(notification, services.clock_now()))


def _person(notification, now: datetime) -> str:
    settings = get_phone_settings()
    if settings.operator_number and settings.counter_open(now):
        return twiml.dial(
            [prompts.transferring()],
            number=settings.operator_number,
            action=None,
            timeout=DIAL_TIMEOUT,
            settings=settings,
            unanswered=[
                prompts.nobody_answered(),
                prompts.counter_hours(settings),
                prompts.goodbye(),
            ],
        )
    return _say_message(
        notification, now, before=[prompts.out_of_hours(), prompts.counter_hours(settings)]
    )


def _answer_offer(notification, digit: str, now: datetime) -> str:
    settings = get_phone_settings()
    actor = services.Actor.resident(notification.resident_id, "phone")
    try:
        entry_id = services.offer_entry_of(notification)
        if digit == "1":
            services.accept_offer(actor, entry_id=entry_id, now=now)
            said = [prompts.waitlist_accepted(), _number(notification.reservation)]
        else:
            services.decline_offer(actor, entry_id=entry_id, now=now)
            said = [prompts.waitlist_declined()]
    except ReservationError as error:
        said = [prompts.refusal(error, now)]
    return twiml.hang_up([*said, prompts.goodbye()], settings)


@bp.post("/notice/<int:notification_id>/key")
def notice_key(notification_id: int):
    notification = _notification(notification_id)
    with force_locale(call_locale(notification)):
        return _answer_key(notification, services.clock_now())


def _answer_key(notification, now: datetime) -> Response:
    digit = request.form.get("Digits", "")
    if digit == "0":
        return _twiml(_person(notification, now))
    if notification.kind == OFFER and digit in ("1", "2"):
        return _twiml(_answer_offer(notification, digit, now))
    if digit == "*":
        return _twiml(_say_message(notification, now))
    if digit == "":  # silence: a goodbye, the message having been heard
        return _twiml(twiml.hang_up([prompts.goodbye()], get_phone_settings()))
    return _twiml(
        _say_message(notification, now, before=[prompts.press_one_of(_valid(notification))])
    )


def _valid(notification) -> list[str]:
    keys = ["1", "2"] if notification.kind == OFFER else []
    return [*keys, "*", "0"]


@bp.post("/notice/<int:notification_id>/status")
def notice_status(notification_id: int):
    services.record_outcome(
        notification_id, _sid(), request.form.get("CallStatus", ""), services.clock_now()
    )
    return Response(status=204)
