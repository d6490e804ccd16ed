"""Unit conversions and formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach_rules.units import (
    Units,
    format_clock,
    format_distance,
    format_pace,
    from_metres,
    pace_for_speed_mph,
    to_metres,
)

_VALUES = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@given(_VALUES, st.sampled_from(list(Units)))
def test_round_trip(value: float, units: Units) -> None:
    assert from_metres(to_metres(value, units), units) == pytest.approx(value, rel=1e-12, abs=1e-9)


@given(_VALUES)
def test_a_mile_is_longer_than_a_km(value: float) -> None:
    assert to_metres(value, Units.MI) == pytest.approx(value * 1.609344 * 1000)
    assert from_metres(to_metres(value, Units.MI), Units.KM) >= value * 1.609


@given(st.integers(0, 10**6))
def test_clock_reads_back(seconds: int) -> None:
    parts = [int(p) for p in format_clock(seconds).split(":")]
    total = parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)
    assert total == seconds


@pytest.mark.parametrize(
    ("mph", "units", "pace"),
    [
        (4.0, Units.MI, "15:00 min/mi"),
        (2.5, Units.MI, "24:00 min/mi"),
        (4.0, Units.KM, "9:19 min/km"),
        (2.5, Units.KM, "14:55 min/km"),
    ],
)
def test_brisk_band_paces(mph: float, units: Units, pace: str) -> None:
    assert pace_for_speed_mph(mph, units) == pace


def test_formatting() -> None:
    assert format_distance(32_000, Units.MI) == "19.9 mi"
    assert format_distance(20_000, Units.KM) == "20 km"
    assert format_clock(3 * 3600 + 5 * 60) == "3:05:00"
    assert format_pace(300 / 1000, Units.KM) == "5:00 min/km"
