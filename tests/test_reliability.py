"""Reliability offline: the update journal, the reply outbox, per-runner order, forged
shapes, nudges through an outage and a send of unknown outcome, the chart worker's end."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import ExtBot

from bot import texts
from bot.context import clock_from
from bot.intake import Owed, UpdateJournal, clean
from bot.outbox import deliver, retry_owed
from bot.processing import PerRunnerProcessor
from bot.replies import Button, Document, Reply
from bot.scheduling import Outcome, RunnerSource
from bot.settings import SettingsError, load_settings
from tests.flowkit import FakeClock, Runner, crashed_app, started_app, stopped_app, stored
from tests.offline import FAKE_API, FAKE_TOKEN, RecordingRequest, text_update

ROOT = Path(__file__).resolve().parent.parent


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---- the journal file ----


def test_journal_keeps_what_was_not_handled_and_refuses_redeliveries(tmp_path: Path) -> None:
    path = tmp_path / "updates-journal.jsonl"
    journal = UpdateJournal(path)
    journal.open()
    assert journal.receive([text_update(1, 7, "a", 1), text_update(2, 7, "b", 2)]) == [1, 2]
    journal.handled(1)
    reply = Reply("hi", ((Button("Undo", "rx:undo:1"),),), document=Document("f.csv", b"\x00"))
    journal.prepare(Owed(3, 7, (reply, Reply("two"))))
    journal.owe(3)
    journal.prepare(Owed(6, 7, (Reply("three"),)))  # the run died before its file was written
    journal.sent(3, 1)
    journal.trying(3, 1)  # the kill came while reply 1 was out
    with path.open("ab") as torn:  # a kill in mid-append
        torn.write(b'{"u": 4, "upd')
    again = UpdateJournal(path)
    again.open()
    assert [u["update_id"] for u in again.pending()] == [2]
    [owed] = again.owed()
    assert (owed.sent, owed.replies[0], owed.replies[1].text) == (1, reply, "two")
    assert owed.tried == 1  # sent again, it says so
    prepared = again.prepared_for(6)
    assert prepared is not None and prepared.replies == (Reply("three"),)
    # Telegram delivers 1 and 2 again (a kill before the offset was confirmed): not new.
    assert again.receive([text_update(1, 7, "a", 1), text_update(2, 7, "b", 2)]) == []
    assert again.receive([text_update(5, 7, "c", 3)]) == [5]
    again.close()
    third = UpdateJournal(path)
    third.open()  # the file `again` compacted keeps the try
    assert third.owed()[0].tried == 1
    third.trying(3, -1)  # that try surely failed: a plain resend
    third.open()
    assert third.owed()[0].tried == -1


def test_replies_to_two_chats_keep_their_chats_and_fallback_across_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "updates-journal.jsonl"
    journal = UpdateJournal(path)
    journal.open()
    owed = Owed(8, -400, (Reply("details"), Reply("line: sent privately")), chats=(7, -400))
    owed.fallback = Reply("line with the details")
    journal.prepare(owed)
    journal.owe(8)
    journal.sent(8, 1, refused=True)  # the runner's chat refused the details
    again = UpdateJournal(path)
    again.open()
    [left] = again.owed()
    assert (left.sent, left.chat_of(1), left.reply_at(1).text) == (1, -400, "line with the details")


def test_lone_surrogates_are_cleaned_at_intake() -> None:
    raw = clean(text_update(1, 7, "walked 20 min \ud83d", 1))
    assert raw["message"]["text"] == "walked 20 min \ufffd"
    raw["message"]["text"].encode("utf-8")  # storable


# ---- store and reply tied together ----


async def test_a_failed_reply_is_owed_and_sent_later_never_apologised(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    runner = Runner(app, request, user_id=5)
    await runner.say("/start")
    await runner.say("/cancel")
    request.network_errors[5] = 1  # the reply to the report fails once (a 5xx, a reset)
    update = Update.de_json(text_update(900, 5, "walked 25 min", 77), app.bot)
    app.services.journal.receive([update.to_dict()])
    before = len(request.calls)
    await app.process_update(update)
    said = [c.text for c in request.calls[before:] if c.method == "sendMessage"]
    assert texts.APOLOGY not in said  # no "please try again": it was stored
    assert len(stored(tmp_path, 5)[2]) == 1
    assert len(app.services.journal.owed()) == 1
    assert app.services.journal.pending() == []  # handled: never processed again
    await retry_owed(app.bot, app.services.journal)  # the outbox job, seconds later
    sent = [c.text for c in request.calls[before:] if c.method == "sendMessage"]
    assert sent[-1].startswith("Logged: ")
    assert "Sent again" not in sent[-1]  # the failed try never reached Telegram
    assert app.services.journal.owed() == []
    assert len(stored(tmp_path, 5)[2]) == 1  # stored exactly once
    await stopped_app(app)


async def _set_up_runner_5(tmp_path: Path) -> tuple[Any, TimingOut, Runner]:
    """Runner 5, set up, on a request that can lose answers (`request.chat = 5`)."""
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    request = TimingOut(chat=-1)
    app, _ = await started_app(tmp_path, clock, request=request, rate_limiter=False)
    runner = Runner(app, request, user_id=5)
    await runner.say("/start")
    await runner.say("/cancel")
    return app, request, runner


async def test_a_reply_that_may_have_arrived_says_so_when_sent_again(tmp_path: Path) -> None:
    app, request, runner = await _set_up_runner_5(tmp_path)
    request.chat = 5  # the reply reaches Telegram, its answer never comes back
    before = len(request.calls)
    await runner.say("walked 25 min")
    request.chat = -1
    assert len(app.services.journal.owed()) == 1
    await retry_owed(app.bot, app.services.journal)
    first, again = [c.text for c in request.calls[before:] if c.method == "sendMessage"]
    assert first.startswith("Logged: walk, 25 min") and "Sent again" not in first
    assert again == f"{first}\n\n{texts.SENT_AGAIN_LOGGED}"  # the runner may see both
    assert len(stored(tmp_path, 5)[2]) == 1  # the log holds it once
    assert app.services.journal.owed() == []
    await stopped_app(app)


async def test_a_failed_retry_keeps_the_sent_again_note(tmp_path: Path) -> None:
    app, request, runner = await _set_up_runner_5(tmp_path)
    request.chat = 5  # the first try may have arrived
    before = len(request.calls)
    await runner.say("/cancel")  # not a log: the note says only that it is a resend
    request.chat = -1
    request.network_errors[5] = 1  # the retry surely fails (a 502 of the outage)
    await retry_owed(app.bot, app.services.journal)
    assert len(app.services.journal.owed()) == 1
    await retry_owed(app.bot, app.services.journal)
    said = [c.text for c in request.calls[before:] if c.method == "sendMessage"]
    marked = f"{texts.NOTHING_TO_CANCEL}\n\n{texts.SENT_AGAIN}"
    assert said == [texts.NOTHING_TO_CANCEL, marked, marked]  # the 502'd try, then the one
    await stopped_app(app)


def test_a_note_that_would_not_fit_leaves_the_reply_as_it_was(tmp_path: Path) -> None:
    journal = UpdateJournal(tmp_path / "updates-journal.jsonl")
    journal.open()
    long = Reply("Logged: walk, 25 min. " + "x" * 4060)
    journal.prepare(Owed(3, 7, (long, Reply("Logged: short"))))
    owed = journal.owe(3)
    assert owed is not None
    request = RecordingRequest()
    owed.tried = 0
    asyncio.run(_deliver_with(request, journal, owed))
    assert [c.text for c in request.calls if c.method == "sendMessage"] == [
        long.text,  # 4,082 characters: the note would pass Telegram's 4,096
        "Logged: short",
    ]


async def _deliver_with(request: RecordingRequest, journal: UpdateJournal, owed: Owed) -> None:
    bot = ExtBot(FAKE_TOKEN, base_url=f"{FAKE_API}/bot", request=request)
    async with bot:
        assert await deliver(bot, journal, owed)


def test_a_reply_owed_to_a_group_that_migrated_goes_to_the_new_group(tmp_path: Path) -> None:
    journal = UpdateJournal(tmp_path / "updates-journal.jsonl")
    journal.open()
    journal.prepare(Owed(4, -400, (Reply("Logged for Ana. Details sent privately."),)))
    journal.owe(4)
    journal.prepare(Owed(5, 7, (Reply("Logged: walk, 20 min"),)))  # another runner's
    journal.owe(5)
    request = RecordingRequest()
    upgraded = {
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -100400},
    }
    request.failures[-400] = [(400, upgraded)]
    asyncio.run(_retry_twice(request, journal))
    sent = [(c.chat_id, c.text) for c in request.calls if c.method == "sendMessage"]
    assert sent == [
        (-400, "Logged for Ana. Details sent privately."),  # answered: upgraded
        (7, "Logged: walk, 20 min"),  # never stalled behind the group
        (-100400, "Logged for Ana. Details sent privately."),
    ]
    assert journal.owed() == []


async def _retry_twice(request: RecordingRequest, journal: UpdateJournal) -> None:
    bot = ExtBot(FAKE_TOKEN, base_url=f"{FAKE_API}/bot", request=request)
    async with bot:
        await retry_owed(bot, journal)  # the group's try: moved; the runner's: sent
        await retry_owed(bot, journal)  # the group's line, to the supergroup


def test_the_journal_keeps_every_line_across_its_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "updates-journal.jsonl"
    journal = UpdateJournal(path)
    journal.open()
    monkeypatch.setattr("bot.intake.COMPACT_AFTER", 3)  # every few lines
    journal.prepare(Owed(1, 7, (Reply("one"), Reply("two"))))
    journal.owe(1)
    journal.trying(1, 0)
    journal.sent(1, 1)
    journal.trying(1, 1)
    assert journal.receive([text_update(10, 7, "a", 1), text_update(11, 7, "b", 2)]) == [10, 11]
    again = UpdateJournal(path)
    again.open()
    [owed] = again.owed()
    assert (owed.sent, owed.tried) == (1, 1)  # reply 0 went out; reply 1 may have
    assert [u["update_id"] for u in again.pending()] == [10, 11]  # confirmed: never lost


async def test_a_replayed_report_is_stored_once(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    update = text_update(901, 6, "walked 30 min", 88)
    for _ in range(2):  # the first run died before noting it handled; the next replays it
        await app.process_update(Update.de_json(update, app.bot))
    assert len(stored(tmp_path, 6)[2]) == 1
    assert request.calls[-1].text == texts.ALREADY_LOGGED
    await stopped_app(app)


async def test_a_kill_between_the_write_and_its_note_still_answers_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    raw = text_update(902, 11, "walked 35 min", 99)
    app.services.journal.receive([raw])

    async def killed(*args: Any) -> bool:
        raise asyncio.CancelledError  # the process dies right after the runner's file

    monkeypatch.setattr("bot.chat.owe_and_send", killed)
    with contextlib.suppress(asyncio.CancelledError):
        await app.process_update(Update.de_json(raw, app.bot))
    monkeypatch.undo()
    await crashed_app(app)
    assert len(stored(tmp_path, 11)[2]) == 1
    assert [c for c in request.calls if c.method == "sendMessage"] == []
    # The next start: the update is replayed; its report is found logged, and the
    # reply prepared for it goes out (not "already logged").
    app2, request2 = await started_app(tmp_path, clock, rate_limiter=False)
    [pending] = app2.services.journal.pending()
    await app2.process_update(Update.de_json(pending, app2.bot))
    sent = [c.text for c in request2.calls if c.method == "sendMessage"]
    assert len(sent) == 1 and sent[0].startswith("Logged: walk, 35 min")
    assert len(stored(tmp_path, 11)[2]) == 1
    assert app2.services.journal.pending() == []
    await stopped_app(app2)


async def test_a_full_disk_says_nothing_was_stored(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    repo = app.services.repo

    async def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    repo.transact = full  # type: ignore[method-assign]
    calls = await Runner(app, request, user_id=8).say("walked 20 min")
    assert [c.text for c in calls if c.method == "sendMessage"] == [texts.DISK_FULL]
    await stopped_app(app)


# ---- forged shapes ----


async def test_forged_shapes_are_ignored_without_an_apology(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    no_sender = text_update(1, 9, "walked 20 min", 1)
    del no_sender["message"]["from"]
    group = {"id": -100, "type": "supergroup", "title": "g"}
    sender = {"id": 9, "is_bot": False, "first_name": "Ana"}
    to_itself = {
        "update_id": 2,
        "message": {
            "message_id": 2,
            "date": 1,
            "chat": group,
            "from": sender,
            "migrate_to_chat_id": -100,
        },
    }
    edited = text_update(3, 9, "walked 20 min", 3)
    edited["edited_message"] = edited.pop("message")
    channel = {
        "update_id": 4,
        "channel_post": {
            "message_id": 4,
            "date": 1,
            "text": "x",
            "chat": {"id": -5, "type": "channel"},
        },
    }
    for raw in (no_sender, to_itself, edited, channel):
        await asyncio.wait_for(app.process_update(Update.de_json(raw, app.bot)), timeout=5)
    assert [c for c in request.calls if c.method == "sendMessage"] == []
    assert stored(tmp_path, 9) is None
    # The runner's next report works (nothing stuck).
    reply = await Runner(app, request, user_id=9).reply("walked 20 min")
    assert reply.startswith("Logged: ")
    await stopped_app(app)


async def test_a_huge_done_number_stores_nothing(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    runner = Runner(app, request, user_id=10)
    await runner.tap("rx:done:99999999999:0:1")
    assert stored(tmp_path, 10) is None or stored(tmp_path, 10)[2] == []
    await stopped_app(app)


# ---- concurrency with per-runner order ----


def update_from(user_id: int) -> Update:
    return Update.de_json(text_update(user_id, user_id, "x", user_id), None)


async def test_a_slow_runner_never_delays_another() -> None:
    processor = PerRunnerProcessor(8)
    slow_may_finish, order = asyncio.Event(), []

    async def slow() -> None:
        await slow_may_finish.wait()  # a reply stuck for as long as the other takes
        order.append("slow")

    async def fast() -> None:
        order.append("fast")
        slow_may_finish.set()

    async def same_runner_next() -> None:
        order.append("slow's next")

    a = asyncio.create_task(processor.process_update(update_from(1), slow()))
    b = asyncio.create_task(processor.process_update(update_from(1), same_runner_next()))
    c = asyncio.create_task(processor.process_update(update_from(2), fast()))
    # Handled one at a time, runner 1's slow update would wait forever for runner 2's.
    await asyncio.wait_for(asyncio.gather(a, b, c), timeout=5)
    assert order == ["fast", "slow", "slow's next"]  # and runner 1's stay in order


# ---- nudges ----


class TimingOut(RecordingRequest):
    """sendMessage to `chat` reaches the server, then the answer never comes back."""

    def __init__(self, chat: int) -> None:
        super().__init__()
        self.chat = chat

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        result = await super().do_request(url, method, request_data, *a, **k)
        if url.endswith("/sendMessage") and self.calls[-1].chat_id == self.chat:
            raise TimedOut() from httpx.ReadTimeout("read timed out")
        return result


async def join(app: Any, request: RecordingRequest, user_id: int) -> None:
    runner = Runner(app, request, user_id=user_id)
    await runner.say("/start")
    await runner.say("/cancel")


async def test_nudges_survive_an_outage_and_are_never_resent_blindly(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    request = TimingOut(chat=3)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    app, _ = await started_app(tmp_path, clock, request=request, rate_limiter=False, sleep=sleep)
    for uid in (1, 2, 3):
        await join(app, request, uid)
    scheduler = app.services.scheduler
    await scheduler.tick(app.bot)
    request.network_errors[1] = 10**6  # an outage for runner 1 at the nudge minute
    clock.now = utc(2026, 11, 26, 19, 0)  # 19:00 UTC, the default nudge time and zone
    await scheduler.tick(app.bot)
    for minute in range(1, 3):  # two more minutes of outage
        clock.now = utc(2026, 11, 26, 19, minute)
        await scheduler.tick(app.bot)
    request.network_errors[1] = 0
    outage_over = len(request.calls)
    clock.now = utc(2026, 11, 26, 19, 3)
    await scheduler.tick(app.bot)
    clock.now = utc(2026, 11, 26, 19, 30)
    await scheduler.tick(app.bot)

    def nudges(calls: list[Any]) -> list[int]:
        return [
            int(c.params["chat_id"])
            for c in calls
            if c.method == "sendMessage" and "Check-in" in c.text
        ]

    # 1: refused during the outage (the simulated error comes before anything is sent),
    # then sent once after it; 2: once; 3: the request went out and the answer was lost:
    # not sent again (it may have been delivered: counted as unknown).
    assert sorted(nudges(request.calls[outage_over:])) == [1]
    assert sorted(c for c in nudges(request.calls) if c != 1) == [2, 3]
    source = scheduler.sources[0]
    assert isinstance(source, RunnerSource)
    assert source.delivery.counts[Outcome.UNKNOWN] == 1
    for uid in (1, 2, 3):
        assert stored(tmp_path, uid)[1].sent["daily"] == date(2026, 11, 26)
    await stopped_app(app)


class WriteFails(RecordingRequest):
    """Once armed, the next sendMessage to `chat` fails while its request is being written
    (a broken pipe, a write timeout): Telegram never got the whole request."""

    def __init__(self, chat: int, error: type[httpx.TransportError]) -> None:
        super().__init__()
        self.chat, self.error, self.failed = chat, error, True

    async def do_request(
        self, url: str, method: str, request_data: Any = None, *a: Any, **k: Any
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        if url.endswith("/sendMessage") and params.get("chat_id") == self.chat and not self.failed:
            self.failed = True
            raise NetworkError(f"httpx.{self.error.__name__}") from self.error("write failed")
        return await super().do_request(url, method, request_data, *a, **k)


@pytest.mark.parametrize("error", [httpx.WriteError, httpx.WriteTimeout])
async def test_a_nudge_whose_request_was_never_written_is_sent_again(
    tmp_path: Path, error: type[httpx.TransportError]
) -> None:
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    request = WriteFails(chat=1, error=error)

    async def sleep(seconds: float) -> None:
        return None

    app, _ = await started_app(tmp_path, clock, request=request, rate_limiter=False, sleep=sleep)
    await join(app, request, 1)
    scheduler = app.services.scheduler
    await scheduler.tick(app.bot)
    request.failed = False  # armed: the nudge's first request fails
    clock.now = utc(2026, 11, 26, 19, 0)  # the default nudge time
    await scheduler.tick(app.bot)
    assert request.failed
    checkins = [c for c in request.calls if c.method == "sendMessage" and "Check-in" in c.text]
    assert [c.chat_id for c in checkins] == [1]  # sent once, not lost as "unknown"
    source = scheduler.sources[0]
    assert isinstance(source, RunnerSource)
    assert source.delivery.counts[Outcome.UNKNOWN] == 0
    await stopped_app(app)


async def test_delete_wins_over_a_nudge_in_flight(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 17, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    await join(app, request, 4)
    scheduler = app.services.scheduler
    await scheduler.tick(app.bot)
    source = scheduler.sources[0]
    assert isinstance(source, RunnerSource)
    real_send = source.delivery.send

    async def delete_meanwhile(*args: Any) -> Outcome:
        outcome = await real_send(*args)
        await app.services.repo.delete(4)  # /delete while the nudge was on its way
        return outcome

    source.delivery.send = delete_meanwhile  # type: ignore[method-assign,assignment]
    clock.now = utc(2026, 11, 26, 19, 0)
    await scheduler.tick(app.bot)
    assert not app.services.repo.store.exists(4)  # nothing recreated the runner's file
    await stopped_app(app)


# ---- processes die together ----


def test_the_chart_worker_dies_with_the_bot(tmp_path: Path) -> None:
    script = (
        "import asyncio, multiprocessing, sys\n"
        "from bot.insights.chart import ChartPool\n"
        "async def main() -> None:\n"
        "    pool = ChartPool()\n"
        "    try:\n"
        "        await pool.render(None)  # type: ignore[arg-type]\n"
        "    except Exception:\n"
        "        pass  # the worker is up either way\n"
        "    from multiprocessing.resource_tracker import _resource_tracker as tracker\n"
        "    pids = [p.pid for p in multiprocessing.active_children()]\n"
        "    print(*pids, tracker._pid or '', flush=True)\n"
        "    await asyncio.Event().wait()\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        children = [int(pid) for pid in proc.stdout.readline().split()]
        assert len(children) == 2  # the worker and multiprocessing's resource tracker
        proc.send_signal(signal.SIGKILL)  # the bot dies without a word to its worker
        proc.wait()
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _alive(pid)]
        if alive:
            os.sched_yield()
    assert alive == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by init) counts as gone.
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False


async def test_a_full_disk_at_shutdown_is_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, _ = await started_app(tmp_path, clock, rate_limiter=False)

    def full() -> None:
        raise OSError(28, "No space left on device")

    app.services.scheduler.close = full  # type: ignore[method-assign]
    await stopped_app(app)  # no exception
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == [
        "could not save the schedule snapshot at shutdown: No space left on device"
    ]
    assert all(r.exc_info is None for r in errors)
    for source in app.services.scheduler.sources:
        source.close()  # what the failed close would have released


def test_the_data_roots_temporary_files_are_swept(tmp_path: Path) -> None:
    from bot.storage import UserStore

    left = [
        tmp_path / ".schedule-snapshot.json.123.456.7.tmp",
        tmp_path / ".updates-journal.jsonl.123.456.8.tmp",
        tmp_path / ".scheduler.json.123.456.9.tmp",
    ]
    for path in left:
        path.write_bytes(b"half")
    keep = tmp_path / "schedule-snapshot.json"
    keep.write_bytes(b"{}")
    assert UserStore(tmp_path).sweep_temporary_files() == 3
    assert [p.exists() for p in left] == [False, False, False] and keep.exists()


async def test_skip_typed_to_a_settings_question_is_answered(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=False)
    runner = Runner(app, request, user_id=12)
    await runner.say("/start")
    await runner.say("/cancel")
    for command in ("/goal", "/weight", "/timezone", "/nudge", "/units"):
        await runner.say(command)
        assert await runner.reply("skip") == texts.SETTING_UNCHANGED
    assert await runner.reply("walked 20 min") != ""  # no question left pending
    await stopped_app(app)


async def test_a_429_for_one_chat_pauses_that_chat_only(tmp_path: Path) -> None:
    clock = FakeClock(utc(2026, 11, 26, 9, 0))
    app, request = await started_app(tmp_path, clock, rate_limiter=True)
    limited = {"description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}
    request.failures[1] = [(429, limited)]
    one = asyncio.create_task(app.bot.send_message(1, "to the limited chat"))
    await asyncio.sleep(0)  # its first try goes out and is refused
    await asyncio.wait_for(app.bot.send_message(2, "to another chat"), timeout=0.5)
    assert not one.done()  # chat 1 still waits out its retry_after...
    await asyncio.wait_for(one, timeout=5)  # ...then goes out
    sent = [(c.chat_id, c.text) for c in request.calls if c.method == "sendMessage"]
    assert sent == [
        (1, "to the limited chat"),  # the refused try
        (2, "to another chat"),
        (1, "to the limited chat"),
    ]
    await stopped_app(app)


def test_a_test_clock_is_read_only_when_set() -> None:
    """WALKCOACH_TEST_CLOCK (end-to-end tests only) starts the bot's clock at a moment."""
    env = {"TELEGRAM_BOT_TOKEN": FAKE_TOKEN}
    assert load_settings(env, dotenv=None).test_clock is None
    moment = datetime(2026, 11, 30, 18, 59, 59, tzinfo=UTC)
    setting = {"WALKCOACH_TEST_CLOCK": "2026-11-30T18:59:59+00:00"}
    assert load_settings(env | setting, dotenv=None).test_clock == moment
    with pytest.raises(SettingsError, match="WALKCOACH_TEST_CLOCK must be a moment with"):
        load_settings(env | {"WALKCOACH_TEST_CLOCK": "2026-11-30T18:59:59"}, dotenv=None)
    clock = clock_from(moment)
    first = clock()  # the moment, at the first read
    assert moment <= first < moment + timedelta(seconds=1)
    # Then on at the real pace (a loaded machine may take a while).
    assert first <= clock() < moment + timedelta(seconds=30)
