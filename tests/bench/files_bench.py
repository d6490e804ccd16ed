"""Reading watch files: ours against the parsing library's own bare read of the same bytes,
in the same run (interleaved rounds, medians), with the peak memory of each.

Ours = the library's read + turning it into a Track + the domain's reading (walk breaks,
finisher, totals). Target: ours adds under 50% to the library's own time.
"""

from __future__ import annotations

import gc
import io
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gpxpy
from garmin_fit_sdk import Decoder, Stream
from tcxreader.tcxreader import TCXReader  # type: ignore[import-untyped]

from bot.chat import Who
from bot.files import archive
from bot.files.importing import Tally, import_history, read_recorded
from bot.storage import UserStore
from coach_rules.tracks import FileActivity
from tests import trackfiles as tf

ZONE = "Europe/Berlin"
GOAL = 1.5  # ours at most 1.5x the library's bare read


def _ours(name: str, data: bytes) -> object:
    found = read_recorded(name, data, ZONE)
    assert isinstance(found, FileActivity), found
    return found


def _bare_fit(data: bytes) -> object:
    return Decoder(Stream.from_byte_array(bytearray(data))).read()


def _bare_gpx(data: bytes) -> object:
    return gpxpy.parse(data.decode())


def _bare_tcx(data: bytes) -> object:
    with tempfile.NamedTemporaryFile(suffix=".tcx") as tmp:
        tmp.write(data)
        tmp.flush()
        return TCXReader().read(tmp.name, only_gps=False)


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _compare(
    label: str, ours: Callable[[], object], bare: Callable[[], object], rounds: int
) -> dict[str, Any]:
    mine, theirs = [], []
    for _ in range(rounds):  # interleaved, so a busy moment hits both
        theirs.append(_timed(bare))
        mine.append(_timed(ours))
    ours_s, bare_s = statistics.median(mine), statistics.median(theirs)
    return {
        "name": label,
        "ours": ours_s,
        "anchor": bare_s,
        "ratio": ours_s / bare_s,
        "goal": GOAL,
        "pass": ours_s / bare_s <= GOAL,
        "ours_peak_mb": _peak_mb(ours),
        "anchor_peak_mb": _peak_mb(bare),
    }


def _import_zip(data: bytes, root: Path) -> Tally:
    """The whole import as the bot does it, inline: unpack, read, store in one transaction."""
    names = archive.activity_names(data)
    assert isinstance(names, list)
    readings = []
    for member in archive.members(data, names):
        assert isinstance(member.data, bytes)
        found = read_recorded(member.name, member.data, ZONE)
        assert isinstance(found, FileActivity)
        readings.append((member.name, found))
    tally = Tally()
    who = Who(1, 1, "", True)
    now = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    UserStore(root).transact(1, lambda tx: import_history(tx, who, readings, now, tally))
    assert tally.imported > 0
    return tally


def _bare_zip(data: bytes) -> None:
    """The libraries' own reads of the same members (unpacking included)."""
    import gzip
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        for name in zipped.namelist():
            raw = zipped.read(name)
            if name.endswith(".fit.gz"):
                _bare_fit(gzip.decompress(raw))
            elif name.endswith(".gpx"):
                _bare_gpx(raw)


def metrics(rounds: int = 5) -> list[dict[str, Any]]:
    """One entry per file kind, and the 200-activity zip."""
    plan = tf.Plan([(3 * 3600, tf.RUN_MPS)])  # 3 h at 1 Hz: 10,800 records
    fit, gpx, tcx = tf.fit_bytes(plan), tf.gpx_bytes(plan), tf.tcx_bytes(plan)
    history = tf.history_zip(200, duplicates=3)
    found = [
        _compare(
            "FIT 3 h 1 Hz read (s)", lambda: _ours("a.fit", fit), lambda: _bare_fit(fit), rounds
        ),
        _compare(
            "GPX 3 h 1 Hz read (s)", lambda: _ours("a.gpx", gpx), lambda: _bare_gpx(gpx), rounds
        ),
        _compare(
            "TCX 3 h 1 Hz read (s)", lambda: _ours("a.tcx", tcx), lambda: _bare_tcx(tcx), rounds
        ),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        counter = iter(range(10_000))
        found.append(
            _compare(
                "zip of 200 activities, import (s)",
                lambda: _import_zip(history, Path(scratch) / str(next(counter))),
                lambda: _bare_zip(history),
                max(rounds // 2, 1),
            )
        )
    return found


def rows(found: list[dict[str, Any]]) -> list[list[str]]:
    """The table rows: ours, the library's bare read, the ratio, the peaks."""
    return [
        [
            m["name"],
            f"{m['ours']:.3f}",
            f"{m['anchor']:.3f}",
            f"{m['ratio']:.2f}x",
            f"{m['ours_peak_mb']:.0f} / {m['anchor_peak_mb']:.0f}",
            "yes" if m["pass"] else "NO",
        ]
        for m in found
    ]
