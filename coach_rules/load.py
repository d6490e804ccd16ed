"""Training load figures: run minutes, the acute:chronic ratio (B3), long-run threshold."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import date, timedelta

from coach_rules.models import History, Run, days_back
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.units import Units


def run_minutes(runs: Iterable[Run]) -> float:
    """Total minutes of the runs that have a duration (runs without one count zero)."""
    return sum((r.duration_s or 0) for r in runs) / 60


def load_ratio(history: History, today: date, params: CoachParams = DEFAULT_PARAMS) -> float | None:
    """Run minutes of the last 7 days over the weekly average of the last 28.

    None until there are runs in the weeks before the current one: with no past weeks
    every first week would look like a spike.
    """
    acute_first = days_back(today, params.acute_days)
    chronic_first = days_back(today, params.chronic_days)
    acute = run_minutes(history.runs_between(acute_first, today))
    earlier = run_minutes(history.runs_between(chronic_first, acute_first - timedelta(days=1)))
    if earlier <= 0:
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
