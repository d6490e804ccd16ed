"""Every coaching number in one place, each with the source ids it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from coach_rules.units import METRES_PER_KM, METRES_PER_MILE


@dataclass(frozen=True)
class CoachParams:
    """Tunable parameters of the rules (defaults from coaching-spec.md)."""

    # A7: finisher walk, 30-60 s per mile run
    walk_seconds_per_mile_low: float = 30.0
    walk_seconds_per_mile_high: float = 60.0
    # A7/A12: a cooldown is at least this long
    cooldown_min_minutes: int = 3
    # finisher-walk: long run = 1.5x the median run of the last 28 days
    long_run_factor: float = 1.5
    long_run_window_days: int = 28
    long_run_default_km_m: float = 16 * METRES_PER_KM
    long_run_default_mi_m: float = 10 * METRES_PER_MILE
    # A1: brisk walking speed band
    brisk_mph_low: float = 2.5
    brisk_mph_high: float = 4.0
    # A5: ground reaction force in multiples of body weight
    run_impact_bw: float = 2.5
    walk_impact_bw: float = 1.2
    # A6: daily step floor
    step_floor: int = 8000
    # B1: moderate walking cadence
    brisk_cadence_spm: int = 100
    # A10: walking minutes per running minute
    walk_per_run_ratio: float = 3.0
    # A11: an easy 3-4 mile run takes 25-35 min; the middle, when a runner has no history
    default_easy_minutes: int = 30
    # easy-swap: load ratio and effort above which an easy run becomes a walk
    easy_swap_load_ratio: float = 1.3
    easy_swap_effort: int = 7
    # B3: load spike
    load_spike_ratio: float = 1.5
    load_sweet_low: float = 0.8
    load_sweet_high: float = 1.3
    acute_days: int = 7
    chronic_days: int = 28
    # A10 capped: the 3:1 walk offered for an easy run is at most 3x A11's 30-min easy run
    easy_swap_walk_cap_minutes: int = 90
    # B5: rest a minor injury 48-72 h; past that without improvement, see a professional
    pain_see_someone_hours: int = 48
    # B2: weekly moderate-equivalent minutes
    weekly_moderate_minutes: int = 150
    vigorous_factor: float = 2.0


DEFAULT_PARAMS = CoachParams()


@dataclass(frozen=True)
class TrackParams:
    """How a recorded track is read (a watch or phone file)."""

    # A1: brisk walking tops out at 4 mph; a stretch slower than that is walking
    brisk_mph_high: float = CoachParams.brisk_mph_high
    # A walk break counts from 30 s on (shorter is a stumble, a gel, a crossing)
    walk_break_s: int = 30
    # Device readings, not coaching facts: under 0.5 m/s the runner is standing (GPS
    # drift while still), a gap of over 30 s between samples is a pause, and speed is
    # taken over 6 s so one jumpy GPS second is not a walk (a break's ends blur by ~3 s)
    standing_mps: float = 0.5
    paused_gap_s: float = 30.0
    pace_window_s: float = 6.0
    # A7: a walk at the end of a run is its finisher when there was running before it
    least_run_before_finisher_s: float = 5 * 60
    # A7: a walk file that starts within an hour after a run is that run's finisher
    finisher_file_gap_s: float = 60 * 60
    # The same activity twice (a FIT and a GPX of one run): start within a minute,
    # distance within 5% (GPS tracks and the device's own distance differ by a few %)
    same_start_s: float = 60.0
    same_distance_share: float = 0.05
    # B3: the load ratio looks back 28 days; a history import takes 12 weeks so the
    # chronic window and the median run behind the long-run threshold are full
    import_weeks: int = 12


DEFAULT_TRACK_PARAMS = TrackParams()


@dataclass(frozen=True)
class Bounds:
    """Plausibility bounds (coaching-spec.md, section D)."""

    fastest_run_s_per_km: float = 150.0  # 2:30 min/km
    fastest_pace_min_distance_m: float = 1000.0
    longest_activity_s: int = 24 * 3600
    longest_race_s: int = 48 * 3600  # B6: an ultramarathon may take longer than a day
    longest_run_m: float = 250_000.0
    marathon_m: float = 42_195.0  # two in one day: asked about, not stored at once
    fastest_walk_kmh: float = 10.0
    most_steps: int = 100_000
    least_step_goal: int = 1000
    lightest_kg: float = 30.0
    heaviest_kg: float = 300.0
    oldest_days: int = 365
    longest_text: int = 4096


DEFAULT_BOUNDS = Bounds()
