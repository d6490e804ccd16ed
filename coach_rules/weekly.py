"""The weekly figures: minutes, moderate-equivalent minutes, step days, load, impact.

Every figure follows a rule and its source: only brisk walks (A1) and walks of unknown
pace count as moderate minutes (B2), strolls don't; a run logged by distance only gets
its minutes from the runner's usual pace, or stays unknown; the load ratio (B3) is not
given for a week with unknown run minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coach_rules.load import load_ratio, run_minutes, untimed_runs, usual_pace
from coach_rules.models import History, Profile, Walk, days_back
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice
from coach_rules.rules import impact_percent_saved, load_spike_advice
from coach_rules.units import format_number, speed_mph


@dataclass(frozen=True)
class DayFigures:
    """One day of the week: steps (None when not reported), run and walk minutes."""

    day: date
    steps: int | None
    run_minutes: float
    walk_minutes: float


@dataclass(frozen=True)
class WeeklyFigures:
    """The seven days ending on `last_day`."""

    first_day: date
    last_day: date
    days: tuple[DayFigures, ...]
    run_minutes: float
    walk_minutes: float
    moderate_minutes: float
    moderate_target: int
    days_at_goal: int
    step_goal: int
    load_ratio: float | None
    load_verdict: str
    walk_steps: int
    impact_percent_saved: int
    # Walking minutes by pace: brisk (A1), slower (a stroll: not moderate), no distance.
    brisk_walk_minutes: float = 0.0
    stroll_minutes: float = 0.0
    unknown_pace_minutes: float = 0.0
    # Run minutes estimated from distance at the usual pace, and runs with no known time.
    estimated_run_minutes: float = 0.0
    untimed_runs: int = 0


def load_verdict(
    ratio: float | None, untimed: int = 0, params: CoachParams = DEFAULT_PARAMS
) -> str:
    """The load ratio in the words of its source (B3): a sweet spot, and a spike above it."""
    low, high = format_number(params.load_sweet_low), format_number(params.load_sweet_high)
    if untimed:
        runs = "run has" if untimed == 1 else "runs have"
        return f"not known this week: {untimed} {runs} no time (log one with its time)"
    if ratio is None:
        return "not enough history yet: it needs runs in the 3 weeks before this one"
    if ratio > params.load_spike_ratio:
        return (
            f"a spike: above {format_number(params.load_spike_ratio)}x injuries rise;"
            " swap a run or two for walks this week"
        )
    if ratio > params.load_sweet_high:
        return f"edging up, above the {low}-{high}x sweet spot: keep the easy days easy"
    if ratio >= params.load_sweet_low:
        return f"the {low}-{high}x sweet spot: steady build"
    return f"lighter than your usual weeks, below the {low}-{high}x sweet spot"


@dataclass(frozen=True)
class _Walking:
    brisk: float = 0.0
    stroll: float = 0.0
    unknown: float = 0.0


def _walking(walks: list[Walk], params: CoachParams) -> _Walking:
    """Walking minutes by pace: brisk from 2.5 mph (A1), slower a stroll, or no distance."""
    brisk = stroll = unknown = 0.0
    for walk in walks:
        minutes = walk.duration_s / 60
        if walk.distance_m is None or walk.duration_s <= 0:
            unknown += minutes
        elif speed_mph(walk.distance_m, walk.duration_s) >= params.brisk_mph_low:
            brisk += minutes
        else:
            stroll += minutes
    return _Walking(brisk, stroll, unknown)


def _walk_steps(history: History, first: date, last: date, params: CoachParams) -> int:
    """Steps taken walking: the count when reported, else minutes at 100 steps/min (B1)."""
    total = 0
    for walk in history.walks_between(first, last):
        if walk.steps is not None:
            total += walk.steps
        else:
            total += round(walk.duration_s / 60 * params.brisk_cadence_spm)
    return total


def weekly_figures(
    history: History, profile: Profile, last_day: date, params: CoachParams = DEFAULT_PARAMS
) -> WeeklyFigures:
    """The figures for the seven days ending on `last_day` (the runner's local date)."""
    first = days_back(last_day, params.acute_days)
    pace = usual_pace(history)
    days = []
    for offset in range(params.acute_days):
        day = first + timedelta(days=offset)
        day_walks = history.walks_between(day, day)
        days.append(
            DayFigures(
                day,
                history.steps_on(day),
                run_minutes(history.runs_between(day, day), pace),
                sum(w.duration_s for w in day_walks) / 60,
            )
        )
    week_runs = history.runs_between(first, last_day)
    runs = sum(d.run_minutes for d in days)
    walks = sum(d.walk_minutes for d in days)
    walking = _walking(list(history.walks_between(first, last_day)), params)
    untimed = untimed_runs(week_runs, pace)
    ratio = load_ratio(history, last_day, params)
    return WeeklyFigures(
        first_day=first,
        last_day=last_day,
        days=tuple(days),
        run_minutes=runs,
        walk_minutes=walks,
        moderate_minutes=walking.brisk + walking.unknown + params.vigorous_factor * runs,
        moderate_target=params.weekly_moderate_minutes,
        days_at_goal=sum(1 for d in days if d.steps is not None and d.steps >= profile.step_goal),
        step_goal=profile.step_goal,
        load_ratio=ratio,
        load_verdict=load_verdict(ratio, untimed, params),
        walk_steps=_walk_steps(history, first, last_day, params),
        impact_percent_saved=impact_percent_saved(params),
        brisk_walk_minutes=walking.brisk,
        stroll_minutes=walking.stroll,
        unknown_pace_minutes=walking.unknown,
        estimated_run_minutes=run_minutes([r for r in week_runs if not r.duration_s], pace),
        untimed_runs=untimed,
    )


def weekly_advice(
    figures: WeeklyFigures, params: CoachParams = DEFAULT_PARAMS
) -> tuple[Advice, ...]:
    """The weekly-minutes line, and the load-spike line when the load spiked."""
    moderate = round(figures.moderate_minutes)
    target = figures.moderate_target
    if moderate >= target:
        text = f"{moderate} moderate-equivalent minutes this week: over the {target} guideline."
    else:
        text = (
            f"{moderate} of {target} moderate-equivalent minutes this week:"
            f" {target - moderate} min of brisk walking gets you there."
        )
    items = [
        Advice(
            "weekly-minutes",
            text,
            "Guidelines: 150 min of moderate activity a week; a running minute counts double.",
            ("B2",),
            {"moderate_minutes": moderate, "target": target},
        )
    ]
    if figures.load_ratio is not None and figures.load_ratio > params.load_spike_ratio:
        items.append(load_spike_advice(figures.load_ratio, params))
    return tuple(items)


def _walking_line(f: WeeklyFigures) -> str:
    if not f.walk_minutes:
        return "Walking: none logged"
    parts = [f"{round(f.brisk_walk_minutes)} brisk"]
    if f.stroll_minutes:
        parts.append(f"{round(f.stroll_minutes)} at a stroll (not counted as moderate)")
    if f.unknown_pace_minutes:
        parts.append(f"{round(f.unknown_pace_minutes)} with no distance (pace unknown)")
    return f"Walking: {round(f.walk_minutes)} min: " + ", ".join(parts)


def _running_line(f: WeeklyFigures) -> str:
    line = f"Running: {round(f.run_minutes)} min"
    if f.estimated_run_minutes:
        line += f" ({round(f.estimated_run_minutes)} estimated from distance at your usual pace)"
    if f.untimed_runs:
        line += f"; {f.untimed_runs} run(s) with no time not counted"
    return line


def render_week(figures: WeeklyFigures) -> str:
    """The weekly figures in words, with the advice they lead to."""
    f = figures
    span = f"{f.first_day:%a %d %b} - {f.last_day:%a %d %b}"
    days_with_steps = sum(1 for d in f.days if d.steps is not None)
    if f.load_ratio is None:
        load = f"Load: {f.load_verdict}."
    else:
        load = f"Load: {f.load_ratio:.2f}x your 4-week average, {f.load_verdict}."
    lines = [
        f"Your week, {span}",
        _running_line(f),
        _walking_line(f),
        f"Moderate-equivalent: {round(f.moderate_minutes)} of {f.moderate_target} min"
        " (running counts double)",
        f"Days at {f.step_goal:,}+ steps: {f.days_at_goal} of 7"
        f" ({days_with_steps} with a count logged)",
        load,
        f"Impact: {f.walk_steps:,} walking steps, each landing with about"
        f" {f.impact_percent_saved}% less force than a running step.",
        "",
    ]
    lines += [a.text for a in weekly_advice(f)]
    return "\n".join(lines)
