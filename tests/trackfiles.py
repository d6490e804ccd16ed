"""Real activity files made by the tests: FIT written with Garmin's FIT SDK encoder, GPX
with gpxpy's writer, TCX as XML. A track is planned as legs of (seconds, metres/second);
the files carry 1 Hz samples of it, so what a reader finds can be checked against the plan.
"""

from __future__ import annotations

import gzip
import io
import math
import random
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import gpxpy.gpx
from garmin_fit_sdk import Encoder, Profile

MESG = Profile["mesg_num"]
DEG_TO_SEMICIRCLE = 2**31 / 180
METRES_PER_DEGREE = 111_195.0  # along a meridian, for laying out a track northwards
START = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
RUN_MPS = 3.0  # 5:33/km
WALK_MPS = 1.4  # 11:54/km: walking (A1's brisk band tops out at 1.79 m/s)


@dataclass(frozen=True)
class Plan:
    """An activity to write: legs of (seconds, speed in m/s) from `start`."""

    legs: Sequence[tuple[int, float]]
    start: datetime = START
    sport: str = "running"
    sub_sport: str = "generic"
    heart_rate: int = 145
    cadence: int = 85  # one foot, as FIT, GPX and TCX count it
    gps: bool = True  # False: a treadmill (distance from the device only)
    every: int = 1  # seconds between samples ("smart recording" writes every few seconds)
    noise_m: float = 0.0  # GPS jitter: each fix off by this much (seeded, repeatable)

    @property
    def seconds(self) -> int:
        """How long the activity lasted."""
        return sum(s for s, _ in self.legs)

    @property
    def metres(self) -> float:
        """How far it went."""
        return sum(s * v for s, v in self.legs)

    def samples(self) -> list[tuple[datetime, float]]:
        """(time, cumulative metres) every `every` seconds (and at the end), the first at
        the start."""
        out = [(self.start, 0.0)]
        at, dist = 0, 0.0
        for seconds, speed in self.legs:
            for _ in range(seconds):
                at += 1
                dist += speed
                if at % self.every == 0 or at == self.seconds:
                    out.append((self.start + timedelta(seconds=at), dist))
        return out


def long_run_with_cooldown() -> Plan:
    """A 3 h long run at 3 m/s (32.4 km), then a 12 min cool-down walk."""
    return Plan([(3 * 3600, RUN_MPS), (12 * 60, WALK_MPS)])


def run_with_breaks(breaks: Sequence[int] = (60, 90, 45, 120)) -> Plan:
    """A run of 8 min legs with a walk break of each given length between them."""
    legs: list[tuple[int, float]] = [(8 * 60, RUN_MPS)]
    for seconds in breaks:
        legs += [(seconds, WALK_MPS), (8 * 60, RUN_MPS)]
    return Plan(legs)


def walk(minutes: int = 40, start: datetime = START) -> Plan:
    """A brisk walk."""
    return Plan([(minutes * 60, WALK_MPS)], start=start, sport="walking", cadence=55)


def treadmill(minutes: int = 30) -> Plan:
    """A treadmill run: the device's distance, no positions."""
    return Plan([(minutes * 60, 2.8)], sport="running", sub_sport="treadmill", gps=False)


# ---- FIT ------------------------------------------------------------------------------


def fit_bytes(plan: Plan) -> bytes:
    """A FIT activity file: file id, 1 Hz records, a lap, a session and the activity."""
    return fit_multisport([plan])


def fit_multisport(plans: Sequence[Plan]) -> bytes:
    """One FIT file with a session per plan, one after the other (a brick: bike, run)."""
    enc = Encoder()
    first, last = plans[0], plans[-1]
    enc.on_mesg(
        MESG["FILE_ID"],
        {
            "type": "activity",
            "manufacturer": "garmin",
            "product": 1,
            "serial_number": 1234,
            "time_created": first.start,
        },
    )
    for plan in plans:
        _fit_session(enc, plan)
    end = last.start + timedelta(seconds=last.seconds)
    seconds = float(sum(p.seconds for p in plans))
    enc.on_mesg(
        MESG["ACTIVITY"],
        {"timestamp": end, "num_sessions": len(plans), "total_timer_time": seconds},
    )
    data: bytes = enc.close()
    return data


def _fit_session(enc: Encoder, plan: Plan) -> None:
    end = plan.start + timedelta(seconds=plan.seconds)
    for at, dist in plan.samples():
        record: dict[str, object] = {
            "timestamp": at,
            "distance": dist,
            "heart_rate": plan.heart_rate,
            "cadence": plan.cadence,
        }
        if plan.gps:
            lat = 52.0 + dist / METRES_PER_DEGREE
            record |= {
                "position_lat": round(lat * DEG_TO_SEMICIRCLE),
                "position_long": round(13.0 * DEG_TO_SEMICIRCLE),
            }
        enc.on_mesg(MESG["RECORD"], record)
    totals = {
        "timestamp": end,
        "start_time": plan.start,
        "total_elapsed_time": float(plan.seconds),
        "total_timer_time": float(plan.seconds),
        "total_distance": plan.metres,
        "sport": plan.sport,
        "sub_sport": plan.sub_sport,
        "avg_heart_rate": plan.heart_rate,
        "avg_cadence": plan.cadence,
        "total_cycles": round(plan.cadence * plan.seconds / 60),
        "total_ascent": 40,
    }
    enc.on_mesg(MESG["LAP"], totals)
    enc.on_mesg(MESG["SESSION"], totals | {"num_laps": 1, "first_lap_index": 0})


# ---- GPX ------------------------------------------------------------------------------


def gpx_bytes(plan: Plan, kind: str | None = None) -> bytes:
    """A GPX 1.1 track with heart rate and cadence in Garmin's TrackPointExtension."""
    gpx = gpxpy.gpx.GPX()
    gpx.nsmap["gpxtpx"] = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    track = gpxpy.gpx.GPXTrack(name="Morning Run")
    track.type = plan.sport if kind is None else kind or None  # type: ignore[assignment]
    segment = gpxpy.gpx.GPXTrackSegment()
    jitter = random.Random(7)
    for at, dist in plan.samples():
        north, east = (jitter.gauss(0, plan.noise_m) for _ in range(2))
        point = gpxpy.gpx.GPXTrackPoint(
            52.0 + (dist + north) / METRES_PER_DEGREE,
            13.0 + east / (METRES_PER_DEGREE * math.cos(math.radians(52))),
            elevation=30.0,
            time=at,
        )
        ext = ET.Element(
            "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}TrackPointExtension"
        )
        for tag, value in (("hr", plan.heart_rate), ("cad", plan.cadence)):
            child = ET.SubElement(
                ext, f"{{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}}{tag}"
            )
            child.text = str(value)
        point.extensions.append(ext)
        segment.points.append(point)
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode()


# ---- TCX ------------------------------------------------------------------------------

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tcx_bytes(plan: Plan) -> bytes:
    """A TCX activity with one lap of 1 Hz trackpoints."""
    ET.register_namespace("", TCX_NS)
    root = ET.Element(f"{{{TCX_NS}}}TrainingCenterDatabase")
    sport = {"running": "Running", "walking": "Other"}.get(plan.sport, "Biking")
    activity = ET.SubElement(
        ET.SubElement(root, f"{{{TCX_NS}}}Activities"), f"{{{TCX_NS}}}Activity"
    )
    activity.set("Sport", sport)
    ET.SubElement(activity, f"{{{TCX_NS}}}Id").text = _stamp(plan.start)
    lap = ET.SubElement(activity, f"{{{TCX_NS}}}Lap", StartTime=_stamp(plan.start))
    ET.SubElement(lap, f"{{{TCX_NS}}}TotalTimeSeconds").text = str(plan.seconds)
    ET.SubElement(lap, f"{{{TCX_NS}}}DistanceMeters").text = f"{plan.metres:.1f}"
    track = ET.SubElement(lap, f"{{{TCX_NS}}}Track")
    for at, dist in plan.samples():
        point = ET.SubElement(track, f"{{{TCX_NS}}}Trackpoint")
        ET.SubElement(point, f"{{{TCX_NS}}}Time").text = _stamp(at)
        if plan.gps:
            pos = ET.SubElement(point, f"{{{TCX_NS}}}Position")
            lat = 52.0 + dist / METRES_PER_DEGREE
            ET.SubElement(pos, f"{{{TCX_NS}}}LatitudeDegrees").text = f"{lat:.7f}"
            ET.SubElement(pos, f"{{{TCX_NS}}}LongitudeDegrees").text = "13.0"
        ET.SubElement(point, f"{{{TCX_NS}}}DistanceMeters").text = f"{dist:.1f}"
        hr = ET.SubElement(point, f"{{{TCX_NS}}}HeartRateBpm")
        ET.SubElement(hr, f"{{{TCX_NS}}}Value").text = str(plan.heart_rate)
        ET.SubElement(point, f"{{{TCX_NS}}}Cadence").text = str(plan.cadence)
    xml: bytes = ET.tostring(root, xml_declaration=True, encoding="UTF-8")
    return xml


# ---- containers -----------------------------------------------------------------------


def gz(data: bytes) -> bytes:
    """Gzipped, as Strava's export stores activities."""
    return gzip.compress(data)


def zip_bytes(files: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip holding the files under the given names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def history_zip(count: int = 200, duplicates: int = 3, now: datetime = START) -> bytes:
    """Strava's export shape: activities/<id>.fit.gz (and .gpx), one run a day going back
    from yesterday, sampled every 10 s, the first `duplicates` sent twice (once as GPX),
    plus a CSV and a photo that are not activities."""
    files: list[tuple[str, bytes]] = [("activities.csv", b"Activity ID,Date\n")]
    for n in range(count - duplicates):
        day = now - timedelta(days=n + 1, hours=2)
        minutes = 30 + (n % 5) * 5
        plan = Plan([(minutes * 60, RUN_MPS)], start=day, every=10)
        data = fit_bytes(plan) if n % 4 else gpx_bytes(plan)
        suffix = ".fit.gz" if n % 4 else ".gpx"
        files.append((f"activities/{1000 + n}{suffix}", gz(data) if n % 4 else data))
        if n < duplicates:
            files.append((f"activities/{5000 + n}.gpx", gpx_bytes(plan)))
    files.append(("media/photo.jpg", b"\xff\xd8\xff\xe0 not an activity"))
    return zip_bytes(files)


def near(a: float, b: float, share: float = 0.01) -> bool:
    """Within `share` of each other."""
    return math.isclose(a, b, rel_tol=share)
