"""Units: the engine works in SI (metres, seconds); people see km or miles."""

from __future__ import annotations

from enum import StrEnum

METRES_PER_MILE = 1609.344
METRES_PER_KM = 1000.0
SECONDS_PER_HOUR = 3600
POUNDS_PER_KG = 2.20462


class Units(StrEnum):
    """The distance unit a runner sees."""

    KM = "km"
    MI = "mi"


def metres_per_unit(units: Units) -> float:
    """Metres in one of the user's distance units."""
    return METRES_PER_MILE if units is Units.MI else METRES_PER_KM


def to_metres(value: float, units: Units) -> float:
    """A distance in the user's units, in metres."""
    return value * metres_per_unit(units)


def from_metres(metres: float, units: Units) -> float:
    """A distance in metres, in the user's units."""
    return metres / metres_per_unit(units)


def miles(metres: float) -> float:
    """Metres to miles (the article's rules are per mile)."""
    return metres / METRES_PER_MILE


def speed_kmh(metres: float, seconds: float) -> float:
    """Average speed in km/h."""
    return (metres / METRES_PER_KM) / (seconds / SECONDS_PER_HOUR)


def speed_mph(metres: float, seconds: float) -> float:
    """Average speed in miles per hour."""
    return miles(metres) / (seconds / SECONDS_PER_HOUR)


def format_number(value: float, digits: int = 1) -> str:
    """A short decimal: 20 stays '20', 3.25 becomes '3.2' (digits=1)."""
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_distance(metres: float, units: Units, digits: int = 1) -> str:
    """'20 mi' or '32.2 km'."""
    return f"{format_number(from_metres(metres, units), digits)} {units.value}"


def format_clock(seconds: float) -> str:
    """A duration as h:mm:ss, or m:ss under an hour."""
    total = round(seconds)
    hours, rest = divmod(total, SECONDS_PER_HOUR)
    mins, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{mins:02d}:{secs:02d}"
    return f"{mins}:{secs:02d}"


def format_minutes(seconds: float) -> str:
    """A duration in words a runner reads at a glance: '45 min', '1 h 05 min'."""
    total_min = round(seconds / 60)
    hours, mins = divmod(total_min, 60)
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def format_pace(seconds_per_metre: float, units: Units) -> str:
    """Pace as 'm:ss min/km' or 'm:ss min/mi'."""
    per_unit = seconds_per_metre * metres_per_unit(units)
    return f"{format_clock(per_unit)} min/{units.value}"


def pace_for_speed_mph(mph: float, units: Units) -> str:
    """The pace that a speed in mph corresponds to, in the user's units."""
    seconds_per_metre = SECONDS_PER_HOUR / (mph * METRES_PER_MILE)
    return format_pace(seconds_per_metre, units)
