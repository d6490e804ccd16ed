"""Weekly figures: minutes, moderate-equivalent minutes, step days, load, impact."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coach_rules import (
    DaySteps,
    History,
    Profile,
    Run,
    RunKind,
    Walk,
    weekly_advice,
    weekly_figures,
)
from tests.conftest import NOW


def days_ago(n: int) -> datetime:
    """`n` days before now."""
    return NOW - timedelta(days=n)


def _week() -> History:
    return History.of(
        [
            Run(days_ago(0), 10_000, 50 * 60, RunKind.EASY),
            Run(days_ago(3), 20_000, 110 * 60, RunKind.LONG),
            Run(days_ago(8), 10_000, 60 * 60),  # last week: not in this week's minutes
            Run(days_ago(15), 10_000, 60 * 60),
            Walk(days_ago(1), 45 * 60, 3200),
            Walk(days_ago(2), 30 * 60, None, 3500),
            DaySteps(days_ago(0), 9000),
            DaySteps(days_ago(1), 6000),
            DaySteps(days_ago(1) + timedelta(hours=2), 8100),  # the later count for a day wins
            DaySteps(days_ago(4), 12000),
            DaySteps(days_ago(9), 15000),
        ]
    )


def test_weekly_figures_without_weight() -> None:
    fig = weekly_figures(_week(), Profile(), NOW.date())
    assert fig.first_day == (NOW - timedelta(days=6)).date()
    assert fig.run_minutes == 160
    assert fig.walk_minutes == 75
    assert fig.moderate_minutes == 395  # 75 + 2 * 160
    assert fig.days_at_goal == 3
    assert [d.steps for d in fig.days] == [None, None, 12000, None, None, 8100, 9000]
    assert [d.run_minutes for d in fig.days] == [0, 0, 0, 110, 0, 0, 50]
    # acute 160; 28 days 280 -> 70/week -> 2.29
    assert fig.load_ratio == pytest.approx(160 / 70)
    assert fig.load_verdict.startswith("a spike")
    assert fig.walk_steps == 4500 + 3500
    assert fig.impact_percent_saved == 52
    assert fig.impact_avoided_kg is None


def test_weekly_impact_with_weight() -> None:
    fig = weekly_figures(_week(), Profile(weight_kg=70), NOW.date())
    assert fig.impact_avoided_kg == pytest.approx(8000 * 1.3 * 70)


def test_weekly_advice() -> None:
    items = weekly_advice(weekly_figures(_week(), Profile(), NOW.date()))
    assert [i.rule_id for i in items] == ["weekly-minutes", "load-spike"]
    assert items[0].text == "395 moderate-equivalent minutes this week: over the 150 guideline."
    quiet = weekly_advice(weekly_figures(History.of([Walk(NOW, 40 * 60)]), Profile(), NOW.date()))
    assert [i.text for i in quiet] == [
        "40 of 150 moderate-equivalent minutes this week: 110 min of brisk walking gets you there."
    ]


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (None, "not enough history"),
        (0.5, "lighter"),
        (1.0, "sweet spot"),
        (1.4, "edging up"),
        (1.6, "a spike"),
    ],
)
def test_load_verdicts(ratio: float | None, verdict: str) -> None:
    from coach_rules.weekly import load_verdict

    assert verdict in load_verdict(ratio)
