"""Understanding the runner, in the chat: the echo matches what is stored, questions get
answers, nothing traps the runner, and two readings are asked about with buttons."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach_rules import Run, Units, parse_report
from coach_rules.units import METRES_PER_KM, METRES_PER_MILE
from tests.conftest import NOW
from tests.flowkit import FakeClock, Runner, started_app, stopped_app, stored
from tests.test_readings import CASES


@pytest.fixture
async def ana(tmp_path: Path) -> AsyncIterator[Runner]:
    clock = FakeClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))  # Thursday
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    try:
        yield Runner(app, request, user_id=5, first_name="Ana")
    finally:
        await stopped_app(app)


def _seconds(clock: str) -> int:
    """'52:30' or '1:05:00' in seconds."""
    return sum(int(p) * 60**i for i, p in enumerate(reversed(clock.split(":"))))


def _echo_matches(line: str, doc: dict[str, Any], units: Units) -> None:
    """The 'Logged:' line says exactly what the stored document holds."""
    per_unit = METRES_PER_MILE if units is Units.MI else METRES_PER_KM
    distance = re.search(r"([0-9]+(?:\.[0-9]+)?) (km|mi)\b", line)
    if doc.get("distance_m") is not None and doc["type"] != "steps":
        assert distance is not None, line
        assert distance.group(2) == units.value
        expected = float(doc["distance_m"]) / per_unit
        assert float(distance.group(1)) == pytest.approx(expected, abs=0.006)
    else:
        assert distance is None, line
    if doc["type"] == "run" and doc.get("duration_s") is not None:
        clock = re.search(r" in ([0-9:]+)", line) or re.search(r", ([0-9:]+),", line)
        assert clock is not None, line
        assert _seconds(clock.group(1)) == doc["duration_s"], line
    if doc["type"] == "steps":
        assert f"{doc['steps']:,} steps" in line or f"{doc['steps']:,} today" in line, line


STORED_KINDS = [c for c in CASES if c.expected.split()[0] in ("run", "walk", "steps")]


async def test_no_stored_activity_differs_from_its_echo(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    checked = 0
    try:
        for number, case in enumerate(STORED_KINDS):
            user = 1000 + number
            runner = Runner(app, request, user_id=user, first_name="R")
            await runner.say(f"/units {case.units.value}")
            reply = await runner.reply(case.message)
            docs = stored(tmp_path, user)[2]
            if not docs:  # asked a question first (pain, a second marathon): nothing stored
                assert not reply.startswith("Logged:"), (case.message, reply)
                continue
            assert reply.startswith("Logged: "), (case.message, reply)
            _echo_matches(reply.splitlines()[0], docs[-1], case.units)
            checked += 1
    finally:
        await stopped_app(app)
    assert checked >= 200


@settings(max_examples=300, deadline=None)
@given(
    metres=st.integers(min_value=100, max_value=20_000),
    spelling=st.sampled_from(["m", " m", "metres", " meters", "M"]),
    words=st.sampled_from(["ran {d}", "{d} repeats", "jogged {d} easy", "{d} in 5:00"]),
)
def test_a_metres_distance_is_never_read_as_a_duration(
    metres: int, spelling: str, words: str
) -> None:
    text = words.format(d=f"{metres}{spelling}")
    reading = parse_report(text, Units.KM, NOW)
    if isinstance(reading, Run):
        assert reading.distance_m == metres, text
        # The metres never become minutes; the only time is the '5:00' (m:ss, or h:mm when
        # no one could run the distance in five minutes).
        assert reading.duration_s in (None, 300, 5 * 3600), text


async def test_a_question_during_onboarding_is_answered_and_setup_goes_on(ana: Runner) -> None:
    await ana.say("/start")
    await ana.press("km")
    calls = await ana.say("how much should I walk?")
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert texts[0].startswith("After a run: walk 30-60 s for every mile you ran")
    assert texts[1].startswith("Back to setup: Your time zone")
    assert (await ana.reply("Berlin")).startswith("Time zone: Europe/Berlin.")


async def test_a_report_during_onboarding_is_logged_and_setup_goes_on(ana: Runner) -> None:
    await ana.say("/start")
    calls = await ana.say("ran 5k in 31 min")
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert texts[0].startswith("Logged: run, 5 km in 31:00 (6:12/km), today.")
    # The run said km: that answers "km or miles?", so setup goes on with the time zone.
    assert texts[1].startswith("Back to setup: Your time zone")


async def test_a_report_typed_during_run_finishes_it(ana: Runner) -> None:
    await ana.say("/run")
    await ana.press("Easy")
    reply = await ana.reply("ran 8 km in 45:00")
    assert reply.startswith("Logged: run, 8 km in 45:00 (5:38/km), today.")
    assert stored(ana.app.services.repo.data.root, 5)[1].draft is None


async def test_onboarding_skips_what_was_answered_another_way(ana: Runner) -> None:
    await ana.say("/units mi")
    await ana.say("/goal 9000")
    calls = await ana.say("/start")
    questions = [c.text for c in calls if c.method == "sendMessage"]
    assert questions[-1].startswith("Your time zone")  # not units, not yet the goal
    await ana.reply("Berlin")
    assert (await ana.reply("19:30")).startswith("Nudge time: 19:30")  # the goal was skipped


async def test_a_weekday_dates_the_run(ana: Runner) -> None:
    reply = await ana.reply("Saturday long run 18 km 1:50")
    assert reply.startswith("Logged: long run, 18 km in 1:50:00 (6:07/km), Sat 21 Nov.")
    assert stored(ana.app.services.repo.data.root, 5)[2][0]["at"].startswith("2026-11-21")


@pytest.mark.parametrize(
    ("message", "label", "logged"),
    [
        ("ran 12", "12 km", "Logged: run, 12 km, today."),
        ("ran 12", "12 min", "Logged: run, 12:00, today."),
        ("run 1:05", "1 h 05 min", "Logged: run, 1:05:00, today."),
        ("10.000 steps", "10,000 steps", "Logged: 10,000 steps today."),
        (
            "ran 10k 50 min last week",
            "Wed 18 Nov",
            "Logged: run, 10 km in 50:00 (5:00/km), Wed 18 Nov.",
        ),
    ],
)
async def test_two_readings_are_asked_with_buttons(
    ana: Runner, message: str, label: str, logged: str
) -> None:
    asked = (await ana.say(message))[-1]
    assert asked.buttons and stored(ana.app.services.repo.data.root, 5)[2] == []
    reply = (await ana.press(label))[-1].text
    assert reply.startswith(logged)


async def test_a_date_asked_once_is_then_read_the_runners_way(ana: Runner) -> None:
    asked = (await ana.say("ran 5 km 30 min on 03/04"))[-1]
    assert asked.text == "Which day: Fri 03 Apr or Wed 04 Mar?"
    assert (await ana.press("Fri 03 Apr"))[-1].text.startswith(
        "Logged: run, 5 km in 30:00 (6:00/km), Fri 03 Apr."
    )
    assert (await ana.reply("ran 5 km 30 min on 05/04")).startswith(
        "Logged: run, 5 km in 30:00 (6:00/km), Sun 05 Apr."
    )


@pytest.mark.parametrize(
    ("message", "starts", "rule"),
    [
        ("what should I do today?", "2,800 steps to your 8,000", "step-floor"),
        ("how many steps should I do?", "At least 8,000 steps a day", "step-floor"),
        ("why walk after a run?", "Walking after a run is active recovery", "cooldown-walk"),
        ("is it ok to run every day?", "Make your next easy run a walk", "easy-swap"),
    ],
)
async def test_questions_get_sourced_answers(
    ana: Runner, message: str, starts: str, rule: str
) -> None:
    await ana.say("5200 steps")
    assert (await ana.reply(message)).startswith(starts)
    assert f"Rule: {rule}" in await ana.reply("/why")


@pytest.mark.parametrize(
    ("message", "starts"),
    [
        ("hi", "Hi, Ana! Tell me about a run"),
        ("thanks!", "You're welcome!"),
        ("help", "How to talk to me"),
    ],
)
async def test_small_talk(ana: Runner, message: str, starts: str) -> None:
    await ana.say("5200 steps")
    assert (await ana.reply(message)).startswith(starts)
