"""Whole-file writes that never leave a half-written file behind.

A write goes to a temporary file that is flushed, fsynced and then swapped in with
os.replace, and the folder is fsynced so the rename itself survives a power cut: after a
crash the file is either the old or the new version. (The runners' files use it when
their log is folded: logged.py.)
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from pathlib import Path

_counter = 0
_counter_lock = threading.Lock()


def _unique_suffix() -> str:
    global _counter
    with _counter_lock:
        _counter += 1
        return f"{os.getpid()}.{threading.get_ident()}.{_counter}"


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{_unique_suffix()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_dir(path.parent)


class AppendFile:
    """A file lines are appended to, kept open between appends (opening it for every line
    cost more than writing it); closed when `close` is called or the owner is gone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1
        self._closer: weakref.finalize[[int], AppendFile] | None = None

    def append(self, payload: bytes, durable: bool = False) -> None:
        """Write `payload` at the end: in the page cache (a kill of this process keeps
        it); with `durable`, on the disk too (a power cut keeps it)."""
        if self._closer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            self._closer = weakref.finalize(self, os.close, self._fd)
        view = memoryview(payload)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError:
            self._cut(len(payload) - len(view))
            raise
        if durable:
            os.fsync(self._fd)

    def _cut(self, written: int) -> None:
        """A failed append (a full disk) leaves no part of itself: a partial line would
        have the next append glued on, and read back as something never written."""
        if written:
            with contextlib.suppress(OSError):  # shrinking needs no space; best effort
                os.ftruncate(self._fd, os.fstat(self._fd).st_size - written)

    def close(self) -> None:
        """Close it (the next append opens the file again: a replaced one, say)."""
        if self._closer is not None:
            self._closer()  # closes the descriptor once
            self._closer = None
