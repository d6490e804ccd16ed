"""How updates come in: journaled before Telegram forgets them, handled concurrently
across runners and in order within one.

PTB's Updater confirms a batch of updates to Telegram with the next getUpdates call,
right after the batch was queued (not handled); the bot's get_updates here journals the
batch durably before returning it, so a confirmed update is always on disk.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import BaseUpdateProcessor, ExtBot

from bot.intake import UpdateJournal, clean

logger = logging.getLogger("walkcoach.intake")


class JournalingBot(ExtBot[Any]):
    """The bot, whose getUpdates journals what it returns before anything confirms it."""

    __slots__ = ("journal",)

    def __init__(self, journal: UpdateJournal, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        with self._unfrozen():
            self.journal = journal

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Telegram's updates, journaled; an update already journaled is not returned
        twice (Telegram redelivers what a killed run had not confirmed)."""
        updates = await super().get_updates(*args, **kwargs)
        if not updates:
            return updates
        raws = [clean(u.to_dict()) for u in updates]
        try:
            fresh = set(await asyncio.to_thread(self.journal.receive, raws))
        except OSError as exc:
            # Not journaled, so not confirmed: the Updater's network retry loop backs off
            # and asks again (the same updates come back).
            logger.error("could not journal %s updates: %s", len(updates), exc.strerror)
            raise NetworkError(f"update journal not writable: {exc.strerror}") from exc
        # Rebuilt from the cleaned JSON: what is handled is what was journaled.
        return tuple(Update.de_json(raw, self) for raw in raws if int(raw["update_id"]) in fresh)


def sequence_key(update: object) -> tuple[str, int] | None:
    """What must be handled in order: one runner (their private chat and their taps),
    one group. None: no order needed."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    return None


class PerRunnerProcessor(BaseUpdateProcessor):
    """Updates of different runners run concurrently; one runner's run one at a time, in
    the order they arrived (asyncio locks are FIFO)."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[tuple[str, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, key: tuple[str, int]) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = sequence_key(update)
        if key is None:
            await coroutine
            return
        async with self._lock(key):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
