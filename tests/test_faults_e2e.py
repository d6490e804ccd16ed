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

import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.storage import UserStore
from tests.botapi_standin import BotApiStandIn
from tests.offline import Call
from tests.test_e2e_private import start_bot
from tests.test_e2e_webhook import SECRET, bound_port, post
from tests.test_e2e_webhook import _env as webhook_env

SOAK = os.environ.get("WALKCOACH_SOAK") == "1"
# WALKCOACH_SOAK_KILLS overrides the number of kills (a shorter soak).
KILLS = int(os.environ.get("WALKCOACH_SOAK_KILLS", 1000 if SOAK else 4))


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
    lost = doubled = unanswered = 0
    for uid, minutes in expected.items():
        stored = Counter(stored_minutes(data, uid))
        lost += sum(1 for m in minutes if stored[m] == 0)
        doubled += sum(1 for m in minutes if stored[m] > 1)
        replies = answered(standin.calls, uid)
        unanswered += sum(1 for m in minutes if replies[m] == 0)
    total = sum(len(m) for m in expected.values())
    print(
        f"\nkills {KILLS}, reports {total}: lost {lost}, doubled {doubled}, unanswered {unanswered}"
    )
    assert (lost, doubled, unanswered) == (0, 0, 0)
    assert _orphans(tmp_path) == []


def _orphans(tmp_path: Path) -> list[str]:
    """Processes still running from this test's data folder (none may outlive the bot)."""
    found = subprocess.run(
        ["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in found.splitlines() if str(tmp_path) in line]


def start_webhook_bot(standin: BotApiStandIn, data: Path, log: Path) -> tuple[Any, int]:
    env = webhook_env(standin, data)
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
                waiting.append(webhook_update(next(update_ids), uid, f"walked {value} min"))
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
    lost = doubled = unanswered = 0
    for uid, minutes in expected.items():
        stored = Counter(stored_minutes(data, uid))
        lost += sum(1 for m in minutes if stored[m] == 0)
        doubled += sum(1 for m in minutes if stored[m] > 1)
        unanswered += sum(1 for m in minutes if answered(standin.calls, uid)[m] == 0)
    total = sum(len(m) for m in expected.values())
    print(
        f"\nwebhook kills {KILLS}, reports {total}: lost {lost}, doubled {doubled},"
        f" unanswered {unanswered}"
    )
    assert (lost, doubled, unanswered) == (0, 0, 0)


def webhook_update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_800_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
            "text": text,
        },
    }
