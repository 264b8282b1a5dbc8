"""What the caller hears, as sound: each prompt synthesized with Open JTalk, its length
in seconds, and a whole simulated call as a WAV file.

The simulator (``phone-sim --speak``), the prompt-length test and ``bench.phone_load``
all measure here, so their figures agree. Open JTalk comes from PyPI's ``pyopenjtalk``
(the test extra) with Debian's dictionary (``open-jtalk-mecab-naist-jdic``, in
``OPEN_JTALK_DICT_DIR``); pyopenjtalk downloads a dictionary of its own when it finds
none, so it is pointed at Debian's before it is first used, and a missing dictionary
stops with a message saying what to install.

What is measured, and what is assumed:

- A ``<Say>`` is its text with each ``<sub>`` replaced by its ``alias``: what Polly says.
- ``<prosody rate="n%">``: Amazon Polly documents n% as the speaking rate relative to
  the voice's own (100% unchanged, 200% twice as fast, 50% half; 20–200%), so a prompt
  at 90% lasts 1/0.9 of its length at 100%. Open JTalk is driven at that speed (the
  HTS engine's speed 0.9 stretches every frame by 1/0.9). ``medium`` is 100%; Polly
  gives no figure for ``x-slow`` or ``slow``, so those are refused rather than guessed.
- Open JTalk pads every utterance with about 0.3 s of silence at each end; a prompt's
  length runs from its first to its last sound (10 ms frames above -50 dBFS).
- ``<Pause length="n">`` lasts n seconds (Twilio's default: 1).
- The caller hears every prompt to its end (no key pressed while it is spoken).

Open JTalk's voice is not Polly's: the seconds are the yardstick the phone flow is
judged by from one change to the next, not a stopwatch on a real call.
"""

from __future__ import annotations

import os
import re
import threading
import wave
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .simulator import Exchange, Pause, Spoken

if TYPE_CHECKING:
    import numpy

DICTIONARY_ENV = "OPEN_JTALK_DICT_DIR"
DEBIAN_DICTIONARY = "/var/lib/mecab/dic/open-jtalk/naist-jdic"
DICTIONARY_FILES = ("sys.dic", "unk.dic", "matrix.bin", "char.bin")

FRAME_SECONDS = 0.01
SILENCE_DBFS = -50.0
FULL_SCALE = 32768.0  # Open JTalk's samples are on the 16-bit scale

# Gaps in a WAV of a call: between two prompts of one answer, and where the caller
# presses keys (the next webhook's answer).
GAP_BETWEEN_PROMPTS = 0.3
GAP_BETWEEN_ANSWERS = 1.0


class SynthesisUnavailable(RuntimeError):
    """Open JTalk or its dictionary is missing; the message says what to install."""


def dictionary_dir() -> Path:
    """Debian's Open JTalk dictionary (or OPEN_JTALK_DICT_DIR's), checked to be there."""
    path = Path(os.environ.get(DICTIONARY_ENV) or DEBIAN_DICTIONARY)
    missing = [name for name in DICTIONARY_FILES if not (path / name).is_file()]
    if missing:
        raise SynthesisUnavailable(
            f"Open JTalk's dictionary is not in {path} (no {', '.join(missing)}): "
            "install Debian's package (apt-get install open-jtalk-mecab-naist-jdic) or set "
            f"{DICTIONARY_ENV} to a naist-jdic directory built for Open JTalk. "
            "No dictionary is ever downloaded."
        )
    return path


def rate_factor(rate: str) -> float:
    """The speaking rate of ``<prosody rate=...>`` as a factor: "90%" is 0.9."""
    rate = (rate or "").strip()
    if rate in ("", "medium"):
        return 1.0
    match = re.fullmatch(r"(\d{1,3})%", rate)
    if match and 20 <= int(match.group(1)) <= 200:
        return int(match.group(1)) / 100
    raise ValueError(
        f'cannot measure speech at rate "{rate}": Polly defines n% from 20% to 200% '
        "and gives no figure for x-slow or slow; set PHONE_SPEECH_RATE to a percentage"
    )


class Synthesizer:
    """Open JTalk with Debian's dictionary and pyopenjtalk's own voice (mei). Lengths
    are kept per text and speed for the life of the process."""

    def __init__(self) -> None:
        directory = dictionary_dir()
        # pyopenjtalk reads the variable when it is imported; set it first, so that its
        # own lazy set-up, should anything use it, finds a dictionary and never fetches.
        os.environ[DICTIONARY_ENV] = str(directory)
        try:
            import numpy  # noqa: F401  (pyopenjtalk's own dependency)
            import pyopenjtalk
        except ImportError as error:
            raise SynthesisUnavailable(
                "pyopenjtalk is not installed: pip install -e '.[test]' (or pip install "
                "pyopenjtalk); it needs a C++ compiler to build"
            ) from error
        pyopenjtalk.OPEN_JTALK_DICT_DIR = str(directory).encode()
        try:
            self._frontend = pyopenjtalk.OpenJTalk(dn_mecab=str(directory).encode())
        except RuntimeError as error:
            raise SynthesisUnavailable(
                f"Open JTalk could not load the dictionary in {directory}: {error}"
            ) from error
        self._voice = pyopenjtalk.HTSEngine(pyopenjtalk.DEFAULT_HTS_VOICE)
        self.sample_rate: int = self._voice.get_sampling_frequency()
        self._lock = threading.Lock()
        self._seconds: dict[tuple[str, float], float] = {}

    def wave(self, text: str, speed: float = 1.0) -> numpy.ndarray:
        """The text spoken at `speed`, without the silence around it."""
        import numpy as np

        if not text.strip():
            self._seconds[(text, speed)] = 0.0
            return np.zeros(0)
        with self._lock:
            labels = self._frontend.make_label(self._frontend.run_frontend(text))
            self._voice.set_speed(speed)
            samples = np.asarray(self._voice.synthesize(labels), dtype=np.float64)
            sound = _without_silence_around(samples, self.sample_rate)
            self._seconds[(text, speed)] = len(sound) / self.sample_rate
        return sound

    def seconds(self, text: str, speed: float = 1.0) -> float:
        key = (text, speed)
        if key not in self._seconds:
            self.wave(text, speed)
        return self._seconds[key]


def _without_silence_around(samples: numpy.ndarray, sample_rate: int) -> numpy.ndarray:
    import numpy as np

    frame = int(sample_rate * FRAME_SECONDS)
    count = len(samples) // frame
    if count == 0:
        return samples[:0]
    frames = samples[: count * frame].reshape(count, frame)
    loudness = np.sqrt(np.mean(frames**2, axis=1))
    sounding = np.flatnonzero(loudness > FULL_SCALE * 10 ** (SILENCE_DBFS / 20))
    if not sounding.size:
        return samples[:0]
    return samples[sounding[0] * frame : (sounding[-1] + 1) * frame]


@cache
def synthesizer() -> Synthesizer:
    """The process's one synthesizer (raises SynthesisUnavailable)."""
    return Synthesizer()


# -------------------------------------------------------------------- measuring


def say_seconds(spoken: str, rate: str = "") -> float:
    """Seconds a prompt lasts: its spoken text (readings in place) at its rate."""
    return synthesizer().seconds(spoken, rate_factor(rate))


def seconds(item: Spoken | Pause) -> float:
    if isinstance(item, Pause):
        return item.seconds
    return say_seconds(item.spoken, item.rate)


def seconds_heard(exchanges: Iterable[Exchange]) -> float:
    """Everything said in these answers of a call (prompts and pauses), in seconds."""
    return sum(seconds(item) for exchange in exchanges for item in exchange.heard)


def longest_prompt(exchanges: Iterable[Exchange]) -> tuple[float, Spoken | None]:
    """The longest single <Say> in these answers, and its length."""
    best: tuple[float, Spoken | None] = (0.0, None)
    for exchange in exchanges:
        for item in exchange.heard:
            if isinstance(item, Spoken) and (length := seconds(item)) > best[0]:
                best = (length, item)
    return best


# ------------------------------------------------------------------ listening


def call_samples(exchanges: Sequence[Exchange]) -> numpy.ndarray:
    """The call as the caller hears it: every prompt at its rate and every pause, in
    order, with short gaps between prompts and longer ones where keys are pressed."""
    import numpy as np

    voice = synthesizer()
    per_second = voice.sample_rate
    pieces: list[np.ndarray] = []
    for exchange in exchanges:
        if not exchange.heard:
            continue
        if pieces:
            pieces.append(np.zeros(int(GAP_BETWEEN_ANSWERS * per_second)))
        for index, item in enumerate(exchange.heard):
            if index:
                pieces.append(np.zeros(int(GAP_BETWEEN_PROMPTS * per_second)))
            if isinstance(item, Pause):
                pieces.append(np.zeros(int(item.seconds * per_second)))
            else:
                pieces.append(voice.wave(item.spoken, rate_factor(item.rate)))
    return np.concatenate(pieces) if pieces else np.zeros(0)


def write_wav(path: str | Path, exchanges: Sequence[Exchange]) -> float:
    """Write the call to a mono 16-bit WAV file; its length in seconds."""
    import numpy as np

    samples = call_samples(exchanges)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    limit = FULL_SCALE - 1
    if peak > limit:  # one gain for the whole call: prompts keep their loudness
        samples = samples * (limit / peak)
    per_second = synthesizer().sample_rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(per_second)
        out.writeframes(np.round(samples).astype("<i2").tobytes())
    return len(samples) / per_second
