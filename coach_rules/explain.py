"""Prescriptions in plain words, with the rules and sources behind each line (`/why`)."""

from __future__ import annotations

from coach_rules.models import Activity, DaySteps, Run
from coach_rules.prescription import Advice, Prescription, Tip
from coach_rules.rules import RULES_BY_ID
from coach_rules.sources import SOURCES, source_line
from coach_rules.units import Units, format_clock, format_distance, format_minutes


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
