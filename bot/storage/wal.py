"""One write-ahead log per data folder: what makes a runner's change durable.

A change is appended to the runner's own log (logged.py) without an fsync, then to this
file, and this file is fdatasynced: the change survives kill -9 (the kernel holds the
runner's log) and a power cut (this file holds it). The file is allocated ahead in
zero-filled chunks and reused from the start once full, so an fdatasync never has to
commit a size or block change: it costs what SQLite's WAL commit costs, where an fsync of
a growing per-runner file cost twice that.

Layout: a header (magic, generation, the boot it was written in), then records
(length, CRC-32 of generation and payload, generation, payload). A payload is the
runner's file (relative path), a newline, and the record exactly as its own log holds it.
Reading stops at the first record whose generation or checksum does not match: a torn
append (never acknowledged) or what an earlier generation left further on.

When the file is full, or at a start, or when a record file is deleted, the generation
ends (`checkpoint`): the file system is synced (every runner log it covers is now
durable on its own) and a new generation starts at the top.

Opening an existing file (a start): only when the machine itself went down since the
generation began (the kernel's boot id changed) are its records handed back to logged.py,
which appends the ones a runner's log lacks (by sequence number; idempotent). After a
kill -9 the kernel still has every runner log's pages, so a start only syncs the file
system (a fraction of a millisecond when little is dirty) and begins a new generation.
Concurrent commits share an fdatasync (group commit).
"""

from __future__ import annotations

import ctypes
import logging
import os
import struct
import threading
import weakref
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import cast

from bot.storage.datadir import DataDir

logger = logging.getLogger(__name__)

WAL_NAME = DataDir(Path()).wal.name
MAGIC = b"WCWAL\x001\n"
_HEADER = struct.Struct("<8sQ36s")  # magic, generation, boot id
_RECORD = struct.Struct("<IIQ")  # payload length, crc32(generation + payload), generation
_GEN = struct.Struct("<Q")
CHUNK = 1 << 20  # allocated ahead (zeros written once), so appends never grow the file
LIMIT = 16 << 20  # then the generation ends and the file is reused from the top

Replay = Callable[[str, bytes], None]


def boot_id() -> str:
    """This boot of the machine (unknown elsewhere: '', which always replays)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _syncfs_call() -> Callable[[int], int] | None:
    try:
        return cast("Callable[[int], int]", ctypes.CDLL(None, use_errno=True).syncfs)
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs_call()


def sync_folder(folder: Path) -> None:
    """Make every write on the folder's file system durable (Linux syncfs; else sync)."""
    if _SYNCFS is None:
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))
    finally:
        os.close(fd)


def records_in(raw: bytes) -> tuple[int, str, list[tuple[str, bytes]]]:
    """A WAL file's generation, boot id and the records of that generation."""
    if len(raw) < _HEADER.size:
        return 0, "", []
    magic, generation, boot = _HEADER.unpack_from(raw, 0)
    if magic != MAGIC:
        return 0, "", []
    out: list[tuple[str, bytes]] = []
    offset = _HEADER.size
    tag = _GEN.pack(generation)
    while offset + _RECORD.size <= len(raw):
        length, checksum, gen = _RECORD.unpack_from(raw, offset)
        start = offset + _RECORD.size
        payload = raw[start : start + length]
        if gen != generation or len(payload) != length or zlib.crc32(tag + payload) != checksum:
            break
        name, _, record = payload.partition(b"\n")
        out.append((name.decode(), record))
        offset = start + length
    return generation, boot.rstrip(b"\0").decode(errors="replace"), out


class Wal:
    """The data folder's write-ahead log (one per folder and process: see `wal_for`)."""

    def __init__(self, root: Path, replay: Replay) -> None:
        self.root = root
        self.path = DataDir(root).wal
        self._lock = threading.Lock()  # the file's end, its allocation, the generation
        self._sync_lock = threading.Lock()  # one fdatasync at a time, shared by waiters
        self._written = 0  # bytes appended by this process (a logical clock)
        self._synced = 0  # ... of which durable
        self._boot = boot_id()
        root.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        weakref.finalize(self, os.close, self._fd)
        self._recover(replay, existed)

    def _recover(self, replay: Replay, existed: bool) -> None:
        size = os.fstat(self._fd).st_size
        generation, boot, pending = records_in(os.pread(self._fd, size, 0))
        if pending and boot != self._boot:
            logger.warning(
                "replaying %d store records after a restart of the machine", len(pending)
            )
            for name, record in pending:
                replay(name, record)
        self._gen = generation
        self._size = size
        if existed:
            # A killed process may have appended to a runner's log and not here: from here
            # on every runner log is durable on its own, and the generation can end.
            sync_folder(self.root)
        self._start_generation()
        if not existed:
            from bot.storage.atomic import fsync_dir

            fsync_dir(self.root)

    def _start_generation(self) -> None:
        """A new generation at the top of the file (the lock is held, or not needed yet)."""
        if self._size < CHUNK:
            self._allocate(CHUNK - self._size)
        self._gen += 1
        header = _HEADER.pack(MAGIC, self._gen, self._boot.encode()[:36])
        # The first record slot is zeroed too: nothing of an older generation follows.
        os.pwrite(self._fd, header + bytes(_RECORD.size), 0)
        os.fdatasync(self._fd)
        self._end = _HEADER.size
        self._synced = self._written

    def _allocate(self, extra: int) -> None:
        os.pwrite(self._fd, bytes(extra), self._size)
        os.fsync(self._fd)  # the new size and blocks, once per chunk
        self._size += extra

    def append(self, name: str, record: bytes, before: Callable[[], None], durable: bool) -> None:
        """`before` (the runner's own log append) then the record here; with `durable`,
        returns once the record is on disk."""
        payload = name.encode() + b"\n" + record
        with self._lock:
            self._room(_RECORD.size + len(payload))
            # Room first: a full disk fails the change before the runner's log has it.
            before()
            checksum = zlib.crc32(_GEN.pack(self._gen) + payload)
            os.pwrite(
                self._fd, _RECORD.pack(len(payload), checksum, self._gen) + payload, self._end
            )
            self._end += _RECORD.size + len(payload)
            self._written += _RECORD.size + len(payload)
            mark = self._written
        if durable:
            self.sync(mark)

    def _room(self, length: int) -> None:
        needed = self._end + length
        if needed > LIMIT and self._end > _HEADER.size:
            self._checkpoint_locked()  # full: the generation ends, the top is reused
            needed = self._end + length
        if needed > self._size:
            self._allocate(max(CHUNK, needed - self._size))

    def sync(self, mark: int | None = None) -> None:
        """Make every append so far (or up to `mark`) durable; one fdatasync serves every
        thread waiting meanwhile."""
        with self._sync_lock:
            # Nothing appended since the last sync: nothing to make durable (a batch of
            # plans that only read asks anyway).
            if self._synced >= (self._written if mark is None else mark):
                return
            target = self._written
            os.fdatasync(self._fd)
            self._synced = max(self._synced, target)

    def checkpoint(self) -> None:
        """End the generation: sync the file system, start again at the top."""
        with self._lock:
            self._checkpoint_locked()

    def _checkpoint_locked(self) -> None:
        sync_folder(self.root)
        self._start_generation()


_wals: weakref.WeakValueDictionary[Path, Wal] = weakref.WeakValueDictionary()
_wals_lock = threading.Lock()


def wal_for(root: Path, replay: Replay) -> Wal:
    """The folder's WAL for this process, opened (and recovered) at first use."""
    key = root.resolve()
    with _wals_lock:
        found = _wals.get(key)
        if found is None:
            found = Wal(root, replay)
            _wals[key] = found
        return found
