"""The store: atomic, per-user files, and no acknowledged write lost to kill -9."""

from __future__ import annotations

import functools
import gc
import json
import os
import random
import subprocess
import sys
from collections import deque
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.storage import DataDir, UserSettings, UserStore, UserTx
from bot.storage import wal as wal_module
from bot.storage.atomic import atomic_write_bytes
from bot.storage.logged import FOLD_RECORDS, check_records, log_path
from bot.storage.records import DEFAULT_NUDGE, ScheduleKey, UserState, activity_to_doc, schedule_key
from bot.storage.store import open_wal
from bot.storage.wal import WAL_NAME, records_in
from coach_rules import DaySteps

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
USERS = (1, 2, 3)
KILLS = 20  # the fast run; `make soak` runs 1,000
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
from bot.storage.wal import sync_folder
from coach_rules import DaySteps

root, ack_fd, start, t0, users = sys.argv[1:]
ack_fd, start, t0 = int(ack_fd), int(start), datetime.fromisoformat(t0)
users = [int(u) for u in users.split(",")]
store = UserStore(Path(root))
# Odd rounds write as the scheduler records a minute's nudges: a batch without fsync,
# then one commit, then the acknowledgements.
batch = 3 if (start // 10**6) % 2 else 1
sys.stdin.buffer.read(1)
for first in range(start, start + 10**6, batch):
    for i in range(first, first + batch):
        store.transact(
            users[i % len(users)],
            lambda tx, i=i: tx.add_activity(DaySteps(t0, i), t0),
            durable=batch == 1,
        )
    if batch > 1:
        sync_folder(Path(root))
    os.write(ack_fd, "".join(f"{i}\\n" for i in range(first, first + batch)).encode())
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


def _add_steps(tx: UserTx, steps: int) -> None:
    tx.add_activity(DaySteps(T0, steps), T0)


def _put_settings(tx: UserTx, user_id: int) -> None:
    tx.put_settings(UserSettings(user_id, user_id))


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


def _kill_rounds(root: Path, kills: int) -> None:
    """`kills` writers, each killed with SIGKILL a few writes in (often mid-append): every
    file still opens, every acknowledged write is there, none is there twice."""
    rng = random.Random(20261126)
    store = UserStore(root)
    acknowledged: set[int] = set()
    waiting = deque(_Writer(root, n * 10**6) for n in range(min(AHEAD, kills)))
    try:
        for round_ in range(kills):
            writer = waiting.popleft()
            if round_ + AHEAD < kills:
                waiting.append(_Writer(root, (round_ + AHEAD) * 10**6))
            try:
                run = writer.run_and_kill(rng.randint(1, 12))
            finally:
                writer.close()
            stored = {user: store.transact(user, _steps) for user in USERS}  # every file opens
            for n in run:
                user = USERS[n % len(USERS)]
                assert n in stored[user], f"acknowledged write {n} for user {user} lost"
            for user, steps in stored.items():
                assert len(steps) == len(set(steps)), f"a write stored twice for user {user}"
            acknowledged.update(run)
    finally:
        for writer in waiting:
            writer.close()
    assert len(acknowledged) >= kills
    # A kill between writing a temporary file and the rename leaves it behind; the next
    # write in its folder (or the sweep) removes it.
    store.sweep_temporary_files()
    assert list(root.rglob("*.tmp")) == []
    assert sorted(store.user_ids()) == list(USERS)
    print(f"\n{kills} SIGKILLs, {len(acknowledged)} acknowledged writes: 0 lost, 0 doubled")


def test_kill_nine_never_loses_an_acknowledged_write(tmp_path: Path) -> None:
    _kill_rounds(tmp_path, KILLS)


@pytest.mark.slow
def test_a_thousand_kills(tmp_path: Path) -> None:
    """The soak (`make soak`): 1,000 SIGKILLs against the write path."""
    _kill_rounds(tmp_path, 1_000)


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


def test_a_write_appends_to_the_log_and_folds_now_and_then(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(3, lambda tx: tx.put_settings(UserSettings(3, 3)))
    path = store.path_for(3)
    file_bytes = path.read_bytes()
    store.transact(3, lambda tx: tx.add_activity(DaySteps(T0, 1), T0))
    assert path.read_bytes() == file_bytes  # the file is not rewritten...
    assert log_path(path).stat().st_size > 0  # ...the change is appended
    for n in range(2, FOLD_RECORDS + 2):
        store.transact(3, functools.partial(_add_steps, steps=n))
    assert path.read_bytes() != file_bytes  # folded once
    # A fresh process reads the same, from file and log.
    assert UserStore(tmp_path).transact(3, _steps) == list(range(1, FOLD_RECORDS + 2))


def test_a_torn_last_record_is_ignored_and_cut_off(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(4, lambda tx: tx.put_settings(UserSettings(4, 4)))
    store.transact(4, lambda tx: tx.add_activity(DaySteps(T0, 10), T0))
    log = log_path(store.path_for(4))
    whole = log.read_bytes()
    store.transact(4, lambda tx: tx.add_activity(DaySteps(T0, 20), T0))
    torn = log.read_bytes()[: len(whole) + 11]  # a kill mid-append
    log.write_bytes(torn)
    fresh = UserStore(tmp_path)
    assert fresh.transact(4, _steps) == [10]
    fresh.transact(4, lambda tx: tx.add_activity(DaySteps(T0, 30), T0))
    assert UserStore(tmp_path).transact(4, _steps) == [10, 30]
    # A flipped byte inside a record fails its checksum the same way.
    raw = bytearray(log.read_bytes())
    raw[-3] ^= 0xFF
    log.write_bytes(bytes(raw))
    assert UserStore(tmp_path).transact(4, _steps) == [10]


def test_a_file_of_the_old_format_reads_and_takes_writes(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    path = store.path_for(11)
    path.parent.mkdir(parents=True)
    old = {
        "settings": {"1": UserSettings(11, 11, step_goal=9000).to_doc()},
        "activities": {"1": activity_to_doc(DaySteps(T0, 5), T0)},
    }
    path.write_text(json.dumps(old))
    assert store.transact(11, _steps) == [5]
    store.transact(11, lambda tx: tx.add_activity(DaySteps(T0, 6), T0))
    settings = UserStore(tmp_path).transact(11, lambda tx: tx.settings())
    assert settings is not None and settings.step_goal == 9000
    assert UserStore(tmp_path).transact(11, _steps) == [5, 6]


def test_a_deleted_runners_log_is_never_replayed(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(12, lambda tx: tx.put_settings(UserSettings(12, 12)))
    store.transact(12, lambda tx: tx.add_activity(DaySteps(T0, 1), T0))
    log = log_path(store.path_for(12))
    leftover = log.read_bytes()
    assert store.delete(12)
    log.write_bytes(leftover)  # as if the kill came between the two unlinks
    assert not store.exists(12)
    store.transact(12, lambda tx: tx.put_settings(UserSettings(12, 12)))
    assert UserStore(tmp_path).transact(12, _steps) == []


def test_the_cache_is_bounded_and_notices_other_writers(tmp_path: Path) -> None:
    store = UserStore(tmp_path, cache_size=3)
    for uid in range(10):
        store.transact(uid, functools.partial(_put_settings, user_id=uid))
    assert len(store.cache) == 3
    store.transact(9, _steps)
    UserStore(tmp_path).transact(9, lambda tx: tx.add_activity(DaySteps(T0, 77), T0))
    assert store.transact(9, _steps) == [77]


def test_a_batch_is_one_commit_and_seen_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = UserStore(tmp_path)
    for uid in (1, 2, 3):
        store.transact(uid, functools.partial(_put_settings, user_id=uid))
    store.wal()  # open (its first chunk is allocated with an fsync)
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    monkeypatch.setattr(os, "fdatasync", synced.append)
    for uid in (1, 2, 3):
        store.transact(uid, functools.partial(_add_steps, steps=uid), durable=False)
    assert synced == []  # no sync per write...
    assert [UserStore(tmp_path).transact(uid, _steps) for uid in (1, 2, 3)] == [[1], [2], [3]]
    store.wal().sync()  # ...one commit for the batch
    assert len(synced) == 1


def test_a_durable_write_syncs_the_wal_not_the_runners_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = UserStore(tmp_path)
    store.transact(1, functools.partial(_put_settings, user_id=1))
    store.wal()
    synced: list[str] = []

    def note(fd: int) -> None:
        synced.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name)

    monkeypatch.setattr(os, "fsync", note)
    monkeypatch.setattr(os, "fdatasync", note)
    store.transact(1, functools.partial(_add_steps, steps=5))
    assert synced == [WAL_NAME]


def _power_cut(root: Path, lose_from: dict[int, int]) -> None:
    """What a power cut may do: runners' logs lose their unsynced tail (cut back to the
    given size); the WAL, synced, keeps its records; the machine boots again."""
    store = UserStore(root)
    for uid, size in lose_from.items():
        os.truncate(log_path(store.path_for(uid)), size)
    raw = bytearray((root / WAL_NAME).read_bytes())
    raw[16:52] = b"another-boot".ljust(36, b"\0")  # the header's boot id
    (root / WAL_NAME).write_bytes(bytes(raw))


def test_a_power_cut_loses_nothing_acknowledged(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    for uid in (1, 2):
        store.transact(uid, functools.partial(_put_settings, user_id=uid))
    sizes = {uid: log_path(store.path_for(uid)).stat().st_size for uid in (1, 2)}
    for steps in (10, 20, 30):
        for uid in (1, 2):
            store.transact(uid, functools.partial(_add_steps, steps=steps + uid))
    cut = {1: sizes[1], 2: log_path(store.path_for(2)).stat().st_size - 7}  # none; half one
    del store
    gc.collect()  # the process is gone: its WAL is closed
    _power_cut(tmp_path, cut)
    fresh = UserStore(tmp_path)
    open_wal(tmp_path)  # what a start does first
    assert [fresh.transact(uid, _steps) for uid in (1, 2)] == [[11, 21, 31], [12, 22, 32]]
    # Replayed once: a second start adds nothing.
    del fresh
    gc.collect()
    assert [UserStore(tmp_path).transact(uid, _steps) for uid in (1, 2)] == [
        [11, 21, 31],
        [12, 22, 32],
    ]


def test_after_a_kill_a_start_does_not_replay(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(1, functools.partial(_put_settings, user_id=1))
    store.transact(1, functools.partial(_add_steps, steps=1))
    log = log_path(store.path_for(1))
    del store
    gc.collect()
    log.write_bytes(b"")  # only a test can do this on the same boot: nothing puts it back
    open_wal(tmp_path)
    assert UserStore(tmp_path).transact(1, _steps) == []


def test_a_deleted_runners_records_never_reach_one_made_again(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(5, functools.partial(_put_settings, user_id=5))
    for steps in (1, 2, 3):
        store.transact(5, functools.partial(_add_steps, steps=steps))
    assert store.delete(5)
    store.transact(5, functools.partial(_put_settings, user_id=5))
    del store
    gc.collect()
    _power_cut(tmp_path, {})
    open_wal(tmp_path)
    assert UserStore(tmp_path).transact(5, _steps) == []


def test_the_wal_is_reused_from_the_top_when_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal_module, "CHUNK", 4096)
    monkeypatch.setattr(wal_module, "LIMIT", 8192)
    store = UserStore(tmp_path)
    store.transact(1, functools.partial(_put_settings, user_id=1))
    for steps in range(1, 400):  # folds and generations come and go
        store.transact(1, functools.partial(_add_steps, steps=steps))
    generation, _, records = records_in((tmp_path / WAL_NAME).read_bytes())
    assert generation > 10 and records  # reused, and the newest records are there
    assert (tmp_path / WAL_NAME).stat().st_size <= 8192 + 4096
    del store
    gc.collect()
    _power_cut(tmp_path, {})
    open_wal(tmp_path)
    assert UserStore(tmp_path).transact(1, _steps) == list(range(1, 400))


def test_a_folder_is_swept_at_its_first_file_write_not_at_start(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(21, functools.partial(_put_settings, user_id=21))
    folder = store.path_for(21).parent
    stale = folder / ".21.json.999999999.1.1.tmp"  # a killed process's
    mine = folder / f".21.json.{os.getpid()}.1.1.tmp"  # another thread's, mid-write
    stale.write_bytes(b"half")
    mine.write_bytes(b"half")
    fresh = UserStore(tmp_path)  # a start: nothing swept yet
    assert stale.exists()
    fresh.transact(21, functools.partial(_add_steps, steps=1))
    assert stale.exists()  # an append does not list the folder...
    for n in range(FOLD_RECORDS):
        fresh.transact(21, functools.partial(_add_steps, steps=n))
    assert not stale.exists() and mine.exists()  # ...its first whole-file write does


def test_check_reads_every_record_and_its_log(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    for uid in (31, 32):
        store.transact(uid, functools.partial(_put_settings, user_id=uid))
        store.transact(uid, functools.partial(_add_steps, steps=uid))
    log = log_path(store.path_for(32))
    log.write_bytes(log.read_bytes()[:-5])  # torn: a kill mid-append
    found = check_records(DataDir(tmp_path).records())
    assert (found.records, found.logged, found.torn, found.unreadable) == (2, 1, 1, ())
    store.path_for(31).write_bytes(b"{not json")
    assert check_records(DataDir(tmp_path).records()).unreadable[0].startswith("31.json")


@pytest.mark.parametrize(
    ("settings", "followup"),
    [
        (UserSettings(41, 41), None),
        (UserSettings(41, 41, timezone="Europe/Berlin", nudge=None, blocked=True), None),
        (UserSettings(41, 41, nudge="06:30"), date(2026, 11, 27)),
    ],
)
def test_the_schedule_read_from_documents_matches_the_records(
    tmp_path: Path, settings: UserSettings, followup: date | None
) -> None:
    store = UserStore(tmp_path)

    def put(tx: UserTx) -> None:
        tx.put_settings(settings)
        tx.put_state(UserState(followup_on=followup))

    store.transact(41, put)
    expected = schedule_key(settings, UserState(followup_on=followup))
    assert store.schedule_key_of(41) == expected
    assert store.transact(41, lambda tx: tx.schedule_key()) == expected
    assert store.schedule_key_of(40) is None


def _add_at(tx: UserTx, at: datetime) -> None:
    tx.add_activity(DaySteps(at, 9000), at)


def test_activities_since_a_day_skip_the_older_history(tmp_path: Path) -> None:
    store = UserStore(tmp_path)
    store.transact(51, functools.partial(_put_settings, user_id=51))
    days = [date(2026, 1, 5), date(2026, 11, 20), date(2026, 11, 25), date(2026, 11, 26)]
    for day in days:
        at = datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
        store.transact(51, functools.partial(_add_at, at=at))
    found = store.transact(51, lambda tx: [s.activity.day for s in tx.activities(days[2])])
    assert found == days[2:]  # the long history before is never parsed
    everything = store.transact(51, lambda tx: [s.activity.day for s in tx.activities()])
    assert everything == days


def test_a_first_start_reads_many_runners_in_parallel_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = UserStore(tmp_path)
    for uid in range(1, 13):
        settings = UserSettings(uid, uid, timezone="Asia/Tokyo" if uid % 2 else "UTC")
        store.transact(uid, functools.partial(UserTx.put_settings, settings=settings))
    store.transact(5, lambda tx: tx.put_state(UserState(followup_on=date(2026, 11, 27))))
    wanted = [13, *range(1, 13)]  # 13: no such runner
    serial = store.schedule_keys(wanted)
    monkeypatch.setattr("bot.storage.store.PARALLEL_FROM", 4)
    monkeypatch.setattr("bot.storage.store.PARALLEL_CHUNK", 5)
    assert store.schedule_keys(wanted) == serial  # two processes, three chunks
    assert serial[0] == (1, ScheduleKey("Asia/Tokyo", DEFAULT_NUDGE, False, None))
    assert dict(serial)[5] == ScheduleKey("Asia/Tokyo", DEFAULT_NUDGE, False, "2026-11-27")
    assert dict(serial)[13] is None
