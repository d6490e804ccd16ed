"""`walk-coach prescribe`: the coach from a terminal."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bot.cli import main

EXAMPLES = [
    ("long run 20 mi 3:05", "mi", "Walk 10-20 min now"),
    ("long run 32 km 3:10", "km", "Walk 10-20 min now"),
    ("ran 10k in 52:30", "km", "Cool down with a 3-6 min walk."),
    ("easy 5 miles 45 min rpe 4", "mi", "Cool down with a 3-5 min walk."),
    ("10 km 1:02:10 tempo", "km", "Cool down with a 3-6 min walk."),
    ("half marathon 1:58", "mi", "Walk 7-13 min now"),
    ("walked 45 min 3.2 km", "km", "Your pace: 14:04 min/km (4.3 km/h), brisk"),
    ("walk 30 minutes", "mi", "Impact: about 52% less per step"),
    ("7400 steps", "km", "600 steps to your 8,000: 6 min of brisk walking"),
    ("steps 12000", "km", "12,000 steps: your 8,000 goal is done today."),
    ("ran 6 mi 50 min, left knee hurts", "mi", "Pain (left knee hurts) comes first"),
    ("5200 steps", "mi", "2,800 steps to your 8,000: 28 min of brisk walking"),
]


@pytest.mark.parametrize(("text", "units", "expected"), EXAMPLES)
def test_prescribe(
    text: str, units: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prescribe", text, "--units", units]) == 0
    out = capsys.readouterr().out
    assert expected in out
    assert "Why, rule by rule:" in out and re.search(r"Source [AB][0-9]+:", out)


def test_bad_input_one_line_and_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prescribe", "ran 10 km 20:00"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "faster than 2:30 min/km" in err


def test_installed_script_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "prescribe", "long run 20 mi 3:05", "--units", "mi"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith(
        "Logged: long run, 20 mi in 3:05:00 (9:15/mi), today.\n"
        "Walk 10-20 min now: 30-60 s for each of your 20 miles."
    )
