"""Faults and kills, end to end: the real bot process against the Bot API stand-in.

`make test` runs a short version; `make soak` the long one (WALKCOACH_SOAK=1): many
more kills, reports and fuzzed updates. Every test prints its figures.

What is checked, per fault kind and after the kills:
- every report Telegram handed over (confirmed) is stored exactly once;
- every stored report's reply reached the runner at least once (unless Telegram says it
  can never go out: blocked, chat not found);
- no apology for a report that was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.storage import DataDir, UserSettings, UserStore, UserTx
from tests.botapi_standin import BotApiStandIn
from tests.offline import Call, text_update
from tests.test_e2e_private import start_bot
from tests.test_e2e_webhook import SECRET, bound_port, post
from tests.test_e2e_webhook import _env as webhook_env

SOAK = os.environ.get("WALKCOACH_SOAK") == "1"
# WALKCOACH_SOAK_KILLS overrides the number of kills (a shorter soak).
KILLS = int(os.environ.get("WALKCOACH_SOAK_KILLS", 1000 if SOAK else 4))
# Kills during a nudge fan-out, per mode (each costs a start and a wait for the minute).
FANOUT_KILLS = int(os.environ.get("WALKCOACH_SOAK_KILLS", 1000 if SOAK else 2))


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as server:
        yield server


def stored_minutes(data: Path, user_id: int) -> list[int]:
    """The walk minutes stored for a runner."""
    store = UserStore(data)
    if not store.exists(user_id):
        return []
    docs = store.transact(user_id, lambda tx: [s.doc for s in tx.activities()])
    return sorted(int(d["duration_s"]) // 60 for d in docs if d.get("type") == "walk")


def tally(
    data: Path, calls: list[Call], expected: dict[int, list[int]]
) -> tuple[int, int, int, int]:
    """The reports sent, and how many were lost, stored twice and never confirmed."""
    lost = doubled = unanswered = 0
    for uid, minutes in expected.items():
        stored = Counter(stored_minutes(data, uid))
        replies = answered(calls, uid)
        lost += sum(1 for m in minutes if stored[m] == 0)
        doubled += sum(1 for m in minutes if stored[m] > 1)
        unanswered += sum(1 for m in minutes if replies[m] == 0)
    return sum(len(m) for m in expected.values()), lost, doubled, unanswered


def _no_report_lost(
    tmp_path: Path, data: Path, calls: list[Call], expected: dict[int, list[int]], what: str
) -> None:
    """Print the kill suite's figures; every report stored once and confirmed, no process
    left behind."""
    total, lost, doubled, unanswered = tally(data, calls, expected)
    orphans = _orphans(tmp_path)
    print(
        f"\n{what} {KILLS}, reports {total}: lost {lost}, doubled {doubled},"
        f" unanswered {unanswered}, processes left {len(orphans)}"
    )
    assert (lost, doubled, unanswered) == (0, 0, 0)
    assert orphans == []


def answered(calls: list[Call], user_id: int) -> Counter[int]:
    """How many times each walk was confirmed to the runner ("Logged: ... N min")."""
    seen: Counter[int] = Counter()
    for call in calls:
        if call.method == "sendMessage" and call.chat_id == user_id:
            found = re.match(r"Logged: walk, (\d+) min", call.text)
            if found:
                seen[int(found[1])] += 1
    return seen


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settle(standin: BotApiStandIn, expected: dict[int, list[int]], timeout: float = 30) -> None:
    """Wait (bounded) until every report was answered. Each call is looked at once (the
    stand-in's lock is not held meanwhile: its server threads keep answering)."""
    deadline = time.monotonic() + timeout
    seen: dict[int, set[int]] = defaultdict(set)
    looked = 0
    while True:
        new = standin.calls_after(looked, max(0.0, deadline - time.monotonic()))
        looked += len(new)
        for call in new:
            if call.method == "sendMessage" and call.chat_id in expected:
                found = re.match(r"Logged: walk, (\d+) min", call.text)
                if found:
                    seen[int(call.chat_id)].add(int(found[1]))
        left = {u: sorted(set(m) - seen[u]) for u, m in expected.items() if set(m) - seen[u]}
        if not left:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"reports never answered: {left}")


# ---- one fault at a time ----

FAULT_KINDS = ["500", "502", "429", "reset_before", "reset_after", "403", "400"]


def test_faults_on_replies_never_lose_or_double_a_report(
    standin: BotApiStandIn, tmp_path: Path
) -> None:
    """Each kind of fault hits a different runner's reply, twice in a row."""
    data, log = tmp_path / "data", tmp_path / "bot.log"
    kinds = {7100 + i: kind for i, kind in enumerate(FAULT_KINDS)}
    left = dict.fromkeys(kinds, 2)

    def fault(method: str, params: dict[str, Any]) -> str | None:
        chat = int(params.get("chat_id", 0) or 0)
        if method == "sendMessage" and left.get(chat, 0) > 0:
            left[chat] -= 1
            return kinds[chat]
        return None

    never = {uid for uid, kind in kinds.items() if kind in ("403", "400")}
    proc = start_bot(standin, data, log)
    try:
        standin.fault = fault
        for uid in kinds:
            standin.push_text(uid, "walked 23 min")
        settle(standin, {uid: [23] for uid in kinds if uid not in never})
        # The ones that can never go out were tried once each and dropped.
        standin.wait_for(lambda c: all(left[u] < 2 for u in never), timeout=10)
    finally:
        stop(proc)
    apologies = [c for c in standin.calls if c.text in (texts.APOLOGY, texts.DISK_FULL)]
    print()
    for uid, kind in kinds.items():
        stored = stored_minutes(data, uid)
        replies = answered(standin.calls, uid)[23]
        print(f"fault {kind:>12}: stored {len(stored)}, replies delivered {replies}")
        assert stored == [23]
        assert replies == 0 if uid in never else replies >= 1
    assert apologies == []


# ---- kills ----


def test_kills_while_runners_report_polling(standin: BotApiStandIn, tmp_path: Path) -> None:
    """SIGKILL the bot at random moments (after a random number of Bot API calls) while
    runners report; restart it each time."""
    data, log = tmp_path / "data", tmp_path / "bot.log"
    rng = random.Random(14)
    per_round = 3
    runners = max(3, KILLS * per_round // 40 + 1)
    free = {uid: list(range(10, 60)) for uid in range(8000, 8000 + runners)}
    for values in free.values():
        rng.shuffle(values)
    expected: dict[int, list[int]] = defaultdict(list)
    for _ in range(KILLS):
        proc = start_bot(standin, data, log)
        try:
            mark = standin.mark()
            for _ in range(per_round):
                uid = rng.choice([u for u, left in free.items() if left])
                value = free[uid].pop()
                expected[uid].append(value)
                standin.push_text(uid, f"walked {value} min")
            after = rng.randint(0, per_round * 2)
            with contextlib.suppress(TimeoutError):  # fewer calls than that: killed idle
                standin.wait_for(lambda c: True, since=mark + after, timeout=1)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    proc = start_bot(standin, data, log)
    try:
        settle(standin, expected, timeout=60)
    finally:
        stop(proc)
    _no_report_lost(tmp_path, data, standin.calls, expected, "kills")


def _orphans(tmp_path: Path) -> list[str]:
    """Processes still running from this test's folder, the bot's or its workers' (they
    inherit its working folder and environment): none may outlive the bot."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            environ = (proc / "environ").read_bytes()
            args = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours
            continue
        if cwd.startswith(str(tmp_path)) or str(tmp_path).encode() in environ:
            found.append(f"{proc.name} {args}")
    return found


def start_webhook_bot(
    standin: BotApiStandIn, data: Path, log: Path, extra: dict[str, str] | None = None
) -> tuple[Any, int]:
    env = webhook_env(standin, data) | (extra or {})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=data.parent, env=env, stdout=out, stderr=out
        )
    return proc, bound_port(proc, log)


def test_kills_right_after_the_webhook_answers(standin: BotApiStandIn, tmp_path: Path) -> None:
    """Telegram forgets an update once it got a 200: the bot is killed right after one."""
    data = tmp_path / "data"
    rng = random.Random(15)
    runners = max(3, KILLS * 3 // 40 + 1)
    free = {uid: list(range(10, 60)) for uid in range(8500, 8500 + runners)}
    expected: dict[int, list[int]] = defaultdict(list)
    update_ids = iter(range(1, 10**9))
    waiting: list[dict[str, object]] = []  # not answered 200 yet: Telegram posts them again
    for round_ in range(KILLS + 1):
        proc, port = start_webhook_bot(standin, data, tmp_path / f"bot{round_}.log")
        try:
            for _ in range(3):
                uid = rng.choice([u for u, left in free.items() if left])
                value = free[uid].pop()
                expected[uid].append(value)
                waiting.append(text_update(next(update_ids), uid, f"walked {value} min"))
            last = round_ == KILLS
            stop_after = len(waiting) if last else rng.randint(1, len(waiting))
            for _ in range(stop_after):
                if post(port, waiting[0], SECRET) != 200:
                    break
                waiting.pop(0)  # acknowledged: Telegram will not send it again
            if last:
                settle(standin, expected, timeout=60)
        finally:
            if round_ == KILLS:
                stop(proc)
            else:
                proc.send_signal(signal.SIGKILL)  # right after the last 200
                proc.wait()
    _no_report_lost(tmp_path, data, standin.calls, expected, "webhook kills")


# ---- kills during a nudge fan-out ----

# The runners' default nudge: 19:00 in UTC. The first day is a Monday (no Sunday chart
# in the short run); the soak's days run on through Sundays (the summary and its chart).
FIRST_DAY = date(2026, 11, 30)
NUDGE = timedelta(hours=19)
NUDGED = range(9000, 9040)
# Runners who report meanwhile (nudges off), each a walk of 10 to 59 min at most once.
REPORTERS = range(9500, 9500 + max(10, FANOUT_KILLS * 4 // 45 + 1))
# The bot's clock starts (when the minute job is scheduled) this long before the minute:
# its first tick comes a second into that minute.
LEAD = timedelta(seconds=0.5)
RESENT = re.compile(rb"a restart found a send unfinished, sent again")


def _at(moment: datetime) -> dict[str, str]:
    """The environment that starts the bot's clock at `moment` (WALKCOACH_TEST_CLOCK)."""
    return {"WALKCOACH_TEST_CLOCK": moment.isoformat()}


def _minute_done(data: Path) -> datetime | None:
    """The last minute the scheduler marked done (its state file), None before any."""
    try:
        state = json.loads(DataDir(data).scheduler_state.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return None if state["retry"] else datetime.fromisoformat(state["last_done"])


def _wait_minute_done(data: Path, minute: datetime, timeout: float = 60) -> None:
    """Bounded wait until the scheduler marked `minute` done (nothing left to retry)."""
    deadline = time.monotonic() + timeout
    while (done := _minute_done(data)) is None or done < minute:
        if time.monotonic() > deadline:
            raise TimeoutError(f"minute {minute} never done (last done {done})")
        time.sleep(0.05)


def _nudges(calls: list[Call]) -> Counter[tuple[int, str]]:
    """Scheduled messages per (runner, kind): the daily check-in, the Sunday summary."""
    seen: Counter[tuple[int, str]] = Counter()
    for call in calls:
        chat = call.chat_id
        if chat is None or chat not in NUDGED:
            continue
        if call.method == "sendMessage" and call.text.startswith("Check-in"):
            seen[(chat, "daily")] += 1
        elif call.method == "sendPhoto":
            seen[(chat, "weekly")] += 1
    return seen


def _wait_nudges(standin: BotApiStandIn, since: int, count: int, timeout: float) -> None:
    """Bounded wait until `count` scheduled messages went out after index `since`."""
    deadline = time.monotonic() + timeout
    looked, seen = since, 0
    while seen < count:
        new = standin.calls_after(looked, max(0.0, deadline - time.monotonic()))
        if not new:
            raise TimeoutError(f"{seen} of {count} nudges")
        looked += len(new)
        seen += sum(_nudges(new).values())


class FanOut:
    """A bot in one mode, restarted on a test clock; runners report meanwhile."""

    def __init__(self, standin: BotApiStandIn, tmp_path: Path, webhook: bool) -> None:
        self.standin, self.tmp_path, self.webhook = standin, tmp_path, webhook
        self.data = tmp_path / "data"
        self.rng = random.Random(16 if webhook else 17)
        self.free = {uid: list(range(10, 60)) for uid in REPORTERS}
        for values in self.free.values():
            self.rng.shuffle(values)
        self.expected: dict[int, list[int]] = defaultdict(list)
        self.waiting: list[dict[str, object]] = []  # webhook: not answered 200 yet
        self.update_ids = iter(range(1, 10**9))
        self.port = 0
        self.starts = 0

    def seed(self) -> None:
        """Runners set up with the default nudge (19:00 UTC) and nothing logged; the
        reporters with nudges off."""
        store = UserStore(self.data)
        for uid in (*NUDGED, *REPORTERS):
            nudge = "19:00" if uid in NUDGED else None
            settings = UserSettings(
                uid, uid, first_name="Ana", onboarded=True, private_chat=True, nudge=nudge
            )
            store.transact(uid, functools.partial(UserTx.put_settings, settings=settings))

    def start(self, clock: datetime) -> subprocess.Popen[bytes]:
        self.starts += 1
        log = self.tmp_path / f"bot{self.starts}.log"
        if not self.webhook:
            return start_bot(self.standin, self.data, log, _at(clock))
        proc: subprocess.Popen[bytes]
        proc, self.port = start_webhook_bot(self.standin, self.data, log, _at(clock))
        return proc

    def report(self, count: int) -> None:
        """`count` runners each log a walk (a webhook post answered 200 is Telegram's
        last word on it; one not answered is posted again later)."""
        for _ in range(count):
            uid = self.rng.choice([u for u, left in self.free.items() if left])
            value = self.free[uid].pop()
            self.expected[uid].append(value)
            if not self.webhook:
                self.standin.push_text(uid, f"walked {value} min")
                continue
            self.waiting.append(text_update(next(self.update_ids), uid, f"walked {value} min"))
        while self.webhook and self.waiting:
            if post(self.port, self.waiting[0], SECRET) != 200:
                break
            self.waiting.pop(0)

    def day(self, day: date, kills: int) -> Counter[tuple[int, str]]:
        """One day's fan-out, killed `kills` times; what each runner got that day."""
        first = self.standin.mark()
        minute = datetime.combine(day, datetime.min.time(), UTC) + NUDGE
        for round_ in range(kills + 1):
            # Each start a minute later: the unfinished minute is repeated (caught up).
            tick = minute + timedelta(minutes=round_)
            mark = self.standin.mark()
            proc = self.start(tick - LEAD)
            try:
                got = {chat for chat, _ in _nudges(self.standin.calls[first:])}
                left = len(NUDGED) - len(got)
                if round_ == kills:
                    self.report(2)
                    _wait_minute_done(self.data, tick)
                    settle(self.standin, self.expected, timeout=60)
                    continue
                with contextlib.suppress(TimeoutError):
                    _wait_nudges(self.standin, mark, 1, timeout=10 if left else 3)
                self.report(2)  # while the fan-out runs
                with contextlib.suppress(TimeoutError):
                    # Killed after a random number of this start's nudges went out.
                    _wait_nudges(self.standin, mark, self.rng.randint(1, max(1, left)), 10)
            finally:
                if round_ == kills:
                    stop(proc)
                else:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
        return _nudges(self.standin.calls[first:])

    def warm_up(self, day: date) -> None:
        """A first start a minute before the first fan-out, so the scheduler has a minute
        done (a first start ever does only its own minute)."""
        minute = datetime.combine(day, datetime.min.time(), UTC) + NUDGE - timedelta(minutes=2)
        proc = self.start(minute - LEAD)
        try:
            _wait_minute_done(self.data, minute)
        finally:
            stop(proc)


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_kills_during_a_nudge_fan_out(
    standin: BotApiStandIn, tmp_path: Path, webhook: bool
) -> None:
    """SIGKILL the real bot while the nudge minute's fan-out runs (its clock put a moment
    before 19:00, the runners' nudge time) and runners report; each restart catches the
    minute up. Every runner gets each day's nudge: none lost; a doubled one (a kill after
    its request went out and before its record) is counted."""
    run = FanOut(standin, tmp_path, webhook)
    run.seed()
    run.warm_up(FIRST_DAY)
    lost = doubled = sent = days = 0
    kills, day = 0, FIRST_DAY
    while kills < FANOUT_KILLS:
        today = min(FANOUT_KILLS - kills, run.rng.randint(1, 3) if SOAK else FANOUT_KILLS)
        got = run.day(day, today)
        kinds = ("daily", "weekly") if day.weekday() == 6 else ("daily",)
        for uid in NUDGED:
            for kind in kinds:
                lost += got[(uid, kind)] == 0
                doubled += max(0, got[(uid, kind)] - 1)
        sent += sum(got.values())
        kills, day, days = kills + today, day + timedelta(days=1), days + 1
    resent = sum(len(RESENT.findall(log.read_bytes())) for log in tmp_path.glob("bot*.log"))
    reports, lost_reports, doubled_reports, unanswered = tally(
        run.data, standin.calls, run.expected
    )
    mode = "webhook" if webhook else "polling"
    orphans = _orphans(tmp_path)
    print(
        f"\n{mode} fan-out kills {kills} over {days} days, {len(NUDGED)} runners:"
        f" nudges sent {sent}, lost {lost}, doubled {doubled}"
        f" (restarts that found a send unfinished and sent it again: {resent});"
        f" reports {reports}: lost {lost_reports}, doubled {doubled_reports},"
        f" unanswered {unanswered}; processes left {len(orphans)}"
    )
    assert lost == 0
    assert doubled <= resent  # a double only ever comes from the one counted window
    assert (lost_reports, doubled_reports, unanswered) == (0, 0, 0)
    assert orphans == []


# ---- a flood of webhook posts ----

FLOOD = 2000 if SOAK else 200


async def _timed_post(port: int, update: dict[str, object]) -> tuple[int, float]:
    """One signed POST on its own connection: the status (0: the connection failed) and
    the seconds from connecting to the status line."""
    body = json.dumps(update).encode()
    head = (
        f"POST /telegram/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0, time.perf_counter() - started
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout=120)
        status = int(line.split()[1]) if line else 0
    except (OSError, TimeoutError, ValueError, IndexError):
        status = 0
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return status, time.perf_counter() - started


async def _flood(port: int, updates: list[dict[str, object]]) -> list[tuple[int, float]]:
    """Every post at once."""
    return await asyncio.gather(*(_timed_post(port, u) for u in updates))


def test_a_flood_of_concurrent_webhook_posts(standin: BotApiStandIn, tmp_path: Path) -> None:
    """FLOOD posts at once to the real bot's webhook server on loopback (2,000 in the
    soak): every one is answered (200 once journaled); each report is then stored once
    and answered. Prints the statuses and the latency."""
    data = tmp_path / "data"
    runners = range(7700, 7700 + FLOOD // 20)
    expected: dict[int, list[int]] = {uid: list(range(10, 30)) for uid in runners}
    updates = [
        text_update(1 + i, uid, f"walked {minutes} min")
        for i, (uid, minutes) in enumerate((uid, m) for m in range(10, 30) for uid in runners)
    ]
    proc, port = start_webhook_bot(standin, data, tmp_path / "bot.log")
    try:
        started = time.perf_counter()
        results = asyncio.run(_flood(port, updates))
        wall = time.perf_counter() - started
        settle(standin, expected, timeout=300)
    finally:
        stop(proc)
    statuses = Counter(status for status, _ in results)
    latency = sorted(seconds for _, seconds in results)

    def at(share: float) -> float:
        return latency[min(len(latency) - 1, int(share * len(latency)))] * 1000

    print(
        f"\nwebhook flood: {FLOOD} concurrent posts in {wall:.2f} s, statuses"
        f" {dict(sorted(statuses.items()))}, latency p50 {at(0.5):.0f} ms,"
        f" p99 {at(0.99):.0f} ms, max {latency[-1] * 1000:.0f} ms"
    )
    assert statuses == {200: FLOOD}
    doubled = sum(
        1
        for uid, minutes in expected.items()
        for count in Counter(stored_minutes(data, uid)).values()
        if count > 1
    )
    assert all(sorted(stored_minutes(data, u)) == m for u, m in expected.items())
    assert doubled == 0
