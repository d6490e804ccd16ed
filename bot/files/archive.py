"""A .zip of activity files (Strava's "download your data", a folder of FIT files):
its activity members, unpacked with hard caps so no zip bomb gets through."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from bot.files.readers import MAX_FILE_BYTES, FileProblem, name_of, problem

ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
# Strava's export of a runner with years of history holds a few thousand activities.
MAX_MEMBERS = 5000
# What a whole import may unpack to, and one member (the headers may lie: counted too).
MAX_UNPACKED = 1024 * 1024 * 1024
OVER_BUDGET = FileProblem("past the size an import may unpack.")


@dataclass(frozen=True)
class Member:
    """One activity file in the zip: its name and bytes, or why it was not unpacked."""

    name: str
    data: bytes | FileProblem


def is_zip(data: bytes) -> bool:
    """A zip's first bytes."""
    return data[:4] == b"PK\x03\x04"


def megabytes(size: int) -> str:
    """'64', '0.95': a size in MB for the runner."""
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".")


def activity_names(
    data: bytes, max_members: int = MAX_MEMBERS, max_unpacked: int = MAX_UNPACKED
) -> list[str] | FileProblem:
    """The activity files in a zip (other files, like Strava's CSV and photos, ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return problem("That .zip is damaged or cut short.")
    with archive:
        infos = archive.infolist()
    if len(infos) > max_members:
        return problem(f"That .zip holds {len(infos):,} files; I import at most {max_members:,}.")
    names = [
        i.filename
        for i in infos
        if not i.is_dir() and i.filename.lower().endswith(ACTIVITY_SUFFIXES)
    ]
    wanted = set(names)
    declared = sum(i.file_size for i in infos if i.filename in wanted)
    if declared > max_unpacked:
        return problem(
            f"That .zip unpacks to {megabytes(declared)} MB; I import at most"
            f" {megabytes(max_unpacked)} MB at once."
        )
    if not names:
        return problem(
            "That .zip has no FIT, GPX or TCX files in it (Strava's export keeps them in"
            " its activities folder)."
        )
    return names


def members(
    data: bytes,
    names: list[str],
    max_member: int = MAX_FILE_BYTES,
    max_unpacked: int = MAX_UNPACKED,
) -> Iterator[Member]:
    """Each named member's bytes, read with a cap per member and in all (a zip's sizes
    are only what its headers claim)."""
    budget = max_unpacked
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in names:
            limit = min(budget, max_member)
            got = _read_member(archive, name, limit) if limit > 0 else OVER_BUDGET
            if isinstance(got, bytes):
                budget -= len(got)
            yield Member(name_of(name), got)


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | FileProblem:
    try:
        with archive.open(name) as member:
            out = member.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return FileProblem("damaged inside the zip.")
    except RuntimeError:  # an encrypted member
        return FileProblem("encrypted inside the zip.")
    if len(out) > limit:
        return FileProblem(f"unpacks to more than {megabytes(limit)} MB.")
    return out
