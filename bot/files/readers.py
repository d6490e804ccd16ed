"""Watch and phone files read with their libraries into the domain's `Track`.

FIT: Garmin's own FIT SDK (`garmin-fit-sdk`); GPX: gpxpy; TCX: tcxreader. The format is
told by the bytes (a FIT header, a gzip header, the XML root), not by the name alone, so
a misnamed file still reads and a renamed photo is refused. Every failure is a
`FileProblem`: one sentence for the runner, no traceback.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
from garmin_fit_sdk import Decoder, Stream
from gpxpy.geo import haversine_distance
from tcxreader.tcxreader import TCXReader  # type: ignore[import-untyped]

from coach_rules.tracks import Track

# An activity file this big holds days of 1 Hz samples; anything larger is not one.
MAX_FILE_BYTES = 64 * 1024 * 1024
KNOWN = "I read FIT, GPX and TCX files from a watch or an app (also .gz, or a .zip of them)."
SEMICIRCLE_DEG = 180 / 2**31


@dataclass(frozen=True)
class FileProblem:
    """Why a file could not be read, in one sentence for the runner."""

    message: str


def problem(text: str) -> FileProblem:
    """A problem sentence that always ends by saying nothing was stored."""
    return FileProblem(f"{text} Nothing stored.")


def read_activity(name: str, data: bytes) -> Track | FileProblem:
    """The track in a FIT, GPX or TCX file (gzipped or not); never raises."""
    try:
        return _read(name, data)
    except Exception:
        return problem("I couldn't read that file: it looks damaged or cut short.")


def _read(name: str, data: bytes) -> Track | FileProblem:
    if data[:2] == b"\x1f\x8b":
        unpacked = gunzip(data)
        if isinstance(unpacked, FileProblem):
            return unpacked
        return _read(name.removesuffix(".gz"), unpacked)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) >= 12 and data[8:12] == b".FIT":
        return read_fit(data, digest)
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<gpx" in data[:4096].lower():
        return read_gpx(data, digest)
    if head.startswith(b"<") and b"<trainingcenterdatabase" in data[:4096].lower():
        return read_tcx(data, digest)
    if not data:
        return problem("That file is empty.")
    return problem(f"That isn't an activity file I know. {KNOWN}")


def gunzip(data: bytes, limit: int = MAX_FILE_BYTES) -> bytes | FileProblem:
    """A gzip member unpacked, refusing more than `limit` bytes (a gzip bomb)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            out = unpacked.read(limit + 1)
    except (OSError, EOFError, zlib.error):
        return problem("That .gz file is damaged or cut short.")
    if len(out) > limit:
        return problem(f"That file unpacks to more than {limit / 2**20:.0f} MB: too big.")
    return out


# ---- FIT ------------------------------------------------------------------------------


def read_fit(data: bytes, digest: str) -> Track | FileProblem:
    """A FIT activity: its first session's totals and its records' samples."""
    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(
        apply_scale_and_offset=True,
        convert_datetimes_to_dates=True,
        convert_types_to_strings=True,
        expand_sub_fields=True,
        expand_components=True,
        merge_heart_rates=False,
    )
    if errors:
        return problem("I couldn't read that FIT file: it is damaged or cut short.")
    # The SDK types its messages as TypedDicts; read here as plain mappings.
    sessions: list[dict[str, Any]] = list(messages.get("session_mesgs", []))  # type: ignore[arg-type]
    records: list[dict[str, Any]] = list(messages.get("record_mesgs", []))  # type: ignore[arg-type]
    session = sessions[0] if sessions else {}
    start = session.get("start_time") or (records[0].get("timestamp") if records else None)
    if not isinstance(start, datetime):
        return problem("That FIT file has no activity in it (no start time).")
    times, distances = _fit_samples(records, start)
    sport = str(session.get("sub_sport") or "") if session.get("sport") == "generic" else ""
    sport = sport or str(session.get("sport") or "")
    return Track(
        fmt="FIT",
        start=_aware(start),
        sport_name=sport,
        times=times,
        distances=distances,
        distance_m=_number(session.get("total_distance")),
        elapsed_s=_number(session.get("total_elapsed_time")),
        moving_s=_number(session.get("total_timer_time")),
        avg_hr=_number(session.get("avg_heart_rate")),
        cadence_spm=_fit_cadence(session),
        ascent_m=_number(session.get("total_ascent")),
        steps=_fit_steps(session),
        digest=digest,
    )


def _fit_samples(
    records: list[dict[str, Any]], start: datetime
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Seconds after the start and cumulative metres: the device's distance field, else
    the distance along the positions (a record without either keeps the last distance)."""
    times: list[float] = []
    distances: list[float] = []
    last, lat0, lon0 = 0.0, None, None
    for rec in records:
        stamp = rec.get("timestamp")
        if not isinstance(stamp, datetime):
            continue
        metres = rec.get("distance")
        lat, lon = rec.get("position_lat"), rec.get("position_long")
        if isinstance(metres, (int, float)):
            last = float(metres)
        elif isinstance(lat, int) and isinstance(lon, int):
            lat_d, lon_d = lat * SEMICIRCLE_DEG, lon * SEMICIRCLE_DEG
            if lat0 is not None and lon0 is not None:
                last += haversine_distance(lat0, lon0, lat_d, lon_d)
            lat0, lon0 = lat_d, lon_d
        times.append((stamp - start).total_seconds())
        distances.append(last)
    if not any(distances):
        return (), ()  # no distance anywhere: the session's totals are all there is
    return tuple(times), tuple(distances)


def _fit_cadence(session: dict[str, Any]) -> float | None:
    """FIT's running cadence counts one foot (strides per minute): steps are twice that."""
    per_foot = _number(session.get("avg_running_cadence") or session.get("avg_cadence"))
    if per_foot is None:
        return None
    return 2 * (per_foot + (_number(session.get("avg_fractional_cadence")) or 0.0))


def _fit_steps(session: dict[str, Any]) -> int | None:
    strides = _number(session.get("total_strides") or session.get("total_cycles"))
    return round(2 * strides) if strides else None


# ---- GPX ------------------------------------------------------------------------------


def read_gpx(data: bytes, digest: str) -> Track | FileProblem:
    """A GPX track: every timed point of every segment, distance along the positions."""
    gpx = gpxpy.parse(data.decode("utf-8", errors="replace"))
    points = [p for t in gpx.tracks for s in t.segments for p in s.points if p.time is not None]
    if not points:
        return problem("That GPX file has no timed track in it (a route, not a recording?).")
    start = _aware(points[0].time)
    times: list[float] = []
    distances: list[float] = []
    total, prev = 0.0, None
    for point in points:
        if prev is not None:
            total += point.distance_2d(prev) or 0.0
        prev = point
        times.append((_aware(point.time) - start).total_seconds())
        distances.append(total)
    hr, cad = _gpx_extensions(points)
    kind = next((t.type for t in gpx.tracks if t.type), "") or ""
    climb = gpx.get_uphill_downhill().uphill
    return Track(
        fmt="GPX",
        start=start,
        sport_name=kind,
        times=tuple(times),
        distances=tuple(distances),
        elapsed_s=times[-1],
        avg_hr=hr,
        cadence_spm=2 * cad if cad else None,  # Garmin's and Strava's GPX: one foot
        ascent_m=climb if any(p.elevation is not None for p in points) else None,
        digest=digest,
    )


def _gpx_extensions(points: Iterable[gpxpy.gpx.GPXTrackPoint]) -> tuple[float | None, float | None]:
    """Average heart rate and cadence from Garmin's TrackPointExtension (hr, cad)."""
    sums = {"hr": 0.0, "cad": 0.0}
    counts = {"hr": 0, "cad": 0}
    for point in points:
        for ext in point.extensions:
            for child in ext.iter():
                tag = child.tag.rsplit("}", 1)[-1]
                if tag in sums and child.text and child.text.strip().isdigit():
                    sums[tag] += float(child.text)
                    counts[tag] += 1
    avg = {k: sums[k] / counts[k] if counts[k] else None for k in sums}
    return avg["hr"], avg["cad"]


# ---- TCX ------------------------------------------------------------------------------


def read_tcx(data: bytes, digest: str) -> Track | FileProblem:
    """A TCX activity (tcxreader reads from a path: a private temporary file)."""
    with tempfile.NamedTemporaryFile(suffix=".tcx") as tmp:
        tmp.write(data)
        tmp.flush()
        exercise = TCXReader().read(tmp.name, only_gps=False)
    points = [p for p in exercise.trackpoints if p.time is not None]
    start = exercise.start_time or (points[0].time if points else None)
    if start is None:
        return problem("That TCX file has no activity in it (no start time).")
    start = _aware(start)
    times = tuple((_aware(p.time) - start).total_seconds() for p in points)
    distances = tuple(float(p.distance or 0.0) for p in points)
    has_track = any(distances)
    cad = _number(exercise.cadence_avg)
    kind = str(exercise.activity_type or "")
    return Track(
        fmt="TCX",
        start=start,
        sport_name=kind,
        times=times if has_track else (),
        distances=distances if has_track else (),
        distance_m=_number(exercise.distance),
        elapsed_s=_number(exercise.duration),
        avg_hr=_number(exercise.hr_avg),
        cadence_spm=2 * cad if cad else None,  # TCX's running cadence: one foot
        ascent_m=_number(exercise.ascent),
        digest=digest,
    )


# ---- small helpers --------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime:
    """Files write UTC; a time without an offset is UTC."""
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and value == value and value >= 0:
        return float(value)
    return None


def name_of(path: str) -> str:
    """A member's file name without its folders, for the runner's report."""
    return Path(path).name
