"""Time zones: IANA names, city names, and a shared location, to a zone the bot can use."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones


@functools.cache
def _by_lower_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if name.startswith(("posix/", "right/")) or name in {"localtime", "Factory"}:
            continue
        names.setdefault(name.lower(), name)
        city = name.rsplit("/", 1)[-1].lower()
        # Prefer the canonical region zones (Europe/..., America/...) for a bare city name.
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "Canada/")):
            names.setdefault(city, name)
    return names


def resolve_timezone(text: str) -> str | None:
    """'Europe/Berlin', 'berlin', 'New York', 'UTC+2' to an IANA zone name, or None."""
    cleaned = text.strip().replace(" ", "_").lower()
    if not cleaned or len(cleaned) > 64:
        return None
    offset = re.fullmatch(r"(?:utc|gmt)([+-])([0-9]{1,2})", cleaned)
    if offset:
        hours = int(offset.group(2))
        if hours > 14:
            return None
        # Etc/GMT zones count the other way round: UTC+2 is Etc/GMT-2.
        sign = "-" if offset.group(1) == "+" else "+"
        return "UTC" if hours == 0 else f"Etc/GMT{sign}{hours}"
    if cleaned in ("utc", "gmt", "z"):
        return "UTC"
    return _by_lower_name().get(cleaned)


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    # In memory: the finder's data files are read once and closed (~45 MB, loaded on the
    # first shared location only); mapped files would stay open until interpreter exit.
    return TimezoneFinder(in_memory=True)


def timezone_for_location(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point, or None at sea or off the map."""
    finder = _finder()
    name = finder.timezone_at(lng=longitude, lat=latitude)  # type: ignore[attr-defined]
    return name if isinstance(name, str) and resolve_timezone(name) else None


def local_now(now_utc: datetime, zone: str) -> datetime:
    """`now_utc` as the runner's local time."""
    return now_utc.astimezone(ZoneInfo(zone))


def parse_clock(text: str) -> str | None:
    """'19:30', '7:05', '19.30', '1930', '7pm', '7:30 pm' to 'HH:MM', or None."""
    cleaned = text.strip().lower().replace(" ", "")
    twelve = re.fullmatch(r"(1[0-2]|0?[1-9])(?:[:.]([0-5][0-9]))?([ap])\.?m\.?", cleaned)
    if twelve:
        hour = int(twelve.group(1)) % 12 + (12 if twelve.group(3) == "p" else 0)
        return f"{hour:02d}:{twelve.group(2) or '00'}"
    match = re.fullmatch(r"([01]?[0-9]|2[0-3])[:.h]?([0-5][0-9])", cleaned)
    if not match:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"
