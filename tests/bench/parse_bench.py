"""Reading a message: parse time per message over the corpus (target p99 under 1 ms),
beside an anchor in the same run: one regex tokenisation of the same messages."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable

from coach_rules import parse_report
from coach_rules.chat import read_chat
from coach_rules.feel import read_body
from tests.conftest import NOW
from tests.test_readings import CASES


def _timings(work: Callable[[str, object], object], rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        for case in CASES:
            started = time.perf_counter()
            work(case.message, case.units)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _reader(text: str, units: object) -> object:
    """What the bot does with a message: the report, and the body and chat readings."""
    return parse_report(text, units, NOW), read_body(text), read_chat(text)  # type: ignore[arg-type]


def _anchor(text: str, units: object) -> object:
    return re.findall(r"[a-z]+|[0-9]+", text.lower())


def rows(rounds: int) -> list[tuple[str, ...]]:
    """Rows: what, messages, p50 ms, p99 ms, ratio of p99 to the anchor's."""
    ours, anchor = _timings(_reader, rounds), _timings(_anchor, rounds)

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    ratio = p99(ours) / p99(anchor)
    return [
        (
            "anchor: regex tokens",
            f"{len(anchor):,}",
            f"{statistics.median(anchor):.4f}",
            f"{p99(anchor):.4f}",
            "1",
        ),
        (
            "parse + body + chat",
            f"{len(ours):,}",
            f"{statistics.median(ours):.4f}",
            f"{p99(ours):.4f}",
            f"{ratio:.0f}x",
        ),
    ]
