"""The store: atomic, per-user files, and no acknowledged write lost to kill -9."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import UserSettings, UserStore, UserTx
from bot.storage.atomic import atomic_write_bytes
from coach_rules import DaySteps

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
USERS = (1, 2, 3)
KILLS = 120
ROOT = Path(__file__).resolve().parent.parent


# The writer: a fresh interpreter, spawned rather than forked from the test process (no
# inherited threads, event loops or open files), that imports only the store. It gets ready,
# waits for one byte on stdin, then writes forever, round-robin over users, and reports each
# write on the pipe after it returned.
_WRITER = """
import os, sys
from datetime import datetime
from pathlib import Path
from bot.storage import UserStore
from coach_rules import DaySteps

root, ack_fd, start, t0, users = sys.argv[1:]
ack_fd, start, t0 = int(ack_fd), int(start), datetime.fromisoformat(t0)
users = [int(u) for u in users.split(",")]
store = UserStore(Path(root))
sys.stdin.buffer.read(1)
for i in range(start, start + 10**6):
    store.transact(users[i % len(users)], lambda tx, i=i: tx.add_activity(DaySteps(t0, i), t0))
    os.write(ack_fd, f"{i}\\n".encode())
"""
# Writers started ahead of their turn, so their start-up overlaps the current round.
AHEAD = 2


class _Writer:
    """A spawned writer process and the read end of its acknowledgement pipe."""

    def __init__(self, root: Path, start: int) -> None:
        self.read_fd, write_fd = os.pipe()
        args = [str(root), str(write_fd), str(start), T0.isoformat(), ",".join(map(str, USERS))]
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WRITER, *args],
                stdin=subprocess.PIPE,
                pass_fds=(write_fd,),
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        finally:
            os.close(write_fd)  # the child holds the only write end: its death means EOF

    def run_and_kill(self, acks: int) -> list[int]:
        """Let it write; kill -9 after `acks` acknowledged writes. Returns all it acknowledged."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"g")
        self.proc.stdin.close()
        # Kill after a number of acknowledged writes: mid-way through the next one.
        first = _read_until(self.read_fd, acks)
        assert first.count(b"\n") >= acks, "the writer died early: see its stderr"
        self.proc.kill()
        self.proc.wait()
        return [int(x) for x in first.decode().split()] + _acked(self.read_fd)

    def close(self) -> None:
        self.proc.kill()  # a no-op once it was waited for
        self.proc.wait()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        os.close(self.read_fd)


def _steps(tx: UserTx) -> list[int]:
    """The step counts stored for a runner (these tests store only DaySteps)."""
    return [s.activity.steps for s in tx.activities() if isinstance(s.activity, DaySteps)]


def _clubs(tx: UserTx) -> list[int]:
    settings = tx.settings()
    assert settings is not None
    return settings.clubs


def _acked(read_fd: int) -> list[int]:
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    return [int(x) for x in data.decode().split()]


def _read_until(read_fd: int, count: int) -> bytes:
    data = b""
    while data.count(b"\n") < count:
        chunk = os.read(read_fd, 4096)
        if not chunk:
            break
        data += chunk
    return data


def test_kill_nine_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    store = UserStore(tmp_path)
    acknowledged: set[int] = set()
    waiting = deque(_Writer(tmp_path, n * 10**6) for n in range(min(AHEAD, KILLS)))
    try:
        for round_ in range(KILLS):
            writer = waiting.popleft()
            if round_ + AHEAD < KILLS:
                waiting.append(_Writer(tmp_path, (round_ + AHEAD) * 10**6))
            try:
                run = writer.run_and_kill(rng.randint(1, 12))
            finally:
                writer.close()
            for user in USERS:
                # Every file must open, whatever moment the kill hit.
                store.transact(user, lambda tx: tx.activities())
            for n in run:
                user = USERS[n % len(USERS)]
                steps = store.transact(user, _steps)
                assert n in steps, f"acknowledged write {n} for user {user} lost"
            acknowledged.update(run)
    finally:
        for writer in waiting:
            writer.close()
    assert len(acknowledged) >= KILLS
    # A kill between writing a temporary file and the rename leaves it behind; start-up
    # sweeps them away.
    store.sweep_temporary_files()
    assert list(tmp_path.rglob("*.tmp")) == []
    assert sorted(store.user_ids()) == list(USERS)


def test_one_transaction_is_one_write(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    path = store.path_for(7)

    def several(tx: UserTx) -> None:
        tx.put_settings(UserSettings(7, 7))
        tx.add_activity(DaySteps(T0, 100), T0)
        tx.add_activity(DaySteps(T0, 200), T0)

    store.transact(7, several)
    stat = path.stat()
    assert store.transact(7, lambda tx: len(tx.activities())) == 2
    assert path.stat().st_mtime_ns == stat.st_mtime_ns  # reading writes nothing


def test_a_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(8, lambda tx: tx.add_activity(DaySteps(T0, 1), T0))

    def fails(tx: UserTx) -> None:
        tx.add_activity(DaySteps(T0, 2), T0)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        store.transact(8, fails)
    assert store.transact(8, _steps) == [1]


def test_files_are_spread_over_hashed_folders(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    paths = {store.path_for(uid).parent for uid in range(2000)}
    assert len(paths) > 1000
    assert store.path_for(42).name == "42.json"
    store.transact(5, lambda tx: tx.put_settings(UserSettings(5, 5)))
    store.transact(6, lambda tx: tx.put_settings(UserSettings(6, 6)))
    assert sorted(store.user_ids()) == [5, 6]


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.json"
    atomic_write_bytes(target, b"old")
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert list(target.parent.iterdir()) == [target]


def test_records_do_not_share_lists_with_the_cache(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(9, lambda tx: tx.put_settings(UserSettings(9, 9)))

    def join(tx: UserTx) -> None:
        settings = tx.settings()
        assert settings is not None
        settings.clubs.append(-100)  # an in-place change...
        assert _clubs(tx) == []  # ...is not seen through the cache
        tx.put_settings(settings)

    store.transact(9, join)
    assert store.transact(9, _clubs) == [-100]
