"""The minute job: every minute since the last one it finished, send what is due."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.nudges.chart import ChartPool
from bot.nudges.clubs import ClubIndex, deliver_club
from bot.nudges.index import MINUTE, Due, NudgeIndex
from bot.nudges.messages import Planned, mark_blocked, plan, record, with_chart
from bot.runtime import Clock, send_to
from bot.storage import Repository
from bot.storage.atomic import atomic_write_bytes

logger = logging.getLogger("walkcoach.schedule")
Sleep = Callable[[float], Awaitable[None]]


class Outcome(Enum):
    """How one delivery ended."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


def floor_minute(moment: datetime) -> datetime:
    """The start of the minute."""
    return moment.replace(second=0, microsecond=0)


class Scheduler:
    """Finds who is due each minute and delivers, bounded in concurrency and retries."""

    def __init__(
        self,
        repo: Repository,
        index: NudgeIndex,
        state_path: Path,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        concurrency: int = 32,
        retries: int = 3,
        catch_up: timedelta = timedelta(hours=2),
    ) -> None:
        self.repo, self.index, self.clock, self.sleep = repo, index, clock, sleep
        self.state_path = state_path
        self.retries, self.catch_up = retries, catch_up
        self._slots = asyncio.Semaphore(concurrency)
        self._tick_lock = asyncio.Lock()
        self.last_done = self._load_last_done()
        self.club_index: ClubIndex | None = None
        self.charts = ChartPool()
        self.counts: dict[Outcome, int] = dict.fromkeys(Outcome, 0)

    def _load_last_done(self) -> datetime | None:
        try:
            return datetime.fromisoformat(json.loads(self.state_path.read_bytes())["last_done"])
        except (FileNotFoundError, ValueError, KeyError):
            return None

    def _save_last_done(self, minute: datetime) -> None:
        self.last_done = minute
        atomic_write_bytes(self.state_path, json.dumps({"last_done": minute.isoformat()}).encode())

    def _first_minute(self, now: datetime) -> datetime:
        if self.last_done is None:
            return now
        first = self.last_done + MINUTE
        oldest = now - self.catch_up
        if first < oldest:
            logger.warning("scheduler was down; skipping minutes before %s", oldest.isoformat())
            return oldest
        return first

    async def tick(self, bot: Bot) -> None:
        """Handle every minute up to now that is not done yet (APScheduler may skip ticks)."""
        async with self._tick_lock:
            now = floor_minute(self.clock())
            minute = self._first_minute(now)
            while minute <= now:
                dues = self.index.due(minute)
                if self.club_index is not None:
                    dues += self.club_index.due(minute)
                await self._fan_out(bot, dues)
                # Recorded only once every runner of the minute was handled: a restart
                # mid-way repeats the minute, and the per-runner records skip the done ones.
                await asyncio.to_thread(self._save_last_done, minute)
                minute += MINUTE

    async def _fan_out(self, bot: Bot, dues: list[Due]) -> None:
        if dues:
            await asyncio.gather(*(self._deliver_guarded(bot, due) for due in dues))

    async def _deliver_guarded(self, bot: Bot, due: Due) -> None:
        async with self._slots:
            try:
                if due.kind == "club":
                    await deliver_club(self.repo, bot, due)
                else:
                    await self.deliver(bot, due)
            except Exception:  # one runner's failure never stops the others
                logger.exception("delivery failed: user_id=%s kind=%s", due.user_id, due.kind)
                self.counts[Outcome.FAILED] += 1

    async def deliver(self, bot: Bot, due: Due) -> None:
        """Plan, send and record what is due for one runner."""
        planned = await self.repo.transact(due.user_id, lambda tx: plan(tx, due.kind, due.minute))
        for item in planned:
            if item.chart is not None:
                item = with_chart(item, await self.charts.render(item.chart))
            outcome = await self._send(bot, item)
            self.counts[outcome] += 1
            if outcome is Outcome.SENT:
                await self.repo.transact(item.user_id, functools.partial(record, sent=item))
            elif outcome is Outcome.BLOCKED:
                await self.repo.transact(item.user_id, mark_blocked)
                logger.info("blocked by user_id=%s; skipped until they write", item.user_id)
                return
            else:
                return

    async def _send(self, bot: Bot, item: Planned) -> Outcome:
        for attempt in range(self.retries + 1):
            try:
                await send_to(bot, item.chat_id, item.replies)
                return Outcome.SENT
            except Forbidden:
                return Outcome.BLOCKED
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                await self.sleep(seconds)
            except BadRequest as exc:
                logger.warning("not sent: user_id=%s kind=%s: %s", item.user_id, item.kind, exc)
                return Outcome.FAILED
            except NetworkError:
                if attempt < self.retries:
                    await self.sleep(2.0**attempt)
        logger.warning(
            "gave up after %s tries: user_id=%s kind=%s", self.retries + 1, item.user_id, item.kind
        )
        return Outcome.FAILED
