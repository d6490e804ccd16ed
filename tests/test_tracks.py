"""Reading tracks: properties over generated files (distance and duration round-trip
within 1%; walk breaks found exactly as they were put in), and the domain's rules for
what a track means (sport, finisher walk, duplicates, the finisher in a separate file)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.files import archive
from bot.files.readers import FileProblem, read_activity
from coach_rules import Run, Units, Walk
from coach_rules.models import Recording
from coach_rules.params import DEFAULT_TRACK_PARAMS
from coach_rules.tracks import (
    FileActivity,
    Sport,
    Track,
    already_logged,
    read_track,
    run_before_walk,
    sport_of,
)
from coach_rules.validate import ParseError
from tests import trackfiles as tf

BERLIN = ZoneInfo("Europe/Berlin")
WRITERS = {"FIT": tf.fit_bytes, "GPX": tf.gpx_bytes, "TCX": tf.tcx_bytes}


def read(data: bytes) -> FileActivity:
    track = read_activity("file", data)
    assert isinstance(track, Track), track
    found = read_track(track, BERLIN)
    assert isinstance(found, FileActivity), found
    return found


legs = st.lists(st.tuples(st.integers(60, 600), st.floats(2.0, 5.5)), min_size=1, max_size=4)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legs=legs, fmt=st.sampled_from(sorted(WRITERS)))
def test_distance_and_duration_round_trip_within_one_percent(
    legs: list[tuple[int, float]], fmt: str
) -> None:
    plan = tf.Plan(legs)
    found = read(WRITERS[fmt](plan))
    assert isinstance(found.main, Run)
    assert found.main.distance_m is not None and found.main.duration_s is not None
    assert tf.near(found.main.distance_m, plan.metres)
    assert tf.near(found.main.duration_s, plan.seconds)


breaks = st.lists(st.integers(40, 240), max_size=5)
blips = st.lists(st.integers(3, 20), max_size=3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breaks=breaks, blips=blips, fmt=st.sampled_from(sorted(WRITERS)))
def test_walk_breaks_found_exactly_as_put_in(breaks: list[int], blips: list[int], fmt: str) -> None:
    """Breaks of 40 s or more are found, each within the smoothing window; walking blips
    under 30 s are not breaks."""
    legs: list[tuple[int, float]] = [(300, tf.RUN_MPS)]
    for seconds in [*breaks, *blips]:
        legs += [(seconds, tf.WALK_MPS), (300, tf.RUN_MPS)]
    found = read(WRITERS[fmt](tf.Plan(legs)))
    assert len(found.breaks) == len(breaks)
    window = DEFAULT_TRACK_PARAMS.pace_window_s
    for put, seen in zip(breaks, found.breaks, strict=True):
        assert abs(seen.seconds - put) <= window
    assert found.finisher is None


def test_a_run_ending_in_a_walk_logs_the_walk_as_its_finisher() -> None:
    found = read(tf.fit_bytes(tf.long_run_with_cooldown()))
    assert isinstance(found.main, Run) and isinstance(found.finisher, Walk)
    assert abs(found.finisher.duration_s - 12 * 60) <= 3
    assert found.main.duration_s is not None and abs(found.main.duration_s - 3 * 3600) <= 3
    assert found.main.at == datetime(2026, 11, 29, 9, 0, tzinfo=BERLIN)  # 08:00 UTC
    assert found.breaks == ()


def test_sport_from_the_file_else_from_the_pace() -> None:
    assert sport_of("running") is Sport.RUN
    assert sport_of("trail_running") is Sport.RUN
    assert sport_of("Hiking") is Sport.WALK
    assert sport_of("Biking") is Sport.OTHER
    assert sport_of("9") is Sport.RUN  # Strava's GPX types: 9 run, 10 walk, 4 hike, 1 ride
    assert sport_of("10") is Sport.WALK
    assert sport_of("4") is Sport.WALK
    assert sport_of("1") is Sport.OTHER
    assert sport_of("") is Sport.UNKNOWN
    # A GPX without a type: a brisk pace is a walk, a run's pace a run.
    assert isinstance(read(tf.gpx_bytes(tf.walk(20), kind="")).main, Walk)
    assert isinstance(read(tf.gpx_bytes(tf.Plan([(900, 3.0)]), kind="")).main, Run)


def test_a_ride_is_refused() -> None:
    track = read_activity("ride.gpx", tf.gpx_bytes(tf.Plan([(600, 8.0)]), kind="cycling"))
    assert isinstance(track, Track)
    refused = read_track(track, BERLIN)
    assert isinstance(refused, ParseError)
    assert (
        refused.message == "That file is a cycling activity: I log runs and walks. Nothing stored."
    )


def test_same_activity_by_start_and_distance() -> None:
    start = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    rec = Recording("FIT", start, 3000, digest="a")
    run = Run(start, 10_000.0, 3000, recording=rec)
    twin = replace(
        run,
        distance_m=10_300.0,
        recording=replace(rec, fmt="GPX", digest="b", start=start + timedelta(seconds=40)),
    )
    far = replace(
        twin, recording=replace(twin.recording or rec, start=start + timedelta(minutes=5))
    )
    longer = replace(twin, distance_m=12_000.0)
    typed = Run(start, 10_000.0, 3000)
    assert already_logged(twin, [run]) is run
    assert already_logged(far, [run]) is None
    assert already_logged(longer, [run]) is None
    assert already_logged(twin, [typed]) is None  # a typed run has no recorded start


def test_walk_file_within_an_hour_after_a_run() -> None:
    start = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    run = Run(start, 32_000.0, 3 * 3600, recording=Recording("FIT", start, 3 * 3600))
    soon = Walk(start + timedelta(hours=3, minutes=20), 900)
    late = Walk(start + timedelta(hours=4, minutes=5), 900)
    assert run_before_walk(soon, [run]) is run
    assert run_before_walk(late, [run]) is None
    typed = Run(start + timedelta(hours=3, minutes=30), 32_000.0, 3 * 3600)  # logged after
    assert run_before_walk(soon, [typed]) is typed


def test_steps_from_the_file_or_its_cadence() -> None:
    fit = read(tf.fit_bytes(tf.treadmill(30)))
    assert fit.steps == 2 * 85 * 30  # FIT's strides, two steps each
    gpx = read(tf.gpx_bytes(tf.Plan([(1800, 2.8)])))
    assert gpx.steps == 2 * 85 * 30  # cadence (one foot) x moving minutes


def test_no_track_and_no_totals() -> None:
    track = Track("GPX", datetime(2026, 11, 29, tzinfo=UTC))
    refused = read_track(track, BERLIN)
    assert isinstance(refused, ParseError) and "no track" in refused.message


def test_describing_in_miles() -> None:
    found = read(tf.fit_bytes(tf.run_with_breaks()))
    from coach_rules.tracks import breaks_line, file_logged_line

    line = file_logged_line(found, Units.MI, found.main.day)
    assert line.startswith("Logged from your FIT file: run, 4.75 mi in 45:15 (9:32/mi), today")
    assert "climb 131 ft" in line
    assert breaks_line(found, Units.MI) == (
        "You walked 4 times during the run, 5 min in all (stretches of 30 s or more"
        " slower than 15:00 min/mi)."
    )


def test_zip_caps_refuse_a_bomb() -> None:
    zeros = tf.zip_bytes([(f"a/{n}.fit", b"\0" * 2_000_000) for n in range(3)])
    names = archive.activity_names(zeros, max_unpacked=5_000_000)
    assert isinstance(names, FileProblem)
    assert names.message.startswith("That .zip unpacks to")
    members = list(archive.members(zeros, ["a/0.fit", "a/1.fit"], max_member=1_000_000))
    assert [m.data for m in members] == [
        FileProblem("unpacks to more than 0.95 MB."),
        FileProblem("unpacks to more than 0.95 MB."),
    ]
    many = tf.zip_bytes([(f"{n}.gpx", b"<gpx/>") for n in range(30)])
    refused = archive.activity_names(many, max_members=20)
    assert isinstance(refused, FileProblem) and "holds 30 files" in refused.message


def test_strava_tcx_with_leading_spaces_and_gpx_with_offsets() -> None:
    """Strava's TCX can start with spaces; a GPX may carry local times with an offset."""
    spaced = read(b"   \n" + tf.tcx_bytes(tf.treadmill(20)))
    assert isinstance(spaced.main, Run) and spaced.main.duration_s == 20 * 60
    gpx = tf.gpx_bytes(tf.walk(20)).replace(b"Z</time>", b"+00:00</time>")
    shifted = gpx.replace(b"T08:", b"T10:").replace(b"+00:00</time>", b"+02:00</time>")
    found = read(shifted)
    assert found.main.at == datetime(2026, 11, 29, 9, 0, tzinfo=BERLIN)  # 08:00 UTC


def test_gps_jitter_does_not_lengthen_a_run() -> None:
    """Fixes off by 2 m each added 47% summed point to point; smoothed, within 2%."""
    plan = tf.Plan([(1800, 3.0)], noise_m=2.0)
    found = read(tf.gpx_bytes(plan))
    assert found.main.distance_m is not None
    assert tf.near(found.main.distance_m, plan.metres, 0.02)


def test_other_sports_and_untyped_rides_are_refused() -> None:
    for sport, says in (("training", "a training activity"), ("soccer", "a soccer activity")):
        track = read_activity("x.fit", tf.fit_bytes(tf.Plan([(1800, 1.5)], sport=sport)))
        assert isinstance(track, Track)
        refused = read_track(track, BERLIN)
        assert isinstance(refused, ParseError) and says in refused.message
    ride = read_activity("x.gpx", tf.gpx_bytes(tf.Plan([(1800, 6.1)]), kind=""))
    assert isinstance(ride, Track)
    refused = read_track(ride, BERLIN)
    assert isinstance(refused, ParseError)
    assert refused.message.startswith("That file moves at 22 km/h on average: a ride")


def test_a_slow_jog_is_not_a_walk_and_a_last_run_walk_minute_not_a_finisher() -> None:
    jog = read(tf.fit_bytes(tf.Plan([(1800, 1.75)])))  # 9:31/km, under brisk's ceiling
    assert jog.breaks == () and isinstance(jog.main, Run)
    intervals: list[tuple[int, float]] = []
    for _ in range(5):
        intervals += [(240, 3.0), (60, 1.4)]  # run 4 min, walk 1 min
    run_walk = read(tf.fit_bytes(tf.Plan(intervals)))
    assert run_walk.finisher is None  # 1 min is a break, not the 3 min a cooldown takes
    assert len(run_walk.breaks) == 5


def test_the_future_is_said_of_the_file() -> None:
    from coach_rules.tracks import check_recorded

    now = datetime(2026, 11, 29, 8, 30, tzinfo=BERLIN)
    later = read(
        tf.fit_bytes(tf.Plan([(600, 3.0)], start=datetime(2026, 11, 29, 8, 50, tzinfo=UTC)))
    )
    refused = check_recorded(later, now)
    assert refused is not None
    assert refused.message == (
        "That file's activity starts at 09:50 today, after now: is your watch's clock"
        " right? Nothing stored."
    )
    soon = read(
        tf.fit_bytes(tf.Plan([(600, 3.0)], start=datetime(2026, 11, 29, 7, 33, tzinfo=UTC)))
    )
    assert check_recorded(soon, now) is None  # 3 min ahead: a device clock, accepted


def test_only_the_first_track_of_a_gpx_counts() -> None:
    first = tf.gpx_bytes(tf.Plan([(1800, 3.0)]))
    evening = tf.gpx_bytes(tf.walk(30, START_EVENING))
    # The second file's <trk> appended inside the first's <gpx>.
    track = evening.split(b"<trk>", 1)[1].rsplit(b"</trk>", 1)[0]
    both = first.replace(b"</trk>", b"</trk><trk>" + track + b"</trk>", 1)
    found = read(both)
    assert found.main.distance_m is not None and tf.near(found.main.distance_m, 5400)
    assert found.main.duration_s == 1800


START_EVENING = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


def test_tcx_with_positions_but_no_distance() -> None:
    tcx = tf.tcx_bytes(tf.Plan([(1200, 3.0)]))
    stripped = re.sub(rb"<DistanceMeters>[^<]*</DistanceMeters>", b"", tcx)
    found = read(stripped)
    assert found.main.distance_m is not None and tf.near(found.main.distance_m, 3600)


def test_a_multisport_file_logs_its_run() -> None:
    """A brick: 40 min on the bike, then a 20 min run: the run is logged."""
    bike = tf.Plan([(2400, 8.0)], sport="cycling")
    run = tf.Plan([(1200, 3.0)], start=tf.START + timedelta(seconds=2401))
    found = read(tf.fit_multisport([bike, run]))
    assert isinstance(found.main, Run)
    assert found.main.duration_s == 1200 and found.main.distance_m == 3600.0
    assert found.main.at == datetime(2026, 11, 29, 9, 40, 1, tzinfo=BERLIN)
