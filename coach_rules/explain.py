"""Prescriptions in plain words, with the rules and sources behind each line (`/why`)."""

from __future__ import annotations

from datetime import date, timedelta

from coach_rules.models import Activity, DaySteps, Run, RunKind, Walk
from coach_rules.prescription import Advice, Prescription, Tip
from coach_rules.rules import RULES_BY_ID
from coach_rules.sources import SOURCES, source_line
from coach_rules.units import (
    Units,
    format_clock,
    format_distance,
    format_minutes,
    metres_per_unit,
)


def explain_advice(advice: Advice) -> str:
    """One advice item: what, why, which rule, which sources."""
    rule = RULES_BY_ID.get(advice.rule_id)
    when = f" (applies to {rule.when})" if rule else ""
    lines = [
        f"• {advice.text}",
        f"  Why: {advice.reason}",
        f"  Rule: {advice.rule_id}{when}",
    ]
    lines += [f"  Source {source_line(s)}" for s in advice.sources if s in SOURCES]
    return "\n".join(lines)


def explain(prescription: Prescription) -> str:
    """The whole prescription explained, tip included."""
    if not prescription.items:
        return "Nothing to explain yet: report a run, a walk or your steps first."
    parts = [explain_advice(a) for a in prescription.items]
    if prescription.tip:
        parts.append("• Tip: " + tip_with_sources(prescription.tip).replace("\n", "\n  "))
    return "\n\n".join(parts)


def tip_with_sources(tip: Tip) -> str:
    """A tip, and on the next line where it comes from."""
    return f"{tip.text}\nSource " + "; ".join(source_line(s) for s in tip.sources)


def source_table() -> str:
    """Every source the coach uses, one per line."""
    return "\n".join(source_line(s) for s in SOURCES)


def render(prescription: Prescription) -> str:
    """The short reply: every action with its numbers, then one reason and one tip."""
    if not prescription.items:
        return "Logged."
    lines = [a.text for a in prescription.items]
    headline = prescription.items[0]
    lines.append(f"Why: {headline.reason}")
    if prescription.tip:
        lines.append(f"Tip: {prescription.tip.text}")
    return "\n".join(lines)


def describe_activity(activity: Activity, units: Units) -> str:
    """'long run 20 mi in 3:05:00', 'walk 45 min, 3.2 km', '7,400 steps'."""
    if isinstance(activity, DaySteps):
        return f"{activity.steps:,} steps"
    parts: list[str] = []
    if isinstance(activity, Run):
        parts.append(f"{activity.kind.value} run" if activity.kind else "run")
        if activity.distance_m is not None:
            parts.append(format_distance(activity.distance_m, units, 2))
        if activity.duration_s is not None:
            parts.append(f"in {format_clock(activity.duration_s)}")
        if activity.effort is not None:
            parts.append(f"effort {activity.effort}/10")
    else:
        parts.append(f"walk {format_minutes(activity.duration_s)}")
        if activity.distance_m is not None:
            parts.append(format_distance(activity.distance_m, units, 2))
        if activity.steps is not None:
            parts.append(f"{activity.steps:,} steps")
    if activity.pain:
        parts.append("(pain)")
    elif activity.sore:
        parts.append("(sore)")
    return " ".join(parts)


def _day_word(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"{day:%a %d %b}"


def _pace(seconds: float, metres: float, units: Units) -> str:
    per_unit = seconds / metres * metres_per_unit(units)
    return f"{format_clock(per_unit)}/{units.value}"


def _run_words(run: Run, units: Units) -> list[str]:
    kind = run.kind.value if run.kind else ""
    parts = ["race" if run.kind is RunKind.RACE else f"{kind} run".strip()]
    distance = format_distance(run.distance_m, units, 2) if run.distance_m else ""
    clock = format_clock(run.duration_s) if run.duration_s else ""
    if distance and clock and run.distance_m and run.duration_s:
        pace = _pace(run.duration_s, run.distance_m, units)
        parts.append(f"{distance} in {clock} ({pace})")
    elif distance or clock:
        parts.append(distance or clock)
    if run.effort is not None:
        parts.append(f"effort {run.effort}/10")
    return parts


def _walk_words(walk: Walk, units: Units) -> list[str]:
    parts = ["walk", format_minutes(walk.duration_s)]
    if walk.distance_m:
        pace = _pace(walk.duration_s, walk.distance_m, units)
        parts.append(f"{format_distance(walk.distance_m, units, 2)} ({pace})")
    if walk.steps is not None:
        parts.append(f"{walk.steps:,} steps")
    return parts


def logged_line(
    report: Activity, units: Units, today: date, was: int | None = None, added: int = 0
) -> str:
    """What was understood and stored, in one line in the runner's units:
    'Logged: easy run, 10 km in 52:30 (5:15/km), today.' For a step count, `added`: the
    steps a '+N steps' added; `was`: the count a plain count replaced."""
    when = _day_word(report.day, today)
    if isinstance(report, DaySteps):
        if added:
            return f"Logged: +{added:,} steps, {report.steps:,} {when}."
        line = f"Logged: {report.steps:,} steps {when}"
        if was is not None and was != report.steps:
            line += f" (was {was:,}; '+N steps' adds to the count instead)"
        return line + "."
    parts = _run_words(report, units) if isinstance(report, Run) else _walk_words(report, units)
    words = f"; you said: {report.note}" if report.note and (report.pain or report.sore) else ""
    return f"Logged: {', '.join(parts)}, {when}{words}."
