"""Answers to the coach's settings questions that carry coaching knowledge: the step goal
(never below the floor without being told why) and body weight (for the impact line)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach_rules.params import DEFAULT_BOUNDS, DEFAULT_PARAMS, Bounds, CoachParams
from coach_rules.units import POUNDS_PER_KG, Units


@dataclass(frozen=True)
class Refused:
    """An answer that does not fit, and what to say."""

    message: str


def format_weight(kg: float, units: Units) -> str:
    """Body weight as a runner of those units says it: '72 kg', or '159 lb' for miles."""
    if units is Units.MI:
        return f"{kg * POUNDS_PER_KG:.0f} lb"
    return f"{kg:g} kg"


def goal_hint(params: CoachParams = DEFAULT_PARAMS) -> str:
    """One line for the step-goal question."""
    return f"Research puts the floor at {params.step_floor:,}."


def goal_choices(params: CoachParams = DEFAULT_PARAMS) -> tuple[int, int]:
    """The two goals offered as buttons: the floor, and a round step above it."""
    return params.step_floor, params.step_floor + 2000


def check_step_goal(value: float, bounds: Bounds = DEFAULT_BOUNDS) -> Refused | int:
    """A step goal as a whole number, or why it is refused."""
    if not bounds.least_step_goal <= value <= bounds.most_steps:
        return Refused(
            f"A step goal is a number from {bounds.least_step_goal:,} to {bounds.most_steps:,}."
        )
    return round(value)


def goal_heads_up(goal: int, params: CoachParams = DEFAULT_PARAMS) -> str | None:
    """What to say when a goal is set below the floor (A6), else None."""
    floor = params.step_floor
    if goal >= floor:
        return None
    return (
        f"Heads-up: under {floor:,} steps a day blunts the fat-burning benefit even of an"
        f" hour's run (MSSE 2021), so I'd aim for {floor:,} when you can"
    )


def read_weight(text: str, bounds: Bounds = DEFAULT_BOUNDS) -> Refused | float:
    """'70 kg', '154 lb', '70' (kg) to kilograms (one decimal), or why it is refused."""
    answer = text.strip().lower()
    match = re.fullmatch(r"([0-9]+(?:[.,][0-9]+)?)\s*(kg|kgs|kilos?|lb|lbs|pounds?)?", answer)
    if not match:
        return Refused("Type your weight like '70 kg' or '154 lb', or 'clear' to leave it out.")
    value = float(match.group(1).replace(",", "."))
    pounds = (match.group(2) or "").startswith(("lb", "pound"))
    kg = value / POUNDS_PER_KG if pounds else value
    if not bounds.lightest_kg <= kg <= bounds.heaviest_kg:
        low, high = bounds.lightest_kg, bounds.heaviest_kg
        return Refused(
            f"That weight looks off: I take {low:g}-{high:g} kg"
            f" ({low * POUNDS_PER_KG:.0f}-{round(high * POUNDS_PER_KG, -1):.0f} lb)."
        )
    return round(kg, 1)
