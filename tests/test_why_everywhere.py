"""Every line of advice can be asked "why?", wherever it came from; and the guided /run
reads pain the way free text does (one vocabulary, in coach_rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.flowkit import FakeClock, Runner, after_logged, started_app, stopped_app
from tests.offline import Call, RecordingRequest


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def runner(tmp_path: Path) -> AsyncIterator[tuple[Runner, FakeClock, RecordingRequest]]:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))  # Thursday
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    await app.services.scheduler.tick(app.bot)  # the scheduler starts counting here
    try:
        yield Runner(app, request, user_id=7, first_name="Ana"), clock, request
    finally:
        await stopped_app(app)


def _labels(call: Call) -> list[str]:
    return [label for row in call.buttons for label, _ in row]


async def test_the_daily_nudge_can_be_asked_why(
    runner: tuple[Runner, FakeClock, RecordingRequest],
) -> None:
    bot, clock, request = runner
    await bot.say("5200 steps")
    clock.now = utc(2026, 11, 26, 19, 0)  # 19:00 UTC, the default nudge time
    before = len(request.calls)
    await bot.app.services.scheduler.tick(bot.app.bot)
    nudge = [c for c in request.calls[before:] if c.method == "sendMessage"]
    assert nudge[0].text.startswith("Check-in: 5,200 of your 8,000 steps today.")
    why = await bot.reply("/why")
    assert "Rule: daily-nudge" in why and "Rule: step-floor" in why
    assert "Source A6:" in why and "Source B1:" in why and "Source A1:" in why


async def test_today_has_a_why_button_that_names_the_rule(
    runner: tuple[Runner, FakeClock, RecordingRequest],
) -> None:
    bot, _, _ = runner
    await bot.say("7400 steps")
    today = (await bot.say("/today"))[-1]
    assert today.text.startswith("600 steps to your 8,000: 6 min of brisk walking")
    assert _labels(today) == ["Why?"]
    why = (await bot.press("Why?"))[-1].text
    assert "Rule: step-floor" in why and "Source A6:" in why


async def test_week_can_be_asked_why(runner: tuple[Runner, FakeClock, RecordingRequest]) -> None:
    bot, _, _ = runner
    await bot.say("easy 5 km 30 min")
    assert "moderate-equivalent minutes this week" in await bot.reply("/week")
    why = await bot.reply("/why")
    assert "Rule: weekly-minutes" in why and "Source B2:" in why


@pytest.mark.parametrize(("label", "rule"), [("Sore", "easy-swap"), ("Fresh", "morning-after")])
async def test_the_morning_answer_can_be_asked_why(
    runner: tuple[Runner, FakeClock, RecordingRequest], label: str, rule: str
) -> None:
    bot, clock, _ = runner
    await bot.say("long run 30 km 2:50:00")
    clock.now = utc(2026, 11, 27, 8, 0)  # 08:00 the next morning (UTC, the default zone)
    await bot.app.services.scheduler.tick(bot.app.bot)
    answer = (await bot.press(label))[-1]
    assert _labels(answer) == ["Why?"]
    why = (await bot.press("Why?"))[-1].text
    assert f"Rule: {rule}" in why and "Source A" in why


# Words the old guided /run kept in its own list missed ("twinge", "aching").
PAIN_PHRASES = ("twinge in my calf", "achilles aching", "left knee hurts", "sprained my ankle")


@pytest.mark.parametrize("phrase", PAIN_PHRASES)
async def test_guided_run_reads_pain_like_free_text(
    runner: tuple[Runner, FakeClock, RecordingRequest], phrase: str
) -> None:
    bot, _, _ = runner
    free = after_logged(await bot.reply(f"easy 5 km 30 min, {phrase}"))
    assert free.startswith(f"Pain ({phrase}) comes first")
    await bot.say("/run")
    for answer in ("easy", "5", "30 min", "skip"):
        await bot.say(answer)
    guided = after_logged(await bot.reply(phrase))
    assert guided.startswith(f"Pain ({phrase}) comes first")
