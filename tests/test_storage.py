"""The store: atomic, per-user files, and no acknowledged write lost to kill -9."""

from __future__ import annotations

import os
import random
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import UserSettings, UserStore
from bot.storage.atomic import atomic_write_bytes
from coach_rules import DaySteps

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
USERS = (1, 2, 3)
KILLS = 120


def _writer(root: Path, ack_fd: int, start: int) -> None:
    """Child: write forever, round-robin over users; report each write after it returned."""
    store = UserStore(root)
    for i in range(start, start + 10**6):
        user = USERS[i % len(USERS)]
        store.transact(user, lambda tx, i=i: tx.add_activity(DaySteps(T0, i), T0))
        os.write(ack_fd, f"{i}\n".encode())


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
    for round_ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child is killed
            os.close(read_fd)
            try:
                _writer(tmp_path, write_fd, round_ * 10**6)
            finally:
                os._exit(0)
        os.close(write_fd)
        # Kill after a random number of acknowledged writes: mid-way through the next one.
        first = _read_until(read_fd, rng.randint(1, 12))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        rest = _acked(read_fd)
        os.close(read_fd)
        run = [int(x) for x in first.decode().split()] + rest
        for user in USERS:
            # Every file must open, whatever moment the kill hit.
            store.transact(user, lambda tx: tx.activities())
        for n in run:
            user = USERS[n % len(USERS)]
            steps = store.transact(user, lambda tx: [s.activity.steps for s in tx.activities()])
            assert n in steps, f"acknowledged write {n} for user {user} lost"
        acknowledged.update(run)
    assert len(acknowledged) >= KILLS
    # A kill between writing a temporary file and the rename leaves it behind; start-up
    # sweeps them away.
    store.sweep_temporary_files()
    assert list(tmp_path.rglob("*.tmp")) == []
    assert sorted(store.user_ids()) == list(USERS)


def test_one_transaction_is_one_write(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    path = store.path_for(7)

    def several(tx):  # type: ignore[no-untyped-def]
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

    def fails(tx):  # type: ignore[no-untyped-def]
        tx.add_activity(DaySteps(T0, 2), T0)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        store.transact(8, fails)
    assert store.transact(8, lambda tx: [s.activity.steps for s in tx.activities()]) == [1]


def test_files_are_spread_over_hashed_folders(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    paths = {store.path_for(uid).parent for uid in range(2000)}
    assert len(paths) > 1000
    assert store.path_for(42).name == "42.json"
    for uid in (5, 6):
        store.transact(uid, lambda tx, uid=uid: tx.put_settings(UserSettings(uid, uid)))
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

    def join(tx):  # type: ignore[no-untyped-def]
        settings = tx.settings()
        settings.clubs.append(-100)  # an in-place change...
        assert tx.settings().clubs == []  # ...is not seen through the cache
        tx.put_settings(settings)

    store.transact(9, join)
    assert store.transact(9, lambda tx: tx.settings().clubs) == [-100]
