"""`python -m bot backup PATH`: a consistent tar.gz of the runners' data, while the bot runs.

Every runner's file is replaced atomically, so reading it gives one whole version. The
schedule snapshot and journal are left out: they are rebuilt from the runners' files on
the first start after a restore.
"""

from __future__ import annotations

import io
import os
import tarfile
import time
from pathlib import Path

from bot.storage import UserStore
from bot.storage.atomic import fsync_dir


def write_backup(data_dir: Path, target: Path) -> int:
    """Write the archive (atomically); returns how many runner files it holds."""
    store = UserStore(data_dir)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    count = 0
    with tarfile.open(tmp, "w:gz") as archive:
        for path in sorted(store.users_dir.glob("*/*/*.json")):
            try:
                payload = path.read_bytes()  # one open: the whole old or the whole new file
            except FileNotFoundError:
                continue  # the runner was deleted meanwhile
            info = tarfile.TarInfo(str(path.relative_to(data_dir)))
            info.size, info.mtime, info.mode = len(payload), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(payload))
            count += 1
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    fsync_dir(target.parent)
    return count
