"""The coaching rules of coaching-spec.md section C, declared as data, and the evaluator."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from coach_rules.feel import read_body
from coach_rules.load import load_ratio, long_run_threshold_m
from coach_rules.models import (
    DaySteps,
    History,
    OpenPain,
    Profile,
    Report,
    Run,
    RunKind,
    Walk,
    days_back,
)
from coach_rules.params import DEFAULT_PARAMS, CoachParams
from coach_rules.prescription import Advice, Prescription
from coach_rules.tips import next_tip
from coach_rules.units import (
    POUNDS_PER_KG,
    Units,
    format_distance,
    format_number,
    format_pace,
    miles,
    pace_for_speed_mph,
    speed_kmh,
    speed_mph,
)


@dataclass(frozen=True)
class Context:
    """What a rule sees: the report, the runner's history and profile, and now."""

    report: Report
    history: History
    profile: Profile
    now: datetime
    params: CoachParams = DEFAULT_PARAMS

    @cached_property
    def with_report(self) -> History:
        """The history including the report being evaluated."""
        if self.report in self.history.activities:
            return self.history
        return History(
            (*self.history.activities, self.report), self.history.last_tip_id, self.history.pain
        )

    @cached_property
    def load_ratio(self) -> float | None:
        """Acute:chronic run-minute ratio on the report's day, report included."""
        return load_ratio(self.with_report, self.report.day, self.params)

    @property
    def units(self) -> Units:
        """The runner's display units."""
        return self.profile.units


@dataclass(frozen=True)
class Rule:
    """A coaching rule: when it applies, what it prescribes, and its sources."""

    id: str
    when: str
    sources: tuple[str, ...]
    applies: Callable[[Context], bool] = field(repr=False)
    advise: Callable[[Context], Advice] = field(repr=False)
    # An exclusive rule silences every other rule (pain comes before any training advice).
    exclusive: bool = False


def _run(ctx: Context) -> Run | None:
    return ctx.report if isinstance(ctx.report, Run) else None


def _walk(ctx: Context) -> Walk | None:
    return ctx.report if isinstance(ctx.report, Walk) else None


def walk_minutes_for(distance_m: float, params: CoachParams) -> tuple[int, int]:
    """The 30-60 s per mile walk (A7) as whole minutes, low and high."""
    mi = miles(distance_m)
    low = round(mi * params.walk_seconds_per_mile_low / 60)
    high = round(mi * params.walk_seconds_per_mile_high / 60)
    return low, high


def minute_range(low: int, high: int) -> str:
    """'10-20 min', or '3 min' when both ends agree."""
    return f"{low} min" if low == high else f"{low}-{high} min"


def _per_mile_phrase(distance_m: float, units: Units) -> str:
    if units is Units.MI:
        mi = format_number(miles(distance_m))
        return f"30-60 s for each of your {mi} {'mile' if mi == '1' else 'miles'}"
    return (
        f"30-60 s for every mile of your {format_distance(distance_m, units)} "
        f"({format_number(miles(distance_m))} mi)"
    )


def _is_long(ctx: Context) -> bool:
    run = _run(ctx)
    if run is None or run.pain:
        return False
    if run.kind is RunKind.LONG:
        return True
    if run.distance_m is None or run.kind in (RunKind.EASY, RunKind.RECOVERY):
        return False  # the runner called it easy: it is not their long run
    threshold = long_run_threshold_m(ctx.history, run.day, ctx.units, ctx.params)
    return run.distance_m >= threshold


def _is_today(ctx: Context) -> bool:
    """A report for an earlier day gets advice for next time, not for 'now'."""
    return ctx.report.day == ctx.now.date()


def _finisher_walk(ctx: Context) -> Advice:
    run = _run(ctx)
    assert run is not None
    today = _is_today(ctx)
    lead = "Walk" if today else "Next time, walk"
    when = "now" if today else "after a run like this"
    if run.distance_m is None:
        # A long run reported by time only: the minimum still holds.
        low = high = ctx.params.cooldown_min_minutes
        text = f"{lead} at least {low} min {when}, and drink and refuel while you walk."
    else:
        low, high = walk_minutes_for(run.distance_m, ctx.params)
        text = (
            f"{lead} {minute_range(low, high)} {when}:"
            f" {_per_mile_phrase(run.distance_m, ctx.units)}. Drink and refuel while you walk."
        )
    return Advice(
        "finisher-walk",
        text,
        "A walk after a long run starts recovery; it's the moment to refuel.",
        ("A7", "A8"),
        {"walk_min_low": low, "walk_min_high": high, "walk_now": int(today)},
    )


def _cooldown_walk(ctx: Context) -> Advice:
    run = _run(ctx)
    assert run is not None
    floor = ctx.params.cooldown_min_minutes
    if run.distance_m is None:
        low = high = floor
    else:
        low, high = (max(floor, m) for m in walk_minutes_for(run.distance_m, ctx.params))
    today = _is_today(ctx)
    lead = "Cool down" if today else "Next time, cool down"
    return Advice(
        "cooldown-walk",
        f"{lead} with a {minute_range(low, high)} walk.",
        "Walking is active recovery: blood flow and repair with little impact.",
        ("A7", "A12"),
        {"walk_min_low": low, "walk_min_high": high, "walk_now": int(today)},
    )


def _is_other_run(ctx: Context) -> bool:
    run = _run(ctx)
    return run is not None and not run.pain and not _is_long(ctx)


def _swap_reasons(ctx: Context) -> list[str]:
    """Why the next easy run should be a walk: soreness after any run; load or effort
    only on an easy day (a hard session is meant to feel hard)."""
    run = _run(ctx)
    if run is None or run.pain:
        return []
    reasons = ["you said you're sore"] if run.sore else []
    if run.kind not in (RunKind.EASY, RunKind.RECOVERY):
        return reasons
    ratio = ctx.load_ratio
    if ratio is not None and ratio > ctx.params.easy_swap_load_ratio:
        reasons.insert(0, f"your last 7 days are {ratio:.2f}x your usual week")
    if run.effort is not None and run.effort >= ctx.params.easy_swap_effort:
        reasons.append(f"effort {run.effort}/10 on an easy day")
    return reasons


def easy_swap_advice(run_min: int, why: str, params: CoachParams = DEFAULT_PARAMS) -> Advice:
    """The next easy run as a walk: the same minutes (A11) first, then 3x them (A10),
    capped so the longer walk stays one a runner would take."""
    triple = round(run_min * params.walk_per_run_ratio)
    cap = params.easy_swap_walk_cap_minutes
    longer = (
        f"{triple} min (3 min of walking per running minute)"
        if triple <= cap
        else f"up to {cap} min (3 min of walking per running minute, capped at {cap})"
    )
    return Advice(
        "easy-swap",
        f"Make your next easy run a walk: {run_min} min (same time on your feet) or {longer}.",
        f"Walk instead: {why}; walking lands at half the impact.",
        ("A11", "A10", "A5"),
        {"walk_min_same": run_min, "walk_min_3to1": min(triple, cap)},
    )


def _swap_minutes(ctx: Context) -> int:
    """The easy run's minutes; after any other run (a long run, a race) or one logged by
    distance only, the runner's usual easy run: the swap replaces the NEXT easy run."""
    run = _run(ctx)
    assert run is not None
    if run.duration_s and run.kind in (None, RunKind.EASY, RunKind.RECOVERY):
        return round(run.duration_s / 60)
    return typical_easy_minutes(ctx.history, run.day, ctx.params)


def _easy_swap(ctx: Context) -> Advice:
    why = ", ".join(_swap_reasons(ctx))
    return easy_swap_advice(_swap_minutes(ctx), why, ctx.params)


def typical_easy_minutes(
    history: History, today: date, params: CoachParams = DEFAULT_PARAMS
) -> int:
    """The runner's usual easy run in minutes (28-day median), else A11's 25-35 min middle."""
    first = days_back(today, params.long_run_window_days)
    minutes = [
        r.duration_s / 60
        for r in history.runs_between(first, today)
        if r.kind in (RunKind.EASY, RunKind.RECOVERY) and r.duration_s
    ]
    return round(statistics.median(minutes)) if minutes else params.default_easy_minutes


def _load_spike_applies(ctx: Context) -> bool:
    run = _run(ctx)
    ratio = ctx.load_ratio
    return (
        run is not None
        and not run.pain
        and ratio is not None
        and ratio > ctx.params.load_spike_ratio
    )


def load_spike_advice(ratio: float, params: CoachParams = DEFAULT_PARAMS) -> Advice:
    """The load-spike line, shared by run reports and the weekly summary."""
    return Advice(
        "load-spike",
        f"Swap one or more runs this week for walks: your last 7 days are {ratio:.2f}x"
        " your 4-week average.",
        f"Above {format_number(params.load_spike_ratio)}x injuries rise; "
        f"{format_number(params.load_sweet_low)}-{format_number(params.load_sweet_high)}x"
        " is the sweet spot. Walking keeps the aerobic work at half the impact.",
        ("B3", "A5"),
        {"load_ratio": round(ratio, 2)},
    )


def _second_session_applies(ctx: Context) -> bool:
    """Not after a race or a long run: the day's work is done (A9 is for adding volume)."""
    run = _run(ctx)
    if run is None or run.pain or run.kind is RunKind.RACE or _is_long(ctx):
        return False
    same_day = [r for r in ctx.history.runs() if r.day == run.day and r != run]
    return bool(same_day) or ctx.profile.more_mileage


def brisk_pace_band(units: Units, params: CoachParams = DEFAULT_PARAMS) -> str:
    """Brisk walking (A1) as a pace range in the runner's units."""
    fast = pace_for_speed_mph(params.brisk_mph_high, units)
    slow = pace_for_speed_mph(params.brisk_mph_low, units)
    return f"{fast.split()[0]}-{slow}"


def _second_session(ctx: Context) -> Advice:
    run = _run(ctx)
    assert run is not None
    earlier = sum(1 for r in ctx.history.runs() if r.day == run.day and r != run)
    ordinal = {1: "second", 2: "third", 3: "fourth"}.get(earlier, f"{earlier + 1}th")
    day = "today" if run.day == ctx.now.date() else f"on {run.day:%a %d %b}"
    lead = (
        f"That's your {ordinal} run {day}: next time" if earlier else "If you add a second session"
    )
    return Advice(
        "second-session",
        f"{lead}, make it a brisk walk at {brisk_pace_band(ctx.units, ctx.params)}."
        " Most people don't need two workouts a day.",
        "A second workout should be easier than the first; a walk keeps your heart rate up"
        " with less impact.",
        ("A9", "A1"),
    )


def _walk_pace_applies(ctx: Context) -> bool:
    walk = _walk(ctx)
    return walk is not None and walk.distance_m is not None and walk.duration_s > 0


def _walk_pace(ctx: Context) -> Advice:
    walk = _walk(ctx)
    assert walk is not None and walk.distance_m is not None
    mph = speed_mph(walk.distance_m, walk.duration_s)
    pace = format_pace(walk.duration_s / walk.distance_m, ctx.units)
    speed = (
        f"{format_number(mph)} mph"
        if ctx.units is Units.MI
        else f"{format_number(speed_kmh(walk.distance_m, walk.duration_s))} km/h"
    )
    if mph < ctx.params.brisk_mph_low:
        verdict = "a stroll: pick it up to count as moderate"
    elif mph <= ctx.params.brisk_mph_high:
        verdict = "brisk, counts as moderate"
    else:
        verdict = "power walking: fine, but brisk is enough"
    band = brisk_pace_band(ctx.units, ctx.params)
    return Advice(
        "walk-pace",
        f"Your pace: {pace} ({speed}), {verdict}.",
        f"Brisk is {band}: conversational, but with somewhere to be.",
        ("A1", "A2"),
        {"speed_mph": round(mph, 2)},
    )


def impact_percent_saved(params: CoachParams = DEFAULT_PARAMS) -> int:
    """How much less each landing carries walking than running, in percent (A5)."""
    return round(100 * (params.run_impact_bw - params.walk_impact_bw) / params.run_impact_bw)


def _impact_saved(ctx: Context) -> Advice:
    walk = _walk(ctx)
    assert walk is not None
    p = ctx.params
    minutes = round(walk.duration_s / 60)
    pct = impact_percent_saved(p)
    numbers: dict[str, float] = {"impact_percent_saved": pct}
    if ctx.profile.weight_kg:
        walk_kg = round(ctx.profile.weight_kg * p.walk_impact_bw)
        run_kg = round(ctx.profile.weight_kg * p.run_impact_bw)
        scale, unit = (POUNDS_PER_KG, "lb") if ctx.units is Units.MI else (1.0, "kg")
        walk_load, run_load = round(walk_kg * scale), round(run_kg * scale)
        text = (
            f"Impact: each step landed about {walk_load} {unit} instead of {run_load} {unit}"
            f" running: {pct}% less over {minutes} min."
        )
        numbers |= {"walk_landing_kg": walk_kg, "run_landing_kg": run_kg}
    else:
        text = f"Impact: about {pct}% less per step than running those {minutes} min."
    return Advice(
        "impact-saved",
        text,
        f"Walking lands at about {format_number(p.walk_impact_bw)}x body weight,"
        f" running at {format_number(p.run_impact_bw)}x.",
        ("A5",),
        numbers,
    )


def brisk_minutes_for_steps(steps: int, params: CoachParams = DEFAULT_PARAMS) -> int:
    """Minutes of brisk walking that cover a number of steps (B1), rounded up."""
    return math.ceil(max(0, steps) / params.brisk_cadence_spm)


def step_gap_advice(steps: int, goal: int, params: CoachParams = DEFAULT_PARAMS) -> Advice:
    """Steps against the goal: what closes the gap, or that it is closed."""
    gap = goal - steps
    floor = params.step_floor
    reason = f"Under {floor:,} steps a day blunts the fat-burning benefit of even an hour's run."
    if gap <= 0:
        return Advice(
            "step-floor",
            f"{steps:,} steps: your {goal:,} goal is done today.",
            reason,
            ("A6",),
            {"steps": steps, "goal": goal, "gap": 0, "brisk_min": 0},
        )
    minutes = brisk_minutes_for_steps(gap, params)
    return Advice(
        "step-floor",
        f"{gap:,} steps to your {goal:,}: {minutes} min of brisk walking"
        f" ({params.brisk_cadence_spm} steps/min) closes the gap.",
        reason,
        ("A6", "B1"),
        {"steps": steps, "goal": goal, "gap": gap, "brisk_min": minutes},
    )


def _step_floor(ctx: Context) -> Advice:
    report = ctx.report
    assert isinstance(report, DaySteps)
    return step_gap_advice(report.steps, ctx.profile.step_goal, ctx.params)


def _has_pain(ctx: Context) -> bool:
    """The report itself mentions pain or an injury (a run, a walk or a step count)."""
    return ctx.report.pain


def _severe(ctx: Context) -> bool:
    """Signs that need A&E now: a suspected break, dislocation, head injury, or a swelling
    that can't take weight (B5), in this report or in the pain still open."""
    words = ctx.report.note if ctx.report.pain else ""
    open_pain = ctx.history.pain
    return read_body(words).severe or (open_pain is not None and open_pain.severe)


def _pain_first(ctx: Context) -> Advice:
    return pain_first_advice(ctx.report.note)


def pain_first_advice(note: str) -> Advice:
    """Pain reported: stop running, rest 48-72 h, walk only pain-free (B4, B5)."""
    heard = f" ({note})" if note else ""
    return Advice(
        "pain-first",
        f"Pain{heard} comes first: no running until it's gone. Rest it for the first 48-72"
        " hours and walk only if the walking is pain-free; if it isn't improving after that,"
        " see a GP or a physio. Tell me when it's pain-free.",
        "Running through pain can do more damage and slow recovery.",
        ("B4", "B5"),
    )


def _pain_still_open(ctx: Context) -> bool:
    """A run or a step count while an earlier pain is still open: check in before anything
    else (a walk is fine: walking pain-free is what the pain advice allows)."""
    if ctx.history.pain is None or _has_pain(ctx):
        return False
    return _run(ctx) is not None or isinstance(ctx.report, DaySteps)


def _pain_check(ctx: Context) -> Advice:
    pain = ctx.history.pain
    assert pain is not None
    return pain_check_advice(pain)


def pain_check_advice(pain: OpenPain) -> Advice:
    """A pain is still open: ask whether it is gone; no running until it is (B4)."""
    return Advice(
        "pain-check",
        f"Is {pain.where()} pain-free now? You told me: {pain.note}. Until it is, no running:"
        " rest, or walk only if it's pain-free.",
        "Running on an injury that hasn't settled can do more damage and slow recovery.",
        ("B4",),
    )


def pain_days(pain: OpenPain | None, now: datetime) -> float:
    """How long the open pain has lasted, in days."""
    if pain is None:
        return 0.0
    return (now - pain.since).total_seconds() / 86_400


def _pain_days(ctx: Context) -> float:
    return pain_days(ctx.history.pain, ctx.now)


def _pain_lasting(ctx: Context) -> bool:
    """The pain has lasted past the 48-72 h of rest (B5)."""
    hours = ctx.params.pain_see_someone_hours
    return (_has_pain(ctx) or _pain_still_open(ctx)) and _pain_days(ctx) * 24 >= hours


def _see_someone(ctx: Context) -> Advice:
    pain = ctx.history.pain
    assert pain is not None
    return see_someone_advice(pain, ctx.now)


def see_someone_advice(pain: OpenPain, now: datetime) -> Advice:
    """The pain has lasted past 48 h: see a GP or a physio if it isn't improving (B5)."""
    days = int(pain_days(pain, now))
    return Advice(
        "pain-see-someone",
        f"It's been {days} days since {pain.where()} started: if it isn't clearly improving,"
        " see a GP or a physio.",
        "A minor injury should settle with 48-72 hours of rest; one that doesn't needs a look.",
        ("B5",),
        {"pain_days": days},
    )


def _urgent(_: Context) -> Advice:
    return urgent_advice()


def urgent_advice() -> Advice:
    """Signs of a break, dislocation or head injury: A&E now (B5)."""
    return Advice(
        "pain-urgent",
        "That could be a break, a dislocation or a head injury: go to A&E (or call for help)"
        " now; don't wait and don't walk on it.",
        "A suspected broken bone, dislocation or head injury needs A&E at once.",
        ("B5",),
    )


def _never(_: Context) -> bool:
    return False


def _said_elsewhere(_: Context) -> Advice:
    raise NotImplementedError("given by coach_rules.weekly or coach_rules.checkins, not a report")


RULES: tuple[Rule, ...] = (
    Rule(
        "pain-urgent",
        "pain with signs of a break, dislocation, head injury, or a swelling that can't take"
        " weight",
        ("B5",),
        lambda ctx: (_has_pain(ctx) or _pain_still_open(ctx)) and _severe(ctx),
        _urgent,
        exclusive=True,
    ),
    Rule(
        "pain-first",
        "a report or message that mentions pain or an injury in one spot",
        ("B4", "B5"),
        _has_pain,
        _pain_first,
        exclusive=True,
    ),
    Rule(
        "pain-check",
        "a run while a pain you reported is still open (until you say it's gone)",
        ("B4",),
        _pain_still_open,
        _pain_check,
        exclusive=True,
    ),
    Rule(
        "pain-see-someone",
        "a pain that has lasted 48 hours or more",
        ("B5",),
        _pain_lasting,
        _see_someone,
        exclusive=True,
    ),
    Rule(
        "finisher-walk",
        "a run marked long, or at least 1.5x your 28-day median run (16 km / 10 mi at first)",
        ("A7", "A8"),
        _is_long,
        _finisher_walk,
    ),
    Rule(
        "cooldown-walk",
        "any other run",
        ("A7", "A12"),
        _is_other_run,
        _cooldown_walk,
    ),
    Rule(
        "easy-swap",
        "an easy run while load is high (>1.3x), or with soreness or effort 7+/10",
        ("A10", "A11", "A5"),
        lambda ctx: bool(_swap_reasons(ctx)),
        _easy_swap,
    ),
    Rule(
        "load-spike",
        "run minutes of the last 7 days above 1.5x the 4-week weekly average",
        ("B3", "A5"),
        _load_spike_applies,
        lambda ctx: load_spike_advice(ctx.load_ratio or 0.0, ctx.params),
    ),
    Rule(
        "second-session",
        "a second run the same day, or your goal is more mileage",
        ("A9", "A1"),
        _second_session_applies,
        _second_session,
    ),
    Rule(
        "walk-pace",
        "a walk with distance and time",
        ("A1", "A2"),
        _walk_pace_applies,
        _walk_pace,
    ),
    Rule(
        "impact-saved",
        "any walk",
        ("A5",),
        lambda ctx: _walk(ctx) is not None and not _has_pain(ctx),
        _impact_saved,
    ),
    Rule(
        "step-floor",
        "a day's steps reported (below the goal: what closes the gap)",
        ("A6", "B1"),
        lambda ctx: isinstance(ctx.report, DaySteps),
        _step_floor,
    ),
    Rule(
        "daily-nudge",
        "your nudge time, when the day's steps are short of your goal",
        ("A6", "B1", "A1", "A2"),
        _never,
        _said_elsewhere,
    ),
    Rule(
        "morning-after",
        "the morning after a long run: how your legs feel decides today's run",
        ("A12", "A10", "A11", "A5"),
        _never,
        _said_elsewhere,
    ),
    Rule(
        "weekly-minutes",
        "the weekly summary: moderate-equivalent minutes against 150 (runs count double)",
        ("B2",),
        _never,
        _said_elsewhere,
    ),
    Rule(
        "form-cue / mindset",
        "every prescription, rotating so the same tip never shows twice in a row",
        ("A3", "A4", "A13", "A14", "A15"),
        _never,
        _said_elsewhere,
    ),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def evaluate(
    report: Report,
    history: History,
    profile: Profile,
    now: datetime,
    params: CoachParams = DEFAULT_PARAMS,
) -> Prescription:
    """The prescription for one report: every rule that applies, in table order, and a tip."""
    ctx = Context(report, history, profile, now, params)
    fired = [rule for rule in RULES if rule.applies(ctx)]
    # Exclusive rules (pain) silence every training rule, form tips included; a suspected
    # break says only that (no "rest it for 48 hours" beside "go to A&E").
    exclusive = [rule for rule in fired if rule.exclusive]
    if any(rule.id == "pain-urgent" for rule in exclusive):
        exclusive = [rule for rule in exclusive if rule.id == "pain-urgent"]
    if exclusive:
        return Prescription(tuple(rule.advise(ctx) for rule in exclusive))
    return Prescription(
        tuple(rule.advise(ctx) for rule in fired), next_tip(history.last_tip_id, profile.units)
    )
