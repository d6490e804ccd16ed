"""Scheduled messages about to go out, and those that went out.

Before a batch of sends, a "sending" line per message is appended and the file fsynced
once (the batch's one durable commit: the runners' own files are not written at all
before a send). As soon as a send returns, a line says it went out, appended without an
fsync (a kill -9 keeps it: the kernel holds the page); a send that surely never left
gets a "released" line. A restart can then tell the three apart: went out (recorded
now, not sent again), may have gone out (a "sending" line alone: sent again and counted,
the one window no design closes), or never started (sent as usual).

Lines: `<user id> <kind> <local date>` (went out), the same with ` sending` or
` released`; a line not whole (a torn append) is skipped. Lines more than two days older
than the newest one are dropped when the file is read and when a new day begins, and a
runner's lines when they delete their data.
"""

from __future__ import annotations

import os
import threading
from datetime import date, timedelta
from pathlib import Path

from bot.storage.atomic import AppendFile, atomic_write_bytes

# A restart catches up at most 2 h, but local days span 25 h of time zones: while the
# newest line is a day ahead (UTC+14), a runner at UTC-11 is still a day behind.
KEEP = timedelta(days=2)
SENDING, RELEASED = "sending", "released"
Entry = tuple[int, str, date]  # user id, kind, local date


class SentLog:
    """The file, and what it names (thread-safe: planning reads it in worker threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: set[Entry] = set()
        self._sending: set[Entry] = set()
        self._newest: date | None = None
        self._file = AppendFile(path)
        self._opened = False
        self._forgotten: set[int] = set()  # deleted before the file was read

    def open(self) -> None:
        """Read what earlier runs noted (keeping the recent days), then append to it."""
        try:
            raw = self.path.read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            raw = ""
        seen: set[Entry] = set()
        sending: set[Entry] = set()
        # Only whole lines count: the last one may be a kill's torn append, and a line cut
        # by a failed append (if cutting it back failed too) has the next one glued on
        # (too many words, or a mark that is not one). Read as "went out", either could
        # stop a nudge for the day.
        for line in raw.split("\n")[:-1]:
            parts = line.split()
            try:
                entry = (int(parts[0]), parts[1], date.fromisoformat(parts[2]))
            except (IndexError, ValueError):
                continue
            mark = parts[3] if len(parts) == 4 else "" if len(parts) == 3 else None
            if mark == "":
                seen.add(entry)
            elif mark == SENDING:
                sending.add(entry)
            elif mark == RELEASED:
                sending.discard(entry)
        with self._lock:
            gone = self._forgotten
            seen = {entry for entry in seen if entry[0] not in gone}
            sending = {entry for entry in sending if entry[0] not in gone}
            self._opened = True
            self._seen, self._sending = seen, sending - seen
            self._newest = max((day for _, _, day in seen | sending), default=None)
            self._rewrite()

    def sending(self, entries: list[Entry]) -> None:
        """These messages are about to go out: noted durably, with one fsync."""
        if not entries:
            return
        with self._lock:
            self._new_day(max(day for _, _, day in entries))
            self._sending.update(entries)
            self._file.append("".join(_line(entry, SENDING) for entry in entries).encode())
        # The fsync outside the lock: `note` runs on the event loop and must not wait for
        # it. A file replaced meanwhile (a new day) was written durably with these lines.
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def note(self, user_id: int, kind: str, day: date) -> None:
        """The message went out (or may have: its outcome is unknown)."""
        entry = (user_id, kind, day)
        with self._lock:
            self._new_day(day)
            self._seen.add(entry)
            self._sending.discard(entry)
            self._file.append(_line(entry).encode())

    def release(self, user_id: int, kind: str, day: date) -> None:
        """The message surely did not go out: a later try is no resend. No fsync: a line
        lost to a power cut only counts that try as a possible double."""
        entry = (user_id, kind, day)
        with self._lock:
            if entry in self._sending:
                self._sending.discard(entry)
                self._file.append(_line(entry, RELEASED).encode())

    def forget(self, user_id: int) -> None:
        """The runner deleted their data: an account made again under the id (even the
        same day) owes nothing to the old one's lines. Rewritten at once (deletes are
        rare); a kill before it leaves the old lines, which can only hold back one nudge
        of that day."""
        with self._lock:
            if not self._opened:
                self._forgotten.add(user_id)  # the file is not read yet: at `open`
                return
            self._seen = {entry for entry in self._seen if entry[0] != user_id}
            self._sending = {entry for entry in self._sending if entry[0] != user_id}
            self._rewrite()

    def has(self, user_id: int, kind: str, day: date) -> bool:
        """Whether the message of that kind and local day went out to the runner."""
        with self._lock:
            return (user_id, kind, day) in self._seen

    def was_sending(self, user_id: int, kind: str, day: date) -> bool:
        """Whether a send of it started and its outcome was never noted (a kill)."""
        with self._lock:
            return (user_id, kind, day) in self._sending

    def close(self) -> None:
        """Close the file (reopened at the next note)."""
        with self._lock:
            self._file.close()

    def _new_day(self, day: date) -> None:
        if self._newest is None or day > self._newest:
            self._newest = day
            self._rewrite()  # a new day: yesterday's lines are enough

    def _rewrite(self) -> None:
        if self._newest is not None:
            oldest = self._newest - KEEP
            self._seen = {entry for entry in self._seen if entry[2] >= oldest}
            self._sending = {entry for entry in self._sending if entry[2] >= oldest}
        lines = [_line(entry) for entry in self._seen]
        lines += [_line(entry, SENDING) for entry in self._sending]
        self._file.close()  # the file is replaced: the next note opens the new one
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, "".join(lines).encode())


def _line(entry: Entry, mark: str = "") -> str:
    user_id, kind, day = entry
    return f"{user_id} {kind} {day.isoformat()}{' ' + mark if mark else ''}\n"
