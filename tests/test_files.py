"""Files from a watch or an app, sent as documents through the Bot API stand-in: getFile,
the download, the reply with the prescription, the zip import's edited progress message,
and every bad file. The files are written by the tests (tests/trackfiles.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.outbox import retry_owed
from bot.texts import ALREADY_LOGGED, SENT_AGAIN, SENT_AGAIN_LOGGED
from bot.workers import Worker
from tests import trackfiles as tf
from tests.filekit import USER, FileChat, SharedWorker, file_chat, labels_of, replies

NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    """One worker process for the module."""
    shared = SharedWorker()
    yield shared
    shared.stop()


@pytest.fixture
async def chat(tmp_path: Path, worker: Worker) -> AsyncIterator[FileChat]:
    async with file_chat(tmp_path, NOW, worker) as opened:
        yield opened


def activities(chat: FileChat) -> list[dict[str, Any]]:
    """The runner's stored activity documents."""
    found = chat.stored()
    return list(found[2]) if found else []


async def test_long_run_fit_with_cooldown_walk(chat: FileChat) -> None:
    calls = await chat.send_file("Morning_Run.fit", tf.fit_bytes(tf.long_run_with_cooldown()))
    assert [c.method for c in calls] == ["getFile", "download", "sendMessage"]
    text = replies(calls)
    assert text.startswith(
        "Logged from your FIT file: run, 32.4 km in 3:00:02 (5:33/km), today at 08:00."
        " Average heart rate 145, cadence 170 steps/min, climb 40 m."
    )
    assert "Steps: +32,640 from the file, 32,640 today." in text
    # The long-run finisher (A7) for 20.1 mi, answered at once by the walk in the file.
    assert (
        "Walk 10-20 min now: 30-60 s for every mile of your 32.4 km (20.1 mi). Drink and"
        " refuel while you walk.\nDone already: your file ends with 12 min of walking,"
        " 1.01 km, logged as this finisher walk."
    ) in text
    # The finisher walk is already logged: no Done that would log it twice.
    assert labels_of(calls) == ["Why?", "Undo"]
    kinds = sorted(str(a["type"]) for a in activities(chat))
    assert kinds == ["run", "walk"]
    run = next(a for a in activities(chat) if a["type"] == "run")
    assert (run["recording"]["fmt"], run["recording"]["steps"]) == ("FIT", 32_640)


async def test_undo_removes_what_the_file_logged(chat: FileChat) -> None:
    calls = await chat.send_file("long.fit", tf.fit_bytes(tf.long_run_with_cooldown()))
    undone = await chat.press("Undo", calls)
    assert replies(undone).startswith("Removed: run 32.4 km in 3:00:02; walk 12 min")
    assert activities(chat) == []


async def test_walk_breaks_in_a_gpx_run(chat: FileChat) -> None:
    calls = await chat.send_file("run.gpx", tf.gpx_bytes(tf.run_with_breaks()))
    text = replies(calls)
    # 7,641 m planned; along the GPS positions, within a few metres of it.
    assert text.startswith(
        (
            "Logged from your GPX file: run, 7.64 km in 45:15",
            "Logged from your GPX file: run, 7.65 km in 45:15",
        )
    )
    # Four breaks of 60, 90, 45 and 120 s: about 5 min of walking inside the run.
    assert "You walked 4 times during the run, 5 min in all" in text
    assert "Done: walked" in " ".join(labels_of(calls))  # no finisher in the file


async def test_walk_file_after_a_run_is_its_finisher(chat: FileChat) -> None:
    run = await chat.say("long run 20 mi 3:05")
    assert replies(run).startswith("Logged: long run")
    # The runner walked, then typed the run (logged at 14:00) and sent the walk's file.
    walk_start = NOW - timedelta(minutes=20)
    calls = await chat.send_file("walk.tcx", tf.tcx_bytes(tf.walk(15, walk_start)))
    assert "It counts as the finisher walk of the run you logged at 14:00." in replies(calls)
    done = await chat.press("Done: walked", run)
    assert replies(done) == "Already logged that walk."


async def test_treadmill_run_without_gps(chat: FileChat) -> None:
    calls = await chat.send_file("treadmill.fit", tf.fit_bytes(tf.treadmill(30)))
    assert replies(calls).startswith("Logged from your FIT file: run, 5.04 km in 30:00 (5:57/km)")


async def test_gzipped_fit_as_strava_exports_it(chat: FileChat) -> None:
    calls = await chat.send_file("123.fit.gz", tf.gz(tf.fit_bytes(tf.walk(40))))
    assert replies(calls).startswith("Logged from your FIT file: walk, 40 min, 3.36 km")


async def test_same_activity_twice_is_logged_once(chat: FileChat) -> None:
    plan = tf.run_with_breaks()
    await chat.send_file("run.fit", tf.fit_bytes(plan))
    again = await chat.send_file("run.fit", tf.fit_bytes(plan))
    assert replies(again).startswith("Already in your log: run 7.64 km in 45:15, Sun 29 Nov 08:00.")
    other_format = await chat.send_file("run.gpx", tf.gpx_bytes(plan))
    assert replies(other_format).startswith("Already in your log")
    assert [a["type"] for a in activities(chat)].count("run") == 1


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("cut.fit", tf.fit_bytes(tf.walk(5))[:-400], "I couldn't read that FIT file"),
        ("photo.fit", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "That isn't an activity file I know."),
        ("empty.gpx", b"", "That file is empty."),
        ("route.gpx", b'<?xml version="1.0"?><gpx version="1.1"></gpx>', "has no timed track"),
        ("bad.gz", b"\x1f\x8b\x08\x00garbage", "That .gz file is damaged"),
        ("ride.fit", tf.fit_bytes(tf.Plan([(600, 7.0)], sport="cycling")), "a cycling activity"),
        (
            "future.fit",
            tf.fit_bytes(tf.Plan([(600, 3.0)], start=NOW + timedelta(days=2))),
            "That file's activity starts at Tue 01 Dec 2026, after now",
        ),
        ("nothing.zip", tf.zip_bytes([("notes.txt", b"hi")]), "has no FIT, GPX or TCX files"),
        ("broken.zip", b"PK\x03\x04 not really", "That .zip is damaged"),
    ],
)
async def test_bad_files_get_one_sentence_and_store_nothing(
    chat: FileChat, name: str, data: bytes, says: str
) -> None:
    calls = await chat.send_file(name, data)
    text = replies(calls)
    assert says in text
    assert "Nothing stored." in text
    assert len(text.splitlines()) == 1
    assert activities(chat) == []


async def test_a_file_over_telegrams_20_mb_is_not_fetched(chat: FileChat) -> None:
    calls = await chat.send_file("huge.fit", b"x", size=25 * 2**20)
    assert [c.method for c in calls] == ["sendMessage"]
    assert replies(calls).startswith("That file is 25 MB; Telegram lets me download files up")


async def test_a_caption_with_pain_is_heard(chat: FileChat) -> None:
    calls = await chat.send_file(
        "run.fit", tf.fit_bytes(tf.treadmill(30)), caption="left knee hurts"
    )
    text = replies(calls)
    assert "you said: left knee hurts" in text
    assert "Pain (left knee hurts) comes first" in text


@pytest.fixture(scope="module")
def history() -> bytes:
    """200 activities, 3 of them twice."""
    return tf.history_zip(200, duplicates=3, now=NOW)


async def test_history_zip_imports_twelve_weeks_with_progress(
    chat: FileChat, history: bytes
) -> None:
    calls = await chat.send_file("export_12345.zip", history)
    sent = [c for c in calls if c.method == "sendMessage"]
    edits = [c for c in calls if c.method == "editMessageText"]
    assert len(sent) == 1 and sent[0].text.startswith("Importing 200 files…\n░░░░░░░░░░ 0/200")
    assert len(edits) >= 3
    assert all(int(e.params["message_id"]) == sent[0].message_id for e in edits)
    assert "▓▓▓▓▓░░░░░ 100/200" in [e.text.splitlines()[-1] for e in edits]
    final = edits[-1].text
    # One run a day back from yesterday: 84 days in 12 weeks; the 3 GPX twins skipped.
    assert "Imported 84 from the last 12 weeks: 84 runs, 0 walks." in final
    assert "Already in your log (skipped): 3." in final
    assert "Older than 12 weeks (skipped): 113." in final
    assert len(activities(chat)) == 84
    again = await chat.send_file("export_12345.zip", history)
    assert "Imported 0 from the last 12 weeks" in replies(again)
    assert len(activities(chat)) == 84


GROUP = {"id": -100777, "type": "supergroup", "title": "Harriers"}


async def test_a_member_sends_a_file_in_the_club_group(chat: FileChat) -> None:
    await chat.say("/start")  # a private chat: the details go there
    refused = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)), chat=GROUP)
    assert replies(refused) == "Ana, send /join first: then your files go to your own log."
    await chat.say("/join", GROUP)
    calls = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)), chat=GROUP)
    in_group = [c.text for c in calls if c.chat_id == GROUP["id"]]
    in_private = [c.text for c in calls if c.chat_id == USER]
    assert in_group == ["Logged for Ana. Details sent privately."]
    assert in_private[0].startswith("Logged from your FIT file: run, 5.04 km in 30:00")
    assert [a["type"] for a in activities(chat)].count("run") == 1


async def test_import_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    data = tmp_path / "data"
    monkeypatch.setenv("WALKCOACH_DATA_DIR", str(data))
    fit = tmp_path / "long.fit"
    # The command line reads the real clock: the run began 8 hours ago.
    start = (datetime.now(UTC) - timedelta(hours=8)).replace(microsecond=0)
    fit.write_bytes(tf.fit_bytes(replace(tf.long_run_with_cooldown(), start=start)))
    assert main(["import", str(fit), "--dry-run", "--units", "mi", "--tz", "Berlin"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("long.fit:\nLogged from your FIT file: run, 20.13 mi in 3:00:02")
    assert f"at {start.astimezone(ZoneInfo('Europe/Berlin')):%H:%M}" in out
    assert not data.exists()  # a dry run stores nothing
    assert main(["import", str(fit), "--user", "42"]) == 0
    assert "Logged from your FIT file" in capsys.readouterr().out
    assert main(["import", str(fit), "--user", "42"]) == 0
    assert "Already in your log" in capsys.readouterr().out
    assert main(["import", str(tmp_path / "missing.fit"), "--dry-run"]) == 1


async def test_a_file_during_setup_is_logged_and_setup_goes_on(chat: FileChat) -> None:
    asked = await chat.say("/start")
    assert replies(asked).startswith("Hi, Ana!")
    calls = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)))
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert texts[0].startswith("Logged from your FIT file: run, 5.04 km")
    assert texts[-1].startswith("Back to setup: Kilometres or miles?")
    miles = await chat.press("miles", calls)
    assert "time zone" in replies(miles)


async def test_a_file_answers_a_pending_run_question(chat: FileChat) -> None:
    await chat.say("/run")
    calls = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)))
    assert replies(calls).startswith("Logged from your FIT file")
    assert "That file has it all, so your /run questions are closed." in replies(calls)
    after = await chat.say("7400 steps")
    # No /run step waiting; the count typed after the run holds its steps (latest wins).
    assert replies(after).startswith("Logged: 7,400 steps today (was 5,100;")


async def test_files_out_of_time_order_both_count_their_steps(chat: FileChat) -> None:
    evening = tf.Plan([(1800, 3.0)], start=NOW - timedelta(hours=2))
    morning = tf.Plan([(1800, 3.0)], start=NOW - timedelta(hours=6))
    await chat.send_file("evening.fit", tf.fit_bytes(evening))
    calls = await chat.send_file("morning.fit", tf.fit_bytes(morning))
    assert "Steps: +5,100 from the file, 10,200 today." in replies(calls)
    typed = await chat.say("12000 steps")  # the phone's count, run steps included
    assert replies(typed).startswith("Logged: 12,000 steps today (was 10,200;")


async def test_the_runners_words_come_after_the_time(chat: FileChat) -> None:
    calls = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)), caption="felt easy")
    assert "(5:57/km), today at 08:00; you said: felt easy." in replies(calls)


async def test_a_zip_with_one_activity_is_read_like_the_file(chat: FileChat) -> None:
    """Garmin Connect's "Export Original": one FIT in a zip."""
    single = tf.zip_bytes([("123456789_ACTIVITY.fit", tf.fit_bytes(tf.treadmill(30)))])
    calls = await chat.send_file("123456789.zip", single)
    assert replies(calls).startswith("Logged from your FIT file: run, 5.04 km in 30:00")
    assert "Cool down with" in replies(calls)  # the prescription, as for the file itself


async def test_a_zip_inside_the_zip_is_read(chat: FileChat) -> None:
    """Garmin's account export keeps its FIT files in zips inside the export."""
    day = NOW - timedelta(days=1)
    inner = tf.zip_bytes(
        [
            (f"{n}.fit", tf.fit_bytes(tf.Plan([(1800, 3.0)], start=day - timedelta(days=n))))
            for n in range(3)
        ]
    )
    outer = tf.zip_bytes([("DI_CONNECT/UploadedFiles_0-_Part1.zip", inner), ("a.json", b"{}")])
    calls = await chat.send_file("export.zip", outer)
    assert replies(calls).startswith("Importing 3 files…")
    assert "Imported 3 from the last 12 weeks: 3 runs, 0 walks." in replies(calls)


async def test_an_empty_zip(chat: FileChat) -> None:
    calls = await chat.send_file("empty.zip", tf.zip_bytes([]))
    assert replies(calls) == (
        "That .zip has no FIT, GPX or TCX files in it (Strava's export keeps them in its"
        " activities folder). Nothing stored."
    )


async def test_a_count_smaller_than_the_files_cannot_hold_them(chat: FileChat) -> None:
    await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)))  # 5,100 steps, 08:00
    await chat.say("3000 steps")  # typed at 14:00: less than the run alone
    walk = tf.walk(10, NOW - timedelta(hours=3))  # 1,100 steps, ended before the count
    calls = await chat.send_file("walk.fit", tf.fit_bytes(walk))
    assert "Steps: +1,100 from the file, 6,200 today." in replies(calls)


async def test_a_bad_file_in_a_one_file_zip_is_named(chat: FileChat) -> None:
    big = tf.zip_bytes([("run.gpx", b"<gpx>" + b" " * (65 * 2**20))])
    calls = await chat.send_file("export.zip", big)
    assert replies(calls) == (
        "I couldn't read run.gpx in that .zip: unpacks to more than 64 MB. Nothing stored."
    )


async def test_a_failed_import_summary_is_sent_later_and_stored_once(chat: FileChat) -> None:
    small = tf.history_zip(12, duplicates=0, now=NOW)
    failing = {"editMessageText": 1, "sendMessage": 1}

    def fault(method: str, params: dict[str, Any]) -> str | None:
        # The summary's edit of the progress message fails, then the message sent in
        # its place (Telegram answers 500: nothing shown).
        if "Imported" in str(params.get("text", "")) and failing.get(method, 0) > 0:
            failing[method] -= 1
            return "500"
        return None

    chat.standin.fault = fault
    update = chat.standin.document(USER, "export.zip", small)
    calls = await chat._process(update)
    assert "Importing 12 files…" in replies(calls) and "Imported" not in replies(calls)
    assert len(activities(chat)) == 12  # stored, and no apology
    journal = chat.app.services.journal
    assert len(journal.owed()) == 1
    mark = chat.standin.mark()
    await retry_owed(chat.app.bot, journal)  # the outbox, a few seconds later
    later = chat.standin.calls[mark:]
    assert [c.method for c in later] == ["sendMessage"]
    assert "Imported 12 from the last 12 weeks: 12 runs, 0 walks." in later[0].text
    assert "Sent again" not in later[0].text  # both tries surely failed (500s)
    assert journal.owed() == []
    # Telegram delivers the update again: nothing is stored twice.
    again = await chat._process(update)
    assert replies(again).endswith(ALREADY_LOGGED)
    assert len(activities(chat)) == 12


async def test_an_import_summary_whose_edit_may_have_landed_says_so(chat: FileChat) -> None:
    small = tf.history_zip(12, duplicates=0, now=NOW)
    left = [1]

    def fault(method: str, params: dict[str, Any]) -> str | None:
        # The summary's edit lands, and its answer is lost: the bot cannot tell.
        if method == "editMessageText" and "Imported" in str(params.get("text")) and left[0]:
            left[0] -= 1
            return "reset_after"
        return None

    chat.standin.fault = fault
    calls = await chat._process(chat.standin.document(USER, "export.zip", small))
    summary = [c.text for c in calls if "Imported 12" in c.text]
    assert [c.method for c in calls if "Imported 12" in c.text] == [
        "editMessageText",
        "sendMessage",
    ]
    assert summary[1] == f"{summary[0]}\n\n{SENT_AGAIN}"  # the runner may see both
    assert len(activities(chat)) == 12
    assert chat.app.services.journal.owed() == []


async def test_an_import_goes_on_when_its_progress_message_fails(chat: FileChat) -> None:
    def fault(method: str, params: dict[str, Any]) -> str | None:
        text = str(params.get("text", ""))
        return "502" if method == "sendMessage" and text.startswith("Importing") else None

    chat.standin.fault = fault
    calls = await chat.send_file("export.zip", tf.history_zip(12, duplicates=0, now=NOW))
    # No progress to edit: the summary comes as a message of its own.
    assert [c.method for c in calls if c.method != "download"] == ["getFile", "sendMessage"]
    assert "Imported 12 from the last 12 weeks: 12 runs, 0 walks." in calls[-1].text
    assert len(activities(chat)) == 12
    assert chat.app.services.journal.owed() == []


async def test_a_failed_group_line_for_a_file_is_sent_later(chat: FileChat) -> None:
    await chat.say("/start")
    await chat.say("/join", GROUP)
    left = [1]

    def fault(method: str, params: dict[str, Any]) -> str | None:
        if method == "sendMessage" and str(params.get("chat_id")) == str(GROUP["id"]) and left[0]:
            left[0] -= 1
            return "reset_before"  # the connection drops: nothing shown in the group
        return None

    chat.standin.fault = fault
    calls = await chat.send_file("run.fit", tf.fit_bytes(tf.treadmill(30)), chat=GROUP)
    assert [c.chat_id for c in calls if c.method == "sendMessage"] == [USER]  # the details
    mark = chat.standin.mark()
    await retry_owed(chat.app.bot, chat.app.services.journal)
    later = chat.standin.calls[mark:]
    # A drop the bot cannot tell from one after delivery: the resend says so.
    assert [(c.chat_id, c.text) for c in later] == [
        (GROUP["id"], f"Logged for Ana. Details sent privately.\n\n{SENT_AGAIN_LOGGED}")
    ]
    assert [a["type"] for a in activities(chat)].count("run") == 1
