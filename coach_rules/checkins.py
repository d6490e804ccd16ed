"""What the coach says outside a report: the daily check-in, /today, the morning after a
long run. Each is a Prescription, so every line carries its rule id and sources (/why)."""

from __future__ import annotations

from datetime import date, datetime

from coach_rules.feel import BodyReading
from coach_rules.models import DaySteps, History, OpenPain, Profile
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice, Prescription
from coach_rules.rules import (
    brisk_pace_band,
    easy_swap_advice,
    pain_days,
    pain_first_advice,
    see_someone_advice,
    step_gap_advice,
    typical_easy_minutes,
    urgent_advice,
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


def _pain_walking(pain: OpenPain) -> Advice:
    return Advice(
        "pain-check",
        f"Check-in: is {pain.where()} pain-free now? Until it is: walk only if the walking is"
        " pain-free, and let the step goal wait.",
        "Going on through pain can do more damage and slow recovery.",
        ("B4",),
    )


def daily_checkin(
    steps: int | None,
    profile: Profile,
    last_tip_id: str | None,
    params: CoachParams = DEFAULT_PARAMS,
    pain: OpenPain | None = None,
    now: datetime | None = None,
) -> Prescription | None:
    """The check-in at the runner's nudge time; None when the day's goal is met. While a
    pain is open it asks about the pain and suggests pain-free walking only."""
    if pain is not None:
        lasting = now is not None and pain_days(pain, now) * 24 >= params.pain_see_someone_hours
        extra = (see_someone_advice(pain, now),) if now is not None and lasting else ()
        return Prescription((_pain_walking(pain), *extra))
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
    return Prescription(items, next_tip(last_tip_id, profile.units))


def today_check(
    steps: int | None,
    profile: Profile,
    params: CoachParams = DEFAULT_PARAMS,
    pain: OpenPain | None = None,
) -> Prescription:
    """/today: the day's steps against the goal and what closes the gap (while a pain is
    open: pain-free walking only, the goal can wait)."""
    if pain is not None:
        return Prescription((_pain_walking(pain),))
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


def pain_heard(
    body: BodyReading, pain: OpenPain | None, now: datetime, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """Pain in a message with no run, walk or steps in it ("my knee hurts")."""
    if body.severe:
        return Prescription((urgent_advice(),))
    items = [pain_first_advice(body.note)]
    if pain is not None and pain_days(pain, now) * 24 >= params.pain_see_someone_hours:
        items.append(see_someone_advice(pain, now))
    return Prescription(tuple(items))


def pain_still_there(
    pain: OpenPain, now: datetime, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """The runner says the pain is still there: noted, what to do meanwhile, and when to
    see someone (at once for severe signs)."""
    if pain.severe:
        return Prescription((urgent_advice(),))
    still = Advice(
        "pain-check",
        f"Noted: {pain.where()} still hurts. Keep resting it: no running, and walk only if the"
        " walking is pain-free. Tell me when it's pain-free.",
        "Going on through pain can do more damage and slow recovery.",
        ("B4",),
    )
    items = [still]
    if pain_days(pain, now) * 24 >= params.pain_see_someone_hours:
        items.append(see_someone_advice(pain, now))
    return Prescription(tuple(items))


def pain_gone(pain: OpenPain) -> Prescription:
    """The runner says the pain is gone: normal advice again, easing back in."""
    back = Advice(
        "pain-check",
        f"Good news about {pain.where()}. Normal advice is back: start with an easy run or a"
        " walk, and stop if the pain returns.",
        "Pain is the signal to stop; without it you can build up again.",
        ("B4",),
    )
    return Prescription((back,))


def soreness_heard(
    history: History, today: date, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """General soreness in a message with no run in it ("legs are sore")."""
    minutes = typical_easy_minutes(history, today, params)
    return Prescription((easy_swap_advice(minutes, "your legs are sore", params),))


def morning_pain_question(pain: OpenPain) -> str:
    """The morning follow-up while a pain is open: ask about it, not about the legs."""
    return f"Morning! How is {pain.where()} today?"


def steps_update(report: DaySteps, history: History) -> tuple[DaySteps, int | None]:
    """A step report as the day's total: '+1500 steps' adds to the count, a plain count
    sets it. Also the day's count before (None when there was none)."""
    before = history.steps_on(report.day)
    total = (before or 0) + report.steps if report.added else report.steps
    return DaySteps(report.at, total, False, report.pain, report.note), before


def render_checkin(prescription: Prescription) -> str:
    """A check-in as one message: each line, then the tip (no 'Why' line: /why has it)."""
    lines = [a.text for a in prescription.items]
    if prescription.tip:
        lines.append(f"Tip: {prescription.tip.text}")
    return "\n".join(lines)
