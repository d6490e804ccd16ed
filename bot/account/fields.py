"""The runner's settings, one field at a time: shared by onboarding and /settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot import coaching
from bot.conversation import Prefix, data
from bot.replies import Button, Keyboard, Reply
from bot.storage import UserSettings
from bot.timezones import parse_clock, resolve_timezone
from coach_rules import Units

SKIP = "skip"


class Field(StrEnum):
    """A setting a runner can change."""

    UNITS = "units"
    TIMEZONE = "timezone"
    GOAL = "goal"
    NUDGE = "nudge"
    WEIGHT = "weight"
    MILEAGE = "mileage"


ONBOARDING = (Field.UNITS, Field.TIMEZONE, Field.GOAL, Field.NUDGE, Field.WEIGHT)


@dataclass(frozen=True)
class Applied:
    """A change made: what to tell the runner."""

    message: str


@dataclass(frozen=True)
class Rejected:
    """An answer that did not fit: how to answer instead."""

    message: str


Outcome = Applied | Rejected


def _buttons(field: Field, *choices: tuple[str, str]) -> Keyboard:
    return (tuple(Button(label, data(Prefix.SET, field.value, value)) for label, value in choices),)


def prompt(field: Field, s: UserSettings, skippable: bool = True) -> Reply:
    """The question for a field, with its buttons."""
    skip = (("Skip", SKIP),) if skippable else ()
    if field is Field.UNITS:
        return Reply(
            f"Kilometres or miles? (now: {s.units})",
            _buttons(field, ("km", "km"), ("miles", "mi"), *skip),
        )
    if field is Field.TIMEZONE:
        return Reply(
            f"Your time zone, so nudges come at your evening (now: {s.timezone})."
            " Type a city or zone like 'Berlin' or 'America/New_York', or share your location.",
            _buttons(field, *skip),
            ask_location=True,
        )
    if field is Field.GOAL:
        low, high = coaching.goal_choices()
        return Reply(
            f"Daily step goal? Type a number (now: {s.step_goal:,}). {coaching.goal_hint()}",
            _buttons(field, (f"{low:,}", str(low)), (f"{high:,}", str(high)), *skip),
        )
    if field is Field.NUDGE:
        now = s.nudge or "off"
        return Reply(
            f"When should I nudge you if your steps are short? Type a time like 19:30"
            f" (now: {now}).",
            _buttons(field, ("19:00", "19:00"), ("20:00", "20:00"), ("No nudges", "off"), *skip),
        )
    if field is Field.WEIGHT:
        now = coaching.format_weight(s.weight_kg, s.units) if s.weight_kg else "not set"
        return Reply(
            f"Body weight, to show the impact you save by walking (optional; now: {now})."
            " Type it like '70 kg' or '154 lb'.",
            _buttons(field, ("Leave it out", "clear"), *skip),
        )
    verb = "on" if s.more_mileage else "off"
    return Reply(
        f"Is building more mileage a goal right now? (now: {verb}) Then I'll suggest"
        " brisk walks as second sessions.",
        _buttons(field, ("Yes", "on"), ("No", "off")),
    )


def _units(s: UserSettings, text: str) -> Outcome:
    answer = text.strip().lower()
    if answer in {"km", "kms", "kilometres", "kilometers", "k", "metric"}:
        s.units = Units.KM
    elif answer in {"mi", "mile", "miles", "imperial"}:
        s.units = Units.MI
    else:
        return Rejected("Please answer 'km' or 'mi'.")
    return Applied(f"Units: {s.units}.")


def _timezone(s: UserSettings, text: str) -> Outcome:
    zone = resolve_timezone(text)
    if zone is None:
        return Rejected(
            f"I don't know the time zone '{text.strip()[:40]}'. Try a city like 'Berlin',"
            " a zone like 'Europe/Berlin' or 'America/New_York', or 'UTC+2'."
        )
    s.timezone = zone
    return Applied(f"Time zone: {zone}.")


def _number(text: str) -> float | None:
    cleaned = re.sub(r"[ ,_]", "", text.strip().lower())
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(k?)", cleaned)
    if not match:
        return None
    return float(match.group(1)) * (1000 if match.group(2) else 1)


def _goal(s: UserSettings, text: str) -> Outcome:
    value = _number(text)
    goal = coaching.check_step_goal(value if value is not None else -1.0)
    if isinstance(goal, coaching.Refused):
        return Rejected(goal.message.removesuffix(".") + ", like /goal 9000.")
    s.step_goal = goal
    heads_up = coaching.goal_heads_up(goal)
    if heads_up:
        return Applied(f"Step goal: {goal:,}. {heads_up} (/goal {coaching.step_floor()}).")
    return Applied(f"Step goal: {goal:,} a day.")


def _nudge(s: UserSettings, text: str) -> Outcome:
    answer = text.strip().lower()
    if answer in {"off", "no", "none", "never", "no thanks", "no nudges", "nope"}:
        s.nudge = None
        return Applied("Nudges are off. Turn them on with /nudge 19:00.")
    clock = parse_clock(answer)
    if clock is None:
        return Rejected("Give the time as HH:MM on a 24-hour clock, like /nudge 19:30, or 'off'.")
    s.nudge = clock
    return Applied(f"Nudge time: {clock} your time, on days your steps are short.")


def _weight(s: UserSettings, text: str) -> Outcome:
    answer = text.strip().lower()
    if answer in {"clear", "none", "no", "-"}:
        s.weight_kg = None
        return Applied("Weight: not stored. I'll show impact as a percentage.")
    kg = coaching.read_weight(answer)
    if isinstance(kg, coaching.Refused):
        return Rejected(kg.message)
    s.weight_kg = kg
    return Applied(f"Weight: {coaching.format_weight(kg, s.units)}.")


def _mileage(s: UserSettings, text: str) -> Outcome:
    answer = text.strip().lower()
    if answer not in {"on", "off", "yes", "no"}:
        return Rejected("Answer 'on' or 'off'.")
    s.more_mileage = answer in {"on", "yes"}
    return Applied("More mileage is a goal." if s.more_mileage else "More mileage: not a goal.")


APPLY: dict[Field, Callable[[UserSettings, str], Outcome]] = {
    Field.UNITS: _units,
    Field.TIMEZONE: _timezone,
    Field.GOAL: _goal,
    Field.NUDGE: _nudge,
    Field.WEIGHT: _weight,
    Field.MILEAGE: _mileage,
}


def apply(field: Field, settings: UserSettings, text: str) -> Outcome:
    """Apply a typed or tapped answer to the settings (in place when it fits)."""
    return APPLY[field](settings, text)


def summary(s: UserSettings) -> str:
    """Every setting, one line each."""
    weight = coaching.format_weight(s.weight_kg, s.units) if s.weight_kg else "not set"
    return (
        f"Units: {s.units}\nTime zone: {s.timezone}\nStep goal: {s.step_goal:,}\n"
        f"Nudge: {s.nudge or 'off'}\nWeight: {weight}\n"
        f"More mileage goal: {'yes' if s.more_mileage else 'no'}"
    )
