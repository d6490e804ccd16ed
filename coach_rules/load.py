"""Training load figures: run minutes, the acute:chronic ratio (B3), long-run threshold."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date, timedelta

from coach_rules.models import History, Run, days_back
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.units import Units


def usual_pace(history: History) -> float | None:
    """The runner's median pace (seconds per metre) over runs with a distance and a time."""
    paces = [r.duration_s / r.distance_m for r in history.runs() if r.duration_s and r.distance_m]
    return statistics.median(paces) if paces else None


def run_seconds(run: Run, pace: float | None) -> float | None:
    """A run's time: as logged, or from its distance at the runner's usual pace."""
    if run.duration_s:
        return float(run.duration_s)
    if run.distance_m and pace:
        return run.distance_m * pace
    return None


def run_minutes(runs: Iterable[Run], pace: float | None = None) -> float:
    """Total minutes of the runs; a distance-only run at the usual pace, else zero."""
    return sum(run_seconds(r, pace) or 0.0 for r in runs) / 60


def untimed_runs(runs: Iterable[Run], pace: float | None) -> int:
    """Runs whose minutes are unknown (no time, and no pace to estimate one from)."""
    return sum(1 for r in runs if run_seconds(r, pace) is None)


def load_ratio(history: History, today: date, params: CoachParams = DEFAULT_PARAMS) -> float | None:
    """Run minutes of the last 7 days over the weekly average of the last 28.

    None until there are runs in the weeks before the current one (with no past weeks
    every first week would look like a spike), and None when a run of the last 7 days has
    no time that could be estimated (an unknown week must not read as a light one).
    """
    acute_first = days_back(today, params.acute_days)
    chronic_first = days_back(today, params.chronic_days)
    pace = usual_pace(history)
    acute_runs = history.runs_between(acute_first, today)
    if untimed_runs(acute_runs, pace):
        return None
    acute = run_minutes(acute_runs, pace)
    earlier_runs = history.runs_between(chronic_first, acute_first - timedelta(days=1))
    earlier = run_minutes(earlier_runs, pace)
    # B3 compares a week with the month before it: one earlier run is no month.
    first_run = min((r.day for r in history.runs()), default=today)
    if earlier <= 0 or (today - first_run).days < params.chronic_days - params.acute_days:
        return None
    weekly_chronic = (acute + earlier) / (params.chronic_days / params.acute_days)
    return acute / weekly_chronic


def long_run_threshold_m(
    history: History, today: date, units: Units, params: CoachParams = DEFAULT_PARAMS
) -> float:
    """Distance from which a run counts as long: 1.5x the 28-day median, or 16 km / 10 mi."""
    first = days_back(today, params.long_run_window_days)
    distances = [
        r.distance_m for r in history.runs_between(first, today) if r.distance_m is not None
    ]
    if not distances:
        if units is Units.MI:
            return params.long_run_default_mi_m
        return params.long_run_default_km_m
    return params.long_run_factor * statistics.median(distances)
