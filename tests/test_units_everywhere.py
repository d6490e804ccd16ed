"""A runner in miles sees miles, pounds and feet; a runner in km sees km, kg and metres."""

from __future__ import annotations

import pytest

from coach_rules import ParseError, Units, parse_report
from coach_rules.answers import format_weight
from coach_rules.tips import TIPS, next_tip
from tests.conftest import NOW

START_TINY = "mind-embrace-pace"


@pytest.mark.parametrize(
    ("units", "short", "longer"), [(Units.KM, "30 m", "45 m"), (Units.MI, "100 ft", "150 ft")]
)
def test_the_start_tiny_tip_in_the_runners_units(units: Units, short: str, longer: str) -> None:
    before = TIPS[[t.id for t in TIPS].index(START_TINY) - 1].id
    tip = next_tip(before, units)
    assert tip.id == START_TINY
    assert f"{short} of walking after a run today, {longer} next time" in tip.text
    assert "{" not in tip.text


def test_a_club_tip_gives_both_units() -> None:
    before = TIPS[[t.id for t in TIPS].index(START_TINY) - 1].id
    assert "100 ft (30 m)" in next_tip(before).text


@pytest.mark.parametrize(("units", "pace"), [(Units.KM, "2:30 min/km"), (Units.MI, "4:01 min/mi")])
def test_the_pace_bound_in_the_runners_units(units: Units, pace: str) -> None:
    error = parse_report("ran 10 km in 20:00", units, NOW)
    assert isinstance(error, ParseError) and f"faster than {pace}" in error.message


@pytest.mark.parametrize(("units", "said"), [(Units.KM, "69.9 kg"), (Units.MI, "154 lb")])
def test_weight_said_back_in_the_runners_units(units: Units, said: str) -> None:
    assert format_weight(69.9, units) == said
