"""The free-text parser: the brief's examples, the bounds, and property tests."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach_rules import DaySteps, ParseError, Run, RunKind, Units, Walk, format_report, parse_report
from coach_rules.units import METRES_PER_MILE
from coach_rules.validate import Ask
from tests.conftest import NOW

MI = METRES_PER_MILE


@pytest.mark.parametrize(
    ("text", "kind", "metres", "seconds"),
    [
        ("long run 20 mi 3:05", RunKind.LONG, 20 * MI, 3 * 3600 + 5 * 60),
        ("ran 10k in 52:30", None, 10_000, 52 * 60 + 30),
        ("easy 5 miles 45 min rpe 4", RunKind.EASY, 5 * MI, 45 * 60),
        ("10 km 1:02:10 tempo", RunKind.TEMPO, 10_000, 3730),
        ("half marathon 1:58", RunKind.RACE, 21097.5, 7080),
        ("Marathon 3h 45m", RunKind.RACE, 42195, 13500),
        ("ran 6 mi 50 min, left knee hurts", None, 6 * MI, 3000),
        ("Long Run 32 KM 3:10:00", RunKind.LONG, 32_000, 11400),
        ("intervals 8 km 40 minutes", RunKind.INTERVALS, 8000, 2400),
        ("recovery jog 5,5 km 35 min", RunKind.RECOVERY, 5500, 2100),
        ("easy run 1.5 h", RunKind.EASY, None, 5400),
        ("parkrun 5k 24:10", RunKind.RACE, 5000, 1450),
        ("ran 5 in 40 min", None, 5000, 2400),
    ],
)
def test_runs(text: str, kind: RunKind | None, metres: float | None, seconds: int) -> None:
    report = parse_report(text, Units.KM, NOW)
    assert isinstance(report, Run), report
    assert report.kind == kind
    assert report.duration_s == seconds
    if metres is None:
        assert report.distance_m is None
    else:
        assert report.distance_m == pytest.approx(metres)


def test_effort_pain_and_note() -> None:
    easy = parse_report("easy 5 miles 45 min rpe 4", Units.MI, NOW)
    assert isinstance(easy, Run) and easy.effort == 4 and not easy.pain
    hurt = parse_report("ran 6 mi 50 min, left knee hurts", Units.MI, NOW)
    assert isinstance(hurt, Run) and hurt.pain and hurt.note == "left knee hurts"
    sore = parse_report("easy 30 min 5 km, legs sore", Units.KM, NOW)
    assert isinstance(sore, Run) and sore.sore and not sore.pain and sore.note == "legs sore"


def test_bare_distance_uses_the_runners_units() -> None:
    report = parse_report("ran 5 in 40 min", Units.MI, NOW)
    assert isinstance(report, Run) and report.distance_m == pytest.approx(5 * MI)


@pytest.mark.parametrize(
    ("text", "seconds", "metres", "steps"),
    [
        ("walked 45 min 3.2 km", 2700, 3200, None),
        ("walk 30 minutes", 1800, None, None),
        ("walked 1h10 2.5 mi 7000 steps", 4200, 2.5 * MI, 7000),
        ("easy walk 1:30", 5400, None, None),
        ("hike 2 hours 8 km", 7200, 8000, None),
    ],
)
def test_walks(text: str, seconds: int, metres: float | None, steps: int | None) -> None:
    report = parse_report(text, Units.KM, NOW)
    assert isinstance(report, Walk), report
    assert report.duration_s == seconds
    assert report.steps == steps
    if metres is None:
        assert report.distance_m is None
    else:
        assert report.distance_m == pytest.approx(metres)


@pytest.mark.parametrize(
    ("text", "steps"),
    [("7400 steps", 7400), ("steps 12000", 12000), ("12,000 steps", 12000), ("9.5k steps", 9500)],
)
def test_steps(text: str, steps: int) -> None:
    report = parse_report(text, Units.KM, NOW)
    assert report == DaySteps(NOW, steps)


def test_dates() -> None:
    yesterday = parse_report("ran 5 km 30 min yesterday", Units.KM, NOW)
    assert isinstance(yesterday, Run) and yesterday.day == (NOW - timedelta(days=1)).date()
    dated = parse_report("walk 30 min on 2026-11-20", Units.KM, NOW)
    assert isinstance(dated, Walk) and dated.day.isoformat() == "2026-11-20"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 4097, "too long"),
        ("hello coach", "couldn't find a distance or a time"),
        ("ran 10 km 20:00", "faster than 2:30 min/km"),
        ("ran 100 km 30:00:00", "longer than a day"),
        ("ran 260 km 23:00:00", "more than a single run"),
        ("walked 10 km 45 min", "that's a run"),
        ("150000 steps", "more than a day can hold"),
        ("ran -5 km 30 min", "Negative"),
        ("walked 3 km", "How long did you walk?"),
        ("ran 5 km 30 min on 2026-12-01", "future"),
        ("ran 5 km 30 min on 2025-11-01", "more than a year ago"),
        ("ran 5 km 30 min on 2026-02-30", "not a date"),
        ("ran 5 km 30 min rpe 12", "Effort goes from 1"),
        ("ran 0 km 30 min", "above zero"),
        ("ran 0 km 30:00", "above zero"),
        ("ran 12345678901 km", "far too large"),
    ],
)
def test_bad_input_is_a_clear_error(text: str, says: str) -> None:
    result = parse_report(text, Units.KM, NOW)
    assert isinstance(result, ParseError), result
    assert says in result.message


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    result = parse_report(text, Units.KM, NOW)
    assert isinstance(result, Run | Walk | DaySteps | ParseError | Ask)


# Words runners type in reports; the random-update flow test reuses them.
REPORT_WORDS = [
    "ran",
    "run",
    "walk",
    "walked",
    "steps",
    "km",
    "mi",
    "k",
    "min",
    "h",
    ":",
    "rpe",
    "/10",
    "long",
    "easy",
    "tempo",
    "marathon",
    "half",
    "yesterday",
    "hurts",
    "sore",
    ",",
    "-",
    "in",
    "2026-11-20",
    "0",
    "52:30",
    "1:05:00",
    "0:00",
    "3,2",
    "12,000",
]
_WORDS = st.sampled_from(REPORT_WORDS)
_TOKENS = st.one_of(
    _WORDS, st.integers(0, 99999).map(str), st.floats(0, 500).map(lambda f: f"{f:.2f}")
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, max_size=10).map(" ".join))
def test_never_raises_on_report_like_text(text: str) -> None:
    result = parse_report(text, Units.MI, NOW)
    assert isinstance(result, Run | Walk | DaySteps | ParseError | Ask)


_UNITS = st.sampled_from(list(Units))
_AT = st.integers(0, 300).map(lambda d: NOW - timedelta(days=d))


def _dist(units: Units) -> st.SearchStrategy[float]:
    per = METRES_PER_MILE if units is Units.MI else 1000.0
    return st.integers(1000, 40000).map(lambda milli: milli / 1000 * per)


@st.composite
def _runs(draw: st.DrawFn, units: Units) -> Run:
    metres = draw(_dist(units))
    pace_s_per_km = draw(st.integers(180, 600))
    seconds = round(metres / 1000 * pace_s_per_km)
    return Run(
        draw(_AT),
        metres,
        seconds,
        draw(st.none() | st.sampled_from(list(RunKind))),
        draw(st.none() | st.integers(1, 10)),
    )


@st.composite
def _walks(draw: st.DrawFn, units: Units) -> Walk:
    seconds = draw(st.integers(60, 6 * 3600))
    metres = draw(st.none() | st.just(seconds / 3600 * 5000.0))
    steps = draw(st.none() | st.integers(1, 60000))
    return Walk(draw(_AT), seconds, metres, steps)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_formatted_reports_round_trip(data: st.DataObject) -> None:
    units = data.draw(_UNITS)
    report = data.draw(
        st.one_of(
            _runs(units),
            _walks(units),
            st.builds(DaySteps, _AT, st.integers(0, 100000)),
        )
    )
    text = format_report(report, units, NOW)
    parsed = parse_report(text, units, NOW)
    assert not isinstance(parsed, ParseError), (text, parsed)
    assert type(parsed) is type(report)
    assert parsed.day == report.day
    for name in ("duration_s", "steps", "kind", "effort"):
        assert getattr(parsed, name, None) == getattr(report, name, None), (name, text)
    expected = getattr(report, "distance_m", None)
    got = getattr(parsed, "distance_m", None)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1.0), text


def test_now_must_be_passed_in() -> None:
    later = datetime(2027, 1, 5, 9, 0, tzinfo=NOW.tzinfo)
    report = parse_report("ran 5 km 30 min", Units.KM, later)
    assert isinstance(report, Run) and report.at == later
