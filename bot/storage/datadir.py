"""Every file of the data folder, named in one place.

    <root>/users/ab/cd/<user id>.json   one runner (ab/cd from a hash: small folders)
    <root>/users/ab/cd/<user id>.log    its changes since the .json was last folded
    <root>/clubs/ab/<chat id>.json      one group the bot is in (and its .log)
    <root>/schedule-snapshot.json       the nudge index, as of the last snapshot
    <root>/schedule-journal.txt         runners whose schedule changed since then
    <root>/scheduler.json               the last minute the scheduler finished
    <root>/nudges-sent.log              scheduled messages that went out (sentlog.py)
    <root>/walk-coach.lock              held by the one bot process running here
    <root>/store.wal                    the store's write-ahead log (wal.py)
    <root>/updates-journal.jsonl        updates not yet handled, replies owed (bot.intake)
    .<name>.<suffix>.tmp beside any of them: a write a killed process left behind

Backup, restore, the start-up sweep, /delete, the store and the scheduler all ask this
class where things are, so a new file kind is added here once.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_ID_FILE = re.compile(r"-?[0-9]+\.json")


def _digest(identifier: int) -> str:
    return hashlib.sha1(str(identifier).encode()).hexdigest()


def _ids(folder: str, depth: int) -> Iterator[int]:
    """The ids of the `<id>.json` files `depth` folders below `folder` (os.scandir on
    plain strings: pathlib's glob took seconds at 100,000 runners)."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if depth:
            if entry.is_dir(follow_symlinks=False):
                yield from _ids(entry.path, depth - 1)
        elif _ID_FILE.fullmatch(entry.name):
            yield int(entry.name[:-5])


@dataclass(frozen=True)
class DataDir:
    """The layout of one data folder."""

    root: Path

    @property
    def users(self) -> Path:
        """The runners' folder."""
        return self.root / "users"

    @property
    def clubs(self) -> Path:
        """The clubs' folder."""
        return self.root / "clubs"

    @property
    def schedule_snapshot(self) -> Path:
        """The nudge index snapshot (rebuilt from the runners' files when missing)."""
        return self.root / "schedule-snapshot.json"

    @property
    def schedule_journal(self) -> Path:
        """Runners whose schedule changed since the snapshot."""
        return self.root / "schedule-journal.txt"

    @property
    def updates_journal(self) -> Path:
        """Updates received and not yet handled, and replies owed (bot.intake)."""
        return self.root / "updates-journal.jsonl"

    @property
    def wal(self) -> Path:
        """The store's write-ahead log: what makes a runner's change durable (wal.py)."""
        return self.root / "store.wal"

    @property
    def lock(self) -> Path:
        """Held (flock) by the one bot process running on this folder."""
        return self.root / "walk-coach.lock"

    @property
    def nudges_sent(self) -> Path:
        """Scheduled messages that went out, noted as Telegram answered (sentlog.py)."""
        return self.root / "nudges-sent.log"

    @property
    def scheduler_state(self) -> Path:
        """The last minute the scheduler finished (its heartbeat too)."""
        return self.root / "scheduler.json"

    def user_file(self, user_id: int) -> Path:
        """users/ab/cd/<id>.json."""
        digest = _digest(user_id)
        # One Path from a ready string: pathlib joins cost more than the hash.
        return Path(f"{self.root}/users/{digest[:2]}/{digest[2:4]}/{user_id}.json")

    def club_file(self, chat_id: int) -> Path:
        """clubs/ab/<id>.json."""
        return self.clubs / _digest(chat_id)[:2] / f"{chat_id}.json"

    def user_ids(self) -> Iterator[int]:
        """Every stored runner."""
        return _ids(os.fspath(self.users), 2)

    def club_ids(self) -> Iterator[int]:
        """Every stored club."""
        return _ids(os.fspath(self.clubs), 1)

    def records(self) -> Iterator[Path]:
        """Every runner's and club's file: what a backup must hold (the rest is rebuilt)."""
        for path in self.users.glob("*/*/*.json"):
            if _ID_FILE.fullmatch(path.name):
                yield path
        for path in self.clubs.glob("*/*.json"):
            if _ID_FILE.fullmatch(path.name):
                yield path

    def temporary_files(self) -> Iterator[Path]:
        """Half-written files a killed writer left behind, in every folder we write."""
        yield from self.users.glob("*/*/.*.tmp")
        yield from self.clubs.glob("*/.*.tmp")
        yield from self.root.glob(".*.tmp")

    def is_record(self, relative: PurePosixPath) -> bool:
        """Whether a path inside the folder names a runner's or a club's file, exactly
        where this layout puts it (restore takes nothing else from an archive)."""
        parts = relative.parts
        if not parts or not _ID_FILE.fullmatch(parts[-1]):
            return False
        identifier = int(parts[-1].removesuffix(".json"))
        if parts[0] == "users":
            return relative == PurePosixPath(self.user_file(identifier).relative_to(self.root))
        if parts[0] == "clubs":
            return relative == PurePosixPath(self.club_file(identifier).relative_to(self.root))
        return False

    def has_records(self) -> bool:
        """Whether any runner or club is stored."""
        return next(self.records(), None) is not None
