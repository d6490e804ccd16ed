"""The minute job: every minute since the last one it finished, deliver what is due.

The scheduler knows no feature. It is handed its sources by the app factory; each says
what is due in a minute and how to deliver it (runners' nudges, clubs' posts).

A minute's fan-out may outlast the minute (a Sunday of summaries at Telegram's 30
messages a second): the next minute starts on time beside it, and both share the
delivery slots fairly. A minute counts as done once it and every earlier one finished.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from telegram import Bot

from bot.scheduling.index import MINUTE, Due
from bot.storage.atomic import atomic_write_bytes

logger = logging.getLogger("walkcoach.schedule")


class RetryLater(Exception):
    """Raised by a source's deliver: nothing went out, for a reason that passes (an
    outage, a long 429). The item is tried again each minute within the catch-up window."""


class Source(Protocol):
    """Something with scheduled deliveries."""

    name: str  # for log lines: "runners", "clubs"

    def load(self) -> int:
        """Read what is scheduled at start-up (off the event loop); returns how many."""

    def due(self, minute: datetime) -> list[Due]:
        """What is due in the minute ending at `minute` (UTC)."""

    async def deliver(self, bot: Bot, due: Due) -> None:
        """Deliver one due item (and record it, so it never goes out twice)."""

    def close(self) -> None:
        """Persist and release what the source holds (at shutdown)."""


def floor_minute(moment: datetime) -> datetime:
    """The start of the minute."""
    return moment.replace(second=0, microsecond=0)


class Scheduler:
    """Asks every source who is due each minute and delivers, bounded in concurrency."""

    def __init__(
        self,
        sources: Sequence[Source],
        state_path: Path,
        clock: Callable[[], datetime],
        concurrency: int = 32,
        catch_up: timedelta = timedelta(hours=2),
        commit: Callable[[], None] | None = None,
    ) -> None:
        self.sources = tuple(sources)
        # Makes the minute's sent-records durable in one go (they are written without
        # their own fsync); None: every record was durable already.
        self.commit = commit
        self.state_path, self.clock = state_path, clock
        self.catch_up = catch_up
        self.concurrency = concurrency
        # Shared by every minute in flight; each minute queues at most `concurrency`
        # waiters on it, so a later minute's few are served between an earlier one's many.
        self._slots = asyncio.Semaphore(concurrency)
        self._tick_lock = asyncio.Lock()
        self._save_lock = asyncio.Lock()
        self.retry: list[tuple[str, Due]] = []
        self._retrying: list[tuple[str, Due]] = []  # taken off `retry`, not settled yet
        self.last_done = self._load_last_done()
        # A first start's index is being read in the background: ticks wait meanwhile,
        # and the minutes they skip are caught up once it is whole.
        self.loading = False
        self.load_task: asyncio.Task[None] | None = None
        self._started: datetime | None = None  # the last minute whose fan-out began
        self._in_flight: set[datetime] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.failures = 0
        self.dropped = 0  # retries given up at the end of the catch-up window

    def load(self) -> dict[str, int]:
        """Load every source (at start-up); how many items each holds, by source name."""
        return {source.name: source.load() for source in self.sources}

    def close(self) -> None:
        """Close every source (at shutdown)."""
        for source in self.sources:
            source.close()

    def _load_last_done(self) -> datetime | None:
        try:
            state = json.loads(self.state_path.read_bytes())
            last = datetime.fromisoformat(state["last_done"])
        except (FileNotFoundError, ValueError, KeyError):
            return None
        for name, target, slot, minute in state.get("retry", []):
            self.retry.append(
                (str(name), Due(int(target), str(slot), datetime.fromisoformat(minute)))
            )
        return last

    def _save_last_done(self, minute: datetime, delivered: bool = False) -> None:
        if delivered and self.commit is not None:
            self.commit()  # the minute's records first: then the minute counts as done
        self.last_done = minute
        pending = self.retry + self._retrying
        retry = [[name, d.target, d.slot, d.minute.isoformat()] for name, d in pending]
        state = {"last_done": minute.isoformat(), "retry": retry}
        atomic_write_bytes(self.state_path, json.dumps(state).encode())

    def _first_minute(self, now: datetime) -> datetime:
        last = self._started or self.last_done
        if last is None:
            return now
        first = last + MINUTE
        oldest = now - self.catch_up
        if first < oldest:
            logger.warning("scheduler was down; skipping minutes before %s", oldest.isoformat())
            return oldest
        return first

    def begin_loading(self) -> None:
        """The index will be read in the background: hold the ticks (from this minute on,
        nothing is skipped, even on a first start ever)."""
        self.loading = True
        if self.last_done is None:
            self.last_done = floor_minute(self.clock()) - MINUTE

    async def tick(self, bot: Bot, wait: bool = True) -> None:
        """Start every minute up to now not started yet (APScheduler may skip ticks), and
        the retries. wait: until they are all delivered (tests); the minute job does not
        wait, so it ticks on time while a long fan-out goes on."""
        if self.loading:
            return
        started: list[asyncio.Task[None]] = []
        async with self._tick_lock:
            if self._stopping:
                return
            last = floor_minute(self.clock())
            if self.retry:
                started.append(self._spawn(self._retry(bot, last)))
            minute = self._first_minute(last)
            while minute <= last:
                dues = [(source, due) for source in self.sources for due in source.due(minute)]
                self._started = minute
                self._in_flight.add(minute)
                started.append(self._spawn(self._run_minute(bot, minute, dues)))
                minute += MINUTE
        if wait:
            await asyncio.gather(*started)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run_minute(self, bot: Bot, minute: datetime, dues: list[tuple[Source, Due]]) -> None:
        """Deliver a minute's items with at most `concurrency` at a time, then mark it done
        once every earlier minute is done too."""
        todo = iter(dues)
        cut = False

        async def worker() -> None:
            nonlocal cut
            for source, due in todo:  # shared: each item is taken by one worker
                if self._stopping:
                    cut = True
                    return
                await self._guarded(bot, source, due)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(dues)))))
        if cut:
            return  # not done: the next start repeats it, the records skip what went out
        self._in_flight.discard(minute)
        await self._advance(delivered=bool(dues))

    async def _advance(self, delivered: bool) -> None:
        """Save the newest minute such that it and every earlier one are done."""
        async with self._save_lock:
            if self._started is None:
                return
            done = min(self._in_flight) - MINUTE if self._in_flight else self._started
            if self.last_done is not None and done < self.last_done:
                done = self.last_done  # only the retry list changed
            # Recorded only once everything of the minute was handled: a restart mid-way
            # repeats the minute, and the per-target records skip the done ones.
            await asyncio.to_thread(self._save_last_done, done, delivered)

    async def stop(self) -> None:
        """At shutdown: start nothing more, let the deliveries under way finish (a minute
        left unfinished is not marked done: the next start repeats it)."""
        self._stopping = True
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _retry(self, bot: Bot, now: datetime) -> None:
        """Try again what an outage kept from going out, while it is still worth sending."""
        waiting, self.retry = self.retry, []
        self._retrying += waiting
        by_name = {source.name: source for source in self.sources}
        keep = [(by_name[n], d) for n, d in waiting if n in by_name]
        late = [(s, d) for s, d in keep if d.minute < now - self.catch_up]
        for _, due in late:
            logger.warning(
                "gave up: target=%s slot=%s (outage past the catch-up window)", due.target, due.slot
            )
        self.dropped += len(late)
        todo = [(s, d) for s, d in keep if d.minute >= now - self.catch_up]
        try:
            await asyncio.gather(*(self._guarded(bot, s, d) for s, d in todo))
        finally:
            for item in waiting:
                self._retrying.remove(item)
        if self.last_done is not None:  # the retry list is saved with the minute
            await self._advance(delivered=bool(todo))

    async def _guarded(self, bot: Bot, source: Source, due: Due) -> None:
        async with self._slots:
            try:
                await source.deliver(bot, due)
            except RetryLater:
                self.retry.append((source.name, due))
            except Exception:  # one target's failure never stops the others
                logger.exception("delivery failed: target=%s slot=%s", due.target, due.slot)
                self.failures += 1
