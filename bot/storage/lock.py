"""One bot process per data folder: an exclusive lock the operating system releases when
the process dies (even by SIGKILL), so there is never a stale lock to clean by hand.

Two processes on one folder would race on the runners' files, sweep each other's
temporary files and send every nudge twice.
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from bot.storage.datadir import DataDir
from bot.storage.wal import Wal


class FolderInUse(Exception):
    """Another process holds the data folder; the message names it."""


def hold(data: DataDir) -> IO[str]:
    """Take the folder's lock for the life of this process (keep the returned file open)."""
    data.root.mkdir(parents=True, exist_ok=True)
    handle = open(data.lock, "a+", encoding="ascii")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise FolderInUse(
            f"another walk-coach (PID {holder}) is running on {data.root}; stop it first"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    # The holder is the folder's one writer: its store log is recovered now, before
    # anything is read (after a power cut it gives the runners' logs back their tails).
    from bot.storage.store import open_wal

    _kept.append(open_wal(data.root))
    return handle


_kept: list[Wal] = []  # the holders' WALs stay open for the life of the process
