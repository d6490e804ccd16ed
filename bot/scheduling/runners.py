"""Runners' scheduled messages: who is due (the nudge index), planned by the features.

The features hand in planners (the daily nudge, the weekly summary, the morning
follow-up); this source asks them inside the runner's transaction, sends what they
planned, and records it so a restart skips no message; it repeats one only when a kill
cut it off after its request went out and before its record.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from telegram import Bot

from bot.replies import Reply
from bot.scheduling.batch import Batcher
from bot.scheduling.delivery import Delivery, Outcome
from bot.scheduling.index import Due, NudgeIndex, Slot
from bot.scheduling.journal import IndexJournal
from bot.scheduling.scheduler import RetryLater
from bot.scheduling.sentlog import SentLog
from bot.storage import Repository, UserSettings, UserState, UserTx
from bot.timezones import local_now

logger = logging.getLogger("walkcoach.schedule")
# Requests to Telegram at once. A kill while a request is out may double its message
# (Telegram may have it; nothing here can know), so no more are out than the rate needs:
# 30 msg/s at up to ~250 ms a round trip. With the 32 delivery slots' sends all out at
# once, a kill at the start of a fan-out doubled up to 32.
SENDS_IN_FLIGHT = 8


@dataclass(frozen=True)
class Planned:
    """A message about to go out to a runner, and what to remember once it did."""

    user_id: int
    chat_id: int
    kind: str  # the sent-record it is kept under: one per kind and local day
    local_date: date
    replies: tuple[Reply, ...]
    # Changes to the runner's state once it went out (besides the sent date).
    on_sent: Callable[[UserState], None] | None = None
    # Work done after the runner's transaction, before sending (drawing a chart).
    prepare: Callable[[Planned], Awaitable[Planned]] | None = None


class Planner(Protocol):
    """A feature's scheduled message for one runner."""

    slot: Slot
    kind: str

    def plan(
        self, tx: UserTx, settings: UserSettings, state: UserState, now: datetime
    ) -> Planned | None:
        """The message due now (`now` in the runner's zone), or None."""

    def close(self) -> None:
        """Release what the planner holds (at shutdown)."""


def _paused(settings: UserSettings, day: date) -> bool:
    until = settings.nudge_paused_until
    return until is not None and day <= until


def _mark_blocked(tx: UserTx) -> None:
    settings = tx.settings()
    if settings is not None and not settings.blocked:
        settings.blocked = True
        tx.put_settings(settings)


def sending_key(kind: str) -> str:
    """Where an older version noted, in the runner's state, that a send of `kind` was
    about to go out (the sent log notes it now: a runner's file is not written before a
    send). Still read, so an upgrade mid-fan-out loses and doubles nothing."""
    return f"sending:{kind}"


def _record(tx: UserTx, item: Planned) -> None:
    state = tx.state()
    state.sent[item.kind] = item.local_date
    state.sent.pop(sending_key(item.kind), None)
    if item.on_sent is not None:
        item.on_sent(state)
    tx.put_state(state)


class RunnerSource:
    """The scheduler's source for runners: the nudge index, and the features' planners."""

    name = "runners"

    def __init__(
        self,
        repo: Repository,
        index: NudgeIndex,
        journal: IndexJournal,
        planners: Sequence[Planner],
        delivery: Delivery,
    ) -> None:
        self.repo, self.index, self.journal = repo, index, journal
        self.planners, self.delivery = tuple(planners), delivery
        # Sends a restart found unfinished and planned again (each may be a double), and
        # those it found had gone out (the sent log named them): recorded, not resent.
        self.resent = 0
        self.recovered = 0
        self.sent_log = SentLog(journal.data.nudges_sent)
        journal.on_gone.append(self.sent_log.forget)
        self._in_flight = asyncio.Semaphore(SENDS_IN_FLIGHT)
        self._plans = Batcher(self._plan_batch)
        self._records = Batcher(self._record_batch)

    def load(self) -> int:
        """The index from its snapshot and journal (every runner's file on a first start),
        and what the last run sent."""
        self.sent_log.open()
        return self.journal.load(self.repo.store.schedule_keys)

    def due(self, minute: datetime) -> list[Due]:
        """Runners whose nudge time or morning follow-up falls in this minute."""
        return self.index.due(minute)

    def close(self) -> None:
        """Snapshot the index; release the planners."""
        self.journal.close()
        self.sent_log.close()
        for planner in self.planners:
            planner.close()

    def plan(self, tx: UserTx, slot: str, minute: datetime) -> list[Planned]:
        """What is due for this runner in this slot (none if sent, paused or off)."""
        settings = tx.settings()
        if settings is None or settings.blocked:
            return []
        now = local_now(minute, settings.timezone)
        if slot == Slot.DAILY and (settings.nudge is None or _paused(settings, now.date())):
            return []
        state = tx.state()
        planned = []
        log, user_id, today = self.sent_log, settings.user_id, now.date()
        for planner in self.planners:
            if planner.slot != slot or state.sent.get(planner.kind) == today:
                continue
            old_note = state.sent.pop(sending_key(planner.kind), None)
            if old_note is not None:
                tx.put_state(state)  # an older version's note: the sent log keeps it now
            if log.has(user_id, planner.kind, today):
                # A run died after Telegram answered and before the record: it went out.
                # Recorded now (with what it changes), not sent again.
                item = planner.plan(tx, settings, state, now)
                state.sent[planner.kind] = now.date()
                if item is not None and item.on_sent is not None:
                    item.on_sent(state)
                tx.put_state(state)
                self.recovered += 1
                continue
            if old_note == today or log.was_sending(user_id, planner.kind, today):
                # A run died between the plan and Telegram's answer: the message may or
                # may not have gone out. Planned again: never lost; doubled only when the
                # kill fell after the request left and before the sent log's line (the
                # one window, counted).
                logger.warning(
                    "a restart found a send unfinished, sent again: user_id=%s kind=%s",
                    settings.user_id,
                    planner.kind,
                )
                self.resent += 1
            item = planner.plan(tx, settings, state, now)
            if item is not None:
                planned.append(item)
        return planned

    async def _plan_batch(self, dues: list[Due]) -> list[list[Planned] | Exception | None]:
        work = [(d.target, functools.partial(self._plan_one, due=d)) for d in dues]
        plans = await self.repo.transact_each(work, durable=False)
        sending = [
            (item.user_id, item.kind, item.local_date)
            for plan in plans
            if isinstance(plan, list)
            for item in plan
        ]
        if sending:
            # Before any send, one durable commit for the batch: what the plans wrote
            # (a recovered record, an older note cleared) and the "sending" lines.
            await asyncio.to_thread(self._commit_sending, sending)
        return plans

    def _commit_sending(self, sending: list[tuple[int, str, date]]) -> None:
        self.repo.sync()
        self.sent_log.sending(sending)

    def _plan_one(self, tx: UserTx, due: Due) -> list[Planned]:
        return self.plan(tx, due.slot, due.minute)

    async def _record_batch(self, items: list[Planned]) -> list[Exception | None]:
        # Not fsynced here: the scheduler commits the minute's records in one go before
        # it marks the minute done (a kill -9 meanwhile keeps them: they are in the kernel).
        work = [(i.user_id, functools.partial(_record, item=i)) for i in items]
        return await self.repo.transact_each(work, durable=False)

    async def deliver(self, bot: Bot, due: Due) -> None:
        """Plan, send and record what is due for one runner. Raises RetryLater when an
        item surely did not go out for a reason that passes (an outage, a long 429).
        The runners delivered at the same time are planned and recorded in batches."""
        planned = await self._plans(due)
        # None: the runner deleted their data (/delete wins: nothing is recreated).
        for index, item in enumerate(planned or []):
            try:
                async with self._in_flight:
                    outcome = await self._send(bot, item)
            except Exception:
                # A failure before the request (drawing the chart, a bug): nothing went
                # out, so the notes must not make it count as maybe-sent.
                await self._release(planned or [], index)
                raise
            if outcome in (Outcome.SENT, Outcome.UNKNOWN):
                # Noted at once (the record waits for its batch): a kill from here on
                # never sends it again.
                self.sent_log.note(item.user_id, item.kind, item.local_date)
                await self._records(item)
                continue
            await self._release(planned or [], index)
            if outcome is Outcome.BLOCKED:
                await self.repo.transact_existing(item.user_id, _mark_blocked)
                logger.info("blocked by user_id=%s; skipped until they write", item.user_id)
            if outcome is Outcome.RETRY:
                raise RetryLater(f"user_id={item.user_id} kind={item.kind}")
            return

    async def _send(self, bot: Bot, item: Planned) -> Outcome:
        if item.prepare is not None:
            item = await item.prepare(item)
        what = f"user_id={item.user_id} kind={item.kind}"
        return await self.delivery.send(bot, item.chat_id, item.replies, what)

    async def _release(self, planned: Sequence[Planned], first: int) -> None:
        """Items from `first` on surely did not go out: clear their notes."""
        for left in planned[first:]:
            self.sent_log.release(left.user_id, left.kind, left.local_date)
