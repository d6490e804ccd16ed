"""`python -m tests.bench [--quick]`: print the benchmark tables."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.bench import files_bench, nudge_bench, parse_bench, store_bench, update_bench


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))

    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def main(argv: Sequence[str]) -> int:
    """Run every benchmark; --quick uses small sizes (a smoke run)."""
    quick = "--quick" in argv
    sizes = (100, 1_000) if quick else (1_000, 10_000, 100_000)
    # On the project disk (not a tmpfs) so fsync costs what it costs in production.
    scratch = Path.cwd() / ".bench"
    scratch.mkdir(exist_ok=True)
    print(
        table(
            "Reading a message over the corpus (ms; target: p99 under 1 ms)",
            ["", "messages", "p50", "p99", "p99 vs anchor"],
            parse_bench.rows(rounds=3 if quick else 20),
        )
    )
    print()
    print(
        table(
            "Watch files: our reading vs the library's own bare read, same bytes (s; goal <=1.5x)",
            ["", "ours", "library", "ratio", "peak MB ours/library", "goal"],
            files_bench.rows(files_bench.metrics(rounds=3 if quick else 5)),
        )
    )
    print()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        rows = store_bench.run(Path(tmp) / "store", sizes, samples=50 if quick else 300)
        print(
            table(
                "Store: one runner's log (50 activities), one transaction (ms)",
                ["runners", "write p50", "write p95", "read p50", "read p95"],
                rows,
            )
        )
        print()
        rows = update_bench.run(Path(tmp) / "updates", runners=10 if quick else 50)
        print(
            table(
                "process_update for a report, offline (ms)",
                ["updates", "p50", "p95", "max"],
                rows,
            )
        )
        print()
        rows = nudge_bench.index_rows(Path(tmp) / "index", sizes)
        print(
            table(
                "Nudge index at start-up",
                ["runners", "rebuild from files s", "start-up (snapshot) s", "index MB"],
                rows,
            )
        )
        print()
        due, limited = (200, 60) if quick else (10_000, 300)
        rows = nudge_bench.fanout_rows(Path(tmp) / "fanout", due, limited)
        print(
            table(
                "Fan-out of one minute's nudges",
                ["", "runners", "seconds", "ms/runner", "msgs/s"],
                rows,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
