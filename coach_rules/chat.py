"""Messages that are not reports: greetings, thanks, help, and questions to the coach.

Questions get a coach's answer from the same sourced rules as reports (each line with its
rule id and sources, so /why explains it), never an invented one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from coach_rules.load import load_ratio
from coach_rules.models import History, Profile, RunKind
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice, Prescription
from coach_rules.rules import (
    brisk_pace_band,
    easy_swap_advice,
    pain_check_advice,
    step_gap_advice,
    typical_easy_minutes,
)


class Chat(StrEnum):
    """What a message that is not a report is."""

    GREETING = "greeting"
    THANKS = "thanks"
    HELP = "help"
    TODAY = "today"  # what should I do today? should I run today?
    HOW_MUCH = "how_much"  # how much should I walk?
    STEPS = "steps"  # how many steps should I do?
    WHY_WALK = "why_walk"  # why walk after a run?
    EVERY_DAY = "every_day"  # is it ok to run every day?
    LONG_RUN = "long_run"  # how far should my long run be?


# The specific questions first: "how much should I walk?" also says "should I walk".
_PATTERNS: tuple[tuple[Chat, str], ...] = (
    (Chat.STEPS, r"\bhow many steps\b|\bsteps? (?:goal|should)\b"),
    (Chat.HOW_MUCH, r"\bhow (?:much|long|far|often) should i walk\b|\bhow much walking\b"),
    (Chat.WHY_WALK, r"\bwhy (?:should i )?walk\b|\bwhat(?:'s| is) the point of walking\b"),
    (Chat.EVERY_DAY, r"\brun every day\b|\bevery day\b.*\brun\b|\brest days?\b"),
    (Chat.LONG_RUN, r"\blong run be\b|\bhow (?:far|long) should my long run\b"),
    (Chat.TODAY, r"\b(?:what|should) .*\b(?:today|now|tonight)\b|\bshould i (?:run|rest|walk)\b"),
    (Chat.HELP, r"^\s*(?:help|\?+|what can you do\??|how does this work\??|commands)\s*[!.?]*\s*$"),
    (Chat.THANKS, r"^\s*(?:thanks?|thank you|thx|ty|cheers|great|ok(?:ay)?|cool|nice)\b[^0-9]*$"),
    (
        Chat.GREETING,
        r"^\s*(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|howdy"
        r"|what'?s up|sup)\b[^0-9]*$",
    ),
)


def read_chat(text: str) -> Chat | None:
    """What a message without a report in it is asking or saying, or None."""
    low = text.strip().lower()
    if not low or len(low) > 300:
        return None
    for chat, pattern in _PATTERNS:
        if re.search(pattern, low):
            return chat
    return None


def _ratio_high(history: History, now: datetime, params: CoachParams) -> float | None:
    ratio = load_ratio(history, now.date(), params)
    return ratio if ratio is not None and ratio > params.easy_swap_load_ratio else None


def today_plan(
    history: History, profile: Profile, now: datetime, params: CoachParams = DEFAULT_PARAMS
) -> Prescription:
    """'What should I do today?': from the runner's own history."""
    if history.pain is not None:
        return Prescription((pain_check_advice(history.pain),))
    items: list[Advice] = []
    yesterday = now.date() - timedelta(days=1)
    hard = [r for r in history.runs_between(yesterday, yesterday) if r.kind is RunKind.LONG]
    sore = [r for r in history.runs_between(yesterday, now.date()) if r.sore]
    ratio = _ratio_high(history, now, params)
    easy = typical_easy_minutes(history, now.date(), params)
    if ratio is not None:
        why = f"your last 7 days are {ratio:.2f}x your usual week"
        items.append(easy_swap_advice(easy, why, params))
    elif sore or hard:
        why = "you're sore" if sore else "yesterday was a long run"
        items.append(easy_swap_advice(easy, why, params))
    steps = history.steps_on(now.date())
    items.append(step_gap_advice(steps or 0, profile.step_goal, params))
    return Prescription(tuple(items))


def question_answer(
    chat: Chat,
    history: History,
    profile: Profile,
    now: datetime,
    params: CoachParams = DEFAULT_PARAMS,
) -> Prescription | None:
    """The coach's answer to a question, or None for greetings, thanks and help."""
    if chat is Chat.TODAY:
        return today_plan(history, profile, now, params)
    answers = {
        Chat.HOW_MUCH: _how_much,
        Chat.STEPS: _steps_goal,
        Chat.WHY_WALK: _why_walk,
        Chat.EVERY_DAY: _every_day,
        Chat.LONG_RUN: _long_run,
    }
    make = answers.get(chat)
    return Prescription(make(profile, params)) if make else None


def _how_much(profile: Profile, params: CoachParams) -> tuple[Advice, ...]:
    band = brisk_pace_band(profile.units, params)
    return (
        Advice(
            "finisher-walk",
            "After a run: walk 30-60 s for every mile you ran (a 10-20 min walk after 20"
            " miles); after a short run at least 3 min.",
            "The walk after a run starts recovery.",
            ("A7", "A12"),
        ),
        Advice(
            "step-floor",
            f"Every day: at least {params.step_floor:,} steps (your goal:"
            f" {profile.step_goal:,}); brisk walking at {band} is about"
            f" {params.brisk_cadence_spm} steps a minute.",
            "Under the floor the fat-burning benefit of running is blunted.",
            ("A6", "B1", "A1"),
        ),
        Advice(
            "weekly-minutes",
            f"Every week: {params.weekly_moderate_minutes} minutes of moderate activity;"
            " brisk walks count, and a running minute counts double.",
            "The adult activity guidelines.",
            ("B2",),
        ),
    )


def _steps_goal(profile: Profile, params: CoachParams) -> tuple[Advice, ...]:
    return (
        Advice(
            "step-floor",
            f"At least {params.step_floor:,} steps a day; yours is set to"
            f" {profile.step_goal:,} (change it with /goal).",
            f"Under {params.step_floor:,} steps a day blunts the fat-burning benefit of even an"
            " hour's run.",
            ("A6",),
        ),
    )


def _why_walk(profile: Profile, params: CoachParams) -> tuple[Advice, ...]:
    return (
        Advice(
            "cooldown-walk",
            "Walking after a run is active recovery: more blood flow and repair, with about"
            " half the impact of running. Walk 30-60 s for every mile you ran.",
            "Walking lands at about 1.2x body weight, running at 2.5x.",
            ("A12", "A7", "A5"),
        ),
    )


def _every_day(profile: Profile, params: CoachParams) -> tuple[Advice, ...]:
    return (
        easy_swap_advice(
            params.default_easy_minutes,
            "walking on easy days gives the aerobic work at half the impact",
            params,
        ),
    )


def _long_run(profile: Profile, params: CoachParams) -> tuple[Advice, ...]:
    return (
        Advice(
            "finisher-walk",
            "I don't set your long runs, I coach the walking around them: after a long run,"
            " walk 30-60 s for every mile, and drink and refuel while you walk.",
            "A walk after a long run starts recovery; it's the moment to refuel.",
            ("A7", "A8"),
        ),
    )
