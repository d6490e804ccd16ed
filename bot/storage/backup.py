"""Backup and restore of a data folder: every runner's and every club's file.

A record is its `.json` file plus the log of changes since it was last folded; the
archive holds each folded into one `.json` file of the old format (see logged.py: read
log first, then file, so a fold meanwhile still gives one whole version), so a backup
can run beside the bot and a restore writes plain files. The schedule snapshot, its
journal and the scheduler's heartbeat are left out: the first start after a restore
rebuilds them from the files.
"""

from __future__ import annotations

import io
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.storage.atomic import atomic_write_bytes, fsync_dir
from bot.storage.datadir import DataDir
from bot.storage.logged import folded_bytes, log_path

# A runner's file is a few kilobytes; anything far larger in an archive is not ours.
MAX_RECORD_BYTES = 64 * 1024 * 1024


class RestoreError(Exception):
    """The archive cannot be restored here; the message says why."""


@dataclass(frozen=True)
class Counts:
    """What an archive holds."""

    runners: int
    clubs: int


def _count(paths: list[PurePosixPath]) -> Counts:
    runners = sum(1 for p in paths if p.parts[0] == "users")
    return Counts(runners, len(paths) - runners)


def write_backup(data_dir: Path, target: Path) -> Counts:
    """Write the archive (atomically, readable only by its owner); returns what it holds."""
    data = DataDir(data_dir)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    written: list[PurePosixPath] = []
    # Private from its first byte: the archive holds every runner's data.
    handle = os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    with handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
        for path in sorted(data.records()):
            payload = folded_bytes(path)
            if payload is None:
                continue  # deleted meanwhile
            name = PurePosixPath(path.relative_to(data_dir).as_posix())
            info = tarfile.TarInfo(str(name))
            info.size, info.mtime, info.mode = len(payload), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(payload))
            written.append(name)
    with open(tmp, "rb") as done:
        os.fsync(done.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)
    return _count(written)


def _members(archive: tarfile.TarFile, data: DataDir) -> list[tarfile.TarInfo]:
    """The archive's runner and club files; anything else (or anything odd) refuses it."""
    members = []
    for info in archive.getmembers():
        if info.isdir():
            continue
        name = PurePosixPath(info.name)
        if not info.isreg() or not data.is_record(name) or info.size > MAX_RECORD_BYTES:
            raise RestoreError(f"{info.name!r} is not a Walk Coach data file")
        members.append(info)
    return members


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def restore_backup(archive_path: Path, data_dir: Path) -> Counts:
    """Unpack an archive made by `write_backup` into a data folder with no runners or clubs.

    Refuses a folder that already holds data (a restore never merges) and any archive
    entry that is not a runner's or club's file where the layout puts it.
    """
    data = DataDir(data_dir)
    if data.has_records():
        raise RestoreError(f"{data_dir} already holds runners or clubs: restore into an empty one")
    restored: list[Path] = []
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            members = _members(archive, data)
            for info in members:
                source = archive.extractfile(info)
                assert source is not None  # a regular file, checked above
                # A deleted runner's leftover log must not be replayed onto the restored file.
                log_path(data_dir / info.name).unlink(missing_ok=True)
                atomic_write_bytes(data_dir / info.name, source.read())
                restored.append(data_dir / info.name)
    except (OSError, tarfile.TarError, EOFError) as exc:
        _remove(restored)  # all or nothing: a half restore would block the next try
        raise RestoreError(f"cannot read {archive_path}: {exc}") from exc
    except RestoreError:
        _remove(restored)
        raise
    # The index files of whatever ran here before describe other runners.
    for stale in (data.schedule_snapshot, data.schedule_journal):
        stale.unlink(missing_ok=True)
    return _count([PurePosixPath(m.name) for m in members])
