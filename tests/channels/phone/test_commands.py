"""`flask phone-sim` (the same simulator the tests use) and `flask phone-stats`."""

from __future__ import annotations

from tests.channels.phone.conftest import UNKNOWN_PHONE


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_phone_sim_books_with_scripted_keys(phone_app, town):
    output = run(phone_app, "phone-sim", "--keys", f"{town.yamada.pin},2,1,1,1216,1")
    assert "-> POST /phone/voice" in output
    assert "「お電話ありがとうございます。町予約《まちよやく》です。" in output
    assert "  > ••••" in output  # a PIN is not echoed
    assert "ご予約番号を申し上げます。" in output
    assert "Call ended: the caller hung up" in output
    assert "PROBLEM" not in output


def test_phone_sim_silence_leads_to_the_operator(phone_app, town):
    output = run(phone_app, "phone-sim", "--keys", town.yamada.pin, "--silence")
    assert output.count("> (silence)") >= 3
    assert "担当者におつなぎします。" in output
    assert "Transferred to +81166000111 (no-answer)" in output
    assert "Call ended: the service said goodbye and hung up" in output


def test_phone_sim_an_unknown_caller_typing_interactively(phone_app, town):
    result = phone_app.test_cli_runner().invoke(
        args=["phone-sim", "--from", UNKNOWN_PHONE],
        input=f"{town.yamada.registration_no}\n{town.yamada.pin}\n3\nq\n",
    )
    assert result.exit_code == 0, result.output
    assert "登録番号、6桁を押してください。" in result.output
    assert "現在、ご予約はありません。" in result.output
    assert "Call ended: the caller hung up" in result.output


def test_phone_sim_operator_answers(phone_app, town):
    output = run(phone_app, "phone-sim", "--keys", "0", "--operator", "answer")
    assert "Transferred to +81166000111 (answer)" in output


def test_phone_stats_counts_outcomes(phone_app, town):
    run(phone_app, "phone-sim", "--keys", f"{town.yamada.pin},2,1,1,1216,1")
    run(phone_app, "phone-sim", "--keys", f"{town.yamada.pin},1")
    run(phone_app, "phone-sim", "--keys", f"{town.yamada.pin},7,7,7")
    output = run(phone_app, "phone-stats")
    assert "Calls in the last 30 days: 3" in output
    assert "booked: 1" in output and "abandoned: 1" in output
    assert "transfer_unanswered: 1" in output
    # where the abandoned call was left: the place she booked in the first call, offered
    assert "book_last: 1" in output
    assert "main invalid_input: 3" in output
