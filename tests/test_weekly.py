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
from coach_rules.weekly import render_week
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
            Run(days_ago(22), 10_000, 60 * 60),
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
    # acute 160; 28 days 340 -> 85/week -> 1.88
    assert fig.load_ratio == pytest.approx(160 / 85)
    assert fig.load_verdict.startswith("a spike")
    assert fig.walk_steps == 4500 + 3500
    assert fig.impact_percent_saved == 52
    # 3.2 km in 45 min is 2.65 mph: brisk; the 30 min without a distance: pace unknown.
    assert (fig.brisk_walk_minutes, fig.stroll_minutes, fig.unknown_pace_minutes) == (45, 0, 30)


def _mixed_week() -> History:
    """Strolls, brisk walks, a run logged by distance only and a pain day."""
    return History.of(
        [
            Run(days_ago(0), 10_000, 50 * 60, RunKind.EASY),  # 5:00/km
            Run(days_ago(1), 8_000, None),  # distance only
            Run(days_ago(3), 20_000, 110 * 60, RunKind.LONG),  # 5:30/km
            Run(days_ago(6), 5_000, 30 * 60, pain=True, note="left knee hurts"),  # 6:00/km
            Run(days_ago(8), 10_000, 60 * 60),  # 6:00/km, last week
            Run(days_ago(15), 10_000, 60 * 60),
            Run(days_ago(22), 10_000, 60 * 60),
            Walk(days_ago(2), 60 * 60, 4_000),  # 4.0 km/h = 2.49 mph: a stroll
            Walk(days_ago(4), 30 * 60, 2_500),  # 5.0 km/h: brisk
            Walk(days_ago(5), 20 * 60),  # no distance: pace unknown
        ]
    )


def test_a_mixed_week_counts_what_the_rules_count() -> None:
    fig = weekly_figures(_mixed_week(), Profile(), NOW.date())
    # The distance-only 8 km at the usual pace: the median of 5:00, 5:30 and four runs at
    # 6:00 min/km is 6:00, so 48 min.
    assert fig.estimated_run_minutes == pytest.approx(48)
    assert fig.run_minutes == pytest.approx(50 + 48 + 110 + 30)
    assert (fig.brisk_walk_minutes, fig.stroll_minutes, fig.unknown_pace_minutes) == (30, 60, 20)
    assert fig.walk_minutes == 110
    # Brisk and unknown-pace walking count; the stroll does not (A1, B2).
    assert fig.moderate_minutes == pytest.approx(30 + 20 + 2 * 238)
    # This week 238 min; 28 days 238 + 180 = 418, 104.5 a week: 2.28.
    assert fig.load_ratio == pytest.approx(238 / 104.5)
    lines = render_week(fig).splitlines()
    assert lines[1] == "Running: 238 min (48 estimated from distance at your usual pace)"
    assert lines[2] == (
        "Walking: 110 min: 30 brisk, 60 at a stroll (not counted as moderate),"
        " 20 with no distance (pace unknown)"
    )
    assert lines[3] == "Moderate-equivalent: 526 of 150 min (running counts double)"
    assert not any(" t of landing force" in line for line in lines)


def test_one_earlier_run_is_no_month_of_history() -> None:
    history = History.of([Run(days_ago(9), 5_000, 30 * 60), Run(days_ago(1), 10_000, 60 * 60)])
    fig = weekly_figures(history, Profile(), NOW.date())
    assert fig.load_ratio is None and fig.load_verdict.startswith("not enough history")


def test_a_week_of_distance_only_runs_is_not_read_as_light() -> None:
    earlier = [Run(days_ago(d), 10_000, None) for d in (9, 16, 23)]
    history = History.of([*earlier, Run(days_ago(1), 5_000, None)])
    fig = weekly_figures(history, Profile(), NOW.date())
    assert fig.load_ratio is None and fig.untimed_runs == 1
    assert fig.load_verdict == "not known this week: 1 run has no time (log one with its time)"
    assert "lighter" not in render_week(fig)
    assert render_week(fig).splitlines()[1] == "Running: 0 min; 1 run(s) with no time not counted"


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
