"""What the coach says outside a report: the daily check-in, /today, the morning after a
long run. Each is a Prescription, so every line carries its rule id and sources (/why)."""

from __future__ import annotations

from datetime import date

from coach_rules.models import History, Profile
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice, Prescription
from coach_rules.rules import (
    brisk_pace_band,
    easy_swap_advice,
    step_gap_advice,
    typical_easy_minutes,
)
from coach_rules.tips import next_tip


def step_floor(params: CoachParams = DEFAULT_PARAMS) -> int:
    """The daily step floor (A6): boards and challenges count days at or above it."""
    return params.step_floor


def _floor_reason(params: CoachParams) -> str:
    return (
        f"Under {params.step_floor:,} steps a day blunts the fat-burning benefit of even an"
        " hour's run."
    )


def daily_checkin(
    steps: int | None,
    profile: Profile,
    last_tip_id: str | None,
    params: CoachParams = DEFAULT_PARAMS,
) -> Prescription | None:
    """The check-in at the runner's nudge time; None when the day's goal is met."""
    goal = profile.step_goal
    if steps is not None and steps >= goal:
        return None
    band = brisk_pace_band(profile.units, params)
    brisk_reason = "Brisk is conversational, but with somewhere to be."
    items: tuple[Advice, ...]
    if steps is None:
        items = (
            Advice(
                "daily-nudge",
                "Check-in: how many steps so far today? Type the number and I'll tell"
                f" you what closes the gap to {goal:,}.",
                _floor_reason(params),
                ("A6",),
                {"goal": goal},
            ),
            Advice("daily-nudge", f"Brisk walking is {band}.", brisk_reason, ("A1", "A2")),
        )
    else:
        items = (
            Advice(
                "daily-nudge",
                f"Check-in: {steps:,} of your {goal:,} steps today.",
                _floor_reason(params),
                ("A6",),
                {"steps": steps, "goal": goal},
            ),
            step_gap_advice(steps, goal, params),
            Advice("daily-nudge", f"Brisk is {band}.", brisk_reason, ("A1", "A2")),
        )
    return Prescription(items, next_tip(last_tip_id))


def today_check(
    steps: int | None, profile: Profile, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """/today: the day's steps against the goal and what closes the gap."""
    if steps is not None:
        return Prescription((step_gap_advice(steps, profile.step_goal, params),))
    goal = profile.step_goal
    ask = Advice(
        "step-floor",
        f"No steps logged today. Send your count like '7400 steps'; your goal is {goal:,}.",
        _floor_reason(params),
        ("A6",),
        {"goal": goal},
    )
    return Prescription((ask,))


def morning_after(
    sore: bool, history: History, today: date, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """The answer to "How do your legs feel?" the morning after a long run."""
    if sore:
        minutes = typical_easy_minutes(history, today, params)
        return Prescription((easy_swap_advice(minutes, "your legs are sore", params),))
    fresh = Advice(
        "morning-after",
        "Great: legs that bounce back are what the walking is for. Keep today's run easy,"
        " or make it a walk.",
        "Walking is active recovery: more blood flow and repair, less impact.",
        ("A12",),
    )
    return Prescription((fresh,))


def render_checkin(prescription: Prescription) -> str:
    """A check-in as one message: each line, then the tip (no 'Why' line: /why has it)."""
    lines = [a.text for a in prescription.items]
    if prescription.tip:
        lines.append(f"Tip: {prescription.tip.text}")
    return "\n".join(lines)
