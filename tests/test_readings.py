"""The reading corpus (tests/data/readings.tsv): what runners type, and what it means.

Each line: the message, the runner's units, the expected reading, and its family. The
reading is a run, a walk or a day's steps with the fields the message determines, or
`ask` (two readings are plausible), `refuse` (none is) or `chat` (not a report).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from coach_rules import DaySteps, ParseError, Run, Units, Walk, parse_report
from coach_rules.chat import read_chat
from coach_rules.validate import Ask
from tests.conftest import NOW

CORPUS = Path(__file__).parent / "data" / "readings.tsv"


@dataclass(frozen=True)
class Case:
    message: str
    units: Units
    expected: str
    family: str

    @property
    def id(self) -> str:
        return f"{self.family}:{self.units}:{self.message[:40]}"


def load() -> list[Case]:
    with CORPUS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Case(m, Units(u), e, f) for m, u, e, f in rows[1:]]


CASES = load()


def _fields(expected: str) -> tuple[str, dict[str, str]]:
    kind, *pairs = expected.split()
    return kind, dict(pair.split("=", 1) for pair in pairs)


def _check_fields(reading: Run | Walk | DaySteps, fields: dict[str, str]) -> None:
    for key, value in fields.items():
        if key == "dist_m":
            assert getattr(reading, "distance_m", None) == pytest.approx(float(value), abs=0.01)
        elif key == "dur_s":
            assert getattr(reading, "duration_s", None) == int(value)
        elif key == "kind":
            kind = getattr(reading, "kind", None)
            assert kind is not None and kind.value == value
        elif key == "effort":
            assert getattr(reading, "effort", None) == int(value)
        elif key == "day":
            assert reading.day == NOW.date() + timedelta(days=int(value))
        elif key in ("pain", "sore"):
            assert getattr(reading, key, False) is (value == "1")
        elif key == "n":
            assert isinstance(reading, DaySteps) and reading.steps == int(value)
        elif key == "add":
            assert isinstance(reading, DaySteps) and reading.added is (value == "1")
        else:
            raise AssertionError(f"unknown field {key}")


def test_the_corpus_is_large_and_covers_every_family_in_both_units() -> None:
    assert len(CASES) >= 300
    families = {c.family for c in CASES}
    assert len(families) >= 12
    for family in families:
        units = {c.units for c in CASES if c.family == family}
        assert units == {Units.KM, Units.MI}, family


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reading(case: Case) -> None:
    reading = parse_report(case.message, case.units, NOW)
    kind, fields = _fields(case.expected)
    if kind == "ask":
        assert isinstance(reading, Ask), reading
    elif kind == "refuse":
        assert isinstance(reading, ParseError) and read_chat(case.message) is None, reading
    elif kind == "chat":
        assert read_chat(case.message) is not None, reading
    else:
        expected_type = {"run": Run, "walk": Walk, "steps": DaySteps}[kind]
        assert isinstance(reading, expected_type), reading
        assert isinstance(reading, Run | Walk | DaySteps)  # for the type checker
        _check_fields(reading, fields)
