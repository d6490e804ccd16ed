"""Store write and read cost for one runner's log at 1k, 10k and 100k runners."""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import UserSettings, UserStore
from bot.storage.records import UserState, activity_to_doc
from coach_rules import DaySteps, Run, RunKind, Walk

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ACTIVITIES = 50


def _activity(i: int) -> Run | Walk | DaySteps:
    at = T0 - timedelta(days=i // 2)
    if i % 3 == 0:
        return Run(at, 10_000.0, 3150, RunKind.EASY, 4)
    if i % 3 == 1:
        return Walk(at, 2700, 3200.0, 4200)
    return DaySteps(at, 7400 + i)


def _user_file(user_id: int) -> bytes:
    """A runner's file as TinyDB lays it out, written directly to set up quickly."""
    doc = {
        "settings": {
            "1": UserSettings(user_id, user_id, onboarded=True, private_chat=True).to_doc()
        },
        "state": {"1": UserState().to_doc()},
        "activities": {str(i + 1): activity_to_doc(_activity(i), T0) for i in range(ACTIVITIES)},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def populate(store: UserStore, start: int, stop: int) -> None:
    """Create runners [start, stop) as the store leaves them, a file and its (empty) log
    (setup only: no fsync, the measured writes do it)."""
    for user_id in range(start, stop):
        path = store.path_for(user_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_user_file(user_id))
        path.with_suffix(".log").touch()


def _timed(fn: object, samples: int, users: int, rng: random.Random) -> list[float]:
    assert callable(fn)
    times = []
    for _ in range(samples):
        user = rng.randrange(users)
        started = time.perf_counter()
        fn(user)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(root: Path, sizes: tuple[int, ...], samples: int = 300) -> list[tuple[str, ...]]:
    """Rows: runners, write p50/p95 ms, read p50/p95 ms."""
    store = UserStore(root)
    rng = random.Random(7)
    rows: list[tuple[str, ...]] = []
    made = 0
    for size in sizes:
        populate(store, made, size)
        made = size
        write = _timed(
            lambda u: store.transact(u, lambda tx: tx.add_activity(DaySteps(T0, 9000), T0)),
            samples,
            size,
            rng,
        )
        read = _timed(lambda u: store.transact(u, lambda tx: tx.activities()), samples, size, rng)
        rows.append(
            (
                f"{size:,}",
                f"{statistics.median(write):.2f}",
                f"{statistics.quantiles(write, n=20)[18]:.2f}",
                f"{statistics.median(read):.2f}",
                f"{statistics.quantiles(read, n=20)[18]:.2f}",
            )
        )
    return rows
