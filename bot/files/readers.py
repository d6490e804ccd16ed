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
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
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
    if len(sessions) > 1:  # a multisport file: one track per session, the domain picks
        parts = [_fit_session(s, _within(records, s), digest) for s in sessions]
        tracks = [t for t in parts if isinstance(t, Track)]
        if not tracks:
            return problem("That FIT file has no activity in it (no start time).")
        return replace(tracks[0], sessions=tuple(tracks))
    return _fit_session(sessions[0] if sessions else {}, records, digest)


def _within(records: list[dict[str, Any]], session: dict[str, Any]) -> list[dict[str, Any]]:
    """The records of one session of a multisport file (by its start and elapsed time)."""
    start, elapsed = session.get("start_time"), _number(session.get("total_elapsed_time"))
    if not isinstance(start, datetime) or elapsed is None:
        return []
    end = start + timedelta(seconds=elapsed)
    return [
        r for r in records if isinstance(t := r.get("timestamp"), datetime) and start <= t <= end
    ]


def _fit_session(
    session: dict[str, Any], records: list[dict[str, Any]], digest: str
) -> Track | FileProblem:
    """One session's totals and its records' samples."""
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
    the distance along the positions."""
    times: list[float] = []
    device: list[float | None] = []
    positions: list[tuple[float, float] | None] = []
    for rec in records:
        stamp = rec.get("timestamp")
        if not isinstance(stamp, datetime):
            continue
        metres = rec.get("distance")
        lat, lon = rec.get("position_lat"), rec.get("position_long")
        times.append((stamp - start).total_seconds())
        device.append(float(metres) if isinstance(metres, (int, float)) else None)
        fix = (
            (lat * SEMICIRCLE_DEG, lon * SEMICIRCLE_DEG)
            if isinstance(lat, int) and isinstance(lon, int)
            else None
        )
        positions.append(fix)
    if any(device):
        last, filled = 0.0, []
        for metres in device:  # a record without the field keeps the last distance
            last = metres if metres is not None else last
            filled.append(last)
        return tuple(times), tuple(filled)
    if any(positions):
        return tuple(times), tuple(path_metres(times, positions))
    return (), ()  # no distance anywhere: the session's totals are all there is


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
    """A GPX track: the first track with times (a file holding several is several
    activities: the first is logged), distance along each segment's positions (the gap
    between two segments is a pause, not a distance)."""
    # Strava's files can start with spaces, which XML parsers refuse.
    gpx = gpxpy.parse(data.decode("utf-8", errors="replace").lstrip())
    track = next((t for t in gpx.tracks if any(p.time for s in t.segments for p in s.points)), None)
    if track is None:
        return problem("That GPX file has no timed track in it (a route, not a recording?).")
    segments = [[p for p in s.points if p.time is not None] for s in track.segments]
    points = [p for seg in segments for p in seg]
    start = _aware(points[0].time)
    times: list[float] = []
    distances: list[float] = []
    for seg in filter(None, segments):
        seg_times = [(_aware(p.time) - start).total_seconds() for p in seg]
        along = path_metres(seg_times, [(p.latitude, p.longitude) for p in seg])
        offset = distances[-1] if distances else 0.0
        times += seg_times
        distances += [offset + d for d in along]
    hr, cad = _gpx_extensions(points)
    kind = track.type or ""
    climb = track.get_uphill_downhill().uphill
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
        # Strava's TCX files can start with spaces, which XML parsers refuse.
        tmp.write(data.lstrip())
        tmp.flush()
        exercise = TCXReader().read(tmp.name, only_gps=False)
    points = [p for p in exercise.trackpoints if p.time is not None]
    start = exercise.start_time or (points[0].time if points else None)
    if start is None:
        return problem("That TCX file has no activity in it (no start time).")
    start = _aware(start)
    times = [(_aware(p.time) - start).total_seconds() for p in points]
    distances = [float(p.distance or 0.0) for p in points]
    if not any(distances):  # no DistanceMeters: along the positions, if there are any
        fixes = [(p.latitude, p.longitude) if p.latitude is not None else None for p in points]
        distances = path_metres(times, fixes) if any(fixes) else distances
    has_track = any(distances)
    cad = _number(exercise.cadence_avg)
    kind = str(exercise.activity_type or "")
    return Track(
        fmt="TCX",
        start=start,
        sport_name=kind,
        times=tuple(times) if has_track else (),
        distances=tuple(distances) if has_track else (),
        distance_m=_number(exercise.distance) or (distances[-1] if has_track else None),
        elapsed_s=_number(exercise.duration),
        avg_hr=_number(exercise.hr_avg),
        cadence_spm=2 * cad if cad else None,  # TCX's running cadence: one foot
        ascent_m=_number(exercise.ascent),
        digest=digest,
    )


# ---- distance along positions ---------------------------------------------------------

# GPS jitters by a few metres per fix; summed point to point at 1 Hz that adds 5-50% to a
# run (measured on tracks with 1-5 m of noise). Positions are averaged over +-4 s first,
# which brings those within 1-2% while a bend at running speed is barely cut. gpxpy's own
# smooth() (three points) still left +2 to +60%.
SMOOTH_S = 4  # seconds


def path_metres(times: list[float], positions: list[tuple[float, float] | None]) -> list[float]:
    """Cumulative metres along the positions (a sample without one keeps the distance)."""
    fixes = [(t, p) for t, p in zip(times, positions, strict=True) if p is not None]
    smoothed = _smoothed(fixes)
    out: list[float] = []
    total, prev, k = 0.0, None, 0
    for p in positions:
        if p is not None:
            here = smoothed[k]
            k += 1
            if prev is not None:
                total += haversine_distance(prev[0], prev[1], here[0], here[1])
            prev = here
        out.append(total)
    return out


def _smoothed(fixes: list[tuple[float, tuple[float, float]]]) -> list[tuple[float, float]]:
    """Each position averaged with those within SMOOTH_S seconds on both sides; near the
    ends the window shrinks evenly, so the first and last fixes stay where they were."""
    times = [t for t, _ in fixes]
    lat_sums, lon_sums = [0.0], [0.0]
    for _, (lat, lon) in fixes:
        lat_sums.append(lat_sums[-1] + lat)
        lon_sums.append(lon_sums[-1] + lon)
    out: list[tuple[float, float]] = []
    for t in times:
        half = min(SMOOTH_S, t - times[0], times[-1] - t)
        lo, hi = bisect_left(times, t - half), bisect_right(times, t + half)
        n = hi - lo
        out.append(((lat_sums[hi] - lat_sums[lo]) / n, (lon_sums[hi] - lon_sums[lo]) / n))
    return out


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
