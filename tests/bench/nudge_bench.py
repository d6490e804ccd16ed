"""The scheduler: start-up index build and memory, cost per due runner, fan-out time."""

from __future__ import annotations

import asyncio
import gc
import os
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_application
from bot.scheduling import IndexJournal, NudgeIndex, RunnerSource
from bot.storage import DataDir, UserStore
from tests.bench.store_bench import populate
from tests.flowkit import FakeClock, settings_for
from tests.offline import RecordingRequest

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
        IndexJournal(data, NudgeIndex()).load(store.schedule_key_of)
        rebuild = time.perf_counter() - started
        gc.collect()
        started = time.perf_counter()
        IndexJournal(data, NudgeIndex()).load(store.schedule_key_of)
        startup = time.perf_counter() - started
        tracemalloc.start()
        index = NudgeIndex()
        IndexJournal(data, index).load(store.schedule_key_of)
        gc.collect()
        memory = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        assert len(index) == size
        rows.append((f"{size:,}", f"{rebuild:.2f}", f"{startup:.2f}", f"{memory:.1f}"))
        del index
    return rows


async def _tick(root: Path, due: int, rate_limiter: bool) -> tuple[float, float, int]:
    store = UserStore(root)
    populate(store, 0, due)
    os.sync()  # the setup's files on disk first: their flush is not the tick's work
    clock = FakeClock(NUDGE_MINUTE)
    request = RecordingRequest()
    app = build_application(
        settings_for(root), request=request, clock=clock, rate_limiter=rate_limiter
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    scheduler = app.services.scheduler
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
