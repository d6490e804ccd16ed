"""What reviewers and new runners found, pinned down: two pains at once, answers to the
coach's own questions, buttons in groups, Undo of a step count, and nothing kept after
/delete."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.logs import configure_logging
from tests.flowkit import FakeClock, Runner, after_logged, started_app, stopped_app, stored
from tests.offline import Call


@pytest.fixture
async def ana(tmp_path: Path) -> AsyncIterator[Runner]:
    clock = FakeClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    try:
        yield Runner(app, request, user_id=5, first_name="Ana")
    finally:
        await stopped_app(app)


def _labels(call: Call) -> list[str]:
    return [label for row in call.buttons for label, _ in row]


async def test_two_pains_stay_on_record_together(ana: Runner) -> None:
    await ana.say("easy 5 km 30 min, left knee hurts")
    await ana.say("rolled my ankle")
    gone = (await ana.say("pain-free now"))[-1]
    assert gone.text.startswith("Good news about the left knee and the ankle.")
    assert _labels(gone) == ["Why?"]  # nothing open any more: no pain buttons


async def test_still_hurts_is_acknowledged_not_asked_again(ana: Runner) -> None:
    await ana.say("my knee hurts")
    still = (await ana.press("Still hurts"))[-1]
    assert still.text.startswith("Noted: the knee still hurts. Keep resting it")
    assert (await ana.reply("knee feels better")).startswith("Good news about the knee.")


async def test_a_suspected_break_is_only_told_to_go_to_a_and_e(ana: Runner) -> None:
    reply = await ana.reply("my ankle is swollen and I can't put weight on it")
    assert reply.startswith("That could be a break, a dislocation or a head injury: go to A&E")
    assert "48-72" not in reply and "Tip:" not in reply
    assert (await ana.press("Still hurts"))[-1].text.startswith("That could be a break")


async def test_today_and_steps_while_a_pain_is_open(ana: Runner) -> None:
    await ana.say("my knee hurts")
    today = await ana.reply("/today")
    assert today.startswith("Check-in: is the knee pain-free now? Until it is: walk only")
    assert "brisk" not in today
    steps = after_logged(await ana.reply("4300 steps"))
    assert steps.startswith("Is the knee pain-free now?")
    assert "Tip:" not in steps


async def test_undo_of_added_steps_says_what_the_day_is_back_to(ana: Runner) -> None:
    await ana.say("4200 steps")
    await ana.say("+1500 steps")
    undone = await ana.reply("/undo")
    assert undone == "Removed: the day's count of 5,700 steps. Thu 26 Nov: 4,200 steps."
    assert (await ana.reply("/today")).startswith("3,800 steps to your 8,000")


async def test_a_body_answer_then_a_day_check_logs_once(ana: Runner) -> None:
    await ana.say("marathon 3:30:00")
    asked = (await ana.say("ran 42.2 km 3:40:00 feeling sore"))[-1]
    assert asked.text == "Is that tired muscles, or pain in one spot?"
    day = (await ana.press("Tired muscles"))[-1]
    assert day.text.startswith("That makes 84.4 km")
    logged = (await ana.press("Yes, log it"))[-1]
    assert logged.text.startswith("Logged: run, 42.2 km in 3:40:00")
    assert [a["sore"] for a in stored(ana.app.services.repo.data.root, 5)[2]] == [False, True]


async def test_an_unclear_answer_asks_again_and_keeps_the_report(ana: Runner) -> None:
    await ana.say("ran 5 km 30 min feeling sore")
    again = (await ana.say("dunno"))[-1]
    assert again.text == "Sorry, I didn't catch that. Is that tired muscles, or pain in one spot?"
    assert _labels(again) == ["Tired muscles", "Pain in one spot"]
    logged = await ana.reply("just tired")
    assert logged.startswith("Logged: run, 5 km in 30:00 (6:00/km), today; you said: feeling sore.")


async def test_a_question_during_onboarding_resumes_it(ana: Runner) -> None:
    await ana.say("/start")
    await ana.press("km")
    await ana.say("ran 5 km 30 min, a bit achy")
    await ana.press("Tired muscles")
    _, state, _ = stored(ana.app.services.repo.data.root, 5)
    assert state.draft is not None and (state.draft.flow, state.draft.step) == (
        "onboarding",
        "timezone",
    )


async def test_buttons_do_nothing_in_a_group(ana: Runner) -> None:
    await ana.say("ran 5 km 30 min")
    group = {"id": -77, "type": "group", "title": "Club"}
    bo = Runner(ana.app, ana.request, user_id=6, first_name="Bo", chat=group)
    await Runner(ana.app, ana.request, user_id=6, first_name="Bo").say("ran 10 km 50 min")
    calls = await bo.tap("rx:undo:1")  # a button seen in the group, pressed by someone else
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert len(stored(ana.app.services.repo.data.root, 6)[2]) == 1


async def test_today_after_delete_stores_nothing(ana: Runner, tmp_path: Path) -> None:
    await ana.say("ran 5 km 30 min")
    await ana.say("/delete")
    await ana.press("Yes, delete everything")
    await ana.say("/today")
    await ana.say("/week")
    assert stored(tmp_path, 5) is None


async def test_debug_logging_holds_no_text_or_name(
    ana: Runner, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG", [])
    logging.getLogger().addHandler(caplog.handler)  # configure_logging replaced the handlers
    with caplog.at_level(logging.DEBUG):
        await ana.say("ran 5 km 30 min, secret words")
    assert caplog.records, "nothing was logged at all"
    assert "secret words" not in caplog.text and "Ana" not in caplog.text
    logging.getLogger().setLevel(logging.WARNING)


async def test_picking_a_day_for_last_week_says_nothing_of_date_order(ana: Runner) -> None:
    await ana.say("last week ran 10k 50 min")
    await ana.press("Sat 21 Nov")
    assert stored(ana.app.services.repo.data.root, 5)[0].day_first is None
    asked = (await ana.say("easy 5k 30 min on 03/04"))[-1]
    assert asked.text == "Which day: Fri 03 Apr or Wed 04 Mar?"


async def test_a_whole_run_typed_at_the_last_run_question_is_that_run(ana: Runner) -> None:
    await ana.say("/run")
    await ana.press("Long")
    await ana.say("15")
    await ana.say("1h32")
    await ana.press("Skip")
    reply = await ana.reply("actually it was an easy 8k 45min yesterday")
    assert reply.startswith("Logged: easy run, 8 km in 45:00 (5:38/km), yesterday.")
    docs = stored(ana.app.services.repo.data.root, 5)[2]
    assert [d["distance_m"] for d in docs] == [8000.0]


@pytest.mark.parametrize(
    ("message", "starts"),
    [
        ("wat should i do 2day", "I couldn't find a run or a walk in that."),
        ("walkd 30 min 2.5km", "Was that a run or a walk?"),
    ],
)
async def test_no_guess_is_stored(ana: Runner, message: str, starts: str) -> None:
    await ana.say("/units km")  # a known runner (a stranger is greeted first)
    assert (await ana.reply(message)).startswith(starts)
    found = stored(ana.app.services.repo.data.root, 5)
    assert found is None or found[2] == []


async def test_a_misspelt_day_still_dates_the_run(ana: Runner) -> None:
    reply = await ana.reply("10,5 km 58 min yestrday")
    assert reply.startswith("Logged: run, 10.5 km in 58:00 (5:31/km), yesterday.")


async def test_an_unanswered_question_never_blocks(ana: Runner) -> None:
    await ana.say("/units km")
    await ana.say("run 1:05")  # asked: 1 h 05 or 1 min 05?
    assert (await ana.reply("hi")).startswith("Hi, Ana!")
    asked = (await ana.say("last week ran 10k 50 min"))[-1]
    assert asked.text == "Which day was it?"


async def test_third_run_of_the_day_is_called_the_third(ana: Runner) -> None:
    await ana.say("/settings")  # stored, so the mileage goal can be set
    for text in ("ran 5 km 30 min", "ran 5 km 31 min"):
        await ana.say(text)
    third = await ana.reply("ran 5 km 32 min")
    assert "That's your third run today: next time, make it a brisk walk" in third


async def test_a_goal_with_a_space_is_read(ana: Runner) -> None:
    assert (await ana.reply("/goal 10 000")) == "Step goal: 10,000 a day."


@pytest.mark.parametrize(
    "question", ["should I run 5k today?", "can I run a marathon in 4 hours?", "is a 10k race ok"]
)
async def test_a_question_is_never_logged(ana: Runner, question: str) -> None:
    await ana.say("/units km")
    reply = await ana.reply(question)
    assert not reply.startswith("Logged:")
    assert stored(ana.app.services.repo.data.root, 5)[2] == []


async def test_steps_never_choose_the_units(ana: Runner) -> None:
    await ana.say("did 10k steps today")
    settings = stored(ana.app.services.repo.data.root, 5)[0]
    assert "units" not in settings.chosen
    asked = await ana.say("/start")
    assert any(c.text.startswith("Kilometres or miles?") for c in asked)


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("ran 8k 45 min with 3 friends", "Logged: run, 8 km in 45:00 (5:38/km), today."),
        ("ran 8k 45 min, 1st run in ages", "Logged: run, 8 km in 45:00 (5:38/km), today."),
        ("ran 5k 30 min rpe 4/10", "Logged: run, 5 km in 30:00 (6:00/km), effort 4/10, today."),
    ],
)
async def test_numbers_in_a_note_are_not_a_problem(ana: Runner, message: str, logged: str) -> None:
    assert (await ana.reply(message)).startswith(logged)


async def test_a_run_with_steps_is_not_dropped(ana: Runner) -> None:
    reply = await ana.reply("ran 5k plus 2000 steps")
    assert reply.startswith("A run and steps in one message: send them as two")


def test_dates_against_effort_and_short_months() -> None:
    from datetime import date

    from coach_rules.dates import read_day

    assert read_day("ran 5k 30 min on 2/10", date(2026, 3, 31), day_first=False) == date(
        2026, 2, 10
    )
    assert read_day("ran 5k 30 min 7/10", date(2026, 3, 31)) is None  # effort, not a date
    assert read_day("ran 5k on the 30th", date(2026, 3, 1)) == date(2026, 1, 30)
