"""The typed context: what every handler and job reaches through `context.services`.

The services are built before the Application (by the app factory) and handed to it
through PTB's `application_class` hook, so nothing is wired by mutation afterwards and
nothing is looked up by a string key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.intake import UpdateJournal
from bot.scheduling import Scheduler
from bot.storage import Repository
from bot.workers import Worker

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC (the only place the bot reads the wall clock)."""
    return datetime.now(UTC)


def clock_from(start: datetime) -> Clock:
    """A clock that reads `start` the first time it is read and runs on from there at the
    real pace (end-to-end tests put a real process just before a nudge minute with it;
    see Settings.test_clock). The first read is the minute job's scheduling, so how long
    the start-up took before it does not move the first tick."""
    offsets: list[timedelta] = []

    def now() -> datetime:
        if not offsets:
            offsets.append(start - system_clock())
        return system_clock() + offsets[0]

    return now


@dataclass(frozen=True)
class Services:
    """Shared by all handlers and jobs."""

    repo: Repository
    clock: Clock
    scheduler: Scheduler
    # Updates received and not yet handled, and replies owed (bot.intake).
    journal: UpdateJournal
    # Reads watch files in a process of its own.
    worker: Worker = field(default_factory=Worker)


class WalkApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, carrying the services it was built with."""

    def __init__(self, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services

    async def process_update(self, update: object) -> None:
        """Handle the update, then note it handled in the journal. Not reached when the
        task is cancelled (shutdown) or the process dies: the next start replays it."""
        await super().process_update(update)
        if isinstance(update, Update):
            journal = self.services.journal
            if journal.is_pending(update.update_id):
                await asyncio.to_thread(journal.handled, update.update_id)


class WalkContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of every handler here: `context.services` is typed."""

    @property
    def services(self) -> Services:
        """The services of the application this update or job belongs to."""
        app = self.application
        assert isinstance(app, WalkApplication)
        return app.services


WalkApp = WalkApplication
Callback = Callable[[Update, WalkContext], Coroutine[Any, Any, None]]
