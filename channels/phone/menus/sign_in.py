"""Signing in: the registration number (unless the caller ID hinted who is calling),
the PIN, and what a locked account hears.

A line whose sign-ins wait (someone may have forged its number as caller ID) and that
is some resident's registered number is offered, on a call with no wrong PIN in it, a
callback to the number on the resident's record (services/callbacks.py): the PIN the
caller just gave is checked without a word of the result, and the callback is rung only
when it was right and the calling line is that resident's registered number (the
caller ID's resident, or the registration number's on a line several residents share).
The callback asks for the PIN as a source of its own, "phone:callback:<CallSid>", and
whoever answers it can say they did not ask for it."""

from __future__ import annotations

from datetime import datetime

from reservations import services
from reservations.errors import AccountLocked, InvalidCredentials, TooManyAttempts

from ...ratelimit import sign_in_limits, until_after
from .. import prompts
from .base import Node, is_number


class Registration(Node):
    name = "registration"
    digits = services.REGISTRATION_NUMBER_LENGTH
    needs_resident = False

    def prompt(self, turn):
        return [prompts.ask_registration()]

    def simple(self, turn):
        return [prompts.ask_registration_simple()]

    def help(self, turn):
        return [prompts.registration_help()]

    def handle(self, turn, digits):
        if not is_number(digits, self.digits) or not services.has_valid_check_digit(digits):
            turn.say(prompts.registration_not_valid())
            return False
        turn.goto("pin", registration_no=digits)
        return True


SOMEONE_ELSE = "2"  # on a line whose caller ID matched a resident


class Pin(Node):
    name = "pin"
    digits = services.PIN_LENGTH
    needs_resident = False

    def prompt(self, turn):
        if turn.state.get("callback"):
            return [prompts.callback_greeting(), prompts.callback_ask_pin()]
        if turn.state.get("hint"):
            return [prompts.ask_pin_or_someone_else()]
        return [prompts.ask_pin()]

    def simple(self, turn):
        return [prompts.ask_pin_simple()]

    def help(self, turn):
        return [prompts.pin_help()]

    def handle(self, turn, digits):
        callback = turn.state.get("callback")
        if digits == SOMEONE_ELSE and callback:
            # Answered at the registered number by someone who asked for nothing.
            services.disown_callback(turn.call.sid, turn.now)
            turn.event("callback_disowned")
            turn.say(prompts.callback_disowned())
            turn.end()
            return True
        if digits == SOMEONE_ELSE and turn.state.get("hint"):
            # Someone else on a line registered to a resident: they give their own
            # registration number, and their PINs count against their own number.
            turn.goto("registration", hint=None, registration_no=None)
            return True
        if not is_number(digits, self.digits):
            return False
        registration_no = turn.state.get("registration_no")
        line = turn.state.get("line")
        if callback:
            source = f"phone:callback:{turn.call.sid}"
        else:
            source = f"phone:from:{line}" if line else f"phone:call:{turn.call.sid}"
        limits = sign_in_limits()
        wait = limits.retry_after(source)
        if wait is not None:
            return self._wait(turn, until_after(turn.now, wait), digits)
        try:
            resident = services.verify_pin(
                "phone",
                pin=digits,
                now=turn.now,
                registration_no=registration_no,
                resident_id=None if registration_no else turn.state.get("hint"),
                source=source,
            )
        except InvalidCredentials as refused:
            turn.event("sign_in_failed")
            left = limits.count_failure(source)
            tries = turn.state.get("pin_failures", 0) + 1
            turn.state["pin_failures"] = tries
            per_call = turn.settings.sign_in_attempts_per_call
            if left == 0:
                return self._wait(
                    turn, until_after(turn.now, limits.retry_after(source) or 60), digits
                )
            if tries >= per_call:
                turn.event("locked")
                turn.goto("locked", locked_until=None, call_over=True, waiting=False)
                return True
            if registration_no:
                turn.say(prompts.wrong_registration_or_pin())
            else:
                turn.say(prompts.wrong_pin())
            if refused.params.get("attempts_left") == 1 or left == 1 or tries == per_call - 1:
                turn.say(prompts.last_pin_try())
            if registration_no:
                turn.goto("registration", registration_no=None)
            else:
                turn.goto("pin")
            return True
        except TooManyAttempts as waiting:
            limits.count_failure(source)
            return self._wait(turn, waiting.params["until"], digits)
        except AccountLocked as locked:
            turn.event("locked")
            until = locked.params.get("until")
            turn.goto(
                "locked",
                locked_until=until.isoformat() if until else None,
                waiting=False,
                call_over=False,
            )
            return True
        if callback:
            services.signed_in_by_callback(turn.call.sid, turn.now)
        turn.resident_id = resident.id
        turn.state.pop("registration_no", None)
        turn.state.pop("hint", None)
        turn.event("signed_in")
        turn.say(prompts.signed_in(resident.name, resident.name_kana))
        turn.goto("main")
        return True

    def _wait(self, turn, until: datetime, pin: str) -> bool:
        """This line (or call) gave too many wrong PINs: it waits until `until`. On a
        line that is a resident's registered number, a call with no wrong PIN of its
        own is offered a callback to the registered number instead (the line may wait
        because of a forger): `pin`, the one just given, decides whether it is rung,
        and nothing the caller hears says which."""
        turn.event("locked")
        state = turn.state
        if (
            state.get("registered_line")
            and (state.get("hint") or state.get("registration_no"))
            and state.get("line")
            and not state.get("callback")
            and not state.get("pin_failures")
        ):
            registration_no = state.get("registration_no")
            callback_for = services.check_for_callback(
                pin=pin,
                line=state["line"],
                resident_id=None if registration_no else state.get("hint"),
                registration_no=registration_no,
            )
            turn.goto("callback_offer", locked_until=until.isoformat(), callback_for=callback_for)
            return True
        turn.goto("locked", locked_until=until.isoformat(), waiting=True, call_over=False)
        return True


class CallbackOffer(Node):
    """The line waits, the call is clean: 1 asks for a callback to the number on the
    resident's record (the caller cannot give another), then the call ends so that the
    line is free to ring. It rings when the PIN given before was right (`callback_for`,
    from services.check_for_callback)."""

    name = "callback_offer"
    needs_resident = False

    def prompt(self, turn):
        return [prompts.line_waits_callback_offer(), self.simple(turn)[0]]

    def simple(self, turn):
        return [prompts.callback_choice(turn.person_available())]

    def help(self, turn):
        return [prompts.press_one_of(["1", "0"] if turn.person_available() else ["1"])]

    def handle(self, turn, digits):
        if digits != "1":
            return False
        requested = services.request_callback(
            resident_id=turn.state.pop("callback_for", None), call_sid=turn.call.sid, now=turn.now
        )
        # The caller hears the same whether a callback will ring or not (a wrong PIN,
        # the bounds): what they hear never tells whether the PIN was right.
        turn.event("callback_requested" if requested is not None else "callback_refused")
        turn.say(prompts.callback_coming())
        turn.end()
        return True


class Locked(Node):
    name = "locked"
    result = True
    needs_resident = False

    def prompt(self, turn):
        until = turn.state.get("locked_until")
        tz = services.town_timezone()
        moment = datetime.fromisoformat(until).astimezone(tz) if until else None
        if turn.state.get("call_over"):
            said = prompts.call_sign_in_over()
        elif turn.state.get("waiting") and moment is not None:
            said = prompts.too_many_attempts(moment, turn.now.astimezone(tz))
        else:
            said = prompts.locked(moment, turn.now.astimezone(tz))
        return [
            said,
            prompts.locked_prompt(turn.person_available()),
        ]

    def simple(self, turn):
        return [prompts.locked_prompt(turn.person_available())]

    def help(self, turn):
        return [prompts.press_one_of(["0"])]
