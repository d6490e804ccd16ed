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
OVER_BUDGET = FileProblem(f"past the {MAX_UNPACKED // 2**30} GB an import may unpack.")


@dataclass(frozen=True)
class Member:
    """One activity file in the zip: its name and bytes, or why it was not unpacked."""

    name: str
    data: bytes | FileProblem


def is_zip(data: bytes) -> bool:
    """A zip's first bytes."""
    return data[:4] == b"PK\x03\x04"


def activity_names(data: bytes) -> list[str] | FileProblem:
    """The activity files in a zip (other files, like Strava's CSV and photos, ignored)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return problem("That .zip is damaged or cut short.")
    with archive:
        infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        return problem(f"That .zip holds {len(infos):,} files; I import at most {MAX_MEMBERS:,}.")
    names = [
        i.filename
        for i in infos
        if not i.is_dir() and i.filename.lower().endswith(ACTIVITY_SUFFIXES)
    ]
    declared = sum(i.file_size for i in infos if i.filename in set(names))
    if declared > MAX_UNPACKED:
        return problem(
            f"That .zip unpacks to {declared / 2**30:.1f} GB; I import at most"
            f" {MAX_UNPACKED // 2**30} GB at once."
        )
    if not names:
        return problem(
            "That .zip has no FIT, GPX or TCX files in it (Strava's export keeps them in"
            " its activities folder)."
        )
    return names


def members(data: bytes, names: list[str]) -> Iterator[Member]:
    """Each named member's bytes, read with a cap per member and in all (a zip's sizes
    are only what its headers claim)."""
    budget = MAX_UNPACKED
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in names:
            limit = min(budget, MAX_FILE_BYTES)
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
        return FileProblem(f"unpacks to more than {limit // 2**20} MB.")
    return out
