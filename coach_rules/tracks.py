"""What a recorded activity (a watch or phone file) says the runner did.

The file formats are read in `bot/` with their libraries into a `Track`: the samples'
times and cumulative distances, plus the device's own totals. Here the domain decides
what the track means: a run or a walk, its walk breaks (A1's brisk-walk upper bound),
a finisher walk recorded at its end (A7), the steps it adds (B1), and whether two
recordings are the same activity. Pure: the runner's time zone and "now" are passed in.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from coach_rules.explain import logged_line
from coach_rules.models import Activity, Recording, Run, Walk
from coach_rules.params import DEFAULT_BOUNDS, DEFAULT_TRACK_PARAMS, Bounds, TrackParams
from coach_rules.units import (
    METRES_PER_MILE,
    SECONDS_PER_HOUR,
    Units,
    format_clock,
    format_distance,
    format_minutes,
    pace_for_speed_mph,
)
from coach_rules.validate import ParseError

FEET_PER_METRE = 1 / 0.3048


class Sport(StrEnum):
    """What the file says the activity was."""

    RUN = "run"
    WALK = "walk"
    OTHER = "other"  # a ride, a swim...: not logged
    UNKNOWN = "unknown"  # no sport in the file: read from the pace


# Words in the sport names that FIT, GPX and TCX files use (FIT: running, walking,
# hiking, cycling...; Strava's GPX: running, 9; TCX: Running, Biking, Other).
_RUN_WORDS = ("run", "jog")
_WALK_WORDS = ("walk", "hik", "trek")
_STRAVA_TYPES = {"9": Sport.RUN, "10": Sport.WALK, "4": Sport.WALK}
# What files write when they name no sport (TCX's Sport="Other", FIT's generic).
_NO_SPORT = ("", "other", "generic", "all", "unknown", "none", "activity")


def sport_of(name: str | None) -> Sport:
    """The sport a file names ('running', 'Biking', 'trail_running', Strava's '9'), or
    UNKNOWN when it names none: any other named sport (training, soccer...) is OTHER."""
    word = (name or "").strip().lower()
    if word in _NO_SPORT:
        return Sport.UNKNOWN
    if word.isdigit():  # Strava's GPX <type> numbers: 9 run, 10 walk, 4 hike, 1 ride...
        return _STRAVA_TYPES.get(word, Sport.OTHER)
    for words, sport in ((_RUN_WORDS, Sport.RUN), (_WALK_WORDS, Sport.WALK)):
        if any(w in word for w in words):
            return sport
    return Sport.OTHER


@dataclass(frozen=True)
class Track:
    """A recorded activity as a file holds it. `times` are seconds after `start` and
    `distances` the cumulative metres at those times (both empty when the file has only
    totals). The device's totals are None when the file has none."""

    fmt: str  # "FIT", "GPX", "TCX"
    start: datetime  # aware
    sport_name: str = ""  # as the file names it: 'running', 'Biking', '9'...
    times: tuple[float, ...] = ()
    distances: tuple[float, ...] = ()
    distance_m: float | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None  # the device's timer (auto-pause excluded)
    avg_hr: float | None = None
    cadence_spm: float | None = None  # steps per minute, both feet
    ascent_m: float | None = None
    steps: int | None = None
    digest: str = ""  # of the file's bytes: the same file sent twice
    # A multisport file (a brick, a triathlon): each session as a track of its own.
    sessions: tuple[Track, ...] = ()


@dataclass(frozen=True)
class Stretch:
    """A part of the track: from `start_s` to `end_s` seconds, `metres` covered."""

    start_s: float
    end_s: float
    metres: float

    @property
    def seconds(self) -> float:
        """How long it lasted."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class FileActivity:
    """What a file logs: the run or walk, the finisher walk recorded at the end of a run,
    the walk breaks inside the run, and the steps the file counted."""

    main: Run | Walk
    finisher: Walk | None = None
    breaks: tuple[Stretch, ...] = ()
    steps: int | None = None

    @property
    def activities(self) -> tuple[Run | Walk, ...]:
        """What is stored, in order."""
        return (self.main, self.finisher) if self.finisher else (self.main,)


def walking_mps(params: TrackParams = DEFAULT_TRACK_PARAMS) -> float:
    """A1: brisk walking tops out at 4 mph; faster than that is running."""
    return params.brisk_mph_high * METRES_PER_MILE / SECONDS_PER_HOUR


# ---- the samples ----------------------------------------------------------------------


class _Gait(StrEnum):
    RUN = "run"
    WALK = "walk"
    STILL = "still"  # standing, or the device paused


def _speeds(track: Track, params: TrackParams) -> list[float | None]:
    """The speed around each interval between two samples (None: the device paused): a
    centred window smooths GPS noise (a single jumpy second is not a walk break)."""
    times, dist = track.times, track.distances
    half = params.pace_window_s / 2
    speeds: list[float | None] = []
    for i in range(1, len(times)):
        if times[i] - times[i - 1] > params.paused_gap_s:
            speeds.append(None)
            continue
        mid = (times[i] + times[i - 1]) / 2
        lo = max(bisect_left(times, mid - half) - 1, 0)
        hi = min(bisect_right(times, mid + half), len(times) - 1)
        span = times[hi] - times[lo]
        speeds.append((dist[hi] - dist[lo]) / span if span > 0 else 0.0)
    return speeds


def _walk_top(speeds: Sequence[float | None], params: TrackParams) -> float:
    """The speed below which the runner walked: A1's brisk-walk ceiling, or well under
    their own running pace when they run slower than that (a beginner's 9:30/km jog is
    running, not walking)."""
    moving = sorted(v for v in speeds if v is not None and v >= params.standing_mps)
    if not moving:
        return walking_mps(params)
    median = moving[len(moving) // 2]
    return min(walking_mps(params), median * params.walk_share_of_run_pace)


def _gaits(track: Track, params: TrackParams) -> list[_Gait]:
    """Each interval between two samples: running, walking or still."""
    speeds = _speeds(track, params)
    walk_top = _walk_top(speeds, params)
    gaits: list[_Gait] = []
    for speed in speeds:
        if speed is None or speed < params.standing_mps:
            gaits.append(_Gait.STILL)
        else:
            gaits.append(_Gait.WALK if speed < walk_top else _Gait.RUN)
    return gaits


def _stretches(track: Track, gaits: Sequence[_Gait], gait: _Gait) -> list[Stretch]:
    """The maximal runs of consecutive intervals with `gait`."""
    found: list[Stretch] = []
    start: int | None = None
    for i, g in enumerate([*gaits, None]):
        if g is gait and start is None:
            start = i
        elif g is not gait and start is not None:
            t, d = track.times, track.distances
            found.append(Stretch(t[start], t[i], d[i] - d[start]))
            start = None
    return found


def _seconds(track: Track, gaits: Sequence[_Gait], wanted: set[_Gait]) -> float:
    t = track.times
    return sum(t[i + 1] - t[i] for i, g in enumerate(gaits) if g in wanted)


@dataclass(frozen=True)
class _Reading:
    gaits: list[_Gait]
    walks: list[Stretch]  # walking stretches long enough to count
    tail: Stretch | None  # the walk the activity ends with (only still after it)


def _read_samples(track: Track, params: TrackParams) -> _Reading:
    gaits = _gaits(track, params)
    walks = [s for s in _stretches(track, gaits, _Gait.WALK) if s.seconds >= params.walk_break_s]
    tail = None
    if walks:
        last = walks[-1]
        after = bisect_left(track.times, last.end_s)
        ran_before = _seconds(track, gaits[: bisect_left(track.times, last.start_s)], {_Gait.RUN})
        still_after = all(g is _Gait.STILL for g in gaits[after:])
        long_enough = last.seconds >= params.least_finisher_s
        if still_after and long_enough and ran_before >= params.least_run_before_finisher_s:
            tail = last
    return _Reading(gaits, walks, tail)


# ---- what the file logs ---------------------------------------------------------------


def _main_session(track: Track) -> Track:
    """The session a multisport file logs: its first run, else its first walk, else the
    first (refused if it is another sport). The file's digest stays with it."""
    for wanted in (Sport.RUN, Sport.WALK):
        found = next((s for s in track.sessions if sport_of(s.sport_name) is wanted), None)
        if found is not None:
            return found
    return track.sessions[0] if track.sessions else track


def _in_order(track: Track) -> Track:
    """Samples strictly forward in time with distance never going back (devices repeat
    a timestamp, or restart a lap's distance): the others are dropped."""
    if len(track.times) != len(track.distances):
        return replace(track, times=(), distances=())
    times: list[float] = []
    dist: list[float] = []
    for t, d in zip(track.times, track.distances, strict=True):
        if not times or (t > times[-1] and d >= dist[-1]):
            times.append(t)
            dist.append(d)
    return replace(track, times=tuple(times), distances=tuple(dist))


def _sport(track: Track, metres: float | None, seconds: float | None) -> Sport:
    named = sport_of(track.sport_name)
    if named is not Sport.UNKNOWN:
        return named
    if metres and seconds:
        return Sport.RUN if metres / seconds >= walking_mps() else Sport.WALK
    return Sport.UNKNOWN


def _totals(track: Track, reading: _Reading | None) -> tuple[float | None, float | None]:
    """Distance and moving time: the device's own totals first, else the samples'."""
    metres = track.distance_m
    if metres is None and track.distances:
        metres = track.distances[-1] - track.distances[0]
    seconds = track.moving_s
    if seconds is None and reading is not None:
        seconds = _seconds(track, reading.gaits, {_Gait.RUN, _Gait.WALK}) or None
    if seconds is None:
        seconds = track.elapsed_s
    if seconds is None and len(track.times) > 1:
        seconds = track.times[-1] - track.times[0]
    return metres, seconds


def _steps(track: Track, seconds: float | None) -> int | None:
    """The file's step count, else its cadence (steps/min) over the moving time."""
    if track.steps:
        return track.steps
    if track.cadence_spm and seconds:
        return round(track.cadence_spm * seconds / 60)
    return None


def _recording(
    track: Track,
    seconds: float | None,
    steps: int | None,
    breaks: int = 0,
    break_s: float = 0,
    tail_s: float = 0,
) -> Recording:
    return Recording(
        fmt=track.fmt,
        start=track.start,
        elapsed_s=round((track.elapsed_s or seconds or 0) - tail_s),
        digest=track.digest,
        avg_hr=round(track.avg_hr) if track.avg_hr else None,
        cadence_spm=round(track.cadence_spm) if track.cadence_spm else None,
        ascent_m=round(track.ascent_m) if track.ascent_m is not None else None,
        steps=steps,
        breaks=breaks,
        break_s=round(break_s),
    )


def read_track(
    track: Track, zone: tzinfo, params: TrackParams = DEFAULT_TRACK_PARAMS
) -> FileActivity | ParseError:
    """The run or walk a track records, in the runner's time zone, or why it can't be.
    A multisport file logs its first run (else its first walk)."""
    track = _main_session(track)
    if sport_of(track.sport_name) is Sport.OTHER:
        name = track.sport_name.replace("_", " ").lower()
        what = f"a {name} activity" if name and not name.isdigit() else "not a run or a walk"
        return ParseError(f"That file is {what}: I log runs and walks. Nothing stored.")
    track = _in_order(track)
    reading = _read_samples(track, params) if len(track.times) > 1 else None
    metres, seconds = _totals(track, reading)
    if not seconds:
        return ParseError("That file has no track in it (no times): nothing stored.")
    at = track.start.astimezone(zone)
    steps = _steps(track, seconds)
    sport = _sport(track, metres, seconds)
    if sport_of(track.sport_name) is Sport.UNKNOWN and metres:
        kmh = metres / seconds * 3.6
        if kmh > params.fastest_untyped_kmh:
            return ParseError(
                f"That file moves at {kmh:.0f} km/h on average: a ride, not a run? I log runs"
                " and walks. Nothing stored."
            )
    if sport is not Sport.RUN:
        recording = _recording(track, seconds, steps, 0, 0)
        walk = Walk(at, round(seconds), metres or None, steps, recording=recording)
        return FileActivity(walk, steps=steps)
    return _run_activity(track, reading, at, metres, seconds, steps)


def _run_activity(
    track: Track,
    reading: _Reading | None,
    at: datetime,
    metres: float | None,
    seconds: float,
    steps: int | None,
) -> FileActivity:
    tail = reading.tail if reading else None
    walks = reading.walks if reading else []
    breaks = tuple(w for w in walks if w is not tail)
    break_s = sum(b.seconds for b in breaks)
    finisher = None
    if tail is not None:
        metres = max((metres or 0) - tail.metres, 0) or None
        seconds = max(seconds - tail.seconds, 1)
        tail_at = (track.start + timedelta(seconds=tail.start_s)).astimezone(at.tzinfo)
        tail_rec = Recording(
            track.fmt, track.start + timedelta(seconds=tail.start_s), round(tail.seconds)
        )
        finisher = Walk(
            tail_at, round(tail.seconds), round(tail.metres, 1) or None, recording=tail_rec
        )
    recording = _recording(track, seconds, steps, len(breaks), break_s, tail.seconds if tail else 0)
    run = Run(at, round(metres, 1) if metres else None, round(seconds), recording=recording)
    return FileActivity(run, finisher, breaks, steps)


# ---- plausibility, said of a file ------------------------------------------------------


def check_recorded(
    activity: FileActivity,
    now: datetime,
    bounds: Bounds = DEFAULT_BOUNDS,
    params: TrackParams = DEFAULT_TRACK_PARAMS,
) -> ParseError | None:
    """What makes a file's activity implausible (section D), said of the file: a start
    after now (a device clock), over a year ago, a pace or length no run has."""
    main = activity.main
    if (main.at - now).total_seconds() > params.clock_grace_s:
        when = f"{main.at:%H:%M} today" if main.day == now.date() else f"{main.at:%a %d %b %Y}"
        return ParseError(
            f"That file's activity starts at {when}, after now: is your watch's clock right?"
            " Nothing stored."
        )
    if (now.date() - main.day).days > bounds.oldest_days:
        return ParseError(
            f"That file is from {main.at:%a %d %b %Y}, more than a year ago: I keep recent"
            " training. Nothing stored."
        )
    seconds = main.duration_s or 0
    if seconds > bounds.longest_race_s:
        return ParseError(
            f"That file lasts {format_clock(seconds)}: longer than any run or walk I log"
            f" ({bounds.longest_race_s // 3600} h). Nothing stored."
        )
    return _check_speed(main, bounds)


def _check_speed(main: Run | Walk, bounds: Bounds) -> ParseError | None:
    metres, seconds = main.distance_m or 0.0, main.duration_s or 0
    if not metres or not seconds:
        return None
    kmh = metres / seconds * 3.6
    if isinstance(main, Walk) and kmh > bounds.fastest_walk_kmh:
        return ParseError(
            f"That file says walking, but at {kmh:.1f} km/h it is a run: change its type to"
            " running on your watch or app and send it again. Nothing stored."
        )
    too_fast = seconds / (metres / 1000) < bounds.fastest_run_s_per_km
    if metres > bounds.longest_run_m or (metres >= bounds.fastest_pace_min_distance_m and too_fast):
        return ParseError(
            f"That file moves at {kmh:.0f} km/h over {metres / 1000:.1f} km: faster or longer"
            " than any run. A ride or a drive? Nothing stored."
        )
    return None


# ---- duplicates and the finisher walk in a separate file ------------------------------


def same_activity(a: Run | Walk, b: Activity, params: TrackParams = DEFAULT_TRACK_PARAMS) -> bool:
    """Two recordings of one activity: the same file, or a start within a minute and a
    distance within a few per cent (a FIT and a GPX of the same run)."""
    if not isinstance(b, (Run, Walk)) or a.recording is None or b.recording is None:
        return False
    if a.recording.digest and a.recording.digest == b.recording.digest:
        return True
    if type(a) is not type(b):
        return False
    apart = abs((a.recording.start - b.recording.start).total_seconds())
    if apart > params.same_start_s:
        return False
    if a.distance_m is None or b.distance_m is None:
        return a.distance_m is None and b.distance_m is None
    longer = max(a.distance_m, b.distance_m, 1.0)
    return abs(a.distance_m - b.distance_m) / longer <= params.same_distance_share


def already_logged(
    new: Run | Walk, stored: Iterable[Activity], params: TrackParams = DEFAULT_TRACK_PARAMS
) -> Activity | None:
    """The stored activity that `new` is another recording of, if any."""
    return next((s for s in stored if same_activity(new, s, params)), None)


def run_before_walk(
    walk: Walk, runs: Iterable[Run], params: TrackParams = DEFAULT_TRACK_PARAMS
) -> Run | None:
    """The run a walk file is the finisher of (A7: the finisher walk comes right after
    the run): a recorded run that ended at most an hour before the walk began, or a typed
    run logged within an hour of it (a typed run's time is when it was logged, after it)."""
    best: Run | None = None
    for run in runs:
        if run.recording is not None:
            gap = (walk.at - run.ended).total_seconds()
            near = -params.same_start_s <= gap <= params.finisher_file_gap_s
        else:
            near = abs((walk.at - run.at).total_seconds()) <= params.finisher_file_gap_s
        if near and (best is None or run.at > best.at):
            best = run
    return best


# ---- words ----------------------------------------------------------------------------


def breaks_line(activity: FileActivity, units: Units) -> str | None:
    """'Walk breaks: 4, 6 min in all (each 30 s or more slower than 9:19/km).'"""
    if not activity.breaks:
        return None
    total = sum(b.seconds for b in activity.breaks)
    pace = pace_for_speed_mph(DEFAULT_TRACK_PARAMS.brisk_mph_high, units)
    count = len(activity.breaks)
    times = "once" if count == 1 else f"{count} times"
    return (
        f"You walked {times} during the run, {format_minutes(total)} in all"
        f" (stretches of {DEFAULT_TRACK_PARAMS.walk_break_s} s or more slower than {pace})."
    )


def _facts(recording: Recording, units: Units, moving_s: int | None) -> list[str]:
    facts: list[str] = []
    if moving_s and recording.elapsed_s - moving_s >= 60:
        facts.append(f"{format_clock(recording.elapsed_s)} start to finish with stops")
    if recording.avg_hr:
        facts.append(f"average heart rate {recording.avg_hr}")
    if recording.cadence_spm:
        facts.append(f"cadence {recording.cadence_spm} steps/min")
    if recording.ascent_m:
        climb = (
            f"{round(recording.ascent_m * FEET_PER_METRE):,} ft"
            if units is Units.MI
            else f"{recording.ascent_m:,} m"
        )
        facts.append(f"climb {climb}")
    return facts


def file_logged_line(activity: FileActivity, units: Units, today: date) -> str:
    """'Logged from your FIT file: run, 20 mi in 3:05:00 (9:15/mi), today at 08:00.
    Average heart rate 140, cadence 170 steps/min, climb 820 ft.' (the runner's caption,
    if any, after the time: '...; you said: left knee hurts')."""
    main = activity.main
    fmt = main.recording.fmt if main.recording else "activity"
    plain = replace(main, note="", pain=False, sore=False)
    what = logged_line(plain, units, today).removeprefix("Logged: ").removesuffix(".")
    said = f"; you said: {main.note}" if main.note else ""
    line = f"Logged from your {fmt} file: {what} at {main.at:%H:%M}{said}."
    facts = _facts(main.recording, units, main.duration_s) if main.recording else []
    if facts:
        line += " " + ", ".join(facts).capitalize() + "."
    return line


def finisher_line(walk: Walk, units: Units) -> str:
    """The walk a run file ends with, credited as the finisher (A7)."""
    far = f", {format_distance(walk.distance_m, units, 2)}" if walk.distance_m else ""
    return (
        f"Done already: your file ends with {format_minutes(walk.duration_s)} of"
        f" walking{far}, logged as this finisher walk."
    )


def credited_line(run: Run, walk: Walk) -> str:
    """A walk file recorded soon after a run: that run's finisher walk (A7)."""
    if run.recording is None:
        return f"It counts as the finisher walk of the run you logged at {run.at:%H:%M}."
    gap = max(round((walk.at - run.ended).total_seconds() / 60), 0)
    after = "right after" if gap <= 1 else f"{gap} min after"
    return (
        f"This walk began {after} your run of {run.at:%H:%M}: it counts as that run's"
        " finisher walk."
    )


def with_note(activity: FileActivity, note: str, pain: bool, sore: bool) -> FileActivity:
    """The file's activity with the runner's words (a caption) and what they said of
    their body in them."""
    main = replace(activity.main, note=note, pain=pain, sore=sore and not pain)
    return replace(activity, main=main)
