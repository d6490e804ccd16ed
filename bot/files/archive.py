"""A .zip of activity files (Strava's "download your data", a folder of FIT files):
its activity members, unpacked with hard caps so no zip bomb gets through."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
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
    """A zip's first bytes (an empty zip is only its end record)."""
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def megabytes(size: int) -> str:
    """'64', '0.95': a size in MB for the runner."""
    return f"{size / 2**20:.2f}".rstrip("0").rstrip(".")


def _is_activity(name: str) -> bool:
    return name.lower().endswith(ACTIVITY_SUFFIXES)


def _open(data: bytes) -> zipfile.ZipFile | FileProblem:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return problem("That .zip is damaged or cut short.")


def _inner_zips(archive: zipfile.ZipFile) -> Iterator[tuple[str, zipfile.ZipFile]]:
    """Zips inside the zip, one level down (Garmin's account export keeps its FIT files
    in zips inside the export); one that won't open, or unpacks too big, is skipped."""
    for info in archive.infolist():
        if info.is_dir() or not info.filename.lower().endswith(".zip"):
            continue
        got = _read_member(archive, info.filename, MAX_FILE_BYTES)
        inner = _open(got) if isinstance(got, bytes) else got
        if isinstance(inner, zipfile.ZipFile):
            yield info.filename, inner


def activity_names(
    data: bytes, max_members: int = MAX_MEMBERS, max_unpacked: int = MAX_UNPACKED
) -> list[str] | FileProblem:
    """The activity files in a zip (other files, like Strava's CSV and photos, ignored);
    one in a zip inside it is named 'outer.zip!inner/name.fit'."""
    archive = _open(data)
    if isinstance(archive, FileProblem):
        return archive
    with archive:
        infos = [("", i) for i in archive.infolist()]
        for outer, inner in _inner_zips(archive):
            with inner:
                infos += [(f"{outer}!", i) for i in inner.infolist()]
    if len(infos) > max_members:
        return problem(f"That .zip holds {len(infos):,} files; I import at most {max_members:,}.")
    wanted = [(p, i) for p, i in infos if not i.is_dir() and _is_activity(i.filename)]
    declared = sum(i.file_size for _, i in wanted)
    if declared > max_unpacked:
        return problem(
            f"That .zip unpacks to {megabytes(declared)} MB; I import at most"
            f" {megabytes(max_unpacked)} MB at once."
        )
    if not wanted:
        return problem(
            "That .zip has no FIT, GPX or TCX files in it (Strava's export keeps them in"
            " its activities folder)."
        )
    return [p + i.filename for p, i in wanted]


def members(
    data: bytes,
    names: list[str],
    max_member: int = MAX_FILE_BYTES,
    max_unpacked: int = MAX_UNPACKED,
) -> Iterator[Member]:
    """Each named member's bytes, read with a cap per member and in all (a zip's sizes
    are only what its headers claim)."""
    budget = max_unpacked
    inner: dict[str, zipfile.ZipFile | FileProblem] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive, _closing(inner):
        for name in names:
            outer, _, path = name.rpartition("!")
            source = archive if not outer else inner.setdefault(outer, _nested(archive, outer))
            limit = min(budget, max_member)
            if isinstance(source, FileProblem):
                got: bytes | FileProblem = source
            else:
                got = _read_member(source, path, limit) if limit > 0 else OVER_BUDGET
            if isinstance(got, bytes):
                budget -= len(got)
            yield Member(name_of(path), got)


@contextmanager
def _closing(opened: dict[str, zipfile.ZipFile | FileProblem]) -> Iterator[None]:
    try:
        yield
    finally:
        for found in opened.values():
            if isinstance(found, zipfile.ZipFile):
                found.close()


def single(data: bytes) -> tuple[str, bytes | FileProblem] | None:
    """The one activity file of a zip that holds only one (Garmin Connect's "Export
    Original"): read like a file sent on its own. None when the zip holds more, or none."""
    names = activity_names(data)
    if isinstance(names, FileProblem) or len(names) != 1:
        return None
    member = next(members(data, names))
    if isinstance(member.data, FileProblem):  # a reason meant for a list: a sentence here
        reason = member.data.message.removesuffix(".")
        return member.name, problem(f"I couldn't read {member.name} in that .zip: {reason}.")
    return member.name, member.data


def _nested(archive: zipfile.ZipFile, name: str) -> zipfile.ZipFile | FileProblem:
    got = _read_member(archive, name, MAX_FILE_BYTES)
    return _open(got) if isinstance(got, bytes) else got


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes | FileProblem:
    try:
        with archive.open(name) as member:
            out = member.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, KeyError):
        return FileProblem("damaged inside the zip.")
    except RuntimeError:  # an encrypted member
        return FileProblem("encrypted inside the zip.")
    if len(out) > limit:
        return FileProblem(f"unpacks to more than {megabytes(limit)} MB.")
    return out
