"""`walk-coach import FILE...`: the bot's own reading of watch files, from a terminal.

Each file (or zip) goes through the same code as one sent in Telegram, and what the bot
would answer is printed. `--dry-run` runs it against a throwaway data folder, so nothing
is stored; otherwise the runner's own log (`--user`, their Telegram id) takes it, with
the folder's lock held so it never races a running bot.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import coaching
from bot.chat import Who
from bot.files import archive
from bot.files.importing import Tally, import_history, log_file, summary
from bot.files.readers import FileProblem, read_activity
from bot.storage import DataDir, UserSettings, UserStore, UserTx
from bot.storage.lock import FolderInUse, hold
from coach_rules import Units
from coach_rules.tracks import Track

TRY_USER = 1  # the runner of a dry run's throwaway folder


def _prepare(tx: UserTx, who_: Who, units: Units, zone: str) -> None:
    """A dry run's runner: the units and zone asked for on the command line."""
    tx.put_settings(UserSettings(who_.user_id, who_.chat_id, units=units, timezone=zone))


def _one(store: UserStore, who_: Who, path: Path, now: datetime) -> str:
    data = path.read_bytes()
    if archive.is_zip(data):
        return _zip(store, who_, data, now)
    track = read_activity(path.name, data)
    if isinstance(track, FileProblem):
        return track.message
    replies = store.transact(who_.user_id, lambda tx: log_file(tx, who_, track, "", now))
    return "\n".join(r.text for r in replies)


def _zip(store: UserStore, who_: Who, data: bytes, now: datetime) -> str:
    names = archive.activity_names(data)
    if isinstance(names, FileProblem):
        return names.message
    tally = Tally()
    tracks: list[tuple[str, Track]] = []
    for member in archive.members(data, names):
        found = member.data if isinstance(member.data, FileProblem) else None
        if found is None:
            assert isinstance(member.data, bytes)
            read = read_activity(member.name, member.data)
            if isinstance(read, FileProblem):
                found = read
            else:
                tracks.append((member.name, read))
        if found is not None:
            tally.rejected.append((member.name, found.message))
    store.transact(who_.user_id, lambda tx: import_history(tx, who_, tracks, now, tally))
    return summary(tally, coaching.import_weeks())


def import_files(
    paths: Sequence[Path],
    data_dir: Path,
    user: int | None,
    dry_run: bool,
    units: Units = Units.KM,
    zone: str = "UTC",
) -> int:
    """Read each file as the bot would and print its answer; 1 if a path is missing."""
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"walk-coach: no such file: {missing[0]}", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    if dry_run or user is None:
        if not dry_run:
            print("walk-coach: no --user given: a dry run, nothing stored.", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="walk-coach-try-") as scratch:
            store = UserStore(Path(scratch))
            who_ = Who(TRY_USER, TRY_USER, "", True)
            store.transact(TRY_USER, lambda tx: _prepare(tx, who_, units, zone))
            _print_all(store, who_, paths, now)
        return 0
    try:
        with hold(DataDir(data_dir)):  # never beside a bot running on the folder
            _print_all(UserStore(data_dir), Who(user, user, "", True), paths, now)
    except FolderInUse as exc:
        print(f"walk-coach: {exc} (or send the files to the bot in Telegram)", file=sys.stderr)
        return 1
    return 0


def _print_all(store: UserStore, who_: Who, paths: Sequence[Path], now: datetime) -> None:
    for path in paths:
        print(f"{path.name}:")
        print(_one(store, who_, path, now))
        print()
