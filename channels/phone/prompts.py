"""Everything the telephone says, in polite, short Japanese (です・ます).

The msgids are the Japanese prompts themselves (Japanese is the phone's source of
truth; the English catalog holds translations so that the app stays complete in
English). Facility names, dates and times come in as `Speech` from speech.py, so
their readings survive into the TwiML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from reservations import services
from reservations.errors import (
    ErrorCode,
    GroupLimit,
    LotteryApplicationProblem,
    LotteryChoiceProblem,
    ReservationError,
)
from reservations.services import Facility, Group, Reservation, Unit

from .settings import PhoneSettings
from .speech import (
    Reading,
    Speech,
    compose,
    english,
    spoken_date,
    spoken_digit_groups,
    spoken_digits,
    spoken_moment,
    spoken_slot,
    spoken_time,
    spoken_time_range,
    spoken_weekdays,
    spoken_yen,
)

SERVICE_NAME = Reading("町予約", "まちよやく", en="Machi Yoyaku")
# The voice reads 米印 as べいじるし without its reading.
ASTERISK = Reading("米印", "こめじるし", en="star")


def keys_text(keys: list[str]) -> str:
    return "、".join(keys)


# -------------------------------------------------------------------------- general


def greeting(person: bool) -> Speech:
    """Only what is needed: where the caller is, and a person (0) when one can answer
    now; `*`, `9` and `0` are said where they help (after silence, in the help)."""
    speech = compose(_("お電話ありがとうございます。%(service)sです。"), service=SERVICE_NAME)
    if person:
        speech += _("担当者は0を押してください。")
    return speech


def press_one_of(keys: list[str]) -> Speech:
    return compose(_("押せるボタンは、%(keys)sです。"), keys=keys_text(keys))


def offer_operator() -> Speech:
    return Speech(_("担当者とお話しになる場合は0を押してください。"))


def repeat_hint() -> Speech:
    """What silence hears when no one can answer: how to hear it again."""
    return compose(_("もう一度お聞きになる場合は%(asterisk)sを押してください。"), asterisk=ASTERISK)


def goodbye() -> Speech:
    return Speech(_("お電話ありがとうございました。"))


def choices(listed: list[tuple[Speech | Reading | str, str]]) -> Speech:
    """A menu, each item before its key: 「町民体育館は1、中央公民館は2を押してください。」"""
    items = Speech.join(
        (compose(_("%(item)sは%(key)s"), item=label, key=key) for label, key in listed), "、"
    )
    return compose(_("%(items)sを押してください。"), items=items)


def choice(label: Speech | Reading | str, key: str, last: bool) -> Speech:
    """One item of a list of long items (reservations), said on its own, before its
    key: 「12月15日、火曜日、午前9時から、町民体育館は1。」 and the last one
    「…は2を押してください。」."""
    if last:
        return compose(_("%(item)sは%(key)sを押してください。"), item=label, key=key)
    return compose(_("%(item)sは%(key)s。"), item=label, key=key)


def task_done() -> Speech:
    """After a finished task: hear it again, or hang up (9, the menu, is in the help
    and after silence)."""
    return compose(
        _("もう一度お聞きになる場合は%(asterisk)sを。お済みでしたら、お電話をお切りください。"),
        asterisk=ASTERISK,
    )


def task_done_simple() -> Speech:
    return Speech(_("ほかのご用件は9を押してください。お済みでしたら、お電話をお切りください。"))


def place(facility: Facility, unit: Unit) -> Speech:
    """「町民体育館、全面」, or only the facility when it has a single unit."""
    if english():
        if len(facility.units) == 1:
            return Speech(facility.name_en)
        return Speech(facility.name_en, ", ", unit.name_en)
    name = Reading(facility.name, facility.yomi)
    if len(facility.units) == 1:
        return Speech(name)
    return Speech(name, "、", Reading(unit.name, unit.yomi))


# ---------------------------------------------------------------------- operator


def transferring() -> Speech:
    return Speech(_("担当者におつなぎします。そのままお待ちください。"))


def out_of_hours() -> Speech:
    return Speech(_("ただいま、窓口の受付時間外です。"))


def no_operator() -> Speech:
    return Speech(_("ただいま、担当者におつなぎできません。"))


def counter_hours(settings: PhoneSettings) -> Speech:
    hours = compose(
        _("窓口の受付時間は、%(days)sの、%(hours)sです。"),
        days=spoken_weekdays(settings.counter_weekdays),
        hours=spoken_time_range(settings.counter_opens, settings.counter_closes),
    )
    if not settings.counter_on_holidays:
        hours += _("祝日と年末年始はお休みです。")
    return hours


def call_again_later() -> Speech:
    return Speech(_("恐れ入りますが、受付時間内に、もう一度おかけください。"))


def nobody_answered() -> Speech:
    return Speech(_("申し訳ありません。ただいま担当者が電話に出られません。"))


def back_to_automatic() -> Speech:
    return Speech(_("自動受付に戻る場合は1を押してください。"))


def back_to_automatic_simple() -> Speech:
    return Speech(_("続ける場合は1を押してください。"))


def system_trouble() -> Speech:
    return Speech(_("申し訳ありません。ただいま自動受付をご利用いただけません。"))


# ------------------------------------------------------------------------ sign-in


def ask_registration() -> Speech:
    return Speech(_("登録番号、6桁を押してください。"))


def ask_registration_simple() -> Speech:
    return Speech(_("登録証にある6桁の番号を押してください。"))


def registration_help() -> Speech:
    return Speech(_("登録番号は、登録証に書いてある6桁の数字です。"))


def registration_not_valid() -> Speech:
    return Speech(_("その番号は、登録番号ではありません。"))


def ask_pin() -> Speech:
    return Speech(_("暗証番号、4桁を押してください。"))


def ask_pin_or_someone_else() -> Speech:
    """Caller ID matched a resident, but a family or club may share the line."""
    return Speech(_("ご登録の方は暗証番号4桁を、別の方は2を押してください。"))


def ask_pin_simple() -> Speech:
    return Speech(_("4桁の暗証番号を押してください。"))


def pin_help() -> Speech:
    return Speech(_("暗証番号は4桁の数字です。"))


def wrong_pin() -> Speech:
    return Speech(_("暗証番号が違います。"))


def wrong_registration_or_pin() -> Speech:
    return Speech(_("登録番号か暗証番号が違います。登録番号から、もう一度お願いします。"))


def signed_in(name: str, kana: str) -> Speech:
    return compose(_("%(name)s様、ご本人の確認ができました。"), name=Reading(name, kana))


def locked(until: datetime | None, now: datetime) -> Speech:
    stopped = Speech(_("暗証番号を続けて間違えたため、ご利用を止めています。"))
    if until is None:
        return stopped + _("再開には窓口での手続きが必要です。")
    return stopped + compose(
        _("%(time)s以降に、もう一度おかけください。"), time=spoken_moment(until, now.date())
    )


def last_pin_try() -> Speech:
    """Before the last wrong PIN this line or call may enter."""
    return Speech(_("あと1回間違えると、この電話からの確認をしばらく止めます。"))


def call_sign_in_over() -> Speech:
    """The call entered as many wrong PINs as one call may."""
    return Speech(_("暗証番号の間違いが続いたため、この電話での確認を終わります。"))


def too_many_attempts(until: datetime, now: datetime) -> Speech:
    """This line (or call) gave too many wrong PINs: it waits; others are not held."""
    return Speech(
        _("暗証番号の間違いが続いたため、この電話からの確認をしばらく止めています。")
    ) + compose(
        _("%(time)s以降に、もう一度おかけください。"), time=spoken_moment(until, now.date())
    )


def line_waits_callback_offer() -> Speech:
    """This line's sign-ins wait (someone may have forged its number), but this call
    gave no wrong PIN: the town can ring the registered number back."""
    return Speech(_("この電話からの確認は、しばらく止めています。")) + _(
        "ご登録の電話番号に町からおかけして、暗証番号をお伺いできます。"
    )


def callback_choice(person: bool) -> Speech:
    if person:
        return Speech(_("おかけ直しを希望される場合は1を、担当者は0を押してください。"))
    return Speech(_("おかけ直しを希望される場合は1を押してください。"))


def callback_coming() -> Speech:
    """Said whether a callback will ring or not (the PIN given was wrong, or one was
    rung a moment ago, or today's are used): the words never tell whether the PIN was
    right."""
    return Speech(_("承りました。いったんお電話をお切りください。")) + _(
        "暗証番号が正しければ、まもなく、ご登録の電話番号におかけします。"
    )


def callback_greeting() -> Speech:
    """The callback, answered at the registered number."""
    return compose(
        _("%(service)sです。ご依頼により、ご登録の電話番号におかけしました。"),
        service=SERVICE_NAME,
    )


def callback_ask_pin() -> Speech:
    return Speech(
        _("ご本人でしたら暗証番号4桁を押してください。お心当たりがない場合は2を押してください。")
    )


def callback_disowned() -> Speech:
    return Speech(_("お知らせいただき、ありがとうございます。記録して、担当者に伝えます。"))


def callback_not_expected() -> Speech:
    """A callback webhook for a call that is no callback in progress."""
    return Speech(_("このお電話は、すでに終了しています。"))


def locked_prompt(person: bool = True) -> Speech:
    """A person when one can answer now; otherwise the hours are said on 0."""
    return offer_operator() if person else Speech(_("お電話ありがとうございました。"))


# --------------------------------------------------------------------- main menu


def main_menu() -> Speech:
    """Four tasks, the most used first, each before its key; how to book (the soonest
    free block, or a date) is chosen here, so that the booking asks nothing twice."""
    return Speech(
        _("早い日のご予約は1、日にちを決めてのご予約は2、確認は3、取り消しは4を押してください。")
    )


def main_menu_simple() -> Speech:
    return Speech(_("早い日は1、日にちは2、確認は3、取り消しは4を押してください。"))


# ---------------------------------------------------------------- for whom (団体)


def group_reading(group: Group) -> Reading:
    return Reading(group.name, group.name_kana)


def for_whom_one_group(group: Group) -> Speech:
    """A member of exactly one group: the item before its key."""
    return compose(
        _("ご自身のご予約は1、%(group)sのご予約は2を押してください。"), group=group_reading(group)
    )


def for_whom_one_group_simple() -> Speech:
    return Speech(_("ご自身は1、団体は2を押してください。"))


def for_whom_groups(listed: list[tuple[Speech | Reading | str, str]]) -> Speech:
    """A member of several groups: at most four keys a menu (yourself and the groups,
    three a page, and 4 for the next groups when there are more), each item before its
    key: 「ご自身のご予約は1、青葉スポーツ少年団は2、…を押してください。」"""
    return choices(listed)


def yourself() -> str:
    return _("ご自身のご予約")


def more_groups() -> str:
    return _("ほかの団体")


def for_group(group: Group) -> Speech:
    """Said before a group's booking is read: its summary, an item heard, a cancel."""
    return compose(_("%(group)sのご予約です。"), group=group_reading(group))


# ------------------------------------------------------------------------ booking


def last_place(place: Speech) -> Speech:
    """The place the caller booked last, offered first."""
    return compose(
        _("前回と同じ、%(place)sでよろしければ1、ほかの施設は2を押してください。"), place=place
    )


def last_place_simple() -> Speech:
    return Speech(_("前回と同じ施設は1、ほかの施設は2を押してください。"))


def more_places() -> str:
    return _("ほかの施設")


def place_choices(groups: list[tuple[Reading | str, list[tuple[Reading | None, str]]]]) -> Speech:
    """The places of one kind, each before its key; a facility with several units is
    named once: 「町民体育館の、全面は1、半面Aは2、第一小学校体育館は3を押してください。」"""
    parts = []
    for facility, units in groups:
        if len(units) == 1 and units[0][0] is None:
            parts.append(compose(_("%(item)sは%(key)s"), item=facility, key=units[0][1]))
            continue
        listed = Speech.join(
            (
                compose(_("%(item)sは%(key)s"), item=unit or facility, key=key)
                for unit, key in units
            ),
            "、",
        )
        parts.append(compose(_("%(facility)sの、%(units)s"), facility=facility, units=listed))
    return compose(_("%(items)sを押してください。"), items=Speech.join(parts, "、"))


def offer(day: date, start, end, today: date) -> Speech:
    """The block offered, the date first (read back when the caller typed it); the
    place was said just before, in the caller's choice."""
    return compose(
        _("%(slot)s、空いています。"),
        slot=Speech(next_year(day, today), spoken_slot(day, start, end)),
    )


def next_year(day: date, today: date) -> str:
    """「来年の」 before a date of next year, which a caller must not take for this year."""
    return _("来年の") if day.year > today.year else ""


def terms(
    fee_yen: int, exemption_percent: int, cancel_last_day: date, cancel_passed: bool
) -> Speech:
    """The fee, then the cancellation deadline said plainly (and, past it, that the
    booking cannot be cancelled): heard before the caller books."""
    if fee_yen == 0:
        speech = Speech(_("使用料はかかりません。"))
    elif exemption_percent:
        speech = compose(_("減免後の使用料は%(fee)sです。"), fee=spoken_yen(fee_yen))
    else:
        speech = compose(_("使用料は%(fee)sです。"), fee=spoken_yen(fee_yen))
    if cancel_passed:
        return speech + _("この日は取り消しの期限を過ぎていて、予約すると取り消せません。")
    return speech + compose(_("取り消しは、%(date)sまでです。"), date=spoken_date(cancel_last_day))


def offer_keys() -> Speech:
    return Speech(_("予約する場合は1、次の空きは2、ほかの日は3を押してください。"))


def offer_keys_simple() -> Speech:
    return Speech(_("予約は1、次は2、ほかの日は3を押してください。"))


def no_free_blocks() -> Speech:
    return Speech(_("申し訳ありません。予約できる空きが見つかりませんでした。"))


def ask_date() -> Speech:
    return Speech(_("ご希望の日にちを、月と日の4桁で押してください。12月3日なら、1、2、0、3です。"))


def ask_date_simple() -> Speech:
    return Speech(_("月を2桁、日を2桁で、続けて押してください。"))


def date_help() -> Speech:
    """How to type a date, and the way back: 9 alone (then #) is no date."""
    return Speech(
        _(
            "日にちは4桁です。1月5日なら、0、1、0、5です。メニューに戻る場合は、9と#を押してください。"
        )
    )


def no_such_date() -> Speech:
    return Speech(_("その日付はありません。"))


def date_passed(day: date) -> Speech:
    """A date typed that has just passed (not taken for next year's)."""
    return compose(_("%(date)sは、もう過ぎています。"), date=spoken_date(day))


def date_read_back(day: date) -> Speech:
    return compose(_("%(date)sですね。"), date=spoken_date(day))


def closed_day(closed: services.ClosedDay) -> Speech:
    reasons = {
        services.ClosedReason.WEEKLY: _("その日は休館日です。"),
        services.ClosedReason.HOLIDAY: _("その日は祝日のため休館です。"),
        services.ClosedReason.MOVED_CLOSED_DAY: _("その日は振替の休館日です。"),
        services.ClosedReason.YEAR_END: _("その日は年末年始の休館日です。"),
        services.ClosedReason.CLOSURE: _("その日は臨時休館です。"),
    }
    speech = Speech(reasons.get(closed.reason, _("その日は休館日です。")))
    if closed.reason == services.ClosedReason.CLOSURE and closed.note:
        speech += compose(_("理由は、%(note)sです。"), note=closed.note)
    return speech


def day_not_open_yet() -> Speech:
    return Speech(_("その日のご予約は、まだ受付を始めていません。"))


def day_booking_closed() -> Speech:
    return Speech(_("その日のご予約の受付は終了しました。"))


def day_full() -> Speech:
    return Speech(_("その日は、空いている時間がありません。"))


def day_unavailable(note: str | None = None) -> Speech:
    """The day's free-looking times are used by the town or closed (使用できません):
    never "booked by someone"; a closure's reason is said when there is one."""
    if note:
        return Speech(_("その日は、使用できません。理由は、%(note)s、です。", note=note))
    return Speech(_("その日は、使用できません。"))


def booked() -> Speech:
    return Speech(_("承りました。ご予約番号を申し上げます。メモのご用意はよろしいですか。"))


def hold_due(last_day: date, fee_yen: int, on_the_day: bool) -> Speech:
    """A hold (仮予約): by when and where to pay, after booking and in the list."""
    if on_the_day:
        return compose(
            _("仮予約です。ご利用の当日、始まる前に、窓口で使用料%(fee)sをお支払いください。"),
            fee=spoken_yen(fee_yen),
        )
    return compose(
        _(
            "仮予約です。%(date)sまでに、窓口で使用料%(fee)sをお支払いください。"
            "お支払いがないと、取り消しになります。"
        ),
        date=spoken_date(last_day),
        fee=spoken_yen(fee_yen),
    )


def reservation_number(number: str) -> Speech:
    """Eight digits in two groups of four."""
    return compose(_("%(digits)sです。"), digits=spoken_digit_groups(number))


def access_code(code: str) -> Speech:
    """A keybox facility's code for this booking, digit by digit (the caretaker asks
    for it at the key handover)."""
    return compose(_("鍵の受け取りの番号は、%(digits)sです。"), digits=spoken_digits(code))


def sms_coming() -> Speech:
    """A caller registered with a mobile number: the confirmation follows by SMS."""
    return Speech(_("確認のショートメッセージを、携帯電話にお送りします。"))


def slip_at_the_counter() -> Speech:
    """A landline caller: what they can ask for (no SMS reaches a landline)."""
    return Speech(_("予約の控えは、窓口でお渡しできます。"))


def number_again(number: str) -> Speech:
    return compose(_("もう一度、%(digits)sです。"), digits=spoken_digit_groups(number))


# ------------------------------------------------------------------- hear, cancel


def no_reservations() -> Speech:
    return Speech(_("現在、ご予約はありません。"))


def reservation_count(count: int) -> Speech:
    return compose(_("ご予約は%(count)s件です。"), count=count)


def reservation_item(ordinal: int, reservation: Reservation) -> Speech:
    blocks = reservation.time_blocks
    return compose(
        _("%(ordinal)s件目。%(slot)s。%(place)s。"),
        ordinal=ordinal,
        slot=spoken_slot(reservation.date, blocks[0].start_time, blocks[-1].end_time),
        place=place(reservation.unit.facility, reservation.unit),
    )


def reservation_number_heard(number: str) -> Speech:
    """After a reservation heard: its number, in two groups of four."""
    return compose(_("予約番号、%(digits)s。"), digits=spoken_digit_groups(number))


def more_reservations() -> str:
    return _("ほかのご予約")


def hear_more_keys() -> Speech:
    return Speech(_("続きをお聞きになる場合は1、ほかのご用件は9を押してください。"))


def hear_again_from_start_keys() -> Speech:
    return Speech(_("最初からお聞きになる場合は1、ほかのご用件は9を押してください。"))


def ask_which_to_cancel() -> Speech:
    return Speech(_("取り消すご予約をお選びください。"))


def nothing_to_cancel() -> Speech:
    return Speech(
        _("電話で取り消せるご予約はありません。期限を過ぎたご予約は、窓口でご相談ください。")
    )


def cancel_item(reservation: Reservation) -> Speech:
    parts = dict(
        date=spoken_date(reservation.date),
        time=spoken_time(reservation.time_blocks[0].start_time),
        place=Reading(reservation.unit.facility.name, reservation.unit.facility.yomi),
    )
    if reservation.group is not None:
        return compose(
            _("%(date)s、%(time)sから、%(place)s、%(group)s"),
            group=group_reading(reservation.group),
            **parts,
        )
    return compose(_("%(date)s、%(time)sから、%(place)s"), **parts)


def too_late_to_cancel(last_day: date, days_before: int) -> Speech:
    return compose(
        _(
            "このご予約の取り消しは、%(date)sまででした。期限を過ぎたご予約は、窓口でご相談ください。"
        ),
        date=spoken_date(last_day),
    )


def too_late_keys(person: bool) -> Speech:
    if person:
        return Speech(_("担当者とお話しになる場合は0を、ほかのご用件は9を押してください。"))
    return task_done_simple()


def confirm_cancel(reservation: Reservation) -> Speech:
    blocks = reservation.time_blocks
    return compose(
        _("%(slot)s、%(place)sのご予約を取り消します。"),
        slot=spoken_slot(reservation.date, blocks[0].start_time, blocks[-1].end_time),
        place=place(reservation.unit.facility, reservation.unit),
    )


def series_date(position: tuple[int, int]) -> Speech:
    """Said when one date of a series (定期利用) is cancelled: only that date is."""
    return compose(
        _("定期利用の、%(count)s回のうち%(k)s回目です。この日だけを取り消します。"),
        count=position[1],
        k=position[0],
    )


def confirm_cancel_keys() -> Speech:
    return Speech(_("取り消す場合は1を、取り消さない場合は2を押してください。"))


def confirm_cancel_keys_simple() -> Speech:
    return Speech(_("取り消しは1、やめる場合は2を押してください。"))


def not_cancelled() -> Speech:
    return Speech(_("取り消しはしていません。"))


def cancelled() -> Speech:
    return Speech(_("ご予約を取り消しました。"))


def already_cancelled() -> Speech:
    return Speech(_("このご予約は、すでに取り消されています。"))


def cannot_cancel() -> Speech:
    return Speech(_("申し訳ありません。このご予約は、電話では取り消せません。"))


# ------------------------------------------------------------ the waitlist (キャンセル待ち)


def waitlist_offer(reservation: Reservation) -> Speech:
    """An open offer, read before the caller's reservations: what freed."""
    blocks = reservation.time_blocks
    return compose(
        _("キャンセル待ちの空きをご案内します。%(slot)s。%(place)s。"),
        slot=spoken_slot(reservation.date, blocks[0].start_time, blocks[-1].end_time),
        place=place(reservation.unit.facility, reservation.unit),
    )


def waitlist_offer_deadline(expires_at: datetime, today: date) -> Speech:
    """By when to answer the offer."""
    return compose(
        _("お返事の期限は、%(deadline)sです。"),
        deadline=spoken_moment(_local(expires_at), today),
    )


def waitlist_offer_keys() -> Speech:
    return Speech(_("お受けになる場合は1を、お断りになる場合は2を押してください。"))


def waitlist_offer_keys_simple() -> Speech:
    return Speech(_("お受けは1、お断りは2を押してください。"))


def waitlist_accepted() -> Speech:
    return Speech(_("お受けしました。ご予約をお取りしました。"))


def waitlist_declined() -> Speech:
    return Speech(_("お断りしました。次にお待ちの方にご案内します。"))


def waitlist_ask() -> Speech:
    """The day (or the time chosen) is taken: wait for it, or hear other free times."""
    return Speech(
        _(
            "キャンセル待ちに登録する場合は1を、ほかの空いている日時をお聞きになる場合は2を押してください。"
        )
    )


def waitlist_ask_simple() -> Speech:
    return Speech(_("キャンセル待ちは1、ほかの日時は2を押してください。"))


def waitlist_which_block() -> Speech:
    return Speech(_("どの時間のキャンセル待ちをしますか。"))


def waitlist_joined(position: int) -> Speech:
    return compose(
        _("キャンセル待ちに登録しました。%(position)s番目です。空きが出ましたら、お知らせします。"),
        position=position,
    )


# ---------------------------------------------------------------- the core's refusals


def _local(moment: datetime) -> datetime:
    return moment.astimezone(services.town_timezone())


def _slot_taken(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("申し訳ありません。その時間は、たった今ほかの方のご予約が入りました。"))


def _limit_reached(error: ReservationError, now: datetime) -> Speech:
    return compose(
        _("この種類の施設のご予約は、お一人%(maximum)s件までです。"),
        maximum=error.params.get("maximum", ""),
    )


def _not_open_yet(error: ReservationError, now: datetime) -> Speech:
    opens_at = _local(error.params["opens_at"])
    return day_not_open_yet() + compose(
        _("%(date)s、%(time)sから受け付けます。"),
        date=spoken_date(opens_at.date()),
        time=spoken_time(opens_at),
    )


def _booking_closed(error: ReservationError, now: datetime) -> Speech:
    """Booking closes at the midnight that ends its last day: that day is said, and
    the counter, which can still help."""
    last_day = (_local(error.params["closes_at"]) - timedelta(microseconds=1)).date()
    return day_booking_closed() + compose(
        _("受付は%(last_day)sまででした。窓口の担当者へのご相談は0を押してください。"),
        last_day=spoken_date(last_day),
    )


def _in_past(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("その時間は、もう過ぎています。"))


def _facility_closed(error: ReservationError, now: datetime) -> Speech:
    reason = error.params.get("reason", services.ClosedReason.WEEKLY)
    return closed_day(services.ClosedDay(reason, error.params.get("note")))


def _unavailable(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("申し訳ありません。その時間は、使用できません。"))


def _block_not_offered(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("その日は、その時間をご利用いただけません。"))


def _too_late_to_cancel(error: ReservationError, now: datetime) -> Speech:
    return too_late_to_cancel(error.params["last_day"], error.params["days_before"])


def _already_cancelled(error: ReservationError, now: datetime) -> Speech:
    return already_cancelled()


def _invalid_credentials(error: ReservationError, now: datetime) -> Speech:
    return wrong_registration_or_pin()


def _too_many_attempts(error: ReservationError, now: datetime) -> Speech:
    return too_many_attempts(_local(error.params["until"]), _local(now))


def _account_locked(error: ReservationError, now: datetime) -> Speech:
    until = error.params.get("until")
    return locked(_local(until) if until else None, _local(now))


def _group_not_active(error: ReservationError, now: datetime) -> Speech:
    status = error.params.get("status")
    if status == services.GroupStatus.EXPIRED:
        return compose(
            _("この団体の登録は、%(date)sで期限が切れています。窓口で更新すると予約できます。"),
            date=spoken_date(error.params["valid_until"]),
        )
    if status == services.GroupStatus.SUSPENDED:
        return Speech(
            _("この団体は、ただいま利用を停止されています。担当者へのご相談は0を押してください。")
        )
    return Speech(_("この団体は、解散のため予約できません。"))


def _group_validity_ends(error: ReservationError, now: datetime) -> Speech:
    return compose(
        _("この団体の登録は%(date)sまでです。その後の日は、更新の後に予約できます。"),
        date=spoken_date(error.params["valid_until"]),
    )


def _not_a_member(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("この団体の会員として登録されていないため、お受けできません。"))


def _group_limit_reached(error: ReservationError, now: datetime) -> Speech:
    maximum = error.params.get("maximum", "")
    limit = error.params.get("limit")
    if limit == GroupLimit.CATEGORY:
        return compose(
            _("この種類の施設の団体のご予約は、%(maximum)s件までです。"), maximum=maximum
        )
    if limit == GroupLimit.MONTH:
        return compose(_("団体のご予約は、ひと月%(maximum)s件までです。"), maximum=maximum)
    return compose(_("団体のご予約は、%(maximum)s件までです。"), maximum=maximum)


def _group_role_required(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("このご予約は、団体の代表者か連絡担当の方が取り消せます。"))


def _hold_expired(error: ReservationError, now: datetime) -> Speech:
    return Speech(
        _(
            "このご予約は、お支払いの期限が過ぎたため、お支払いいただけません。窓口にご相談ください。"
        )
    )


def _waitlist_limit_reached(error: ReservationError, now: datetime) -> Speech:
    return compose(
        _(
            "キャンセル待ちは、ひと月に%(maximum)s件までです。ほかのキャンセル待ちをやめてから、お申し込みください。"
        ),
        maximum=error.params.get("maximum", 0),
    )


def _waitlist_refused(error: ReservationError, now: datetime) -> Speech:
    problem = error.params.get("problem")
    if problem == services.WaitlistProblem.SLOT_FREE:
        return Speech(_("この時間は空いていますので、そのままご予約いただけます。"))
    if problem == services.WaitlistProblem.OWN_SLOT:
        return Speech(_("この時間は、すでにご予約いただいています。"))
    return Speech(_("この時間は、すでにキャンセル待ちにお申し込みいただいています。"))


def _offer_closed(error: ReservationError, now: datetime) -> Speech:
    if error.params.get("status") == services.WaitlistStatus.EXPIRED:
        return Speech(_("お返事の期限が過ぎたため、次にお待ちの方にご案内しました。"))
    if error.params.get("status") == services.WaitlistStatus.CLOSED:
        return Speech(_("この時間は、ご案内できなくなりました。キャンセル待ちは終了しています。"))
    return Speech(_("このご案内には、すでにお返事をいただいています。"))


def _lottery_first(error: ReservationError, now: datetime) -> Speech:
    return day_lottery(error.params.get("release_at"))


def day_lottery(release_at: datetime | None) -> Speech:
    """The day goes by lottery (抽選): refused as LOTTERY_FIRST, or shown as LOTTERY by
    availability, with when what is left opens first come first served."""
    if release_at is None:
        return Speech(_("この日は、抽選で先に決めます。"))
    return compose(
        _("この日は、抽選で先に決めます。残った時間は、%(date)sから受け付けます。"),
        date=spoken_date(release_at.astimezone(services.town_timezone()).date()),
    )


def _lottery_closed(error: ReservationError, now: datetime) -> Speech:
    closes_at = error.params.get("closes_at")
    if closes_at is None:
        return Speech(_("この抽選は、いまはお申し込みを受け付けていません。"))
    last = (closes_at.astimezone(services.town_timezone()) - timedelta(seconds=1)).date()
    return compose(
        _("この抽選のお申し込みは、%(date)sまでです。いまは受け付けていません。"),
        date=spoken_date(last),
    )


def _lottery_choice_refused(error: ReservationError, now: datetime) -> Speech:
    problem = error.params.get("problem")
    if problem == LotteryChoiceProblem.TOO_MANY:
        return compose(
            _("ご希望は、%(maximum)s件までです。"), maximum=error.params.get("maximum", 0)
        )
    if problem == LotteryChoiceProblem.REPEATED:
        return Speech(_("同じご希望が、二つあります。"))
    if problem == LotteryChoiceProblem.NONE:
        return Speech(_("ご希望を、一つ以上お選びください。"))
    return Speech(_("そのご希望は、この抽選には含まれていません。"))


def _lottery_application_refused(error: ReservationError, now: datetime) -> Speech:
    problem = error.params.get("problem")
    if problem == LotteryApplicationProblem.ALREADY_APPLIED:
        return Speech(_("この抽選には、すでにお申し込みいただいています。"))
    if problem == LotteryApplicationProblem.WITHDRAWN:
        return Speech(_("このお申し込みは、取り下げられています。"))
    return Speech(_("団体のお申し込みは、代表者か連絡担当の方ができます。"))


def _lottery_win_closed(error: ReservationError, now: datetime) -> Speech:
    if error.params.get("answer") == services.LotteryAnswer.EXPIRED:
        return Speech(_("ご確認の期限が過ぎたため、この当選は取り消されました。"))
    if error.params.get("answer") is None:
        return Speech(_("このご希望は、当選していません。"))
    return Speech(_("この当選には、すでにお返事をいただいています。"))


def _no_show_restricted(error: ReservationError, now: datetime) -> Speech:
    return compose(
        _(
            "ご利用のないご予約が続いたため、%(date)sまで、電話とインターネットでのご予約をお休みしています。窓口の担当者へのご相談は0を押してください。"
        ),
        date=spoken_date(error.params["until"]),
    )


def _not_accepted(error: ReservationError, now: datetime) -> Speech:
    return Speech(_("申し訳ありません。このご予約はお受けできませんでした。"))


# Every code, in the caller's words; a test keeps the table complete.
REFUSALS: dict[ErrorCode, Callable[[ReservationError, datetime], Speech]] = {
    ErrorCode.SLOT_TAKEN: _slot_taken,
    ErrorCode.LIMIT_REACHED: _limit_reached,
    ErrorCode.NOT_OPEN_YET: _not_open_yet,
    ErrorCode.BOOKING_CLOSED: _booking_closed,
    ErrorCode.IN_PAST: _in_past,
    ErrorCode.FACILITY_CLOSED: _facility_closed,
    ErrorCode.BLOCK_NOT_OFFERED: _block_not_offered,
    ErrorCode.TOO_LATE_TO_CANCEL: _too_late_to_cancel,
    ErrorCode.ALREADY_CANCELLED: _already_cancelled,
    ErrorCode.INVALID_CREDENTIALS: _invalid_credentials,
    ErrorCode.ACCOUNT_LOCKED: _account_locked,
    ErrorCode.TOO_MANY_ATTEMPTS: _too_many_attempts,
    ErrorCode.GROUP_NOT_ACTIVE: _group_not_active,
    ErrorCode.GROUP_VALIDITY_ENDS: _group_validity_ends,
    ErrorCode.NOT_A_MEMBER: _not_a_member,
    ErrorCode.GROUP_LIMIT_REACHED: _group_limit_reached,
    ErrorCode.GROUP_ROLE_REQUIRED: _group_role_required,
    # The phone offers one block at a time, from its own lists: these mean the request
    # could not be taken, with the counter one key away.
    ErrorCode.BLOCKS_NOT_CONSECUTIVE: _not_accepted,
    ErrorCode.TOO_MANY_BLOCKS: _not_accepted,
    ErrorCode.NOT_FOUND: _not_accepted,
    ErrorCode.INVALID_INPUT: _not_accepted,
    ErrorCode.INVALID_RANGE: _not_accepted,
    ErrorCode.NOT_YOUR_RESERVATION: _not_accepted,
    ErrorCode.FORBIDDEN: _not_accepted,
    ErrorCode.REASON_REQUIRED: _not_accepted,
    ErrorCode.POSSIBLE_DUPLICATE: _not_accepted,
    ErrorCode.NOT_ALLOWED: _not_accepted,
    # Met only at the counter (registering and renewing groups, staff's exemptions).
    ErrorCode.TOO_FEW_MEMBERS: _not_accepted,
    ErrorCode.NOT_REGISTERED: _not_accepted,
    ErrorCode.ALREADY_A_MEMBER: _not_accepted,
    ErrorCode.GROUP_NAME_TAKEN: _not_accepted,
    ErrorCode.GROUP_OVERLAP: _not_accepted,
    ErrorCode.OUTSIDE_RENEWAL_WINDOW: _not_accepted,
    ErrorCode.LAST_REPRESENTATIVE: _not_accepted,
    ErrorCode.FEE_SETTLED: _not_accepted,
    # Series, seasons and staff blocks are made at the counter.
    ErrorCode.SERIES_LAST_BEFORE_FIRST: _not_accepted,
    ErrorCode.SERIES_TOO_LONG: _not_accepted,
    ErrorCode.SERIES_WEEKDAY_CLOSED: _not_accepted,
    ErrorCode.SERIES_EMPTY: _not_accepted,
    ErrorCode.SERIES_CONFLICT: _not_accepted,
    ErrorCode.SERIES_LIMIT_REACHED: _not_accepted,
    ErrorCode.SERIES_OVERLAP: _not_accepted,
    ErrorCode.SERIES_NOT_EDITABLE: _not_accepted,
    ErrorCode.SERIES_OUTSIDE_SEASON: _not_accepted,
    ErrorCode.SEASON_EXISTS: _not_accepted,
    ErrorCode.SEASON_CLOSED: _not_accepted,
    ErrorCode.SEASON_EMPTY: _not_accepted,
    ErrorCode.SEASON_CHANGED: _not_accepted,
    ErrorCode.IN_THE_WAY: _not_accepted,
    ErrorCode.UNAVAILABLE: _unavailable,
    ErrorCode.NO_SHOW_RESTRICTED: _no_show_restricted,
    # Use records are kept by staff, never by a caller.
    ErrorCode.USE_ALREADY_RECORDED: _not_accepted,
    ErrorCode.USE_NOT_YET: _not_accepted,
    ErrorCode.ACCESS_CODE_WRONG: _not_accepted,
    ErrorCode.HOLD_EXPIRED: _hold_expired,
    ErrorCode.WAITLIST_LIMIT_REACHED: _waitlist_limit_reached,
    ErrorCode.WAITLIST_REFUSED: _waitlist_refused,
    ErrorCode.OFFER_CLOSED: _offer_closed,
    ErrorCode.LOTTERY_FIRST: _lottery_first,
    ErrorCode.LOTTERY_CLOSED: _lottery_closed,
    ErrorCode.LOTTERY_CHOICE_REFUSED: _lottery_choice_refused,
    ErrorCode.LOTTERY_APPLICATION_REFUSED: _lottery_application_refused,
    ErrorCode.LOTTERY_WIN_CLOSED: _lottery_win_closed,
    # The draw is staff's work, never a caller's.
    ErrorCode.LOTTERY_DRAW_REFUSED: _not_accepted,
}


def refusal(error: ReservationError, now: datetime) -> Speech:
    """Why the core refused, in the caller's words."""
    return REFUSALS[error.code](error, now)
