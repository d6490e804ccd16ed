"""Scheduling: one minute job over sources the app factory hands in; no feature here."""

from bot.scheduling.delivery import Delivery, Outcome, Sleep
from bot.scheduling.index import MINUTE, Due, NudgeIndex, Slot, wall_minutes
from bot.scheduling.journal import IndexJournal
from bot.scheduling.runners import Planned, Planner, RunnerSource
from bot.scheduling.scheduler import RetryLater, Scheduler, Source

__all__ = [
    "MINUTE",
    "Delivery",
    "Due",
    "IndexJournal",
    "NudgeIndex",
    "Outcome",
    "Planned",
    "Planner",
    "RetryLater",
    "RunnerSource",
    "Scheduler",
    "Sleep",
    "Slot",
    "Source",
    "wall_minutes",
]
