"""Scheduled messages that went out, noted the moment Telegram answered.

A runner's sent record is written with its batch (one trip to the worker thread for
many runners), so a kill in a fan-out found up to a batch of sends with a "sending"
note and no record; the restart could not tell them from sends that never left, and
sent them all again (1,466 doubles in 100 kills). A line here, appended without an
fsync as soon as a send returns (a kill -9 keeps it: the kernel holds the page), tells
them apart: a restart records those as sent and sends again only the ones this file
does not name. Only a power cut (these lines lost) or a kill between Telegram's answer
and the append can still double one.

One line per message: `<user id> <kind> <local date>`. Lines older than the day before
the newest one are dropped when the file is read and when a new day begins.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

from bot.storage.atomic import AppendFile, atomic_write_bytes

KEEP = timedelta(days=1)  # a restart catches up at most 2 h: yesterday's lines suffice


class SentLog:
    """The file, and what it names (thread-safe: planning reads it in worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: set[tuple[int, str, date]] = set()
        self._newest: date | None = None
        self._file = AppendFile(path)

    def open(self) -> None:
        """Read what earlier runs noted (keeping the recent days), then append to it."""
        try:
            raw = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            raw = ""
        found = set()
        for line in raw.splitlines():
            parts = line.split()
            try:
                found.add((int(parts[0]), parts[1], date.fromisoformat(parts[2])))
            except (IndexError, ValueError):
                continue  # a line a kill cut short
        with self._lock:
            self._seen = found
            self._newest = max((day for _, _, day in found), default=None)
            self._rewrite()

    def note(self, user_id: int, kind: str, day: date) -> None:
        """The message went out (or may have: its outcome is unknown)."""
        with self._lock:
            if self._newest is None or day > self._newest:
                self._newest = day
                self._rewrite()  # a new day: yesterday's lines are enough
            self._seen.add((user_id, kind, day))
            self._file.append(f"{user_id} {kind} {day.isoformat()}\n".encode())

    def has(self, user_id: int, kind: str, day: date) -> bool:
        """Whether the message of that kind and local day went out to the runner."""
        with self._lock:
            return (user_id, kind, day) in self._seen

    def close(self) -> None:
        """Close the file (reopened at the next note)."""
        with self._lock:
            self._file.close()

    def _rewrite(self) -> None:
        if self._newest is not None:
            oldest = self._newest - KEEP
            self._seen = {entry for entry in self._seen if entry[2] >= oldest}
        lines = [f"{u} {k} {d.isoformat()}\n" for u, k, d in self._seen]
        self._file.close()  # the file is replaced: the next note opens the new one
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, "".join(lines).encode())
