"""The conversation, made explicit: every flow with its ordered steps, every button prefix.

A pending question is a `Draft(flow, step, data)` stored in the runner's own file; the
router sends a typed answer to the flow named here, and each button's callback data
starts with one of the prefixes below. Handlers, the router and the app factory read
these instead of repeating strings.
"""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    """A conversation that asks the runner something and waits for the answer."""

    ONBOARDING = "onboarding"  # /start: the settings questions one after another
    SETTINGS = "settings"  # one settings question (/settings, /goal without a value)
    RUN = "run"  # guided /run
    WALK = "walk"  # /walk without words
    STEPS = "steps"  # /steps without words, or the daily nudge's question
    BODY = "body"  # "tired muscles, or pain in one spot?" before a report is stored
    CONFIRM = "confirm"  # "was it really that day?" before an implausible day is stored
    CHOICE = "choice"  # two plausible readings ("1:05": 1 h 05 or 1 min 05?): pick one


class RunStep(StrEnum):
    """The questions of the guided /run, in order."""

    KIND = "kind"
    DISTANCE = "distance"
    TIME = "time"
    EFFORT = "effort"
    FEEL = "feel"


# The one question of /walk and /steps (and of the nudge that asks for a count).
ASK = "ask"

# Each flow's steps in order. The settings flows' steps are the settings fields
# (bot.account.fields.Field), named there because their order is the onboarding's.
RUN_STEPS: tuple[RunStep, ...] = tuple(RunStep)
SETTINGS_FLOWS = (Flow.ONBOARDING, Flow.SETTINGS)


class Prefix(StrEnum):
    """The first part of a button's callback data: which handler answers the tap."""

    SET = "set"  # set:<field>:<value>, an answer to a settings question
    EDIT = "edit"  # edit:<field>, a row of the /settings menu
    RUN = "run"  # run:<step>:<value>, an answer in the guided /run
    RX = "rx"  # rx:why | rx:done:<min>:<steps> | rx:undo:<ids>, under a prescription
    DELETE = "del"  # del:yes | del:no, the /delete confirmation
    NUDGE = "nudge"  # nudge:pause:<days> | nudge:off, under the daily nudge
    FOLLOWUP = "fu"  # fu:fresh | fu:sore, the morning after a long run
    BODY = "body"  # body:sore or body:pain, the answer to the BODY flow question
    PAIN = "pain"  # pain:gone or pain:still, under what is said while a pain is open
    CONFIRM = "confirm"  # confirm:yes | confirm:no, the CONFIRM flow's answer
    CHOICE = "choice"  # choice:<n>, the CHOICE flow's answer (the n-th reading)


def data(prefix: Prefix, *parts: object) -> str:
    """Callback data for a button: the prefix and its parts, colon-separated."""
    return ":".join([prefix.value, *(str(p) for p in parts)])


def pattern(prefix: Prefix) -> str:
    """The regular expression a CallbackQueryHandler matches for `prefix`."""
    return rf"^{prefix.value}:"
