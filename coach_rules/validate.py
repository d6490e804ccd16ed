"""Plausibility bounds (coaching-spec.md section D): a friendly reason, or None when fine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coach_rules.models import DaySteps, Report, Run, RunKind, Walk
from coach_rules.params import DEFAULT_BOUNDS, Bounds
from coach_rules.units import Units, format_clock, format_distance, format_pace, speed_kmh


@dataclass(frozen=True)
class ParseError:
    """Why a report was not understood or not believed, in words for the runner."""

    message: str
    # True when nothing in the text looked like a report at all (as opposed to a bad one).
    unrecognised: bool = False


@dataclass(frozen=True)
class Ask:
    """Two readings are both plausible: one short question, and each reading as the
    words that mean it unambiguously (the bot offers them as buttons, never picks one)."""

    question: str
    options: tuple[tuple[str, str], ...]  # (button label, the message to read instead)
    # "date_order" when the first option reads the date day first (03/04 = 3 April): the
    # answer then says how the runner writes dates.
    about: str = ""


def check_text(text: str, bounds: Bounds = DEFAULT_BOUNDS) -> ParseError | None:
    """Empty or over-long messages."""
    if not text.strip():
        return ParseError("That message is empty. Try something like 'ran 5 km 28 min'.")
    if len(text) > bounds.longest_text:
        return ParseError(
            f"That message is too long ({len(text):,} characters, the limit is"
            f" {bounds.longest_text:,}). Send just the run: 'ran 10 km 52:30'."
        )
    return None


def check_date(at: datetime, now: datetime, bounds: Bounds = DEFAULT_BOUNDS) -> ParseError | None:
    """Dates in the future, or older than a year."""
    if at.date() > now.date():
        return ParseError("That date is in the future. Log it once you've done it!")
    if (now.date() - at.date()).days > bounds.oldest_days:
        return ParseError(
            "That's more than a year ago: I only keep recent training. Log this week's instead."
        )
    return None


def _check_duration(
    seconds: int | None, what: str, bounds: Bounds, race: bool = False
) -> ParseError | None:
    if seconds is None:
        return None
    if seconds <= 0:
        return ParseError(f"A {what} needs a time above zero.")
    if race and seconds > bounds.longest_race_s:
        hours = bounds.longest_race_s // 3600
        return ParseError(f"{format_clock(seconds)} is longer than {hours} hours, even for a race.")
    if not race and seconds > bounds.longest_activity_s:
        return ParseError(
            f"{format_clock(seconds)} is longer than a day. Log each day's {what} on its own"
            " (a race may take up to 48 hours: say 'race')."
        )
    return None


def _check_run(run: Run, units: Units, bounds: Bounds) -> ParseError | None:
    if run.distance_m is None and run.duration_s is None:
        return ParseError("How far or how long? Try 'ran 5 km 28 min' or 'easy run 30 min'.")
    if run.distance_m is not None:
        if run.distance_m <= 0:
            return ParseError("A run needs a distance above zero.")
        if run.distance_m > bounds.longest_run_m:
            return ParseError(
                f"{format_distance(run.distance_m, units)} is more than a single run can be"
                f" (the limit is {format_distance(bounds.longest_run_m, units, 0)})."
                " Check the unit: km or mi?"
            )
    error = _check_duration(run.duration_s, "run", bounds, race=run.kind is RunKind.RACE)
    if error:
        return error
    if run.distance_m and run.duration_s and run.distance_m >= bounds.fastest_pace_min_distance_m:
        pace_s_per_km = run.duration_s / (run.distance_m / 1000)
        if pace_s_per_km < bounds.fastest_run_s_per_km:
            return ParseError(
                f"{format_distance(run.distance_m, units)} in {format_clock(run.duration_s)}"
                f" is faster than {format_pace(bounds.fastest_run_s_per_km / 1000, units)},"
                " quicker than a world record."
                " For hours, write h:mm:ss (like 1:05:00)."
            )
    if run.effort is not None and not 1 <= run.effort <= 10:
        return ParseError("Effort goes from 1 (very easy) to 10 (all out).")
    return None


def _check_walk(walk: Walk, units: Units, bounds: Bounds) -> ParseError | None:
    error = _check_duration(walk.duration_s, "walk", bounds)
    if error:
        return error
    if walk.distance_m is not None:
        if walk.distance_m <= 0:
            return ParseError("A walk needs a distance above zero, or leave it out.")
        kmh = speed_kmh(walk.distance_m, walk.duration_s)
        if kmh > bounds.fastest_walk_kmh:
            return ParseError(
                f"{format_distance(walk.distance_m, units)} in {format_clock(walk.duration_s)}"
                f" is faster than {bounds.fastest_walk_kmh:g} km/h: that's a run."
                " Was it a run? Then send it as 'ran ...'."
            )
    if walk.steps is not None:
        return _check_steps(walk.steps, bounds)
    return None


def _check_steps(steps: int, bounds: Bounds) -> ParseError | None:
    if steps < 0:
        return ParseError("Steps can't be negative.")
    if steps > bounds.most_steps:
        return ParseError(
            f"{steps:,} steps is more than a day can hold (limit {bounds.most_steps:,})."
        )
    return None


def validate(
    report: Report, now: datetime, units: Units = Units.KM, bounds: Bounds = DEFAULT_BOUNDS
) -> ParseError | None:
    """The first bound the report breaks, or None when it is plausible."""
    error = check_date(report.at, now, bounds)
    if error:
        return error
    if isinstance(report, Run):
        return _check_run(report, units, bounds)
    if isinstance(report, Walk):
        return _check_walk(report, units, bounds)
    assert isinstance(report, DaySteps)
    return _check_steps(report.steps, bounds)


def check_day(
    report: Report,
    earlier_runs: list[Run],
    units: Units = Units.KM,
    bounds: Bounds = DEFAULT_BOUNDS,
) -> ParseError | None:
    """Whether a run makes its day implausible with the runs already logged that day: more
    than the single-run bounds in one day, or a second marathon (section D). The coach
    asks before storing it."""
    if not isinstance(report, Run) or not earlier_runs:
        return None
    runs = [*earlier_runs, report]
    metres = sum(r.distance_m or 0 for r in runs)
    seconds = sum(r.duration_s or 0 for r in runs)
    longest = bounds.longest_race_s if report.kind is RunKind.RACE else bounds.longest_activity_s
    marathons = sum(1 for r in runs if (r.distance_m or 0) >= bounds.marathon_m)
    if metres <= bounds.longest_run_m and seconds <= longest and marathons < 2:
        return None
    return ParseError(
        f"That makes {format_distance(metres, units)} and {format_clock(seconds)} of running"
        f" on {report.at:%a %d %b} with the {len(earlier_runs)} run(s) already logged. Was it"
        " really that day?"
    )
