"""By phone, a day a lottery round allocates is said to go by lottery, with the day
first come first served opens, never offered as free (the demo's closed town-gym
round, seed_lottery, covers February 2027)."""

from __future__ import annotations

from channels import demo
from tests.channels.phone.conftest import NOW
from tests.channels.phone.test_calls import signed_in


def test_a_lottery_day_is_said_to_go_by_lottery_with_the_release(call, town):
    demo.seed_lottery(NOW)
    simulator = signed_in(call, town)
    for key in ("2", "1", "1"):
        simulator.press(key)
    simulator.press("0206")
    text = simulator.last.text
    assert "2月6日《むいか》、土曜日ですね。この日は、抽選で先に決めます。" in text
    assert "残った時間は、12月11日、金曜日から受け付けます。" in text
    assert "空いています" not in text
    assert "受付は終了" not in text
