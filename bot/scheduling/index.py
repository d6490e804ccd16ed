"""Who is due at which local minute: an in-memory index, kept current on every change.

One repeating job asks it each minute; per-user jobs would cost about 400 MB and
20-30 s of scheduling at 100,000 runners.
"""

from __future__ import annotations

import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from bot.storage import ScheduleKey

FOLLOWUP_TIME = "08:00"  # the morning after a long run, local time
MINUTE = timedelta(minutes=1)


class Slot(StrEnum):
    """A runner's scheduled moments: their nudge time, and the morning after a long run."""

    DAILY = "daily"
    MORNING = "followup"


@dataclass(frozen=True)
class Due:
    """One scheduled delivery to consider: for whom (a runner, or a club's chat), which
    slot, and the UTC minute it is due in."""

    target: int
    slot: str
    minute: datetime


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def wall_minutes(previous: datetime, current: datetime, zone: str) -> list[str]:
    """Local wall-clock minutes in (previous, current], as 'HH:MM'.

    Usually one. When clocks spring forward it is every skipped minute too, so a nudge set
    inside the gap still fires (at the first minute after it). When they fall back the
    wall clock repeats; the repeated minute is returned again and the sent-record keeps
    the nudge from going out twice.
    """
    tz = _zone(zone)
    before = previous.astimezone(tz).replace(tzinfo=None)
    now = current.astimezone(tz).replace(tzinfo=None)
    if now <= before:
        return [f"{now:%H:%M}"]
    out, t = [], before + MINUTE
    while t <= now:
        out.append(f"{t:%H:%M}")
        t += MINUTE
    return out


class NudgeIndex:
    """user -> schedule, and per time zone: local 'HH:MM' -> users; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[int, ScheduleKey] = {}
        self._daily: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self._followups: dict[str, set[int]] = defaultdict(set)

    def __len__(self) -> int:
        return len(self._keys)

    def _unlink(self, user_id: int) -> None:
        old = self._keys.pop(user_id, None)
        if old is None:
            return
        if old.nudge:
            self._daily[old.timezone][old.nudge].discard(user_id)
        self._followups[old.timezone].discard(user_id)

    def put(self, user_id: int, key: ScheduleKey | None) -> None:
        """Add, change or (key None, or blocked) remove a runner."""
        with self._lock:
            self._unlink(user_id)
            if key is not None and not key.blocked:
                self._link(user_id, key)

    def _link(self, user_id: int, key: ScheduleKey) -> None:
        zone = sys.intern(key.timezone)  # 100,000 runners share a few hundred zones
        if zone is not key.timezone:
            key = ScheduleKey(zone, key.nudge, False, key.followup_on)
        self._keys[user_id] = key
        if key.nudge:
            self._daily[zone][key.nudge].add(user_id)
        if key.followup_on:
            self._followups[zone].add(user_id)

    def replace_all(self, entries: Iterable[tuple[int, ScheduleKey]]) -> None:
        """Start over from a snapshot (from empty: a start at 100,000 runners spent most of
        its index time unlinking entries that were not there)."""
        with self._lock:
            self._keys = {}
            self._daily = defaultdict(lambda: defaultdict(set))
            self._followups = defaultdict(set)
            for user_id, key in entries:
                if not key.blocked:
                    self._link(user_id, key)

    def items(self) -> Iterator[tuple[int, ScheduleKey]]:
        """A copy of every entry (for snapshots)."""
        with self._lock:
            return iter(list(self._keys.items()))

    def due(self, minute: datetime) -> list[Due]:
        """Everyone whose local nudge or follow-up time falls in the minute ending at `minute`."""
        previous = minute - MINUTE
        found: list[Due] = []
        with self._lock:
            zones = set(self._daily) | set(self._followups)
            for zone in zones:
                walls = wall_minutes(previous, minute, zone)
                by_time = self._daily.get(zone, {})
                for wall in walls:
                    found += [Due(u, Slot.DAILY, minute) for u in by_time.get(wall, ())]
                if FOLLOWUP_TIME in walls:
                    found += [Due(u, Slot.MORNING, minute) for u in self._followups.get(zone, ())]
        return sorted(found, key=lambda d: (d.target, d.slot))
