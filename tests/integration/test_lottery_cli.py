"""`flask --app channels lottery ...` through Flask's CLI runner: commit and reveal the
seed, draw once, verify, and a tampered result caught by verify."""

from __future__ import annotations

from datetime import date

import pytest

from channels import demo
from reservations import services
from reservations.db import db, write_transaction
from reservations.models import LotteryChoice
from tests.factories import at, block_of, make_facility, make_resident, make_staff, unit_of

SEED = "counter safe, envelope 12"


@pytest.fixture
def round_(app):
    gym = make_facility("gym")
    admin = services.Actor.staff(make_staff("admin").id)
    services.define_round(
        admin,
        code="gym-2027-02",
        month=date(2027, 2, 1),
        unit_ids=[unit_of(gym, "whole").id, unit_of(gym, "half-a").id],
        now=at(2026, 11, 20, 10),
    )
    for unit in ("whole", "whole", "half-a"):
        resident = make_resident()
        services.apply(
            services.Actor.resident(resident.id, "web"),
            code="gym-2027-02",
            resident_id=resident.id,
            choices=[
                services.ChoiceRequest(
                    unit_of(gym, unit).id, date(2027, 2, 6), (block_of(gym, "morning").id,)
                )
            ],
            now=at(2026, 12, 2, 10),
        )
    return gym


def run(app, moment, *args):
    app.config["CLOCK"] = lambda: moment
    return app.test_cli_runner().invoke(args=["lottery", *args])


def test_commit_reveal_draw_and_verify_from_the_command_line(app, round_):
    committed = run(app, at(2026, 12, 3, 9), "commit", "--round", "gym-2027-02", "--seed", SEED)
    assert committed.exit_code == 0, committed.output
    assert services.seed_commitment(SEED) in committed.output
    early = run(app, at(2026, 12, 10, 12), "draw", "--round", "gym-2027-02")
    assert early.exit_code == 1 and "application period ends" in early.output
    after = at(2026, 12, 11, 9)
    unrevealed = run(app, after, "draw", "--round", "gym-2027-02")
    assert unrevealed.exit_code == 1 and "not revealed" in unrevealed.output
    wrong = run(app, after, "reveal", "--round", "gym-2027-02", "--seed", "guess")
    assert wrong.exit_code == 1 and "not the published commitment" in wrong.output
    revealed = run(app, after, "reveal", "--round", "gym-2027-02", "--seed", SEED)
    assert revealed.exit_code == 0, revealed.output
    drawn = run(app, after, "draw", "--round", "gym-2027-02")
    assert drawn.exit_code == 0, drawn.output
    assert "3 applications, 3 choices, 1 won" in drawn.output
    again = run(app, after, "draw", "--round", "gym-2027-02")
    assert again.exit_code == 1 and "a draw runs once" in again.output
    verified = run(app, after, "verify", "--round", "gym-2027-02")
    assert verified.exit_code == 0 and "verified" in verified.output


def test_verify_reports_a_tampered_result_and_fails(app, round_):
    after = at(2026, 12, 11, 9)
    run(app, at(2026, 12, 3, 9), "commit", "--round", "gym-2027-02", "--seed", SEED)
    run(app, after, "reveal", "--round", "gym-2027-02", "--seed", SEED)
    assert run(app, after, "draw", "--round", "gym-2027-02").exit_code == 0
    with write_transaction():
        loser = db.session.query(LotteryChoice).filter(LotteryChoice.won.is_(False)).first()
        loser.won = True
    result = run(app, after, "verify", "--round", "gym-2027-02")
    assert result.exit_code == 1
    assert "does NOT verify" in result.output and "the draw says lost" in result.output


def test_an_unknown_round_is_named_plainly(app):
    result = run(app, at(2026, 12, 11, 9), "draw", "--round", "nope")
    assert result.exit_code == 1 and "no such round" in result.output


def test_the_demo_rounds_are_ready_to_draw_and_verify_and_seeding_again_adds_none(app):
    now = at(2026, 12, 2, 10)
    demo.seed(now=now, staff=[])
    lines = demo.seed_lottery(now)
    assert [line.code for line in lines] == ["town-gym-2027-02", "town-gym-2027-03"]
    assert demo.seed_lottery(now) == lines
    assert len(services.applications_in("town-gym-2027-02")) == len(demo.LOTTERY_APPLICATIONS)
    assert [r.code for r in services.rounds_open(now)] == ["town-gym-2027-03"]
    drawn = run(app, now, "draw", "--round", "town-gym-2027-02")
    assert drawn.exit_code == 0 and "6 applications" in drawn.output, drawn.output
    assert run(app, now, "verify", "--round", "town-gym-2027-02").exit_code == 0
    early = run(app, now, "draw", "--round", "town-gym-2027-03")
    assert early.exit_code == 1 and "ends at 2026-12-11 10:00" in early.output
