"""The lottery (抽選) on both databases: defining a round from the town's rule, applying,
changing and withdrawing within the period and its limits, the booking window closed to
first come first served until the release, the draw (once, after the period, the seed
revealed; wins as holds through the claims, whole-vs-half and taken slots respected),
verifying it and catching a tampered result, confirming and declining wins, an
unconfirmed win expiring, the public results per slot, and two draws at once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from reservations import lottery_rules, services
from reservations.db import db, write_transaction
from reservations.errors import (
    FacilityClosed,
    Forbidden,
    LotteryApplicationProblem,
    LotteryApplicationRefused,
    LotteryChoiceProblem,
    LotteryChoiceRefused,
    LotteryClosed,
    LotteryDrawProblem,
    LotteryDrawRefused,
    LotteryFirst,
    LotteryWinClosed,
)
from reservations.models import LotteryChoice, Reservation, SlotClaim
from tests.factories import (
    at,
    block_of,
    make_category,
    make_facility,
    make_group,
    make_resident,
    make_staff,
    unit_of,
)

MONTH = date(2027, 2, 1)
OPEN = at(2026, 12, 3, 10)  # the period: 12/1 9:00 to the end of 12/10
AFTER = at(2026, 12, 11, 9, 30)
DAY = date(2027, 2, 6)
SEED = "2026-12 gym round: 7f3a9c"
ANSWER = services.LotteryAnswer


@pytest.fixture
def gym(any_app):
    return make_facility("gym", category=make_category("gym", max_active=4))


@pytest.fixture
def admin(any_app):
    return services.Actor.staff(make_staff("admin").id)


@pytest.fixture
def round_(gym, admin):
    units = [unit_of(gym, code).id for code in ("whole", "half-a", "half-b")]
    services.define_round(
        admin, code="gym-2027-02", month=MONTH, unit_ids=units, now=at(2026, 11, 20, 10)
    )
    services.commit_seed(
        admin,
        code="gym-2027-02",
        commitment=lottery_rules.commitment(SEED),
        now=at(2026, 11, 20, 11),
    )
    return services.get_round("gym-2027-02")


def choice(gym, unit="whole", block="morning", day=DAY):
    return services.ChoiceRequest(unit_of(gym, unit).id, day, (block_of(gym, block).id,))


def apply(resident, *choices, group=None, now=OPEN, actor=None):
    return services.apply(
        actor or services.Actor.resident(resident.id, "web"),
        code="gym-2027-02",
        resident_id=resident.id,
        group_id=group.id if group else None,
        choices=list(choices),
        now=now,
    )


def reveal_and_draw(admin, now=AFTER):
    services.reveal_seed(admin, code="gym-2027-02", seed=SEED, now=now)
    return services.draw_round(admin, code="gym-2027-02", now=now)


def choices_of(application):
    db.session.rollback()
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(LotteryChoice)
            .where(LotteryChoice.application_id == application.id)
            .order_by(LotteryChoice.rank)
        )
    )


# ---- rounds -----------------------------------------------------------------------


def test_a_round_takes_its_dates_from_the_town_rule(round_):
    assert round_.month == MONTH
    assert round_.opens_at == at(2026, 12, 1, 9)
    assert round_.closes_at == at(2026, 12, 11)
    assert round_.draw_at == at(2026, 12, 11, 9)
    assert round_.max_choices == 5
    assert len(round_.units) == 3


def test_only_an_administrator_defines_a_round(gym):
    clerk = services.Actor.staff(make_staff("clerk").id)
    with pytest.raises(Forbidden):
        services.define_round(
            clerk, code="x", month=MONTH, unit_ids=[unit_of(gym, "whole").id], now=OPEN
        )


# ---- applications -----------------------------------------------------------------


def test_an_application_gets_a_receipt_number_and_reads_back(round_, gym):
    resident = make_resident()
    made = apply(resident, choice(gym), choice(gym, "half-a", "afternoon"))
    assert len(made.receipt_number) == services.RECEIPT_NUMBER_LENGTH
    read = services.get_application(
        services.Actor.resident(resident.id, "phone"), made.receipt_number
    )
    assert [(c.rank, c.unit.code, c.date) for c in read.choices] == [
        (1, "whole", DAY),
        (2, "half-a", DAY),
    ]
    with pytest.raises(Forbidden):
        services.get_application(
            services.Actor.resident(make_resident().id, "web"), made.receipt_number
        )


def test_one_application_per_person_and_one_per_group_in_a_round(round_, gym):
    members = [make_resident() for _ in range(5)]
    group = make_group(members)
    apply(members[0], choice(gym))
    with pytest.raises(LotteryApplicationRefused) as refused:
        apply(members[0], choice(gym, block="evening"))
    assert refused.value.params["problem"] == LotteryApplicationProblem.ALREADY_APPLIED
    apply(members[0], choice(gym), group=group)  # for the group: a second application
    with pytest.raises(LotteryApplicationRefused):
        apply(members[1], choice(gym), group=group)  # the contact: the group has one


def test_a_plain_member_cannot_apply_for_the_group(round_, gym):
    members = [make_resident() for _ in range(5)]
    group = make_group(members)
    with pytest.raises(LotteryApplicationRefused) as refused:
        apply(members[3], choice(gym), group=group)
    assert refused.value.params["problem"] == LotteryApplicationProblem.GROUP_ROLE
    assert apply(members[1], choice(gym), group=group).group_id == group.id


@pytest.mark.parametrize(
    ("choices", "problem"),
    [
        (lambda gym: [], LotteryChoiceProblem.NONE),
        (
            lambda gym: [choice(gym, day=date(2027, 2, d)) for d in range(1, 7)],
            LotteryChoiceProblem.TOO_MANY,
        ),
        (lambda gym: [choice(gym, day=date(2027, 3, 1))], LotteryChoiceProblem.OUTSIDE_MONTH),
        (lambda gym: [choice(gym), choice(gym)], LotteryChoiceProblem.REPEATED),
    ],
)
def test_choices_are_refused_beyond_the_rules(round_, gym, choices, problem):
    with pytest.raises(LotteryChoiceRefused) as refused:
        apply(make_resident(), *choices(gym))
    assert refused.value.params["problem"] == problem


def test_a_choice_outside_the_rounds_units_is_refused(round_, gym):
    hall = make_facility("hall", units={"room": ("R",)})
    with pytest.raises(LotteryChoiceRefused) as refused:
        apply(make_resident(), choice(hall, "room"))
    assert refused.value.params["problem"] == LotteryChoiceProblem.NOT_IN_ROUND


def test_a_choice_on_a_closed_day_is_refused(any_app, admin):
    gym = make_facility("gym", closed_weekdays="5")  # Saturdays
    services.define_round(
        admin, code="gym-2027-02", month=MONTH, unit_ids=[unit_of(gym, "whole").id], now=OPEN
    )
    with pytest.raises(FacilityClosed):
        apply(make_resident(), choice(gym))  # 6 February 2027 is a Saturday


def test_applying_changing_and_withdrawing_only_within_the_period(round_, gym):
    resident = make_resident()
    with pytest.raises(LotteryClosed):
        apply(resident, choice(gym), now=at(2026, 12, 1, 8, 59))
    made = apply(resident, choice(gym))
    changed = services.change_application(
        services.Actor.resident(resident.id, "web"),
        receipt=made.receipt_number,
        choices=[choice(gym, "half-b", "evening")],
        now=OPEN,
    )
    assert [(c.unit.code, c.rank) for c in changed.choices] == [("half-b", 1)]
    with pytest.raises(LotteryClosed):
        services.withdraw_application(
            services.Actor.resident(resident.id, "web"), receipt=made.receipt_number, now=AFTER
        )
    with pytest.raises(LotteryClosed):
        apply(make_resident(), choice(gym), now=at(2026, 12, 11, 0, 0))


def test_a_withdrawn_application_cannot_be_made_again_or_changed(round_, gym):
    resident = make_resident()
    made = apply(resident, choice(gym))
    actor = services.Actor.resident(resident.id, "web")
    services.withdraw_application(actor, receipt=made.receipt_number, now=OPEN)
    with pytest.raises(LotteryApplicationRefused) as refused:
        apply(resident, choice(gym))
    assert refused.value.params["problem"] == LotteryApplicationProblem.WITHDRAWN
    with pytest.raises(LotteryApplicationRefused):
        services.change_application(
            actor, receipt=made.receipt_number, choices=[choice(gym)], now=OPEN
        )


def test_staff_enter_a_paper_application_at_the_counter(round_, gym):
    resident = make_resident()
    clerk = services.Actor.staff(make_staff("clerk").id)
    made = apply(resident, choice(gym), actor=clerk)
    assert made.channel == "counter" and made.created_by_staff_id == clerk.staff_id
    assert [a.receipt_number for a in services.applications_in("gym-2027-02")] == [
        made.receipt_number
    ]


# ---- the booking window -------------------------------------------------------------


def test_lottery_units_refuse_first_come_booking_until_the_release(round_, gym):
    resident = make_resident()

    def book(now):
        return services.book(
            services.Actor.resident(resident.id, "web"),
            resident_id=resident.id,
            unit_id=unit_of(gym, "half-a").id,
            day=DAY,
            block_ids=[block_of(gym, "evening").id],
            now=now,
        )

    with pytest.raises(LotteryFirst) as refused:
        book(at(2026, 12, 15, 10))
    assert refused.value.params["release_at"] == round_.release_at
    assert book(round_.release_at).status == services.HELD


def test_availability_shows_lottery_units_as_lottery_until_the_release(round_, gym):
    before = at(2026, 12, 15, 10)
    half_a = unit_of(gym, "half-a").id
    (day,) = services.availability(half_a, DAY, DAY, now=before)
    assert {cell.status for cell in day.blocks} == {services.BlockStatus.LOTTERY}
    assert day.lottery_release_at == round_.release_at
    assert day.full_reason == services.FullReason.LOTTERY and not day.has_free_block
    snapshot = services.availability_snapshot(half_a, DAY, DAY, now=before)
    assert snapshot.valid_until <= round_.release_at
    after_january = (date(2027, 1, 31), block_of(gym, "evening").id)
    assert not any(
        found.month == 2
        for found, _block in services.next_free_blocks(half_a, now=before, after=after_january)
    )
    assert services.next_free_blocks(half_a, now=round_.release_at, after=after_january)[0][
        0
    ] == date(2027, 2, 1)
    (gym_day,) = [f for f in services.free_on(DAY, now=before).not_free if f.facility.id == gym.id]
    assert gym_day.full_reason == services.FullReason.LOTTERY
    assert gym_day.lottery_release_at == round_.release_at
    (released,) = services.availability(half_a, DAY, DAY, now=round_.release_at)
    assert released.lottery_release_at is None
    assert services.BlockStatus.FREE in {cell.status for cell in released.blocks}
    (other_month,) = services.availability(half_a, date(2027, 3, 6), date(2027, 3, 6), now=before)
    assert services.BlockStatus.LOTTERY not in {cell.status for cell in other_month.blocks}


# ---- the draw -----------------------------------------------------------------------


def test_the_draw_is_refused_before_the_period_closes_and_before_the_reveal(round_, admin):
    with pytest.raises(LotteryDrawRefused) as refused:
        services.draw_round(admin, code="gym-2027-02", now=OPEN)
    assert refused.value.params["problem"] == LotteryDrawProblem.NOT_CLOSED
    with pytest.raises(LotteryDrawRefused) as refused:
        services.draw_round(admin, code="gym-2027-02", now=AFTER)
    assert refused.value.params["problem"] == LotteryDrawProblem.NOT_REVEALED
    with pytest.raises(LotteryDrawRefused) as refused:
        services.reveal_seed(admin, code="gym-2027-02", seed="another seed", now=AFTER)
    assert refused.value.params["problem"] == LotteryDrawProblem.SEED_MISMATCH
    with pytest.raises(LotteryDrawRefused) as refused:
        services.reveal_seed(admin, code="gym-2027-02", seed=SEED, now=OPEN)
    assert refused.value.params["problem"] == LotteryDrawProblem.REVEAL_TOO_EARLY


def test_wins_are_holds_due_by_the_deadline_and_whole_against_half_is_respected(round_, gym, admin):
    whole = apply(make_resident(), choice(gym, "whole"))
    half = apply(make_resident(), choice(gym, "half-a"), choice(gym, "half-a", "afternoon"))
    other_half = apply(make_resident(), choice(gym, "half-b", "afternoon"))
    summary = reveal_and_draw(admin)
    assert summary.applications == 3 and summary.choices == 4
    first_choices = [choices_of(whole)[0], choices_of(half)[0]]
    assert sorted(c.won for c in first_choices) == [False, True]  # the same gym, once
    assert choices_of(half)[1].won is True and choices_of(other_half)[0].won is True
    holds = db.session.scalars(
        sa.select(Reservation).where(Reservation.origin == services.ReservationOrigin.LOTTERY)
    ).all()
    assert len(holds) == summary.wins == 3
    assert all(h.status == services.HELD and h.payment_due_at == round_.confirm_by for h in holds)
    claims = db.session.scalar(sa.select(sa.func.count()).select_from(SlotClaim))
    assert claims == 2 + 1 + 1 or claims == 1 + 1 + 1  # whole (A+B) or half-a, then halves


def test_a_slot_taken_before_the_draw_is_lost_to_every_applicant(round_, gym, admin):
    resident = make_resident()
    services.book(
        admin,
        resident_id=resident.id,
        unit_id=unit_of(gym, "half-b").id,
        day=DAY,
        block_ids=[block_of(gym, "morning").id],
        now=OPEN,
        override_reason="町の行事の準備",
    )
    wanting = apply(make_resident(), choice(gym, "whole"), choice(gym, "half-a"))
    reveal_and_draw(admin)
    whole, half_a = choices_of(wanting)
    assert whole.unavailable is True and whole.won is False
    assert half_a.won is True


def test_the_draw_runs_once(round_, gym, admin):
    apply(make_resident(), choice(gym))
    reveal_and_draw(admin)
    with pytest.raises(LotteryDrawRefused) as refused:
        services.draw_round(admin, code="gym-2027-02", now=AFTER)
    assert refused.value.params["problem"] == LotteryDrawProblem.ALREADY_DRAWN


def test_withdrawn_applications_take_no_part(round_, gym, admin):
    resident = make_resident()
    made = apply(resident, choice(gym))
    services.withdraw_application(
        services.Actor.resident(resident.id, "web"), receipt=made.receipt_number, now=OPEN
    )
    assert reveal_and_draw(admin).applications == 0


# ---- verify -------------------------------------------------------------------------


def test_verify_confirms_the_draw_and_catches_a_tampered_result(round_, gym, admin):
    apps = [apply(make_resident(), choice(gym, "whole")) for _ in range(3)]
    reveal_and_draw(admin)
    assert services.verify_round("gym-2027-02").ok
    loser = next(c for a in apps for c in choices_of(a) if not c.won)
    with write_transaction():
        db.session.get(LotteryChoice, loser.id).won = True
    report = services.verify_round("gym-2027-02")
    assert not report.ok
    assert any("won, the draw says lost" in problem for problem in report.problems)


def test_verify_catches_a_choice_changed_after_the_draw(round_, gym, admin):
    made = apply(make_resident(), choice(gym, "whole"))
    reveal_and_draw(admin)
    with write_transaction():
        db.session.get(LotteryChoice, choices_of(made)[0].id).date = date(2027, 2, 7)
    report = services.verify_round("gym-2027-02")
    assert any("fingerprint" in problem for problem in report.problems)


# ---- wins ---------------------------------------------------------------------------


def test_a_winner_confirms_or_declines_and_answers_once(round_, gym, admin):
    first, second = make_resident(), make_resident()
    a = apply(first, choice(gym, "half-a"))
    b = apply(second, choice(gym, "half-b"))
    reveal_and_draw(admin)
    win_a, win_b = choices_of(a)[0], choices_of(b)[0]
    confirmed = services.confirm_win(
        services.Actor.resident(first.id, "web"), choice_id=win_a.id, now=AFTER
    )
    assert confirmed.status == services.HELD and confirmed.payment_due_at > AFTER
    with pytest.raises(LotteryWinClosed) as closed:
        services.confirm_win(
            services.Actor.resident(first.id, "web"), choice_id=win_a.id, now=AFTER
        )
    assert closed.value.params["answer"] == ANSWER.CONFIRMED
    with pytest.raises(Forbidden):
        services.decline_win(
            services.Actor.resident(first.id, "web"), choice_id=win_b.id, now=AFTER
        )
    services.decline_win(services.Actor.resident(second.id, "phone"), choice_id=win_b.id, now=AFTER)
    db.session.rollback()
    assert db.session.get(Reservation, win_b.reservation_id).status == services.CANCELLED
    assert choices_of(b)[0].answer == ANSWER.DECLINED


def test_an_unconfirmed_win_expires_at_the_deadline(round_, gym, admin):
    resident = make_resident()
    made = apply(resident, choice(gym))
    reveal_and_draw(admin)
    win = choices_of(made)[0]
    with pytest.raises(LotteryWinClosed) as closed:
        services.confirm_win(
            services.Actor.resident(resident.id, "web"), choice_id=win.id, now=round_.confirm_by
        )
    assert closed.value.params["answer"] == ANSWER.EXPIRED
    expired = services.expire_holds(round_.confirm_by)
    assert [r.id for r in expired] == [win.reservation_id]
    assert expired[0].cancel_reason_kind == services.CancelReasonKind.LOTTERY_UNCONFIRMED
    assert choices_of(made)[0].answer == ANSWER.EXPIRED


def test_the_results_count_applicants_per_slot_without_names(round_, gym, admin):
    apply(make_resident(), choice(gym, "whole"))
    apply(make_resident(), choice(gym, "whole"))
    apply(make_resident(), choice(gym, "half-a", "evening"))
    before = services.round_results("gym-2027-02")
    assert [(s.unit.code, s.applicants, s.allocated) for s in before] == [
        ("whole", 2, False),
        ("half-a", 1, False),
    ]
    reveal_and_draw(admin)
    after = services.round_results("gym-2027-02")
    assert [(s.applicants, s.allocated) for s in after] == [(2, True), (1, True)]


# ---- concurrency --------------------------------------------------------------------


@pytest.mark.postgres
def test_two_draws_at_once_one_wins_the_other_is_refused(postgres_app):
    admin = services.Actor.staff(make_staff("admin").id)
    gym = make_facility("gym", category=make_category("gym", max_active=4))
    services.define_round(
        admin,
        code="gym-2027-02",
        month=MONTH,
        unit_ids=[unit_of(gym, "whole").id, unit_of(gym, "half-a").id],
        now=at(2026, 11, 20, 10),
    )
    services.commit_seed(
        admin, code="gym-2027-02", commitment=lottery_rules.commitment(SEED), now=OPEN
    )
    for _ in range(4):
        apply(make_resident(), choice(gym, "whole"), choice(gym, "half-a", "evening"))
    services.reveal_seed(admin, code="gym-2027-02", seed=SEED, now=AFTER)
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def worker(number):
        with postgres_app.app_context():
            try:
                barrier.wait(timeout=30)
                outcomes[number] = services.draw_round(admin, code="gym-2027-02", now=AFTER)
            except Exception as error:  # noqa: BLE001 - inspected below
                outcomes[number] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    summaries = [o for o in outcomes.values() if isinstance(o, services.DrawSummary)]
    refusals = [o for o in outcomes.values() if isinstance(o, LotteryDrawRefused)]
    assert len(summaries) == 1 and len(refusals) == 1, outcomes
    assert refusals[0].params["problem"] == LotteryDrawProblem.ALREADY_DRAWN
    db.session.rollback()
    wins = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Reservation)
        .where(Reservation.origin == services.ReservationOrigin.LOTTERY)
    )
    assert wins == summaries[0].wins == 2
    assert services.verify_round("gym-2027-02").ok


def test_the_draw_tells_each_applicant_once_in_their_medium(round_, gym, admin):
    from reservations.models import COUNTER_CALL, SMS, VOICE_CALL, Notification

    mobile = make_resident(phone="090-1111-2222")
    landline = make_resident(phone="0166-12-3456")
    nobody = make_resident()
    first = apply(mobile, choice(gym, "whole"))
    second = apply(landline, choice(gym, "whole"))
    third = apply(nobody, choice(gym, "half-a", "afternoon"))
    reveal_and_draw(admin)
    with pytest.raises(LotteryDrawRefused):
        services.draw_round(admin, code="gym-2027-02", now=AFTER)
    assert services.verify_round("gym-2027-02").ok
    db.session.rollback()
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.kind == services.LOTTERY_RESULT)
    ).all()
    assert sorted(row.resident_id for row in rows) == sorted(
        r.id for r in (mobile, landline, nobody)
    )  # one each, none twice
    by_resident = {row.resident_id: row for row in rows}
    assert by_resident[mobile.id].medium == SMS and by_resident[mobile.id].to_phone
    assert by_resident[landline.id].medium == VOICE_CALL
    assert by_resident[nobody.id].medium == COUNTER_CALL
    for application in (first, second, third):
        row = by_resident[application.applied_by_id]
        assert row.params["receipt_number"] == application.receipt_number
        wins = [c for c in choices_of(application) if c.won]
        assert [w["number"] for w in row.params["wins"]] == [c.reservation.number for c in wins]
        assert row.reservation_id == (wins[0].reservation_id if wins else None)
        assert all(w["payment_due"] for w in row.params["wins"])
    assert sum(1 for row in rows if row.params["wins"]) == 2  # whole or landline, and half-a
