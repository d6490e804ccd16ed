"""The weekly figures: minutes, moderate-equivalent minutes, step days, load, impact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coach_rules.load import load_ratio, run_minutes
from coach_rules.models import History, Profile, days_back
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice
from coach_rules.rules import impact_percent_saved, load_spike_advice


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
    impact_avoided_kg: float | None


def load_verdict(ratio: float | None, params: CoachParams = DEFAULT_PARAMS) -> str:
    """The load ratio in plain words (B3)."""
    if ratio is None:
        return "not enough history yet: it needs runs in the 3 weeks before this one"
    if ratio > params.load_spike_ratio:
        return "a spike: swap a run or two for walks this week"
    if ratio > params.load_sweet_high:
        return "edging up: keep the easy days easy"
    if ratio >= params.load_sweet_low:
        return "the sweet spot: steady build"
    return "lighter than usual: fine for a recovery week"


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
    days = []
    for offset in range(params.acute_days):
        day = first + timedelta(days=offset)
        day_walks = history.walks_between(day, day)
        days.append(
            DayFigures(
                day,
                history.steps_on(day),
                run_minutes(history.runs_between(day, day)),
                sum(w.duration_s for w in day_walks) / 60,
            )
        )
    runs = sum(d.run_minutes for d in days)
    walks = sum(d.walk_minutes for d in days)
    ratio = load_ratio(history, last_day, params)
    walk_steps = _walk_steps(history, first, last_day, params)
    avoided = None
    if profile.weight_kg:
        avoided = walk_steps * (params.run_impact_bw - params.walk_impact_bw) * profile.weight_kg
    return WeeklyFigures(
        first_day=first,
        last_day=last_day,
        days=tuple(days),
        run_minutes=runs,
        walk_minutes=walks,
        moderate_minutes=walks + params.vigorous_factor * runs,
        moderate_target=params.weekly_moderate_minutes,
        days_at_goal=sum(1 for d in days if d.steps is not None and d.steps >= profile.step_goal),
        step_goal=profile.step_goal,
        load_ratio=ratio,
        load_verdict=load_verdict(ratio, params),
        walk_steps=walk_steps,
        impact_percent_saved=impact_percent_saved(params),
        impact_avoided_kg=avoided,
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


def render_week(figures: WeeklyFigures) -> str:
    """The weekly figures in words, with the advice they lead to."""
    f = figures
    span = f"{f.first_day:%a %d %b} - {f.last_day:%a %d %b}"
    days_with_steps = sum(1 for d in f.days if d.steps is not None)
    if f.load_ratio is None:
        load = f"Load: {f.load_verdict}."
    else:
        load = f"Load: {f.load_ratio:.2f}x your 4-week average, {f.load_verdict}."
    if f.impact_avoided_kg is not None:
        impact = (
            f"Impact avoided: about {f.impact_avoided_kg / 1000:,.0f} t of landing force over"
            f" {f.walk_steps:,} walking steps"
            f" ({f.impact_percent_saved}% less per step than running)."
        )
    else:
        impact = (
            f"Impact avoided: {f.walk_steps:,} walking steps at {f.impact_percent_saved}% less"
            " impact per step than running."
        )
    lines = [
        f"Your week, {span}",
        f"Running: {round(f.run_minutes)} min · Walking: {round(f.walk_minutes)} min",
        f"Moderate-equivalent: {round(f.moderate_minutes)} of {f.moderate_target} min"
        " (running counts double)",
        f"Days at {f.step_goal:,}+ steps: {f.days_at_goal} of 7"
        f" ({days_with_steps} with a count logged)",
        load,
        impact,
        "",
    ]
    lines += [a.text for a in weekly_advice(f)]
    return "\n".join(lines)
