"""The lottery's public results page, in Japanese and English: applications per slot and
whether each was given, with no names, before and after the draw; an unknown round is
not found."""

from __future__ import annotations

from channels import demo
from reservations import services
from tests.channels.web.conftest import NOW


def test_the_public_results_count_applications_per_slot_without_names(visitor, locale):
    closed = demo.seed_lottery(NOW)[0].code
    visitor.get(f"/lottery/{closed}/results")
    before = visitor.text
    assert ("2027年2月" if locale == "ja" else "February 2027") in visitor.h1
    assert ("まだ行っていません" if locale == "ja" else "not been drawn yet") in before
    assert "佐藤" not in before and "青葉" not in before  # no names
    services.draw_round(services.Actor.system(), code=closed, now=NOW)
    visitor.get(f"/lottery/{closed}/results")
    after = visitor.text
    assert ("抽選は" if locale == "ja" else "was drawn on") in after
    rows = [
        [cell.get_text(strip=True) for cell in row.find_all("td")]
        for row in visitor.soup.select("main table tbody tr")
    ]
    given = "決まりました" if locale == "ja" else "Given"
    assert rows and any(row[-1] == given for row in rows)
    assert sum(int(row[3]) for row in rows) == sum(
        len(choices) for _, _, choices in demo.LOTTERY_APPLICATIONS
    )


def test_an_unknown_round_has_no_results_page(visitor):
    visitor.get("/lottery/nope/results", status=404)
