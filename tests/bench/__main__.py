"""`make bench`: every figure of issue 13 beside its anchor, measured in the same run.

BENCH_SCALE=small runs at 10,000 runners (a few minutes); the default is 100,000.
The table is printed and written as JSON to BENCH_OUT (default bench-results.json).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.bench import metrics
from tests.bench.metrics import Metric

SCALES = {"small": 10_000, "full": 100_000}


def table(rows: Sequence[Metric]) -> str:
    """One plain-text table: each figure with its anchor and ratio."""
    header = ("metric", "ours", "anchor", "ratio", "goal", "pass")
    cells = [
        (
            m.name,
            f"{m.ours:.3f} {m.unit}",
            "-" if m.anchor is None else f"{m.anchor:.3f} {m.unit}",
            "-" if m.ratio is None else f"{m.ratio:.2f}x",
            m.goal,
            "yes" if m.passed else ("-" if m.goal == "(reported)" else "NO"),
        )
        for m in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, cells)])


def main(argv: Sequence[str]) -> int:
    """Run every benchmark; print the table, write the JSON."""
    scale = os.environ.get("BENCH_SCALE", "full")
    if scale not in SCALES:
        print(f"BENCH_SCALE must be one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    runners = SCALES[scale]
    out = Path(os.environ.get("BENCH_OUT", "bench-results.json"))
    # On the project disk (not a tmpfs) so fsync costs what it costs in production.
    scratch = Path.cwd() / ".bench"
    scratch.mkdir(exist_ok=True)
    rows: list[Metric] = []

    def done(new: list[Metric]) -> None:
        rows.extend(new)
        for m in new:
            print(f"  {m.name}: {m.ours:.3f} {m.unit}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        root = Path(tmp)
        done(metrics.parse_metrics())
        done(metrics.chart_metrics(100))
        # Fewer rounds at the small scale keep it under 5 minutes (the zip import is the
        # longest file figure: 5 s a round on each side).
        done(metrics.files_metrics(rounds=3 if scale == "small" else 5))
        done(metrics.store_metrics(root, (1_000, runners), samples=500))
        # The store's folder now holds `runners` runners: the bot starts on it.
        data = root / "store"
        done(metrics.startup_metrics(data, root / "empty", runners))
        done(metrics.update_metrics(data, runners, samples=1_000))
        done(metrics.nudge_metrics(root / "fanout", min(runners, 10_000)))
        done(metrics.sunday_metrics(root / "sunday", 1_000))
    print(f"Walk Coach benchmarks ({scale}: {runners:,} runners)")
    print(table(rows))
    out.write_text(
        json.dumps(
            {"scale": scale, "runners": runners, "metrics": [m.as_json() for m in rows]}, indent=2
        )
        + "\n"
    )
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
