"""A TinyDB storage that never leaves a half-written file behind.

TinyDB's JSONStorage rewrites its file in place, so a kill in mid-write can leave it
truncated. Here every write goes to a temporary file that is flushed, fsynced and then
swapped in with os.replace, and the folder is fsynced so the rename itself survives a
power cut: after a crash the file is either the old or the new version.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

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


class AtomicJSONStorage(Storage):
    """TinyDB storage over one JSON file, written atomically."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw:
            return None
        data: dict[str, dict[str, Any]] = json.loads(raw)
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        atomic_write_bytes(self._path, payload)

    def close(self) -> None:
        """Nothing stays open between operations."""
