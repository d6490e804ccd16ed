"""A simulated Sunday: every runner's weekly summary (its chart drawn in the worker
process) sent through the real bot, over HTTP, to the Bot API stand-in, with the rate
limiter at Telegram's 30 messages a second; meanwhile the minute job keeps ticking.

The fan-out runs in real time. The minutes during it are simulated: the bot's clock is
moved on one minute each time another MESSAGES_PER_MINUTE messages have reached the
stand-in (waiting on the stand-in's record, never on a sleep), and the minute job is
fired as the job queue fires it: as a task, skipped while its previous run is still
going (max_instances=1). One probe runner is due in each of those minutes: its summary
must reach the stand-in before the next simulated minute begins, or the minute is late.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from bot.app import build_application, minute_job
from bot.context import WalkContext
from bot.settings import Settings
from bot.storage import DataDir, UserSettings
from bot.storage.records import UserState, activity_to_doc
from coach_rules import DaySteps
from tests.bench.store_bench import ACTIVITIES, T0, _activity
from tests.botapi_standin import BotApiStandIn
from tests.offline import FAKE_TOKEN

SUNDAY = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)  # 19:00 UTC: the runners' nudge time
TELEGRAM_MSGS_PER_S = 30
MESSAGES_PER_MINUTE = 150  # fan-out messages per simulated minute (5 s at 30 msg/s)


@dataclass(frozen=True)
class Sunday:
    """What the simulation measured."""

    runners: int
    messages: int
    seconds: float  # from the 19:00 tick to the last message at the stand-in
    minutes: int  # simulated minutes during the fan-out
    late: int  # of those, minutes whose probe's message came after the next minute began
    skipped: int  # of those, minutes the job queue skipped (the job's last run not over)
    worst_probe_s: float  # the slowest probe: from its minute's start to its message

    @property
    def floor(self) -> float:
        """Telegram's floor for that many messages."""
        return self.messages / TELEGRAM_MSGS_PER_S


def _runner_file(user_id: int, nudge: str) -> bytes:
    """A runner with a week of activities who met the step goal today: the summary (a
    photo with its caption) is their only message."""
    activities = [_activity(i) for i in range(ACTIVITIES)]
    activities.append(DaySteps(SUNDAY.replace(hour=12), 9000))
    doc = {
        "settings": {"1": UserSettings(user_id, user_id, onboarded=True, nudge=nudge).to_doc()},
        "state": {"1": UserState().to_doc()},
        "activities": {str(i + 1): activity_to_doc(a, T0) for i, a in enumerate(activities)},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def populate(root: Path, runners: int, probes: int) -> list[int]:
    """`runners` due at 19:00 and one probe due at each of 19:01, 19:02, ...; the probes'
    ids, in minute order (setup: written directly, then flushed once)."""
    data = DataDir(root)
    probe_ids = [runners + k for k in range(probes)]
    for user_id in range(runners + probes):
        minute = user_id - runners + 1 if user_id >= runners else 0
        path = data.user_file(user_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_runner_file(user_id, f"19:{minute:02d}"))
        path.with_suffix(".log").touch()
    os.sync()
    return probe_ids


def _sent(standin: BotApiStandIn) -> list[int]:
    """The chats sent a message so far, in order."""
    return [c.chat_id or 0 for c in standin.calls_after(0, 0) if c.method in SENDS]


SENDS = ("sendMessage", "sendPhoto")


async def simulate(root: Path, runners: int) -> Sunday:
    """The Sunday fan-out of `runners` summaries, and the minute job meanwhile."""
    probes = max(1, runners // MESSAGES_PER_MINUTE)
    probe_ids = populate(root, runners, probes)
    total = runners + probes
    loop = asyncio.get_running_loop()
    # The waits on the stand-in block a thread each: not the bot's own worker threads.
    waiting = ThreadPoolExecutor(max_workers=probes + 1)

    async def sent_at_least(count: int) -> None:
        def wait() -> None:
            standin.wait_count(lambda c: c.method in SENDS, count, timeout=300)

        await loop.run_in_executor(waiting, wait)

    def probe_delay(chat: int, since: int, ticked: float) -> float:
        standin.wait_for(lambda c: c.method in SENDS and c.chat_id == chat, since, timeout=300)
        return time.perf_counter() - ticked

    with BotApiStandIn() as standin:
        clock = SimpleNamespace(now=SUNDAY - timedelta(minutes=1))
        settings = Settings(token=FAKE_TOKEN, api_url=standin.url, data_dir=root)
        app = build_application(settings, clock=lambda: clock.now, rate_limiter=True)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        if app.services.scheduler.load_task is not None:
            await app.services.scheduler.load_task  # no snapshot: read in the background
        context = cast(WalkContext, SimpleNamespace(services=app.services, bot=app.bot))
        job: asyncio.Task[None] | None = None
        skipped = 0

        def fire() -> None:
            """The job queue's run of the minute job."""
            nonlocal job, skipped
            if job is not None and not job.done():
                skipped += 1  # max_instances=1: APScheduler skips this run
                return
            job = asyncio.create_task(minute_job(context))

        fire()  # 18:59: nothing due yet
        assert job is not None
        await job
        clock.now = SUNDAY
        started = time.perf_counter()
        fire()
        delays = []
        for k, probe in enumerate(probe_ids):
            await sent_at_least((k + 1) * MESSAGES_PER_MINUTE)
            clock.now = SUNDAY + timedelta(minutes=k + 1)
            mark, moment = standin.mark(), time.perf_counter()
            fire()
            delays.append(loop.run_in_executor(waiting, probe_delay, probe, mark, moment))
        await job  # then the minute after: a skipped minute is caught up there
        clock.now += timedelta(minutes=1)
        fire()
        worst = max(await asyncio.gather(*delays))
        await sent_at_least(total)
        seconds = time.perf_counter() - started
        await job
        sent = _sent(standin)
        await app.services.scheduler.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
    waiting.shutdown()
    if sorted(sent) != list(range(total)):
        raise AssertionError(f"not one message per runner: {len(sent)} for {total} runners")
    minute_s = MESSAGES_PER_MINUTE / TELEGRAM_MSGS_PER_S
    late = sum(1 for d in await asyncio.gather(*delays) if d > minute_s)
    return Sunday(runners, len(sent), seconds, probes, late, skipped, worst)
