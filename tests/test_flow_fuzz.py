"""The bot never crashes on an update: seeded random texts, commands and button taps."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from tests.flowkit import FakeClock, Runner, started_app, stopped_app
from tests.test_parser import REPORT_WORDS

WORDS = [
    *REPORT_WORDS,
    *[
        "1:2:3",
        "99:99",
        "skip",
        "off",
        "on",
        "@x",
        "Berlin",
        "7pm",
        "25:00",
        "abc",
        "∞",
        "🏃",
        "1e9",
        "2026-02-30",
    ],
]
COMMANDS = [
    "/start",
    "/run",
    "/walk",
    "/steps",
    "/today",
    "/week",
    "/why",
    "/undo",
    "/settings",
    "/units",
    "/timezone",
    "/goal",
    "/nudge",
    "/weight",
    "/export",
    "/delete",
    "/help",
    "/cancel",
    "/join",
    "/board",
    "/challenge",
    "/digest",
    "/channel",
    "/leave",
]
# Raw callback data, forged on purpose: taps on buttons the bot never showed (bad values,
# closed questions, other runners' flows), so they go through `tap`, not `press`.
TAPS = [
    "set:units:km",
    "set:units:xx",
    "set:goal:abc",
    "set:nudge:99:99",
    "set:weight:clear",
    "set:timezone:skip",
    "edit:goal",
    "edit:zzz",
    "run:kind:easy",
    "run:kind:bogus",
    "run:distance:skip",
    "run:time:skip",
    "run:effort:11",
    "run:effort:skip",
    "run:feel:pain",
    "rx:why",
    "rx:done:10:0",
    "rx:done:x:y",
    "rx:undo:1,2",
    "rx:undo:abc",
    "del:no",
    "nudge:pause:3",
    "nudge:pause:x",
    "nudge:off",
    "fu:sore",
    "fu:fresh",
    "set:mileage:maybe",
]


def _text(rng: random.Random) -> str:
    pool = [*WORDS, str(rng.randint(-5, 99999))]
    words = " ".join(rng.choice(pool) for _ in range(rng.randint(0, 7)))
    if rng.random() < 0.5:
        return f"{rng.choice(COMMANDS)} {words}".strip()
    return words or "x"


@pytest.mark.parametrize("seed", [1, 2])
async def test_random_updates_never_end_in_an_apology(
    tmp_path: Path, clock: FakeClock, seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(seed)
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    group = {"id": -50, "type": "group", "title": "Club"}
    runners = [
        Runner(app, request, user_id=1),
        Runner(app, request, user_id=2),
        Runner(app, request, user_id=3, chat=group),
    ]
    with caplog.at_level(logging.ERROR):
        for _ in range(600):
            runner = rng.choice(runners)
            if rng.random() < 0.2:
                calls = await runner.tap(rng.choice(TAPS))
            else:
                calls = await runner.say(_text(rng))
            assert not any("something went wrong" in c.text for c in calls)
    assert "handler failed" not in caplog.text
    await stopped_app(app)
