"""Scheduled messages with a controllable clock: the minute job is triggered, never slept for."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageColor

from bot.context import Services, WalkApp
from bot.insights.chart import AT_GOAL, BELOW_GOAL, GOAL_LINE, RUN, WALK, render, week_chart
from bot.scheduling import IndexJournal, NudgeIndex, RunnerSource, wall_minutes
from bot.scheduling.batch import Batcher
from bot.storage import DataDir, ScheduleKey
from coach_rules import DaySteps, History, Profile, Run, RunKind, Walk, weekly_figures
from tests.flowkit import (
    FakeClock,
    Runner,
    after_logged,
    crashed_app,
    started_app,
    stopped_app,
    stored,
)
from tests.offline import Call, RecordingRequest

BERLIN, TOKYO, NEW_YORK = "Europe/Berlin", "Asia/Tokyo", "America/New_York"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class World:
    """The app, its offline Bot API, the clock, and the runners."""

    app: Any
    request: RecordingRequest
    clock: FakeClock
    data: Path
    slept: list[float] = field(default_factory=list)

    @property
    def services(self) -> Services:
        services: Services = self.app.services
        return services

    def runner(self, user_id: int) -> Runner:
        return Runner(self.app, self.request, user_id=user_id, first_name=f"R{user_id}")

    async def join(self, user_id: int, zone: str = BERLIN, nudge: str = "19:00") -> Runner:
        bot = self.runner(user_id)
        await bot.say("/start")
        await bot.press("km")
        await bot.say(zone)
        await bot.press("Skip")  # step goal
        await bot.say(nudge)
        await bot.press("Skip")  # weight
        return bot

    async def at(self, moment: datetime) -> list[Call]:
        """Move the clock and run the minute job; returns what was sent."""
        self.clock.now = moment
        before = len(self.request.calls)
        await self.services.scheduler.tick(self.app.bot)
        return [c for c in self.request.calls[before:] if c.method.startswith("send")]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    # Without PTB's limiter, so the scheduler's own 429 and network handling is what runs.
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    app, request = await started_app(tmp_path, clock, rate_limiter=False, sleep=fake_sleep)
    w = World(app, request, clock, tmp_path, slept)
    await w.at(clock.now)  # the scheduler starts counting here
    try:
        yield w
    finally:
        await stopped_app(app)


def to(calls: list[Call], chat: int) -> list[Call]:
    return [c for c in calls if int(c.params["chat_id"]) == chat]


async def test_daily_nudge_numbers_and_once_only(world: World) -> None:
    bot = await world.join(1)
    await bot.say("5200 steps")
    assert await world.at(utc(2026, 11, 26, 17, 59)) == []
    sent = await world.at(utc(2026, 11, 26, 18, 0))  # 19:00 in Berlin
    assert len(sent) == 1
    lines = sent[0].text.splitlines()
    assert lines[0] == "Check-in: 5,200 of your 8,000 steps today."
    assert lines[1] == (
        "2,800 steps to your 8,000: 28 min of brisk walking (100 steps/min) closes the gap."
    )
    assert lines[2] == "Brisk is 9:19-14:55 min/km."
    assert lines[3].startswith("Tip: ")
    assert [label for label, _ in sent[0].buttons[0]] == [
        "Pause 3 days",
        "Pause a week",
        "Nudges off",
    ]
    assert await world.at(utc(2026, 11, 26, 18, 0, 30)) == []
    assert await world.at(utc(2026, 11, 26, 18, 5)) == []
    assert stored(world.data, 1)[1].sent["daily"] == date(2026, 11, 26)


async def test_mile_runner_gets_brisk_pace_in_miles(world: World) -> None:
    bot = await world.join(2)
    await bot.say("/units mi")
    await bot.say("7000 steps")
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert "Brisk is 15:00-24:00 min/mi." in sent[0].text
    assert "1,000 steps to your 8,000: 10 min of brisk walking" in sent[0].text


async def test_goal_met_means_no_nudge(world: World) -> None:
    bot = await world.join(1)
    await bot.say("8000 steps")
    assert await world.at(utc(2026, 11, 26, 18, 0)) == []


async def test_no_steps_logged_asks_and_a_number_answers(world: World) -> None:
    bot = await world.join(1)
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert sent[0].text.startswith("Check-in: how many steps so far today?")
    reply = await bot.reply("6400")
    assert after_logged(reply).startswith("1,600 steps to your 8,000: 16 min of brisk walking")
    assert stored(world.data, 1)[2][-1]["steps"] == 6400


async def test_each_time_zone_fires_at_its_own_local_time(world: World) -> None:
    await world.join(1, BERLIN)
    await world.join(2, TOKYO)
    await world.join(3, NEW_YORK)
    tokyo = await world.at(utc(2026, 11, 26, 10, 0))  # 19:00 JST
    assert [int(c.params["chat_id"]) for c in tokyo] == [2]
    assert await world.at(utc(2026, 11, 26, 17, 0)) == []
    berlin = await world.at(utc(2026, 11, 26, 18, 0))  # 19:00 CET
    assert [int(c.params["chat_id"]) for c in berlin] == [1]
    new_york = await world.at(utc(2026, 11, 27, 0, 0))  # 19:00 EST
    assert [int(c.params["chat_id"]) for c in new_york] == [3]


async def test_catch_up_after_a_late_tick(world: World) -> None:
    await world.join(1)
    # APScheduler skipped ticks: the next one handles every minute since the last.
    sent = await world.at(utc(2026, 11, 26, 18, 7))
    assert len(to(sent, 1)) == 1


async def test_spring_forward_never_skips(world: World) -> None:
    # Berlin, Sunday 28 March 2027: 02:00 CET jumps to 03:00 CEST; 02:30 never exists.
    await world.join(1, BERLIN, "02:30")
    await world.join(2, BERLIN, "19:00")
    await world.at(utc(2027, 3, 28, 0, 0))
    assert await world.at(utc(2027, 3, 28, 0, 59)) == []  # 01:59 CET
    jumped = await world.at(utc(2027, 3, 28, 1, 0))  # 03:00 CEST
    # The daily nudge, and (a Sunday) the weekly summary, once each.
    assert [(c.method, int(c.params["chat_id"])) for c in jumped] == [
        ("sendMessage", 1),
        ("sendPhoto", 1),
    ]
    assert await world.at(utc(2027, 3, 28, 1, 30)) == []
    evening = await world.at(utc(2027, 3, 28, 17, 0))  # 19:00 CEST
    assert [int(c.params["chat_id"]) for c in evening] == [2, 2]


async def test_fall_back_never_doubles(world: World) -> None:
    # Berlin, Sunday 31 October 2027: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    await world.join(1, BERLIN, "02:30")
    await world.at(utc(2027, 10, 31, 0, 0))
    first = await world.at(utc(2027, 10, 31, 0, 30))  # 02:30 CEST
    assert [c.method for c in first] == ["sendMessage", "sendPhoto"]
    again = await world.at(utc(2027, 10, 31, 1, 40))  # through 02:30 CET
    assert again == []
    next_day = await world.at(utc(2027, 11, 1, 1, 30))  # 02:30 CET
    assert [c.method for c in next_day] == ["sendMessage"]


def test_wall_minutes_across_transitions() -> None:
    gap = wall_minutes(utc(2027, 3, 28, 0, 59), utc(2027, 3, 28, 1, 0), BERLIN)
    assert gap[0] == "02:00" and gap[-1] == "03:00" and len(gap) == 61
    assert wall_minutes(utc(2027, 10, 31, 0, 59), utc(2027, 10, 31, 1, 0), BERLIN) == ["02:00"]
    assert wall_minutes(utc(2026, 11, 26, 17, 59), utc(2026, 11, 26, 18, 0), BERLIN) == ["19:00"]


async def test_blocked_runner_is_skipped_until_they_write(world: World) -> None:
    bot = await world.join(1)
    await world.join(2)
    world.request.block(1)
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert sorted(int(c.params["chat_id"]) for c in sent) == [1, 2]  # 1 was tried: 403
    assert stored(world.data, 1)[0].blocked is True
    assert "daily" not in stored(world.data, 1)[1].sent
    nothing = await world.at(utc(2026, 11, 27, 18, 0))
    assert [int(c.params["chat_id"]) for c in nothing] == [2]
    world.request.failures.pop(1)
    await bot.say("7000 steps")  # talking again unblocks
    assert stored(world.data, 1)[0].blocked is False
    back = await world.at(utc(2026, 11, 28, 18, 0))
    assert sorted(int(c.params["chat_id"]) for c in back) == [1, 2]


async def test_short_retry_after_is_waited_out(world: World) -> None:
    await world.join(1)
    world.request.failures[1] = [
        (429, {"description": "Too Many Requests: retry after 3", "parameters": {"retry_after": 3}})
    ]
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert len(sent) == 2  # the refused try, then the real one
    assert world.slept == [3.0]
    assert stored(world.data, 1)[1].sent["daily"] == date(2026, 11, 26)


async def test_long_retry_after_is_retried_next_minute_without_stalling_others(
    world: World,
) -> None:
    await world.join(1)
    await world.join(2)
    world.request.failures[1] = [
        (
            429,
            {"description": "Too Many Requests: retry after 60", "parameters": {"retry_after": 60}},
        )
    ]
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert sorted(int(c.params["chat_id"]) for c in sent) == [1, 2]  # 1 refused, 2 sent
    assert world.slept == []  # nobody waited a minute in the tick
    assert "daily" not in stored(world.data, 1)[1].sent
    again = await world.at(utc(2026, 11, 26, 18, 1))
    assert [int(c.params["chat_id"]) for c in again] == [1]
    assert stored(world.data, 1)[1].sent["daily"] == date(2026, 11, 26)


async def test_network_errors_are_retried_then_given_up(world: World) -> None:
    await world.join(1)
    await world.join(2)
    world.request.network_errors[1] = 2
    world.request.network_errors[2] = 99
    await world.at(utc(2026, 11, 26, 18, 0))
    assert stored(world.data, 1)[1].sent["daily"] == date(2026, 11, 26)
    assert "daily" not in stored(world.data, 2)[1].sent
    # runner 1: two failures then success; runner 2: gives up after 4 tries
    assert sorted(world.slept) == [1.0, 1.0, 2.0, 2.0, 4.0]


async def test_one_failure_never_stops_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for uid in (1, 2, 3):
        await world.join(uid)
    from bot.nudges.daily import DailyNudge

    real = DailyNudge.plan

    def broken_for_two(self: DailyNudge, tx: Any, settings: Any, state: Any, now: datetime) -> Any:
        if settings.user_id == 2:
            raise RuntimeError("corrupt data for one runner")
        return real(self, tx, settings, state, now)

    monkeypatch.setattr(DailyNudge, "plan", broken_for_two)
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    assert sorted(int(c.params["chat_id"]) for c in sent) == [1, 3]


class GatedRequest(RecordingRequest):
    """Lets `allowed` messages through, then hangs, like a process about to die: before
    the next message's request, or (`deliver_first`) after it was delivered."""

    def __init__(self, allowed: int, deliver_first: bool = False) -> None:
        super().__init__()
        self.allowed, self.deliver_first = allowed, deliver_first
        self.reached = asyncio.Event()

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            if self.allowed == 0:
                if self.deliver_first:
                    await super().do_request(url, method, request_data, *a, **k)
                self.reached.set()
                await asyncio.Event().wait()
            self.allowed -= 1
        return await super().do_request(url, method, request_data, *a, **k)


@pytest.mark.parametrize("delivered", [False, True], ids=["before-request", "after-request"])
async def test_restart_in_the_middle_of_a_fan_out(tmp_path: Path, delivered: bool) -> None:
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    gated = GatedRequest(allowed=10**6, deliver_first=delivered)
    app, _ = await started_app(tmp_path, clock, request=gated, rate_limiter=False)
    scheduler = app.services.scheduler
    for uid in range(1, 6):
        bot = Runner(app, gated, user_id=uid)
        await bot.say("/start")
        await bot.say("/cancel")
    await scheduler.tick(app.bot)
    scheduler._slots = asyncio.Semaphore(1)  # one at a time, so the cut is clean
    gated.allowed = 2
    before = len(gated.calls)
    clock.now = utc(2026, 11, 26, 19, 0)  # 19:00 in UTC, the default zone
    task = asyncio.create_task(scheduler.tick(app.bot))
    await asyncio.wait_for(gated.reached.wait(), timeout=10)
    task.cancel()  # the process dies here: runner 3's send in flight
    with contextlib.suppress(asyncio.CancelledError):
        await task
    first = [int(c.params["chat_id"]) for c in gated.calls[before:] if c.method == "sendMessage"]
    await crashed_app(app)

    clock.now = utc(2026, 11, 26, 19, 1)
    app2, request2 = await started_app(tmp_path, clock, rate_limiter=False)
    await app2.services.scheduler.tick(app2.bot)
    second = [int(c.params["chat_id"]) for c in request2.calls if c.method == "sendMessage"]
    # None lost: runner 3's send, unfinished at the kill, is sent again. It is doubled
    # only when the kill fell after its request went out (the one window), and counted.
    assert first == ([1, 2, 3] if delivered else [1, 2])
    assert sorted(first + second) == ([1, 2, 3, 3, 4, 5] if delivered else [1, 2, 3, 4, 5])
    runners = app2.services.scheduler.sources[0]
    assert isinstance(runners, RunnerSource)
    assert runners.resent == 1
    for uid in range(1, 6):
        state = stored(tmp_path, uid)[1]
        assert state.sent["daily"] == date(2026, 11, 26)
        assert not runners.sent_log.was_sending(uid, "daily", date(2026, 11, 26))
    await stopped_app(app2)


class HeldFor(RecordingRequest):
    """Holds the messages to one chat until released (a fan-out that outlasts its
    minute); notes every chat a message reached."""

    def __init__(self, held: int) -> None:
        super().__init__()
        self.held, self.armed = held, False
        self.holding, self.release = asyncio.Event(), asyncio.Event()
        self.reached: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        chat = int(request_data.parameters.get("chat_id", 0)) if request_data else 0
        sending = url.endswith("/sendMessage")
        if sending and chat == self.held and self.armed:
            self.holding.set()
            await self.release.wait()
        result = await super().do_request(url, method, request_data, *a, **k)
        if sending:
            self.reached[chat].set()
        return result


async def test_a_fan_out_that_outlasts_its_minute_does_not_hold_the_next(
    tmp_path: Path,
) -> None:
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    request = HeldFor(1)
    app, _ = await started_app(tmp_path, clock, request=request, rate_limiter=False)
    scheduler = app.services.scheduler
    for uid in (1, 2):
        runner = Runner(app, request, user_id=uid)
        await runner.say("/start")
        await runner.say("/cancel")
    await Runner(app, request, user_id=2).say("/nudge 19:01")
    clock.now = utc(2026, 11, 26, 18, 59)
    await scheduler.tick(app.bot)
    state = DataDir(tmp_path).scheduler_state

    def last_done() -> str:
        return str(json.loads(state.read_bytes())["last_done"])

    request.armed = True
    clock.now = utc(2026, 11, 26, 19, 0)
    await scheduler.tick(app.bot, wait=False)  # as the minute job does
    await asyncio.wait_for(request.holding.wait(), timeout=10)  # 19:00's send hangs
    clock.now = utc(2026, 11, 26, 19, 1)
    await scheduler.tick(app.bot, wait=False)
    # 19:01's runner is nudged while 19:00's fan-out is still going on...
    await asyncio.wait_for(request.reached[2].wait(), timeout=10)
    # ...and neither minute counts as done before 19:00 is: a restart would repeat both.
    assert last_done() == "2026-11-26T18:59:00+00:00"
    request.release.set()
    await scheduler.stop()  # lets the deliveries under way finish
    assert last_done() == "2026-11-26T19:01:00+00:00"
    nudged = [c.chat_id or 0 for c in request.calls if "Check-in" in c.text]
    assert sorted(nudged) == [1, 2]
    await stopped_app(app)


async def test_long_run_follow_up_next_morning(world: World) -> None:
    bot = await world.join(1)
    world.clock.now = utc(2026, 11, 26, 10, 0)
    await bot.say("long run 30 km 2:50:00")
    assert stored(world.data, 1)[1].followup_on == date(2026, 11, 27)
    await world.at(utc(2026, 11, 26, 10, 0))
    sent = await world.at(utc(2026, 11, 27, 7, 0))  # 08:00 in Berlin
    assert len(sent) == 1
    assert sent[0].text == "Morning! How do your legs feel after yesterday's long run?"
    assert sent[0].button("Sore") == "fu:sore"
    assert await world.at(utc(2026, 11, 28, 7, 0)) == []
    answer = await bot.press("Sore", sent)
    assert answer[-1].text.startswith(
        "Make your next easy run a walk: 30 min (same time on your feet)"
        " or 90 min (3 min of walking per running minute)."
    )
    # The question lost its buttons once answered: a quick second tap on the same message.
    fresh = await bot.press("Fresh", sent)
    assert fresh[-1].text.startswith("Great: legs that bounce back")


async def test_follow_up_swap_uses_the_runners_usual_easy_run(world: World) -> None:
    bot = await world.join(1)
    world.clock.now = utc(2026, 11, 24, 10, 0)
    await bot.say("easy 8 km 40 min")
    world.clock.now = utc(2026, 11, 26, 10, 0)
    await bot.say("long run 30 km 2:50:00")
    await world.at(utc(2026, 11, 26, 10, 0))
    assert len(await world.at(utc(2026, 11, 27, 7, 0))) == 1  # the morning question
    answer = await bot.press("Sore")
    # 40 min the same time on feet; 3:1 would be 120, capped at 90.
    assert "40 min (same time on your feet) or up to 90 min" in answer[-1].text


async def test_weekly_summary_on_sunday_with_chart(world: World) -> None:
    bot = await world.join(1)
    world.clock.now = utc(2026, 11, 29, 9, 0)  # Sunday
    await bot.say("ran 10 km 50:00")
    await bot.say("walked 45 min 3.2 km")
    await bot.say("6000 steps")
    await world.at(utc(2026, 11, 29, 9, 0))
    sent = await world.at(utc(2026, 11, 29, 18, 0))
    assert [c.method for c in sent] == ["sendMessage", "sendPhoto"]
    summary = sent[1]
    assert summary.files["photo"][1].startswith(b"\x89PNG")
    lines = summary.text.splitlines()
    assert lines[0] == "Your week, Mon 23 Nov - Sun 29 Nov"
    assert lines[1] == "Running: 50 min"
    assert lines[2] == "Walking: 45 min: 45 brisk"
    assert lines[3] == "Moderate-equivalent: 145 of 150 min (running counts double)"
    assert lines[4] == "Days at 8,000+ steps: 0 of 7 (1 with a count logged)"
    assert lines[5].startswith("Load: not enough history yet")
    assert lines[6] == (
        "Impact: 4,500 walking steps, each landing with about 52% less force than a running step."
    )
    assert lines[-1] == (
        "145 of 150 moderate-equivalent minutes this week: 5 min of brisk walking gets you there."
    )
    assert await world.at(utc(2026, 11, 30, 18, 0)) != []  # Monday: a daily nudge only
    assert all(c.method == "sendMessage" for c in await world.at(utc(2026, 12, 1, 18, 0)))


def test_chart_has_a_bar_per_day_and_the_goal_line() -> None:
    now = utc(2026, 11, 29, 12, 0)
    history = History.of(
        [
            DaySteps(now, 9000),
            DaySteps(now - timedelta(days=2), 5000),
            Run(now - timedelta(days=1), 10_000, 3000, RunKind.EASY),
            Walk(now, 2700, 3200),
        ]
    )
    chart = week_chart(weekly_figures(history, Profile(step_goal=10000), now.date()))
    assert chart.steps == (0, 0, 0, 0, 5000, 0, 9000)
    assert chart.goal == 10000 and chart.title == "Steps vs your 10,000 goal"
    assert chart.run_minutes == (0, 0, 0, 0, 0, 50, 0)
    assert chart.walk_minutes == (0, 0, 0, 0, 0, 0, 45)
    assert chart.labels == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    image = Image.open(io.BytesIO(render(chart)))
    assert image.format == "PNG" and image.size == (480, 336)
    colours = {colour for _, colour in image.convert("RGB").getcolors(maxcolors=100_000) or []}
    # The goal line, the two steps bars (below the goal: grey), a run and a walk bar.
    for hex_colour in (GOAL_LINE, BELOW_GOAL, RUN, WALK):
        assert ImageColor.getrgb(hex_colour) in colours
    assert ImageColor.getrgb(AT_GOAL) not in colours  # no day reached the goal


async def test_pause_from_the_nudge_and_nudge_on_off(world: World) -> None:
    bot = await world.join(1)
    sent = await world.at(utc(2026, 11, 26, 18, 0))
    reply = await bot.press("Pause 3 days", sent)
    assert reply[-1].text.startswith("Paused: no nudges until Sun 29 Nov is over.")
    for day in (27, 28, 29):
        assert await world.at(utc(2026, 11, day, 18, 0)) == []
    assert len(await world.at(utc(2026, 11, 30, 18, 0))) == 1
    assert (await bot.reply("/nudge off")).startswith("Nudges are off.")
    assert await world.at(utc(2026, 12, 1, 18, 0)) == []
    assert (await bot.reply("/nudge 20:30")).startswith("Nudge time: 20:30")
    assert await world.at(utc(2026, 12, 2, 18, 0)) == []
    assert len(await world.at(utc(2026, 12, 2, 19, 30))) == 1
    off = await bot.press("Nudges off")
    assert off[-1].text.startswith("Nudges are off.")
    assert await world.at(utc(2026, 12, 3, 19, 30)) == []


async def test_tips_rotate_between_nudges(world: World) -> None:
    await world.join(1)
    first = await world.at(utc(2026, 11, 26, 18, 0))
    second = await world.at(utc(2026, 11, 27, 18, 0))

    def tip(call: Call) -> str:
        return call.text.splitlines()[-1]

    assert tip(first[0]).startswith("Tip: ") and tip(first[0]) != tip(second[0])


async def test_delete_removes_from_the_schedule(world: World) -> None:
    bot = await world.join(1)
    await bot.say("/delete")
    await bot.press("Yes, delete everything")
    assert await world.at(utc(2026, 11, 26, 18, 0)) == []


async def test_index_survives_restart_with_and_without_a_clean_stop(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock)
    for uid, zone in ((1, BERLIN), (2, TOKYO)):
        bot = Runner(app, request, user_id=uid)
        await bot.say("/start")
        await bot.say(f"/timezone {zone}")
    await stopped_app(app)  # clean: snapshot written
    app, request = await started_app(tmp_path, clock)
    await Runner(app, request, user_id=3).say("/start")
    await Runner(app, request, user_id=1).say("/nudge 21:00")
    await crashed_app(app)  # no snapshot: like kill -9, the journal has the changes
    assert (tmp_path / "schedule-journal.txt").read_text().split() != []
    app, request = await started_app(tmp_path, clock)
    runners = next(s for s in app.services.scheduler.sources if isinstance(s, RunnerSource))
    keys = dict(runners.index.items())
    assert sorted(keys) == [1, 2, 3]
    assert (keys[1].timezone, keys[1].nudge) == (BERLIN, "21:00")
    assert (keys[2].timezone, keys[3].nudge) == (TOKYO, "19:00")
    await stopped_app(app)


def test_the_snapshot_is_columns_and_the_old_rows_still_read(tmp_path: Path) -> None:
    data = DataDir(tmp_path)
    index = NudgeIndex()
    index.put(1, ScheduleKey(BERLIN, "07:30", False, "2026-11-27"))
    index.put(2, ScheduleKey(TOKYO, None, False, None))
    journal = IndexJournal(data, index)
    journal.save_snapshot()
    assert json.loads(data.schedule_snapshot.read_bytes())["v"] == 2
    before = mtime = data.schedule_snapshot.stat().st_mtime_ns
    fresh = NudgeIndex()
    IndexJournal(data, fresh).load(lambda ids: [(uid, None) for uid in ids])
    assert dict(fresh.items()) == dict(index.items())
    # Nothing journalled: a start does not rewrite the snapshot.
    assert data.schedule_snapshot.stat().st_mtime_ns == mtime == before
    rows = {"1": [BERLIN, "07:30", False, "2026-11-27"], "2": [TOKYO, None, False, None]}
    data.schedule_snapshot.write_text(json.dumps(rows))
    old = NudgeIndex()
    IndexJournal(data, old).load(lambda ids: [(uid, None) for uid in ids])
    assert dict(old.items()) == dict(index.items())


async def test_a_long_first_read_answers_runners_and_catches_the_nudges_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No snapshot and a slow read of every runner's file (100,000 of them take tens of
    seconds): the bot answers meanwhile, nudges wait, and the minutes missed catch up."""
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    world = World(app, request, clock, tmp_path)
    await world.at(clock.now)
    await world.join(1, zone="UTC", nudge="12:00")
    await crashed_app(app)
    DataDir(tmp_path).schedule_snapshot.unlink(missing_ok=True)  # as after a restore

    release = threading.Event()
    real_load = RunnerSource.load

    def slow_load(source: RunnerSource) -> int:
        release.wait(timeout=30)
        return real_load(source)

    monkeypatch.setattr(RunnerSource, "load", slow_load)
    monkeypatch.setattr("bot.app.LOAD_INLINE_S", 0.01)
    clock.now = utc(2026, 11, 26, 11, 58)
    app2, request2 = await started_app(tmp_path, clock, rate_limiter=False, whole_index=False)
    world2 = World(app2, request2, clock, tmp_path)
    runner = world2.runner(1)
    assert (await runner.reply("4000 steps")).startswith("Logged")  # answered meanwhile
    assert await world2.at(utc(2026, 11, 26, 12, 0)) == []  # held, not counted done
    release.set()
    task = app2.services.scheduler.load_task
    assert task is not None
    await asyncio.wait_for(task, timeout=30)
    sent = await world2.at(utc(2026, 11, 26, 12, 3))  # the 12:00 nudge, caught up
    assert [c.text.splitlines()[0] for c in sent] == ["Check-in: 4,000 of your 8,000 steps today."]
    await stopped_app(app2)


async def test_a_restart_never_resends_what_telegram_answered(tmp_path: Path) -> None:
    """The kill falls after Telegram answered and before the sent records were written
    (they wait for their batch): the sent log names those sends, so the restart records
    them (with what they change) and sends none again."""
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    for uid in range(1, 4):
        bot = Runner(app, request, user_id=uid)
        await bot.say("/start")
        await bot.say("/cancel")
    scheduler = app.services.scheduler
    await scheduler.tick(app.bot)
    runners = scheduler.sources[0]
    assert isinstance(runners, RunnerSource)
    hung = asyncio.Event()

    async def records_never_written(items: list[Any]) -> list[Exception | None]:
        hung.set()
        await asyncio.Event().wait()  # the process dies here
        return []

    runners._records = Batcher(records_never_written)
    before = len(request.calls)
    clock.now = utc(2026, 11, 26, 19, 0)  # 19:00 in UTC, the default zone
    task = asyncio.create_task(scheduler.tick(app.bot))
    await asyncio.wait_for(hung.wait(), timeout=10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    first = [int(c.params["chat_id"]) for c in request.calls[before:] if c.method == "sendMessage"]
    assert first  # sent, answered, not recorded
    assert all(not stored(tmp_path, uid)[1].sent.get("daily") for uid in first)
    await crashed_app(app)

    clock.now = utc(2026, 11, 26, 19, 1)
    app2, request2 = await started_app(tmp_path, clock, rate_limiter=False)
    await app2.services.scheduler.tick(app2.bot)
    second = [int(c.params["chat_id"]) for c in request2.calls if c.method == "sendMessage"]
    assert sorted(first + second) == [1, 2, 3]  # none doubled, none lost
    runners2 = app2.services.scheduler.sources[0]
    assert isinstance(runners2, RunnerSource)
    assert (runners2.recovered, runners2.resent) == (len(first), 0)
    for uid in range(1, 4):
        state = stored(tmp_path, uid)[1]
        assert state.sent["daily"] == date(2026, 11, 26)
        assert state.last_prescription is not None  # what the check-in changes, kept
        assert not runners2.sent_log.was_sending(uid, "daily", date(2026, 11, 26))
    await stopped_app(app2)


def test_the_sent_log_reads_back_what_each_line_said(tmp_path: Path) -> None:
    from bot.scheduling.sentlog import SentLog

    day = date(2026, 11, 26)
    path = tmp_path / "nudges-sent.log"
    log = SentLog(path)
    log.open()
    log.sending([(1, "daily", day), (2, "daily", day), (3, "daily", day)])
    log.note(1, "daily", day)  # went out
    log.release(2, "daily", day)  # surely never left
    log.close()  # runner 3's send was cut off by a kill
    again = SentLog(path)
    again.open()
    assert [again.has(u, "daily", day) for u in (1, 2, 3)] == [True, False, False]
    assert [again.was_sending(u, "daily", day) for u in (1, 2, 3)] == [False, False, True]
    # A new day keeps two days back (local days span 25 h of time zones), not three.
    again.sending([(4, "daily", day + timedelta(days=2))])
    assert again.was_sending(3, "daily", day)
    again.sending([(5, "daily", day + timedelta(days=3))])
    assert not again.was_sending(3, "daily", day)
    assert "3 daily 2026-11-26" not in path.read_text()  # the file, rewritten, too


def test_a_torn_line_in_the_sent_log_never_reads_as_went_out(tmp_path: Path) -> None:
    """A kill or a full disk can cut a line; what follows may be glued to it. Read as
    "went out", any of these would stop that runner's nudge for the day."""
    from bot.scheduling.sentlog import SentLog

    day = date(2026, 11, 26)
    path = tmp_path / "nudges-sent.log"
    path.write_text(
        "1 daily 2026-11-26\n"  # whole: went out
        "7 daily 2026-11-26 sen8 daily 2026-11-26 sending\n"  # cut, the next glued on
        "9 daily 2026-11-26#\n"  # cut before its mark, then a failed append's "#"
        "10 daily 2026-11-26 sending#\n"
        "11 daily 2026-11-26"  # a kill's torn last line
    )
    log = SentLog(path)
    log.open()
    assert log.has(1, "daily", day)
    assert not [u for u in (7, 8, 9, 10, 11) if log.has(u, "daily", day)]


def test_an_append_cut_short_is_closed_before_the_next(tmp_path: Path, monkeypatch: Any) -> None:
    from bot.scheduling import sentlog

    day = date(2026, 11, 26)
    path = tmp_path / "nudges-sent.log"
    log = sentlog.SentLog(path)
    log.open()
    real = os.write
    written: list[int] = []

    def full_disk(fd: int, data: Any) -> int:
        if written:
            raise OSError(28, "No space left on device")
        written.append(real(fd, bytes(data)[:18]))  # "7 daily 2026-11-26", then full
        return written[0]

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError):
        log.sending([(7, "daily", day)])
    monkeypatch.setattr(os, "write", real)
    log.sending([(8, "daily", day)])
    log.close()
    assert "2026-11-268" not in path.read_text()  # nothing of the failed line is left
    again = sentlog.SentLog(path)
    again.open()
    assert not again.has(7, "daily", day)  # never read as gone out
    assert again.was_sending(8, "daily", day)


async def _runner_seven(tmp_path: Path) -> tuple[FakeClock, WalkApp, RecordingRequest, Runner]:
    """A running bot at 17:00 UTC with runner 7 set up (nudge at 19:00), its minute done."""
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    bot = Runner(app, request, user_id=7)
    await bot.say("/start")
    await bot.say("/cancel")
    await app.services.scheduler.tick(app.bot)
    return clock, app, request, bot


async def test_a_nudge_writes_no_runner_file_before_it_goes_out(tmp_path: Path) -> None:
    """The "sending" note is the sent log's line: a runner's file gets one write per
    nudge, the sent record after the send."""
    clock, app, request, _ = await _runner_seven(tmp_path)
    scheduler = app.services.scheduler
    log = DataDir(tmp_path).user_file(7).with_suffix(".log")
    before = log.stat().st_size
    writes: list[int] = []
    store = app.services.repo.store
    real = store.transact

    def counted(user_id: int, fn: Any, durable: bool = True) -> Any:
        result = real(user_id, fn, durable)
        writes.append(log.stat().st_size)
        return result

    store.transact = counted  # type: ignore[method-assign]
    clock.now = utc(2026, 11, 26, 19, 0)
    await scheduler.tick(app.bot)
    assert [c.method for c in request.calls[-1:]] == ["sendMessage"]
    assert writes[0] == before  # the plan: read only
    assert writes[-1] > before  # the record
    assert stored(tmp_path, 7)[1].sent["daily"] == date(2026, 11, 26)
    assert "7 daily 2026-11-26 sending" in (tmp_path / "nudges-sent.log").read_text()
    await stopped_app(app)


async def test_an_older_versions_sending_note_is_still_a_resend(tmp_path: Path) -> None:
    """Upgraded mid-fan-out: the note an older version left in the runner's state counts
    the send as unfinished (sent again, counted) and is cleared."""
    clock, app, request, _ = await _runner_seven(tmp_path)

    def noted(tx: Any) -> None:
        state = tx.state()
        state.sent["sending:daily"] = date(2026, 11, 26)
        tx.put_state(state)

    await app.services.repo.transact(7, noted)
    scheduler = app.services.scheduler
    clock.now = utc(2026, 11, 26, 19, 0)
    await scheduler.tick(app.bot)
    runners = scheduler.sources[0]
    assert isinstance(runners, RunnerSource)
    assert runners.resent == 1
    sent = [c.text for c in request.calls if c.method == "sendMessage"]
    assert sent[-1].startswith("Check-in")
    state = stored(tmp_path, 7)[1]
    assert state.sent["daily"] == date(2026, 11, 26)
    assert "sending:daily" not in state.sent
    await stopped_app(app)


async def test_a_runner_made_again_the_same_day_gets_the_nudge(tmp_path: Path) -> None:
    """The sent log named the deleted account's 19:00 check-in: the new account under the
    same id still gets its own that day."""
    clock, app, request, bot = await _runner_seven(tmp_path)
    scheduler = app.services.scheduler
    clock.now = utc(2026, 11, 26, 19, 0)
    await scheduler.tick(app.bot)
    assert request.calls[-1].text.startswith("Check-in")
    await bot.say("/delete")
    await bot.press("Yes, delete everything")
    clock.now = utc(2026, 11, 26, 19, 30)
    await bot.say("/start")
    await bot.say("/cancel")
    await bot.say("/nudge 20:00")
    await scheduler.tick(app.bot)
    before = len(request.calls)
    clock.now = utc(2026, 11, 26, 20, 0)
    await scheduler.tick(app.bot)
    assert [c.text.splitlines()[0] for c in request.calls[before:]] == [
        "Check-in: how many steps so far today? Type the number and I'll tell you what"
        " closes the gap to 8,000."
    ]
    await stopped_app(app)
