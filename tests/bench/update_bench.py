"""process_update end to end for a run report: parse, rules, store, reply (recorded offline)."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bot.app import build_application
from tests.flowkit import FakeClock, Runner, default_now, settings_for
from tests.offline import RecordingRequest

REPORTS = ("ran 10k in 52:30", "easy 5 miles 45 min rpe 4", "7400 steps", "walked 45 min 3.2 km")


async def _measure(root: Path, runners: int, per_runner: int) -> list[float]:
    request = RecordingRequest()
    # The bot's own cost: Telegram's 30 msg/s limit is measured with the nudges instead.
    app = build_application(
        settings_for(root), request=request, clock=FakeClock(default_now()), rate_limiter=False
    )
    await app.initialize()
    bots = [Runner(app, request, user_id=1000 + i) for i in range(runners)]
    times: list[float] = []
    for round_ in range(per_runner):
        for bot in bots:
            text = REPORTS[round_ % len(REPORTS)]
            started = time.perf_counter()
            await bot.say(text)
            times.append((time.perf_counter() - started) * 1000)
    await app.shutdown()
    return times


def run(root: Path, runners: int = 50, per_runner: int = 20) -> list[tuple[str, ...]]:
    """Rows: updates, p50 ms, p95 ms, max ms."""
    times = asyncio.run(_measure(root, runners, per_runner))
    return [
        (
            f"{len(times):,}",
            f"{statistics.median(times):.2f}",
            f"{statistics.quantiles(times, n=20)[18]:.2f}",
            f"{max(times):.2f}",
        )
    ]
