"""The rules of the monthly lottery (抽選), as pure functions: a round's calendar, the
seed's commitment, and the draw itself, which anyone can re-run from the published seed
and the applications and get exactly the same result.

Like rules.py, nothing here reads the database or the clock. Which choices can be won
together (whole court against its halves, a series date already there) is the caller's
knowledge: the draw asks a `fits` function, so the database's claims stay the one
authority on what conflicts with what.

The draw (documented in the README, "Lottery"):

1. The seed is a text staff record before the period ends; only its SHA-256 (the
   commitment) is published then. After the deadline the text is revealed; anyone can
   check that its SHA-256 is the published commitment, so nobody could choose the seed
   after seeing the applications.
2. Choices are allocated in rounds by rank: every application's first choice, then
   every second choice, and so on.
3. Within a rank, applications are taken in the order of
   HMAC-SHA256(key = seed, message = "<rank>:<application id>"), smallest first, after
   any priority tier (off by default: everyone is tier 0). A fresh order per rank means
   the applicant drawn last for first choices is as likely as anyone to be drawn first
   for second choices.
4. A choice is won if it fits with everything won before it (the caller's `fits`), and
   the application has not reached its maximum of wins; otherwise it is lost.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .payment_rules import counter_day_on_or_after, counter_day_on_or_before


@dataclass(frozen=True)
class RoundRule:
    """When a round's steps fall, counted in the month `months_ahead` before the month of
    use: applications from `opens_day` at `opens_at` to `closes_day` at the end of that
    day, the draw on `draw_day` at `draw_at`, winners confirm by the end of
    `confirm_day`, and what is left opens first come first served on `release_day` at
    `release_at`. The default is the common Japanese cycle: the 1st to the 10th for the
    month after next, the draw on the 11th, confirm by the 20th, open on the 21st."""

    months_ahead: int = 2
    opens_day: int = 1
    opens_at: time = time(9, 0)
    closes_day: int = 10
    draw_day: int = 11
    draw_at: time = time(9, 0)
    confirm_day: int = 20
    release_day: int = 21
    release_at: time = time(9, 0)

    def __post_init__(self) -> None:
        days = (self.opens_day, self.closes_day, self.draw_day, self.confirm_day)
        if not 1 <= self.months_ahead <= 12:
            raise ValueError("months_ahead must be 1 to 12")
        if not all(1 <= day <= 28 for day in (*days, self.release_day)):
            raise ValueError("the round's days must be 1 to 28 (every month has them)")
        if not (self.opens_day <= self.closes_day < self.draw_day <= self.confirm_day):
            raise ValueError("a round opens, closes, draws and confirms in that order")
        if self.release_day <= self.confirm_day:
            raise ValueError("what is left opens after the confirmation deadline")


@dataclass(frozen=True)
class RoundDates:
    """One round's calendar, as aware datetimes in the town's time zone."""

    month: date  # the first day of the month of use
    opens_at: datetime
    closes_at: datetime  # the end of the last day of applications (exclusive)
    draw_at: datetime
    confirm_by: datetime  # the end of the confirmation day (exclusive)
    release_at: datetime  # first come first served for what is left

    @property
    def last_use_day(self) -> date:
        return _add_months(self.month, 1) - timedelta(days=1)

    def covers(self, day: date) -> bool:
        """Whether `day` is in the month this round allocates."""
        return self.month <= day <= self.last_use_day

    def accepts_applications(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def round_dates(month: date, rule: RoundRule, tz: ZoneInfo) -> RoundDates:
    """The calendar of the round that allocates `month` (any day of it).

    Applications are taken on the web and by phone day and night, so the period is not
    moved. The draw and the release are staff work and the confirmation is paid at the
    counter: in 年末年始 (12/29–1/3), when the counter is closed, the draw and the release
    move to the first day after it and the confirmation deadline to the last counter day
    before it (12/28), so nobody has to pay on a day nobody can take the money."""
    first = month.replace(day=1)
    base = _add_months(first, -rule.months_ahead)

    def at(day: int, moment: time) -> datetime:
        return datetime.combine(base.replace(day=day), moment, tz)

    def end_of(day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0, 0), tz)

    draw_day = counter_day_on_or_after(base.replace(day=rule.draw_day))
    confirm_day = counter_day_on_or_before(base.replace(day=rule.confirm_day))
    release_day = counter_day_on_or_after(base.replace(day=rule.release_day))
    if confirm_day < draw_day:  # the whole window fell in 年末年始: confirm after it
        confirm_day = draw_day
    if release_day <= confirm_day:
        release_day = confirm_day + timedelta(days=1)
    return RoundDates(
        month=first,
        opens_at=at(rule.opens_day, rule.opens_at),
        closes_at=end_of(base.replace(day=rule.closes_day)),
        draw_at=datetime.combine(draw_day, rule.draw_at, tz),
        confirm_by=end_of(confirm_day),
        release_at=datetime.combine(release_day, rule.release_at, tz),
    )


def commitment(seed: str) -> str:
    """The SHA-256 (hex) of the seed text, published before the period ends."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def reveal_matches(published: str, seed: str) -> bool:
    """Whether a revealed seed is the one whose commitment was published."""
    return hmac.compare_digest(published.lower(), commitment(seed))


def draw_key(seed: str, rank: int, application_id: int) -> str:
    """Where an application stands among the choices of one rank: the keyed hash of
    (seed, rank, application id), hex. Smallest first."""
    message = f"{rank}:{application_id}".encode("ascii")
    return hmac.new(seed.encode("utf-8"), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Choice:
    """One ranked choice of an application: a unit, a day and its blocks."""

    rank: int  # 1 = first choice
    unit_id: int
    day: date
    block_ids: tuple[int, ...]

    @property
    def slot(self) -> tuple[int, date, tuple[int, ...]]:
        return (self.unit_id, self.day, self.block_ids)


@dataclass(frozen=True)
class Application:
    application_id: int
    choices: tuple[Choice, ...]
    tier: int = 0  # priority tier: smaller goes first (all 0 unless the town sets rules)


@dataclass(frozen=True)
class Outcome:
    """What became of one choice: won or not, and its place in the draw (1 = first
    choice considered), so that the result can be told and re-checked step by step."""

    application_id: int
    rank: int
    won: bool
    position: int


@dataclass
class DrawResult:
    outcomes: list[Outcome] = field(default_factory=list)

    def wins(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.won]

    def as_records(self) -> list[tuple[int, int, bool, int]]:
        """The result in a plain form to store or compare: (application, rank, won,
        position), in draw order."""
        return [(o.application_id, o.rank, o.won, o.position) for o in self.outcomes]


Fits = Callable[[Sequence[Choice], Choice], bool]


def draw(
    seed: str,
    applications: Iterable[Application],
    fits: Fits,
    *,
    max_wins: int | None = None,
) -> DrawResult:
    """The draw: choices by rank, applications within a rank by tier then draw key.

    `fits(won, choice)` says whether `choice` can be won beside the choices already won
    (in the order they were won); `max_wins` caps the wins of one application (None: each
    choice can be won)."""
    apps = sorted(applications, key=lambda app: app.application_id)
    if len({app.application_id for app in apps}) != len(apps):
        raise ValueError("each application takes part once")
    by_rank: dict[int, list[tuple[Application, Choice]]] = {}
    for app in apps:
        ranks = [choice.rank for choice in app.choices]
        if len(set(ranks)) != len(ranks) or any(rank < 1 for rank in ranks):
            raise ValueError(f"application {app.application_id} has repeated ranks")
        for choice in app.choices:
            by_rank.setdefault(choice.rank, []).append((app, choice))
    won: list[Choice] = []
    wins_of: dict[int, int] = {}
    result = DrawResult()
    position = 0
    for rank in sorted(by_rank):
        entries = sorted(
            by_rank[rank],
            key=lambda entry: (entry[0].tier, draw_key(seed, rank, entry[0].application_id)),
        )
        for app, choice in entries:
            position += 1
            allowed = max_wins is None or wins_of.get(app.application_id, 0) < max_wins
            success = allowed and fits(won, choice)
            if success:
                won.append(choice)
                wins_of[app.application_id] = wins_of.get(app.application_id, 0) + 1
            result.outcomes.append(Outcome(app.application_id, rank, success, position))
    return result


def differences(stored: Sequence[tuple[int, int, bool, int]], recomputed: DrawResult) -> list[str]:
    """How a stored result differs from the recomputed one (empty when identical), in
    plain words for `lottery verify`."""
    expected = {(row[0], row[1]): row for row in recomputed.as_records()}
    found = {(row[0], row[1]): tuple(row) for row in stored}
    problems = []
    for key in sorted(expected.keys() | found.keys()):
        want, got = expected.get(key), found.get(key)
        if got is None:
            problems.append(f"application {key[0]} choice {key[1]}: missing from the result")
        elif want is None:
            problems.append(f"application {key[0]} choice {key[1]}: not in the draw")
        elif want[2] != got[2]:
            said = "won" if got[2] else "lost"
            should = "won" if want[2] else "lost"
            problems.append(f"application {key[0]} choice {key[1]}: {said}, the draw says {should}")
        elif want[3] != got[3]:
            problems.append(
                f"application {key[0]} choice {key[1]}: drawn at {got[3]}, the draw says {want[3]}"
            )
    return problems


def fingerprint(seed: str, applications: Iterable[Application], result: DrawResult) -> str:
    """One SHA-256 over the seed, every application's choices and the result, in a
    canonical order: recorded with the draw, it changes when anything that went into the
    draw or came out of it changes, even where the wins happen to stay the same."""
    digest = hashlib.sha256()
    digest.update(seed.encode("utf-8") + b"\n")
    for app in sorted(applications, key=lambda app: app.application_id):
        digest.update(f"a {app.application_id} {app.tier}\n".encode("ascii"))
        for choice in sorted(app.choices, key=lambda choice: choice.rank):
            blocks = ",".join(str(block) for block in choice.block_ids)
            line = f"c {choice.rank} {choice.unit_id} {choice.day.isoformat()} {blocks}\n"
            digest.update(line.encode("ascii"))
    for application_id, rank, won, position in result.as_records():
        digest.update(f"o {application_id} {rank} {int(won)} {position}\n".encode("ascii"))
    return digest.hexdigest()


def same_slot_fits(won: Sequence[Choice], choice: Choice) -> bool:
    """The simplest `fits`: a choice fits unless the same unit, day and a shared block
    was won before. The service uses the claims' parts instead (whole vs half)."""
    return not any(
        other.unit_id == choice.unit_id
        and other.day == choice.day
        and set(other.block_ids) & set(choice.block_ids)
        for other in won
    )
