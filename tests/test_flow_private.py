"""Flow tests: the real Application, offline, asserting what a runner sees and what is stored."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.flowkit import (
    FakeClock,
    Runner,
    after_logged,
    crashed_app,
    started_app,
    stopped_app,
    stored,
)
from tests.offline import FAKE_TOKEN

UNIT_LABELS = {"km": "km", "mi": "miles"}


async def onboard(bot: Runner, units: str = "mi", zone: str = "Europe/Berlin") -> None:
    await bot.say("/start")
    await bot.press(UNIT_LABELS[units])
    await bot.say(zone)  # the time zone question has a reply keyboard: typed
    await bot.press("Skip")  # step goal
    await bot.press("Skip")  # nudge time
    await bot.press("Skip")  # weight


async def test_onboarding_asks_five_questions_and_stores_answers(
    bot: Runner, tmp_path: Path
) -> None:
    first = await bot.say("/start")
    assert first[0].text.startswith("Hi, Ana! I'm Walk Coach.")
    assert first[1].buttons == [
        [("km", "set:units:km"), ("miles", "set:units:mi"), ("Skip", "set:units:skip")]
    ]
    units = await bot.press("miles")
    assert next(c.text for c in units if c.method == "sendMessage") == "Units: mi."
    assert "Type a city" in units[-1].text
    assert units[-1].params["reply_markup"]["keyboard"][0][0]["request_location"] is True
    assert await bot.reply("Mars/Base") == (
        "I don't know the time zone 'Mars/Base'. Try a city like 'Berlin', a zone like"
        " 'Europe/Berlin' or 'America/New_York', or 'UTC+2'. Or tap Skip."
    )
    assert (await bot.reply("New York")).startswith("Time zone: America/New_York.")
    assert (await bot.reply("10,000")).startswith("Step goal: 10,000 a day.")
    assert (await bot.reply("25:99")).startswith("Give the time as HH:MM")
    assert (await bot.reply("6.45am")).startswith("Nudge time: 06:45 your time")
    done = await bot.reply("154 lb")
    assert done.startswith("Weight: 154 lb.\nAll set.")  # said back as a mile runner says it
    settings, state, activities = stored(tmp_path)
    assert (settings.units, settings.timezone, settings.step_goal) == (
        "mi",
        "America/New_York",
        10000,
    )
    assert (settings.nudge, settings.weight_kg, settings.onboarded) == ("06:45", 69.9, True)
    assert state.draft is None and activities == []


async def test_every_step_can_be_skipped_and_start_again_keeps_data(
    bot: Runner, tmp_path: Path
) -> None:
    await bot.say("/start")
    await bot.press("Skip")  # units
    assert (await bot.reply("Skip")).startswith("Daily step goal?")
    await bot.press("Skip")  # step goal
    await bot.press("Skip")  # nudge time
    last = await bot.press("Skip")  # weight
    assert last[-1].text.startswith("All set.")
    settings, _, _ = stored(tmp_path)
    assert (settings.units, settings.timezone, settings.step_goal, settings.nudge) == (
        "km",
        "UTC",
        8000,
        "19:00",
    )
    await bot.say("ran 10 km 52:30")
    await bot.say("/start")
    assert (await bot.reply("mi")).startswith("Units: mi.")
    settings, _, activities = stored(tmp_path)
    assert settings.units == "mi" and len(activities) == 1


async def test_shared_location_sets_time_zone(bot: Runner, tmp_path: Path) -> None:
    await bot.say("/start")
    await bot.press("km")
    calls = await bot.send(location={"latitude": 52.52, "longitude": 13.40})
    assert calls[0].text == "Time zone: Europe/Berlin."
    assert calls[0].params["reply_markup"] == {"remove_keyboard": True}
    assert stored(tmp_path)[0].timezone == "Europe/Berlin"


async def test_long_run_report_numbers_first_with_buttons(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "mi")
    calls = await bot.say("long run 20 mi 3:05")
    reply = calls[-1]
    lines = reply.text.splitlines()
    assert lines[0] == "Logged: long run, 20 mi in 3:05:00 (9:15/mi), today."
    assert lines[1] == (
        "Walk 10-20 min now: 30-60 s for each of your 20 miles. Drink and refuel while you walk."
    )
    assert lines[2].startswith("Why: ")
    assert lines[3].startswith("Tip: ")
    assert [label for label, _ in reply.buttons[0]] == ["Why?", "Done: walked 10 min", "Undo"]
    _, state, activities = stored(tmp_path)
    assert len(activities) == 1
    run = activities[0]
    assert (run["type"], run["kind"], run["duration_s"]) == ("run", "long", 11100)
    assert run["distance_m"] == pytest.approx(32186.88)
    assert run["at"].startswith("2026-11-26T18:00:00+01:00")
    assert state.last_prescription is not None
    assert state.last_prescription.items[0].rule_id == "finisher-walk"


async def test_km_runner_gets_km_wording(bot: Runner) -> None:
    await onboard(bot, "km")
    text = await bot.reply("long run 32 km 3:10")
    assert text.startswith("Logged: long run, 32 km in 3:10:00 (5:56/km), today.\n")
    assert after_logged(text).startswith(
        "Walk 10-20 min now: 30-60 s for every mile of your 32 km (19.9 mi)."
    )


async def test_why_done_and_undo(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "mi")
    reply = await bot.say("long run 20 mi 3:05")
    why = await bot.press("Why?", reply)
    assert "Rule: finisher-walk" in why[-1].text
    assert "Source A7: After a longer run, walk 30-60 s for every mile" in why[-1].text
    assert (await bot.reply("/why")) == why[-1].text
    done = await bot.press("Done: walked 10 min", reply)
    assert done[-1].text == "Logged: walk 10 min. Nice work."
    again = await bot.press("Done: walked 10 min", reply)
    assert again[-1].text == "Already logged that walk."
    assert [a["type"] for a in stored(tmp_path)[2]] == ["run", "walk"]
    undone = await bot.reply("/undo")
    assert undone == "Removed: walk 10 min."
    removed = await bot.press("Undo", reply)
    assert removed[-1].text == "Removed: long run 20 mi in 3:05:00."
    assert stored(tmp_path)[2] == []
    assert (await bot.press("Undo", reply))[-1].text == "Already removed."
    assert await bot.reply("/undo") == "Nothing to undo."


async def test_steps_report_and_done_closes_the_gap(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    reply = (await bot.say("/steps 5200"))[-1]
    assert reply.text.startswith("Logged: 5,200 steps today.\n")
    assert after_logged(reply.text).startswith(
        "2,800 steps to your 8,000: 28 min of brisk walking (100 steps/min) closes the gap."
    )
    done = await bot.press("Done: walked 28 min")
    assert done[-1].text == "Logged: walk 28 min 2,800 steps. Nice work. That's 8,000 steps today."
    today = await bot.reply("/today")
    assert today.startswith("8,000 steps: your 8,000 goal is done today.")
    assert "Today: walk 28 min 2,800 steps." in today


async def test_guided_run_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    app, request = await started_app(tmp_path, clock)
    bot = Runner(app, request)
    await onboard(bot, "km")
    kinds = (await bot.say("/run"))[-1]
    assert kinds.text == "What kind of run was it?"
    assert [d for row in kinds.buttons for _, d in row][:3] == [
        "run:kind:easy",
        "run:kind:long",
        "run:kind:tempo",
    ]
    await bot.press("Easy")
    assert (await bot.reply("ten")).startswith("Type the distance like '10' (km)")
    assert (await bot.reply("5")).startswith("How long did it take?")
    await crashed_app(app)

    # A new process: same data folder, nothing in memory.
    app2, request2 = await started_app(tmp_path, clock)
    bot2 = Runner(app2, request2)
    assert (await bot2.reply("30:00")).startswith("Effort, 1 (very easy) to 10")
    feel = await bot2.press("8")
    assert feel[-1].text.startswith("How do your legs feel?")
    result = await bot2.press("Sore")
    text = result[-1].text
    assert after_logged(text).startswith("Cool down with a 3 min walk.")
    assert (
        "Make your next easy run a walk: 30 min (same time on your feet)"
        " or 90 min (3 min of walking per running minute)." in text
    )
    assert "30 min (same time on your feet) or" in text
    run = stored(tmp_path)[2][0]
    assert (run["kind"], run["distance_m"], run["duration_s"], run["effort"], run["sore"]) == (
        "easy",
        5000.0,
        1800,
        8,
        True,
    )
    assert stored(tmp_path)[1].draft is None
    await stopped_app(app2)


async def test_guided_run_with_pain_note(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "mi")
    await bot.say("/run")
    await bot.press("Tempo")
    await bot.say("6")
    await bot.say("50 min")
    await bot.press("Skip")  # effort
    text = await bot.reply("left knee hurts")
    assert after_logged(text).startswith(
        "Pain (left knee hurts) comes first: no running until it's gone."
    )
    assert stored(tmp_path)[2][0]["pain"] is True


async def test_guided_run_implausible_pace_is_redone(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    await bot.say("/run")
    await bot.press("Race")
    await bot.say("10")
    await bot.say("20:00")
    await bot.press("9")
    text = [c for c in await bot.press("All good") if c.method == "sendMessage"]
    assert text[0].text.startswith("10 km in 20:00 is faster than 2:30 min/km")
    assert text[1].text.startswith("How far?")
    assert stored(tmp_path)[2] == []


async def test_stale_button_is_refused(bot: Runner) -> None:
    await onboard(bot, "km")
    # Forged on purpose: no /run question is open, so no message shows this button.
    assert (await bot.tap("run:kind:easy"))[-1].text == "That question has already been answered."
    # A real stale button: the kind was typed, the question moved on, its buttons stayed.
    kinds = await bot.say("/run")
    assert (await bot.reply("easy")).startswith("How far?")
    stale = await bot.press("Easy", kinds)
    assert stale[-1].text == "That question has already been answered."


async def test_walk_and_steps_commands(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    assert (await bot.reply("/walk")).startswith("How long did you walk")
    text = await bot.reply("45 min 3.2 km")
    assert after_logged(text).startswith(
        "Your pace: 14:04 min/km (4.3 km/h), brisk, counts as moderate."
    )
    assert "Impact: about 52% less per step than running those 45 min." in text
    assert (await bot.reply("/walk 30 minutes")).startswith(
        "Logged: walk, 30 min, today.\nImpact: about 52% less"
    )
    assert (await bot.reply("/steps")).startswith("How many steps")
    assert (await bot.reply("7,400")).startswith(
        "Logged: 7,400 steps today.\n600 steps to your 8,000: 6 min"
    )
    assert [a["type"] for a in stored(tmp_path)[2]] == ["walk", "walk", "steps"]


async def test_today_and_week(bot: Runner, clock: FakeClock) -> None:
    await onboard(bot, "km")
    assert (await bot.reply("/today")).startswith("No steps logged today.")
    await bot.say("ran 10 km 50:00")
    await bot.say("walked 45 min 3.2 km")
    await bot.say("7400 steps")
    today = await bot.reply("/today")
    assert today.splitlines() == [
        "600 steps to your 8,000: 6 min of brisk walking (100 steps/min) closes the gap.",
        "Today: run 10 km in 50:00; walk 45 min 3.2 km.",
    ]
    photo = (await bot.say("/week"))[-1]
    assert photo.method == "sendPhoto"
    assert photo.files["photo"][1].startswith(b"\x89PNG")
    week = photo.text.splitlines()
    assert week[0] == "Your week, Fri 20 Nov - Thu 26 Nov"
    assert week[1] == "Running: 50 min"
    assert week[2] == "Walking: 45 min: 45 brisk"  # 3.2 km in 45 min: 2.65 mph
    assert week[3] == "Moderate-equivalent: 145 of 150 min (running counts double)"
    assert week[4] == "Days at 8,000+ steps: 0 of 7 (1 with a count logged)"
    assert "5 min of brisk walking gets you there." in week[-1]


async def test_local_day_follows_the_runners_time_zone(
    bot: Runner, clock: FakeClock, tmp_path: Path
) -> None:
    await onboard(bot, "km", zone="Asia/Tokyo")
    clock.now = clock.now.replace(hour=16)  # 01:00 on Friday in Tokyo
    await bot.say("7400 steps")
    assert stored(tmp_path)[2][0]["at"].startswith("2026-11-27T01:00:00+09:00")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/goal abc", "A step goal is a number from 1,000 to 100,000, like /goal 9000."),
        ("/timezone Mars/Base", "I don't know the time zone 'Mars/Base'."),
        ("/nudge 25:99", "Give the time as HH:MM on a 24-hour clock, like /nudge 19:30, or 'off'."),
        ("/units furlongs", "Please answer 'km' or 'mi'."),
        ("/weight 5 kg", "That weight looks off: I take 30-300 kg (66-660 lb)."),
    ],
)
async def test_wrong_command_arguments_explain_the_form(
    bot: Runner, tmp_path: Path, command: str, answer: str
) -> None:
    await onboard(bot, "km")
    before = stored(tmp_path)[0]
    assert (await bot.reply(command)).startswith(answer)
    assert stored(tmp_path)[0] == before


async def test_direct_settings(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    assert await bot.reply("/units mi") == "Units: mi."
    assert await bot.reply("/timezone Europe/Berlin") == "Time zone: Europe/Berlin."
    assert await bot.reply("/goal 9000") == "Step goal: 9,000 a day."
    assert (
        await bot.reply("/nudge 19:30")
        == "Nudge time: 19:30 your time, on days your steps are short."
    )
    assert (await bot.reply("/nudge off")).startswith("Nudges are off.")
    assert (await bot.reply("/nudge on")).startswith("Nudge time: 19:00")
    low = await bot.reply("/goal 6000")
    assert low.startswith("Step goal: 6,000. Heads-up: under 8,000 steps a day blunts")
    settings = stored(tmp_path)[0]
    assert (settings.units, settings.timezone, settings.step_goal, settings.nudge) == (
        "mi",
        "Europe/Berlin",
        6000,
        "19:00",
    )


async def test_settings_menu_edits_one_field(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    menu = (await bot.say("/settings"))[-1]
    assert "Units: km\nTime zone: Europe/Berlin\nStep goal: 8,000" in menu.text
    question = await bot.press("Mileage goal")
    assert question[-1].text.startswith("Is building more mileage a goal")
    answer = await bot.press("Yes")
    assert answer[-1].text == "More mileage is a goal."
    assert stored(tmp_path)[0].more_mileage is True
    text = await bot.reply("ran 5 km 28:00")
    assert "If you add a second session, make it a brisk walk at 9:19-14:55 min/km." in text


async def test_export_is_a_json_file_with_everything(bot: Runner) -> None:
    await onboard(bot, "mi")
    await bot.say("long run 20 mi 3:05")
    await bot.say("7400 steps")
    call = (await bot.say("/export"))[-1]
    assert call.method == "sendDocument"
    filename, content = call.files["document"]
    assert filename == "walk-coach-42.json"
    data = json.loads(content)
    assert data["settings"]["units"] == "mi"
    assert [a["type"] for a in data["activities"]] == ["run", "steps"]
    assert data["activities"][1]["steps"] == 7400
    assert "2 logged activities" in call.params["caption"]


async def test_delete_asks_then_removes_every_trace(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    await bot.say("ran 5 km 30 min")
    ask = (await bot.say("/delete"))[-1]
    assert ask.text.startswith("This removes every run, walk")
    kept = await bot.press("No, keep it")
    assert kept[-1].text == "Nothing deleted." and stored(tmp_path) is not None
    # The answered question lost its buttons: asking again is how a runner gets them back.
    await bot.say("/delete")
    gone = await bot.press("Yes, delete everything")
    assert gone[-1].text.startswith("Done: everything I stored about you is gone.")
    assert stored(tmp_path) is None
    assert list(tmp_path.rglob("42.json")) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ran 10 km 20:00", "faster than 2:30 min/km"),
        ("ran 100 km 30:00:00", "longer than a day"),
        ("ran 260 km 23:00:00", "more than a single run"),
        ("walked 10 km 45 min", "that's a run"),
        ("150000 steps", "more than a day can hold"),
        ("ran -5 km 30 min", "Negative numbers"),
        ("ran 5 km 30 min on 2026-12-25", "in the future"),
        ("walk 30 min on 2025-01-01", "more than a year ago"),
        ("what's up coach", "Hi, Ana! Tell me about a run"),
        ("asdf qwerty", "I couldn't find a distance or a time"),
        ("x" * 4096 + "y", "too long"),
    ],
)
async def test_bad_reports_get_a_friendly_reason_and_store_nothing(
    bot: Runner, tmp_path: Path, text: str, says: str
) -> None:
    await onboard(bot, "km")
    before = stored(tmp_path)
    assert says in await bot.reply(text)
    assert stored(tmp_path) == before


async def test_bad_report_from_a_new_user_creates_no_file(bot: Runner, tmp_path: Path) -> None:
    assert "faster than 2:30 min/km" in await bot.reply("ran 10 km 20:00")
    greeting = await bot.reply("hi")
    assert greeting.startswith("Hi! I'm Walk Coach") and "/start" in greeting
    assert stored(tmp_path) is None


async def test_report_for_an_earlier_day_is_advice_for_next_time(bot: Runner) -> None:
    await onboard(bot, "mi")
    reply = (await bot.say("long run 20 mi 3:05 yesterday"))[-1]
    assert after_logged(reply.text).startswith("Next time, walk 10-20 min after a run like this:")
    assert [label for label, _ in reply.buttons[0]] == ["Why?", "Undo"]


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "su",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 3}},
    ],
)
async def test_non_text_gets_a_hint(bot: Runner, content: dict[str, object]) -> None:
    calls = await bot.send(**content)
    assert calls[-1].text.startswith("I can only read text.")


async def test_unknown_command_and_cancel(bot: Runner) -> None:
    assert (await bot.reply("/fly")).startswith("I don't know that command.")
    assert await bot.reply("/cancel") == "Nothing to cancel."
    await bot.say("/run")
    assert await bot.reply("/cancel") == "OK, stopped. Nothing from that question was saved."
    assert after_logged(await bot.reply("ran 5 km 30 min")).startswith("Cool down")


async def test_edited_message_is_not_logged_twice(bot: Runner, tmp_path: Path) -> None:
    await onboard(bot, "km")
    await bot.say("ran 5 km 30 min")
    edited = bot._message(text="ran 5 km 31 min", edit_date=1_800_000_100)
    calls = await bot._process({"edited_message": edited})
    assert calls == []
    assert len(stored(tmp_path)[2]) == 1


async def test_a_crash_gets_an_apology_and_a_clean_log(
    bot: Runner, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import coaching

    def broken(*args: object) -> object:
        raise RuntimeError("rules engine exploded")

    monkeypatch.setattr(coaching, "evaluate", broken)
    with caplog.at_level(logging.ERROR):
        reply = await bot.reply("secret marathon 3:59:00")
    assert reply.startswith("Sorry, something went wrong on my side.")
    assert "rules engine exploded" in caplog.text
    assert "user_id=42" in caplog.text
    assert "secret marathon" not in caplog.text
    assert FAKE_TOKEN not in caplog.text


async def test_command_menu_is_registered(bot: Runner) -> None:
    # Registered at start-up (the `bot` fixture starts the app as run_polling does).
    call = [c for c in bot.request.calls if c.method == "setMyCommands"][-1]
    names = [c["command"] for c in call.params["commands"]]
    assert names[:3] == ["run", "walk", "steps"] and "delete" in names and "help" in names


async def test_a_message_delivered_twice_is_logged_once(bot: Runner, tmp_path: Path) -> None:
    # Telegram redelivers an update the bot processed but had not confirmed when it died.
    await onboard(bot, "km")
    message = bot._message(text="ran 10 km 52:30")
    first = await bot._process({"message": message})
    again = await bot._process({"message": message})
    assert after_logged(first[-1].text).startswith("Cool down with a 3-6 min walk.")
    assert again[-1].text == "Got that one already: it's in your log (see /today)."
    assert len(stored(tmp_path)[2]) == 1
    group = {"id": -5, "type": "group", "title": "Club"}
    member = Runner(bot.app, bot.request, user_id=42, first_name="Ana", chat=group)
    command = member._message(
        text="/steps 9000", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
    )
    await member._process({"message": command})
    await member._process({"message": command})
    assert [a["type"] for a in stored(tmp_path)[2]] == ["run", "steps"]
