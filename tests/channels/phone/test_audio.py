"""What the caller hears, as sound (channels/phone/audio.py): Open JTalk with Debian's
dictionary only, the speech rate as Polly defines it, and `phone-sim --speak`."""

from __future__ import annotations

import wave

import pytest

from channels.phone import audio
from tests.channels.phone.conftest import YAMADA_PHONE


def test_a_missing_dictionary_stops_with_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(audio.DICTIONARY_ENV, str(tmp_path / "no-dictionary"))
    with pytest.raises(audio.SynthesisUnavailable) as raised:
        audio.Synthesizer()
    message = str(raised.value)
    assert "apt-get install open-jtalk-mecab-naist-jdic" in message
    assert "No dictionary is ever downloaded" in message
    assert list(tmp_path.iterdir()) == []  # nothing fetched, nothing made


def test_the_dictionary_used_is_debians(synthesizer):
    import pyopenjtalk

    assert audio.dictionary_dir().is_dir()
    assert pyopenjtalk.OPEN_JTALK_DICT_DIR == str(audio.dictionary_dir()).encode()


@pytest.mark.parametrize(
    "rate, factor", [("", 1.0), ("medium", 1.0), ("100%", 1.0), ("90%", 0.9), ("150%", 1.5)]
)
def test_the_speech_rate_is_polly_s_percentage(rate, factor):
    assert audio.rate_factor(rate) == factor


@pytest.mark.parametrize("rate", ["slow", "x-slow", "10%", "250%"])
def test_a_rate_with_no_defined_speed_is_not_guessed(rate):
    with pytest.raises(ValueError, match="percentage"):
        audio.rate_factor(rate)


def test_a_prompt_at_90_percent_lasts_a_ninth_longer(synthesizer):
    text = "予約は1、確認は2、取り消しは3を押してください。"
    normal = audio.say_seconds(text, "100%")
    assert 3 < normal < 8
    assert audio.say_seconds(text, "90%") == pytest.approx(normal / 0.9, rel=0.03)


def test_silence_around_a_prompt_is_not_counted(synthesizer):
    short = audio.say_seconds("はい。")
    assert 0 < short < 0.6  # Open JTalk pads it with about 0.3 s on each side


def test_what_the_caller_hears_carries_its_readings_and_rate(call, town, synthesizer):
    simulator = call(YAMADA_PHONE)
    greeting = simulator.last.heard[0]
    assert greeting.rate == "90%"
    assert "町予約《まちよやく》" in greeting.text and "まちよやく" in greeting.spoken
    assert audio.seconds_heard(simulator.exchanges) == pytest.approx(
        sum(audio.say_seconds(s.spoken, "90%") for s in simulator.last.says)
    )


def test_phone_sim_speak_writes_the_call_as_a_wav_file(phone_app, town, tmp_path, synthesizer):
    path = tmp_path / "call.wav"
    result = phone_app.test_cli_runner().invoke(
        args=["phone-sim", "--keys", f"{town.yamada.pin},2", "--speak", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert "s)" in result.output  # each prompt shown with its length
    assert f"Wrote {path}" in result.output
    with wave.open(str(path)) as sound:
        assert (sound.getnchannels(), sound.getsampwidth()) == (1, 2)
        seconds = sound.getnframes() / sound.getframerate()
    heard = float(result.output.split("of which ")[1].split(" s")[0])
    assert 20 < heard < seconds  # the greeting, PIN, main menu, no reservations, menu
