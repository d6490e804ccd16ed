"""The scheduler: start-up index build and memory, cost per due runner, fan-out time."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.app import build_application
from bot.scheduling import IndexJournal, NudgeIndex, RunnerSource
from bot.storage import DataDir, UserStore
from tests.bench.store_bench import populate
from tests.flowkit import FakeClock, settings_for
from tests.offline import FAKE_API, FAKE_TOKEN, Call, RecordingRequest

NUDGE_MINUTE = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # the runners' default: 19:00 UTC
TELEGRAM_MSGS_PER_S = 30


def index_rows(root: Path, sizes: tuple[int, ...]) -> list[tuple[str, ...]]:
    """Rows: runners, first build from files (s), start-up from snapshot (s), index MB."""
    store = UserStore(root)
    data = DataDir(root)
    rows: list[tuple[str, ...]] = []
    made = 0
    for size in sizes:
        populate(store, made, size)
        made = size
        (root / "schedule-snapshot.json").unlink(missing_ok=True)
        started = time.perf_counter()
        # No snapshot: reads every file.
        IndexJournal(data, NudgeIndex()).load(store.schedule_keys)
        rebuild = time.perf_counter() - started
        gc.collect()
        started = time.perf_counter()
        IndexJournal(data, NudgeIndex()).load(store.schedule_keys)
        startup = time.perf_counter() - started
        tracemalloc.start()
        index = NudgeIndex()
        IndexJournal(data, index).load(store.schedule_keys)
        gc.collect()
        memory = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        assert len(index) == size
        rows.append((f"{size:,}", f"{rebuild:.2f}", f"{startup:.2f}", f"{memory:.1f}"))
        del index
    return rows


async def _ptb_send(bot: Bot, call: Call, count: int) -> float:
    """PTB's own cost of one of the tick's messages, offline (the anchor: PTB's send
    alone, the same text and keyboard, the same offline request): seconds per send."""
    markup = call.params["reply_markup"]
    raw: dict[str, Any] = json.loads(markup) if isinstance(markup, str) else markup
    keyboard = InlineKeyboardMarkup.de_json(raw, bot)
    started = time.perf_counter()
    for chat_id in range(count):
        await bot.send_message(chat_id, call.text, reply_markup=keyboard)
    return (time.perf_counter() - started) / count


async def tick_and_anchor(root: Path, due: int) -> tuple[float, float, int]:
    """The tick's seconds per due runner (offline, no rate limiter), PTB's bare send of the
    same message in seconds, and how many were sent."""
    request = RecordingRequest()
    elapsed, _, sent = await _tick(root, due, rate_limiter=False, request=request)
    first = next(c for c in request.calls if c.method == "sendMessage")
    bot = ExtBot(FAKE_TOKEN, base_url=f"{FAKE_API}/bot", request=RecordingRequest())
    async with bot:
        await _ptb_send(bot, first, 200)  # warm
        floor = await _ptb_send(bot, first, min(due, 2_000))
    return elapsed / sent, floor, sent


async def _tick(
    root: Path, due: int, rate_limiter: bool, request: RecordingRequest | None = None
) -> tuple[float, float, int]:
    store = UserStore(root)
    populate(store, 0, due)
    os.sync()  # the setup's files on disk first: their flush is not the tick's work
    clock = FakeClock(NUDGE_MINUTE)
    request = request or RecordingRequest()
    app = build_application(
        settings_for(root), request=request, clock=clock, rate_limiter=rate_limiter
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    scheduler = app.services.scheduler
    if scheduler.load_task is not None:
        await scheduler.load_task  # no snapshot: the index is read in the background
    scheduler.last_done = NUDGE_MINUTE.replace(minute=58, hour=18)
    runners = next(s for s in scheduler.sources if isinstance(s, RunnerSource))
    started = time.perf_counter()
    found = len(runners.index.due(NUDGE_MINUTE))
    lookup = time.perf_counter() - started
    started = time.perf_counter()
    await scheduler.tick(app.bot)
    elapsed = time.perf_counter() - started
    await app.shutdown()
    sent = sum(1 for c in request.calls if c.method == "sendMessage")
    assert found == sent == due
    return elapsed, lookup, sent


def _row(what: str, sent: int, seconds: float, rate: str) -> tuple[str, ...]:
    return (what, f"{sent:,}", f"{seconds:.3f}", f"{seconds / sent * 1000:.3f}", rate)


def fanout_rows(root: Path, due: int, limited: int) -> list[tuple[str, ...]]:
    """Rows: what, runners due, seconds, ms per runner, msgs/s."""
    elapsed, lookup, sent = asyncio.run(_tick(root / "fast", due, rate_limiter=False))
    rows = [
        _row("index lookup: who is due", sent, lookup, "-"),
        _row("per runner: plan, send offline, record", sent, elapsed, f"{sent / elapsed:.0f}"),
    ]
    elapsed, _, sent = asyncio.run(_tick(root / "limited", limited, rate_limiter=True))
    rows.append(_row("with PTB's AIORateLimiter", sent, elapsed, f"{sent / elapsed:.1f}"))
    floor = due / TELEGRAM_MSGS_PER_S
    rows.append(_row(f"Telegram floor, {TELEGRAM_MSGS_PER_S} msg/s", due, floor, "30"))
    return rows
