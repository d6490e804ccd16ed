"""Safety and trust, as a runner meets them: pain first and remembered, nothing lost or
doubled by a button, steps that add up, and a day that must be plausible."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.flowkit import FakeClock, Runner, after_logged, started_app, stopped_app, stored
from tests.offline import Call, RecordingRequest


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass
class Coach:
    bot: Runner
    clock: FakeClock
    request: RecordingRequest
    data: Path

    async def tick(self, moment: datetime) -> list[Call]:
        """Move the clock and run the minute job; what was sent."""
        self.clock.now = moment
        before = len(self.request.calls)
        await self.bot.app.services.scheduler.tick(self.bot.app.bot)
        return [c for c in self.request.calls[before:] if c.method.startswith("send")]

    def activities(self) -> list[dict[str, object]]:
        found = stored(self.data, self.bot.user_id)
        return list(found[2]) if found else []


@pytest.fixture
async def coach(tmp_path: Path) -> AsyncIterator[Coach]:
    clock = FakeClock(utc(26, 9))  # Thursday, 09:00 UTC (the runner's zone)
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    await app.services.scheduler.tick(app.bot)
    try:
        yield Coach(Runner(app, request, user_id=5, first_name="Ana"), clock, request, tmp_path)
    finally:
        await stopped_app(app)


def _labels(call: Call) -> list[str]:
    return [label for row in call.buttons for label, _ in row]


async def test_pain_is_remembered_until_the_runner_says_it_is_gone(coach: Coach) -> None:
    first = (await coach.bot.say("easy 5 km 30 min, left knee hurts"))[-1]
    assert first.text.startswith(
        "Logged: easy run, 5 km in 30:00 (6:00/km), today; you said: left knee hurts.\n"
        "Pain (left knee hurts) comes first: no running"
    )
    assert "Pain-free now" in _labels(first) and "Done: walked 3 min" not in _labels(first)

    coach.clock.now = utc(26, 9, 10)  # ten minutes later
    later = after_logged(await coach.bot.reply("ran 3 km 18 min"))
    assert later.startswith("Is the left knee pain-free now? You told me: left knee hurts.")
    assert "Cool down" not in later

    coach.clock.now = utc(27, 8)  # the next day
    next_day = after_logged(await coach.bot.reply("ran 5 km 30 min"))
    assert next_day.startswith("Is the left knee pain-free now?")
    assert "It's been" not in next_day  # under 48 h

    gone = (await coach.bot.press("Pain-free now"))[-1].text
    assert gone.startswith("Good news about the left knee. Normal advice is back")
    again = after_logged(await coach.bot.reply("ran 5 km 30 min"))
    assert again.startswith("Cool down with a 3 min walk.")
    assert [a["type"] for a in coach.activities()] == ["run", "run", "run", "run"]


async def test_pain_in_a_plain_message_stores_no_activity(coach: Coach) -> None:
    reply = (await coach.bot.say("my knee hurts"))[-1]
    assert reply.text.startswith("Pain (my knee hurts) comes first")
    assert _labels(reply) == ["Why?", "Pain-free now", "Still hurts"]
    assert coach.activities() == []
    _settings, state, _ = stored(coach.data, coach.bot.user_id)
    assert state.pain is not None and state.pain.spot == "knee"
    why = await coach.bot.reply("/why")
    assert "Rule: pain-first" in why and "Source B4:" in why and "Source B5:" in why
    assert (await coach.bot.reply("pain-free now")).startswith("Good news about the knee.")
    assert stored(coach.data, coach.bot.user_id)[1].pain is None


async def test_after_48_hours_the_coach_says_see_someone(coach: Coach) -> None:
    await coach.bot.say("hurt my ankle")
    coach.clock.now = utc(29, 10)  # three days later
    still = after_logged((await coach.bot.say("ran 4 km 25 min"))[-1].text)
    assert still.startswith("Is the ankle pain-free now?")
    assert "It's been 3 days since the ankle started: if it isn't clearly improving, see a GP" in (
        still
    )
    pressed = (await coach.bot.press("Still hurts"))[-1].text
    assert "see a GP or a physio" in pressed


async def test_severe_signs_send_to_a_and_e(coach: Coach) -> None:
    reply = await coach.bot.reply("fell on my run, think I broke my wrist")
    assert reply.startswith("That could be a break, a dislocation or a head injury: go to A&E")


async def test_unsure_words_are_asked_about_before_storing(coach: Coach) -> None:
    asked = (await coach.bot.say("easy 5 km 30 min, a bit achy"))[-1]
    assert asked.text == "Is that tired muscles, or pain in one spot?"
    assert _labels(asked) == ["Tired muscles", "Pain in one spot"]
    assert coach.activities() == []
    pain = await coach.bot.press("Pain in one spot")
    assert pain[-1].text.startswith(
        "Logged: easy run, 5 km in 30:00 (6:00/km), today; you said: a bit achy.\n"
        "Pain (a bit achy) comes first"
    )
    assert [a["pain"] for a in coach.activities()] == [True]

    await coach.bot.press("Pain-free now")
    await coach.bot.say("ran 4 km 24 min, feeling sore")
    sore = await coach.bot.press("Tired muscles")
    assert "Make your next easy run a walk: 24 min (same time on your feet)" in sore[-1].text
    assert [a["sore"] for a in coach.activities()] == [False, True]


async def test_plain_soreness_gets_the_easy_swap(coach: Coach) -> None:
    reply = await coach.bot.reply("legs are sore today")
    assert reply.startswith("Make your next easy run a walk: 30 min (same time on your feet)")
    assert coach.activities() == []


async def test_a_stale_undo_never_removes_another_log(coach: Coach) -> None:
    first = await coach.bot.say("ran 5 km 30 min")
    await coach.bot.say("/undo")
    second = await coach.bot.say("ran 8 km 45 min")
    stale = (await coach.bot.press("Undo", first))[-1].text
    assert stale == "Already removed."
    assert [a["distance_m"] for a in coach.activities()] == [8000.0]
    # Its Done too: the walk belonged to a log that is gone.
    await coach.bot.say("/undo")
    done = (await coach.bot.press("Done: walked 3 min", second))[-1].text
    assert done == "That log was removed, so I didn't log its walk. Nothing changed."
    assert coach.activities() == []


async def test_added_steps_add_and_a_plain_count_sets(coach: Coach) -> None:
    await coach.bot.say("6000 steps")
    added = await coach.bot.reply("+1500 steps")
    assert added.startswith("Logged: +1,500 steps, 7,500 today.\n500 steps to your 8,000")
    another = await coach.bot.reply("another 1000 steps")
    assert another.startswith("Logged: +1,000 steps, 8,500 today.\n8,500 steps: your 8,000 goal")
    reset = await coach.bot.reply("7000 steps")
    assert reset.startswith(
        "Logged: 7,000 steps today (was 8,500; '+N steps' adds to the count instead).\n"
    )
    today = await coach.bot.reply("/today")
    assert today.startswith("1,000 steps to your 8,000")


async def test_a_second_marathon_today_is_asked_about(coach: Coach) -> None:
    await coach.bot.say("marathon 3:30:00")
    asked = (await coach.bot.say("ran a marathon in 3:40:00"))[-1]
    assert asked.text.startswith("That makes 84.4 km and 7:10:00 of running on Thu 26 Nov")
    assert _labels(asked) == ["Yes, log it", "No, drop it"]
    dropped = (await coach.bot.press("No, drop it"))[-1].text
    assert dropped.startswith("Dropped: nothing stored.")
    assert len(coach.activities()) == 1
    await coach.bot.say("ran a marathon in 3:40:00")
    logged = (await coach.bot.press("Yes, log it"))[-1].text
    assert logged.startswith("Logged: race, 42.2 km in 3:40:00 (5:13/km), today.\nCool down")
    assert len(coach.activities()) == 2


async def test_a_hundred_mile_race_is_logged(coach: Coach) -> None:
    reply = await coach.bot.reply("100 mile race in 27:45")
    # Miles named by a runner who never chose units: they are a mile runner now.
    assert reply.startswith("Logged: race, 100 mi in 27:45:00 (16:39/mi), today.\n")
    assert after_logged(reply).startswith("Walk 50-100 min now")
    assert [a["duration_s"] for a in coach.activities()] == [27 * 3600 + 45 * 60]


async def test_the_nudge_and_the_morning_ask_about_an_open_pain(coach: Coach) -> None:
    await coach.bot.say("long run 30 km 2:50:00")  # a morning follow-up is planned
    await coach.bot.say("my left knee hurts")
    nudge = await coach.tick(utc(26, 19))
    assert nudge[0].text.startswith("Check-in: is the left knee pain-free now? Until it is:")
    assert "brisk" not in nudge[0].text and "steps to your" not in nudge[0].text
    assert _labels(nudge[0])[:2] == ["Pain-free now", "Still hurts"]
    morning = await coach.tick(utc(27, 8))
    assert morning[0].text == "Morning! How is the left knee today?"
    assert (await coach.bot.press("Pain-free now", morning))[-1].text.startswith("Good news")


async def test_guided_run_asks_when_the_feeling_is_unclear(coach: Coach) -> None:
    await coach.bot.say("/run")
    await coach.bot.press("Easy")
    await coach.bot.say("5")
    await coach.bot.say("30 min")
    await coach.bot.press("Skip")
    unsure = (await coach.bot.say("a bit achy"))[-1]
    assert unsure.text == "Is that tired muscles (tap Sore) or pain in one spot (tap Pain)?"
    assert coach.activities() == []
    pain = after_logged((await coach.bot.press("Pain"))[-1].text)
    assert pain.startswith("Pain comes first: no running")
