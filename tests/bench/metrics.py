"""Issue 13's figures, each beside its anchor measured in the same run (interleaved rounds).

Every function returns Metric rows; __main__ prints them as one table and writes JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.storage import UserStore
from bot.storage.logged import _read_stamped, frame
from bot.storage.wal import sync_folder
from coach_rules import DaySteps
from coach_rules.weekly import DayFigures, WeeklyFigures
from tests.bench import files_bench, nudge_bench, parse_bench, store_bench, sunday_bench
from tests.bench.store_bench import T0, _user_file
from tests.flowkit import FakeClock, default_now, settings_for
from tests.offline import FAKE_API, FAKE_TOKEN, RecordingRequest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Metric:
    """One figure: ours, the anchor's (None: a plain goal), and the goal."""

    name: str
    unit: str
    ours: float
    anchor: float | None
    goal: str  # "<= 5x" (against the anchor) or "<= 0.5" (in `unit`)
    limit: float

    @property
    def ratio(self) -> float | None:
        """Ours over the anchor."""
        return self.ours / self.anchor if self.anchor else None

    @property
    def passed(self) -> bool:
        """Whether the goal is met."""
        if self.goal.endswith("x"):
            return self.ratio is not None and self.ratio <= self.limit
        return self.ours <= self.limit

    def as_json(self) -> dict[str, Any]:
        """The JSON entry."""
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": round(self.ours, 4),
            "anchor": None if self.anchor is None else round(self.anchor, 4),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "goal": self.goal,
            "pass": None if self.goal == "(reported)" else self.passed,  # no goal: neither
        }


def populate(root: Path, start: int, stop: int) -> None:
    """Runners [start, stop) as the store leaves them: a file and an (empty) log. Synced
    before anything is measured: the kernel writing back a gigabyte of setup meanwhile
    slowed every measured sync and read several times over."""
    store_bench.populate(UserStore(root), start, stop)
    sync_folder(root)


def _p50(values: list[float]) -> float:
    return statistics.median(values)


# --- store ------------------------------------------------------------------------------


class SqliteAnchor:
    """The anchor: SQLite, WAL, synchronous=FULL, one commit per write."""

    def __init__(self, path: Path, runners: int) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS activity (user_id INTEGER, id INTEGER, doc TEXT,"
            " PRIMARY KEY (user_id, id))"
        )
        self.size = 0
        self.grow(runners)

    def grow(self, runners: int) -> None:
        """Runners [size, runners) with 50 activities each (setup: one transaction)."""
        blob = json.loads(_user_file(0))["activities"]
        rows = (
            (uid, int(i), json.dumps(doc))
            for uid in range(self.size, runners)
            for i, doc in blob.items()
        )
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO activity VALUES (?, ?, ?)", rows)
        self.db.execute("COMMIT")
        self.size = runners

    def write(self, user_id: int) -> None:
        """One activity added, committed durably."""
        self.db.execute("BEGIN")
        (top,) = self.db.execute(
            "SELECT COALESCE(MAX(id), 0) FROM activity WHERE user_id = ?", (user_id,)
        ).fetchone()
        doc = json.dumps({"type": "steps", "steps": 9000, "at": T0.isoformat()})
        self.db.execute("INSERT INTO activity VALUES (?, ?, ?)", (user_id, top + 1, doc))
        self.db.execute("COMMIT")

    def read(self, user_id: int) -> list[Any]:
        """A runner's activities."""
        rows = self.db.execute("SELECT id, doc FROM activity WHERE user_id = ?", (user_id,))
        return [json.loads(doc) for _, doc in rows]


class FloorWrite:
    """The floor under any read-modify-write of a file per runner, in this run on this disk:
    only the system calls ours cannot do without (read the runner's log and file as the
    store does, parse the file, append one record to the log, write it to a WAL, one
    fdatasync), none of the store's other Python. Where it is above SQLite's write, the
    1.2x goal cannot be met by a file per runner at all. Its record is a no-op (seq 0,
    nothing set): replay skips it."""

    RECORD = frame(orjson.dumps({"seq": 0, "set": {}}))
    SPAN = 1 << 20

    def __init__(self, store: UserStore, wal: Path) -> None:
        self.store = store
        self.fd = os.open(wal, os.O_RDWR | os.O_CREAT, 0o644)
        os.pwrite(self.fd, bytes(self.SPAN), 0)  # allocated ahead, as the store's WAL is
        os.fsync(self.fd)
        self.at = 0

    def write(self, user_id: int) -> None:
        """One runner's durable write: its system calls, next to nothing else."""
        path = os.fspath(self.store.path_for(user_id))
        log = path[: -len(".json")] + ".log"
        _read_stamped(log)
        found = _read_stamped(path)
        assert found is not None
        orjson.loads(found[0])
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        os.write(fd, self.RECORD)
        os.close(fd)
        os.pwrite(self.fd, self.RECORD, self.at)
        self.at = (self.at + len(self.RECORD)) % (self.SPAN - len(self.RECORD))
        os.fdatasync(self.fd)

    def close(self) -> None:
        """Release the WAL stand-in."""
        os.close(self.fd)


def _timed(fn: Callable[[int], object], users: list[int]) -> list[float]:
    times = []
    for user in users:
        started = time.perf_counter()
        fn(user)
        times.append((time.perf_counter() - started) * 1000)
    return times


def store_metrics(
    root: Path, sizes: tuple[int, ...], samples: int, rounds: int = 5
) -> list[Metric]:
    """Write and read p50 at each size beside SQLite; the write's flatness over sizes."""
    store = UserStore(root / "store")
    anchor = SqliteAnchor(root / "anchor.sqlite", 0)
    floor = FloorWrite(store, root / "floor.wal")
    rng = random.Random(13)
    out: list[Metric] = []
    made = 0
    writes: list[float] = []  # the write p50 at each size
    for size in sizes:
        populate(root / "store", made, size)
        anchor.grow(size)
        made = size
        ours_w: list[float] = []
        ours_r: list[float] = []
        base_w: list[float] = []
        base_r: list[float] = []
        floor_w: list[float] = []
        for _ in range(rounds):
            users = [rng.randrange(size) for _ in range(samples // rounds)]
            ours_w += _timed(
                lambda u: store.transact(u, lambda tx: tx.add_activity(DaySteps(T0, 9000), T0)),
                users,
            )
            base_w += _timed(anchor.write, users)
            # Other runners: the same ones would find their files already in memory.
            floor_w += _timed(floor.write, [rng.randrange(size) for _ in users])
            users = [rng.randrange(size) for _ in range(samples // rounds)]
            ours_r += _timed(lambda u: store.transact(u, lambda tx: tx.activities()), users)
            base_r += _timed(anchor.read, users)
        w, r = _p50(ours_w), _p50(ours_r)
        out.append(
            Metric(f"store write p50, {size:,} runners", "ms", w, _p50(base_w), "<= 1.2x", 1.2)
        )
        out.append(
            Metric(f"store read p50, {size:,} runners", "ms", r, _p50(base_r), "(reported)", 0)
        )
        out.append(
            Metric(
                f"store write floor p50 (system calls only), {size:,} runners",
                "ms",
                _p50(floor_w),
                _p50(base_w),
                "(reported)",
                0,
            )
        )
        writes.append(w)
    floor.close()
    if len(writes) > 1:
        out.append(
            Metric(
                f"store write flat: p50 at {sizes[-1]:,} vs {sizes[0]:,}",
                "ms",
                writes[-1],
                writes[0],
                "<= 1.2x",
                1.2,
            )
        )
    return out


# --- process_update -----------------------------------------------------------------------

REPORTS = ("ran 10k in 52:30", "easy 5 miles 45 min rpe 4", "7400 steps", "walked 45 min 3.2 km")
_ids = iter(range(1, 10**9))


def _update(app: Application[Any, Any, Any, Any, Any, Any], user_id: int, text: str) -> Update:
    message = {
        "message_id": next(_ids),
        "date": 1_800_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
        "text": text,
    }
    return Update.de_json({"update_id": next(_ids), "message": message}, app.bot)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def _echo_app(
    handler: Callable[[Update, Any], Coroutine[Any, Any, None]],
) -> Application[Any, Any, Any, Any, Any, Any]:
    request = RecordingRequest()
    app = (
        ApplicationBuilder()
        .token(FAKE_TOKEN)
        .base_url(f"{FAKE_API}/bot")
        .request(request)
        .get_updates_request(request)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, handler))
    return app


async def _updates(
    root: Path, runners: int, samples: int, rounds: int
) -> tuple[float, float, float]:
    """p50s of ours, the echo handler, and the floor: the echo handler that first does one
    runner's durable write's system calls in a worker thread (FloorWrite)."""
    request = RecordingRequest()
    ours = build_application(
        settings_for(root), request=request, clock=FakeClock(default_now()), rate_limiter=False
    )
    floor = FloorWrite(UserStore(root), root / "floor.wal")

    async def echo_after_a_write(update: Update, context: Any) -> None:
        assert update.effective_user is not None
        await asyncio.to_thread(floor.write, update.effective_user.id)
        await _echo(update, context)

    echo, floored = _echo_app(_echo), _echo_app(echo_after_a_write)
    await ours.initialize()
    assert ours.post_init is not None
    await ours.post_init(ours)
    if ours.services.scheduler.load_task is not None:
        # A start with no snapshot reads the index in the background; measured on its own
        # (start-up metrics), it is not a report's cost.
        await ours.services.scheduler.load_task
    await echo.initialize()
    await floored.initialize()
    rng = random.Random(5)
    apps = (("echo", echo), ("floor", floored), ("ours", ours))
    times: dict[str, list[float]] = {name: [] for name, _ in apps}
    for _ in range(rounds):
        for name, app in apps:
            for i in range(samples // rounds):
                update = _update(app, rng.randrange(runners), REPORTS[i % len(REPORTS)])
                started = time.perf_counter()
                await app.process_update(update)
                times[name].append((time.perf_counter() - started) * 1000)
    await ours.shutdown()
    await echo.shutdown()
    await floored.shutdown()
    floor.close()
    return _p50(times["ours"]), _p50(times["echo"]), _p50(times["floor"])


def update_metrics(root: Path, runners: int, samples: int) -> list[Metric]:
    """A run report's process_update p50 beside a bare PTB echo handler, and the floor (the
    echo handler plus one durable write's system calls) beside the same echo."""
    ours, echo, floor = asyncio.run(_updates(root, runners, samples, rounds=5))
    name = f"report process_update p50, {runners:,} runners"
    floor_name = f"report floor p50 (echo + one durable write, syscalls only), {runners:,} runners"
    return [
        Metric(name, "ms", ours, echo, "<= 5x", 5),
        Metric(floor_name, "ms", floor, echo, "(reported)", 0),
    ]


# --- start-up --------------------------------------------------------------------------

# What `walk-coach run` does up to polling: check, lock, sweep, build, initialize, load.
_STARTER = """
import asyncio, sys, time
from pathlib import Path
t0 = float(sys.argv[2])
from bot.ops import start_checks
from bot.app import build_application
from tests.flowkit import FakeClock, default_now, settings_for
from tests.offline import RecordingRequest
root = Path(sys.argv[1])
held = start_checks(root)
async def main():
    app = build_application(settings_for(root), request=RecordingRequest(),
                            clock=FakeClock(default_now()), rate_limiter=False)
    await app.initialize()
    await app.post_init(app)
    ready = time.time() - t0  # run_polling's next call is the first getUpdates
    await app.shutdown()
    await app.post_shutdown(app)
    return ready
ready = asyncio.run(main())
# VmHWM, not ru_maxrss: that one keeps the forking parent's peak across exec.
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(ready, int(peak) / 1024)
"""


def _start(root: Path) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", _STARTER, str(root), repr(time.time())],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def startup_metrics(full: Path, empty: Path, runners: int, rounds: int = 3) -> list[Metric]:
    """Start-up to the first getUpdates, full folder beside an empty one; peak RSS."""
    empty.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # The first start with no snapshot: reads every runner once, in the background once
    # polling has begun; the process ends when the index is whole (its snapshot written).
    first, _ = _start(full)
    whole = time.perf_counter() - started
    ours, anchor, rss = [], [], []
    for _ in range(rounds):
        t, _ = _start(empty)
        anchor.append(t)
        t, peak = _start(full)
        ours.append(t)
        rss.append(peak)
    return [
        Metric(
            f"start-up to first getUpdates, {runners:,} runners",
            "s",
            _p50(ours),
            _p50(anchor),
            "<= 1.5x",
            1.5,
        ),
        Metric(f"start-up peak RSS, {runners:,} runners", "MB", max(rss), None, "<= 150", 150),
        Metric(f"first start, no snapshot, {runners:,} runners", "s", first, None, "<= 15", 15),
        Metric(
            f"first start, no snapshot, index whole, {runners:,} runners",
            "s",
            whole,
            None,
            "(reported)",
            0,
        ),
    ]


# --- nudge tick -------------------------------------------------------------------------


def nudge_metrics(root: Path, due: int) -> list[Metric]:
    """One minute's fan-out per due runner (offline: Telegram excluded) beside PTB's own
    send of the same message; our work is the difference."""
    per_runner, floor, sent = asyncio.run(nudge_bench.tick_and_anchor(root, due))
    ours, ptb = per_runner * 1000, floor * 1000
    return [
        Metric(f"nudge tick per due runner, {sent:,} due", "ms", ours, ptb, "(reported)", 0),
        Metric(
            f"nudge tick, our work per due runner (less PTB's send), {sent:,} due",
            "ms",
            ours - ptb,
            None,
            "<= 0.5",
            0.5,
        ),
    ]


def sunday_metrics(root: Path, runners: int) -> list[Metric]:
    """A simulated Sunday against the Bot API stand-in at 30 msg/s, beside Telegram's
    floor for the same messages; the minute job meanwhile."""
    day = asyncio.run(sunday_bench.simulate(root, runners))
    return [
        Metric(
            f"Sunday: {day.runners:,} summaries + {day.minutes} nudges, stand-in, 30 msg/s",
            "s",
            day.seconds,
            day.floor,
            "<= 1.1x",
            1.1,
        ),
        Metric(
            f"Sunday: minutes late of {day.minutes} during the fan-out",
            "min",
            day.late,
            None,
            "<= 0",
            0,
        ),
        Metric(
            f"Sunday: minute job runs skipped of {day.minutes} during the fan-out",
            "min",
            day.skipped,
            None,
            "<= 0",
            0,
        ),
        Metric(
            "Sunday: slowest nudge due during the fan-out, from its minute",
            "s",
            day.worst_probe_s,
            None,
            "(reported)",
            0,
        ),
    ]


# --- chart --------------------------------------------------------------------------------


def _figures(i: int) -> WeeklyFigures:
    first = date(2026, 11, 16)
    days = tuple(
        DayFigures(first + timedelta(days=d), 6000 + 800 * ((d + i) % 7), 30.0 * (d % 2), 20.0)
        for d in range(7)
    )
    return WeeklyFigures(
        first,
        first + timedelta(days=6),
        days,
        90.0,
        140.0,
        150.0,
        150,
        3,
        8000,
        1.1,
        "ok",
        42_000,
        12,
    )


def _blank_png() -> bytes:
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4.2), dpi=80)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_metrics(count: int, rounds: int = 5) -> list[Metric]:
    """The weekly chart per runner beside the cheapest matplotlib PNG of the same size."""
    from bot.insights.chart import week_chart_png

    week_chart_png(_figures(0))
    _blank_png()  # warm both (imports, fonts)
    ours: list[float] = []
    anchor: list[float] = []
    for r in range(rounds):
        for i in range(count // rounds):
            started = time.perf_counter()
            week_chart_png(_figures(r * count + i))
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _blank_png()
            anchor.append((time.perf_counter() - started) * 1000)
    return [Metric("weekly chart per runner", "ms", _p50(ours), _p50(anchor), "<= 30", 30)]


# --- reading a message ------------------------------------------------------------------


def parse_metrics(rounds: int = 10) -> list[Metric]:
    """Reading a message (report, body and chat readings) over the corpus, p99."""
    ours = parse_bench._timings(parse_bench._reader, rounds)
    anchor = parse_bench._timings(parse_bench._anchor, rounds)

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    return [Metric("read a message p99 (corpus)", "ms", p99(ours), p99(anchor), "<= 1", 1)]


# --- watch files (issue 12) ---------------------------------------------------------------


def files_metrics(rounds: int = 5) -> list[Metric]:
    """Reading watch files beside the parsing library's own bare read of the same bytes."""
    out: list[Metric] = []
    for m in files_bench.metrics(rounds):
        name = m["name"].removesuffix(" (s)")
        out.append(Metric(name, "s", m["ours"], m["anchor"], "<= 1.5x", 1.5))
        out.append(
            Metric(f"{name}, peak", "MB", m["ours_peak_mb"], m["anchor_peak_mb"], "(reported)", 0)
        )
    return out
