"""One parametrised test per rule, with literal expected numbers in km and in miles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict, Unpack

import pytest

from coach_rules import DaySteps, History, Profile, Run, RunKind, Units, Walk, evaluate
from coach_rules.tips import TIPS, next_tip
from coach_rules.units import METRES_PER_MILE
from tests.conftest import NOW

KM = 1000.0
MI = METRES_PER_MILE


class RunExtra(TypedDict, total=False):
    """What a report may add to a run's distance, time and kind."""

    effort: int | None
    pain: bool
    sore: bool
    note: str


class ProfileExtra(TypedDict, total=False):
    """A profile's fields besides the units."""

    step_goal: int
    weight_kg: float | None
    more_mileage: bool


def _run(
    metres: float | None,
    minutes: float | None,
    kind: RunKind | None = None,
    *,
    at: datetime = NOW,
    **extra: Unpack[RunExtra],
) -> Run:
    seconds = None if minutes is None else round(minutes * 60)
    return Run(at, metres, seconds, kind, **extra)


def _profile(units: Units, **extra: Unpack[ProfileExtra]) -> Profile:
    return Profile(units=units, **extra)


@pytest.mark.parametrize(
    ("units", "run", "low", "high", "phrase"),
    [
        (Units.MI, _run(20 * MI, 185, RunKind.LONG), 10, 20, "Walk 10-20 min now"),
        (Units.KM, _run(32 * KM, 190, RunKind.LONG), 10, 20, "Walk 10-20 min now"),
        # unmarked, at the no-history threshold: 16 km / 10 mi
        (Units.KM, _run(16 * KM, 95), 5, 10, "30-60 s for every mile of your 16 km (9.9 mi)"),
        (Units.MI, _run(10 * MI, 95), 5, 10, "30-60 s for each of your 10 miles"),
        (Units.MI, _run(26.2 * MI, 240, RunKind.RACE), 13, 26, "Walk 13-26 min now"),
        (Units.KM, _run(None, 150, RunKind.LONG), 3, 3, "Walk at least 3 min now"),
    ],
)
def test_finisher_walk(units: Units, run: Run, low: int, high: int, phrase: str) -> None:
    item = evaluate(run, History(), _profile(units), NOW).item("finisher-walk")
    assert item is not None
    assert (item.numbers["walk_min_low"], item.numbers["walk_min_high"]) == (low, high)
    assert phrase in item.text
    assert "refuel" in item.text
    assert item.sources == ("A7", "A8")


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
def test_finisher_threshold_follows_history(units: Units) -> None:
    past = [_run(8 * KM, 45, at=NOW - timedelta(days=d)) for d in (2, 5, 9, 12)]
    history = History.of(past)
    long_enough = evaluate(_run(12 * KM, 70), history, _profile(units), NOW)
    short = evaluate(_run(11.9 * KM, 70), history, _profile(units), NOW)
    assert long_enough.rule_ids[0] == "finisher-walk"
    assert long_enough.items[0].numbers == {"walk_min_low": 4, "walk_min_high": 7, "walk_now": 1}
    assert short.rule_ids[0] == "cooldown-walk"


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
def test_walk_advice_for_an_earlier_day_is_for_next_time(units: Units) -> None:
    yesterday = NOW - timedelta(days=1)
    long_run = evaluate(
        _run(20 * MI, 185, RunKind.LONG, at=yesterday), History(), _profile(units), NOW
    )
    assert long_run.items[0].text.startswith("Next time, walk 10-20 min after a run like this:")
    assert long_run.items[0].numbers["walk_now"] == 0
    short = evaluate(_run(5 * KM, 28, at=yesterday), History(), _profile(units), NOW)
    assert short.items[0].text == "Next time, cool down with a 3 min walk."


@pytest.mark.parametrize(
    ("units", "run", "low", "high", "text"),
    [
        (Units.KM, _run(5 * KM, 28), 3, 3, "Cool down with a 3 min walk."),
        (Units.KM, _run(10 * KM, 52.5), 3, 6, "Cool down with a 3-6 min walk."),
        (Units.MI, _run(6 * MI, 50, RunKind.TEMPO), 3, 6, "Cool down with a 3-6 min walk."),
        (Units.MI, _run(9.9 * MI, 85), 5, 10, "Cool down with a 5-10 min walk."),
        (Units.MI, _run(None, 30, RunKind.EASY), 3, 3, "Cool down with a 3 min walk."),
    ],
)
def test_cooldown_walk(units: Units, run: Run, low: int, high: int, text: str) -> None:
    prescription = evaluate(run, History(), _profile(units), NOW)
    item = prescription.item("cooldown-walk")
    assert item is not None
    assert prescription.item("finisher-walk") is None
    assert (item.numbers["walk_min_low"], item.numbers["walk_min_high"]) == (low, high)
    assert item.text == text


@pytest.mark.parametrize(
    ("units", "band"), [(Units.KM, "9:19-14:55 min/km"), (Units.MI, "15:00-24:00 min/mi")]
)
def test_second_session_after_a_second_run_the_same_day(units: Units, band: str) -> None:
    morning = _run(8 * KM, 45, RunKind.EASY, at=NOW - timedelta(hours=9))
    item = evaluate(_run(5 * KM, 28), History.of([morning]), _profile(units), NOW).item(
        "second-session"
    )
    assert item is not None
    assert item.text == (
        f"That's your second run today: next time, make it a brisk walk at {band}."
        " Most people don't need two workouts a day."
    )


@pytest.mark.parametrize(
    ("units", "band"), [(Units.KM, "9:19-14:55 min/km"), (Units.MI, "15:00-24:00 min/mi")]
)
def test_second_session_for_more_mileage_goal(units: Units, band: str) -> None:
    profile = _profile(units, more_mileage=True)
    item = evaluate(_run(5 * KM, 28), History(), profile, NOW).item("second-session")
    assert item is not None
    assert item.text == (
        f"If you add a second session, make it a brisk walk at {band}."
        " Most people don't need two workouts a day."
    )


def test_no_second_session_for_a_single_run() -> None:
    yesterday = _run(8 * KM, 45, at=NOW - timedelta(days=1))
    prescription = evaluate(_run(5 * KM, 28), History.of([yesterday]), Profile(), NOW)
    assert prescription.item("second-session") is None


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"sore": True}, "you said you're sore"),
        ({"effort": 7}, "effort 7/10 on an easy day"),
        ({"effort": 9}, "effort 9/10 on an easy day"),
    ],
)
def test_easy_swap_shows_both_options(units: Units, extra: RunExtra, reason: str) -> None:
    run = _run(3.5 * KM, 20, RunKind.EASY, **extra)
    item = evaluate(run, History(), _profile(units), NOW).item("easy-swap")
    assert item is not None
    assert item.numbers == {"walk_min_3to1": 60, "walk_min_same": 20}
    # The same time on your feet first (A11), the 3:1 walk second (A10).
    assert item.text == (
        "Make your next easy run a walk: 20 min (same time on your feet)"
        " or 60 min (3 min of walking per running minute)."
    )
    assert reason in item.reason
    assert item.sources == ("A11", "A10", "A5")


def test_easy_swap_not_for_a_fine_easy_run_or_a_hard_tempo() -> None:
    fine = _run(5 * KM, 30, RunKind.EASY, effort=6)
    assert evaluate(fine, History(), Profile(), NOW).item("easy-swap") is None
    hard = _run(5 * KM, 30, RunKind.TEMPO, effort=9)
    assert evaluate(hard, History(), Profile(), NOW).item("easy-swap") is None


@pytest.mark.parametrize(
    ("kind", "same"),
    # An easy run (or one with no kind named) is swapped minute for minute; after a long
    # run, a tempo or a race the next easy run is the runner's usual one (A11's 30 min).
    [(None, 50), (RunKind.EASY, 50), (RunKind.TEMPO, 30), (RunKind.LONG, 30), (RunKind.RACE, 30)],
)
def test_soreness_after_any_run_swaps_the_next_easy_run(kind: RunKind | None, same: int) -> None:
    run = _run(10 * KM, 50, kind, sore=True)
    item = evaluate(run, History(), Profile(), NOW).item("easy-swap")
    assert item is not None and "you said you're sore" in item.reason
    assert item.numbers == {"walk_min_same": same, "walk_min_3to1": 90}


def test_a_sore_long_run_never_asks_for_a_walk_as_long_as_the_run() -> None:
    long_run = _run(20 * MI, 185, RunKind.LONG, sore=True)
    item = evaluate(long_run, History(), Profile(), NOW).item("easy-swap")
    assert item is not None and "185" not in item.text


def test_a_run_called_easy_is_never_the_long_run() -> None:
    shorts = [_run(3 * KM, 18, at=NOW - timedelta(hours=h)) for h in (3, 5)]
    easy = _run(10 * KM, 55, RunKind.EASY)
    prescription = evaluate(easy, History.of(shorts), Profile(), NOW)
    assert prescription.item("finisher-walk") is None
    assert prescription.item("cooldown-walk") is not None


def test_the_longer_walk_is_capped() -> None:
    """A 58-min run would make a 174-min walk: offered as 'up to 90', after the 58."""
    item = evaluate(_run(10 * KM, 58, RunKind.EASY, sore=True), History(), Profile(), NOW).item(
        "easy-swap"
    )
    assert item is not None
    assert item.text == (
        "Make your next easy run a walk: 58 min (same time on your feet) or up to 90 min"
        " (3 min of walking per running minute, capped at 90)."
    )
    assert "174" not in item.text


def test_a_distance_only_sore_run_swaps_the_usual_easy_minutes() -> None:
    usual = [_run(8 * KM, 40, RunKind.EASY, at=NOW - timedelta(days=d)) for d in (2, 4)]
    run = Run(NOW, 10 * KM, None, RunKind.EASY, sore=True)
    item = evaluate(run, History.of(usual), Profile(), NOW).item("easy-swap")
    assert item is not None and item.numbers["walk_min_same"] == 40


def _weeks(acute_minutes: float, earlier_weekly: float) -> History:
    """Three earlier weeks of `earlier_weekly` run minutes; this week `acute_minutes` - 20."""
    runs = [_run(5 * KM, earlier_weekly, at=NOW - timedelta(days=d)) for d in (10, 17, 24)]
    runs.append(_run(10 * KM, acute_minutes - 20, at=NOW - timedelta(days=2)))
    return History.of(runs)


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
def test_easy_swap_when_load_is_high(units: Units) -> None:
    # this week 150 min (20 now), 28 days 450 min: 150 / 112.5 = 1.33
    prescription = evaluate(_run(3 * KM, 20, RunKind.EASY), _weeks(150, 100), _profile(units), NOW)
    item = prescription.item("easy-swap")
    assert item is not None
    assert "1.33x" in item.reason
    assert item.numbers == {"walk_min_3to1": 60, "walk_min_same": 20}
    assert prescription.item("load-spike") is None


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
def test_load_spike(units: Units) -> None:
    # this week 200 min, 28 days 500 min: 200 / 125 = 1.6
    prescription = evaluate(_run(3 * KM, 20, RunKind.TEMPO), _weeks(200, 100), _profile(units), NOW)
    item = prescription.item("load-spike")
    assert item is not None
    assert item.numbers == {"load_ratio": 1.6}
    assert "Swap one or more runs this week for walks" in item.text
    assert "1.60x" in item.text


def test_no_load_ratio_without_earlier_weeks() -> None:
    only_this_week = History.of([_run(10 * KM, 300, at=NOW - timedelta(days=1))])
    prescription = evaluate(_run(5 * KM, 30), only_this_week, Profile(), NOW)
    assert prescription.item("load-spike") is None


@pytest.mark.parametrize(
    ("units", "metres", "minutes", "text"),
    [
        (Units.KM, 3.2 * KM, 45, "Your pace: 14:04 min/km (4.3 km/h), brisk, counts as moderate."),
        (Units.MI, 3.2 * KM, 45, "Your pace: 22:38 min/mi (2.7 mph), brisk, counts as moderate."),
        (
            Units.KM,
            2 * KM,
            45,
            "Your pace: 22:30 min/km (2.7 km/h), a stroll: pick it up to count as moderate.",
        ),
        (
            Units.MI,
            4.4 * MI,
            60,
            "Your pace: 13:38 min/mi (4.4 mph), power walking: fine, but brisk is enough.",
        ),
        # the band's edges count as brisk: exactly 4 mph and exactly 2.5 mph
        (Units.MI, 4 * MI, 60, "Your pace: 15:00 min/mi (4 mph), brisk, counts as moderate."),
        (Units.MI, 2.5 * MI, 60, "Your pace: 24:00 min/mi (2.5 mph), brisk, counts as moderate."),
    ],
)
def test_walk_pace(units: Units, metres: float, minutes: int, text: str) -> None:
    walk = Walk(NOW, minutes * 60, metres)
    item = evaluate(walk, History(), _profile(units), NOW).item("walk-pace")
    assert item is not None
    assert item.text == text


def test_no_walk_pace_without_distance() -> None:
    assert evaluate(Walk(NOW, 1800), History(), Profile(), NOW).item("walk-pace") is None


@pytest.mark.parametrize(
    ("units", "weight", "text"),
    [
        (Units.KM, None, "Impact: about 52% less per step than running those 45 min."),
        (Units.MI, None, "Impact: about 52% less per step than running those 45 min."),
        (
            Units.KM,
            70.0,
            "Impact: each step landed about 84 kg instead of 175 kg running: 52% less over 45 min.",
        ),
        (
            Units.MI,
            70.0,
            "Impact: each step landed about 185 lb instead of 386 lb running:"
            " 52% less over 45 min.",
        ),
    ],
)
def test_impact_saved(units: Units, weight: float | None, text: str) -> None:
    walk = Walk(NOW, 45 * 60, 3.2 * KM)
    item = evaluate(walk, History(), _profile(units, weight_kg=weight), NOW).item("impact-saved")
    assert item is not None
    assert item.text == text
    assert item.numbers["impact_percent_saved"] == 52


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
@pytest.mark.parametrize(
    ("steps", "goal", "gap", "minutes"),
    [(5200, 8000, 2800, 28), (7401, 8000, 599, 6), (9000, 10000, 1000, 10), (0, 8000, 8000, 80)],
)
def test_step_floor(units: Units, steps: int, goal: int, gap: int, minutes: int) -> None:
    profile = _profile(units, step_goal=goal)
    item = evaluate(DaySteps(NOW, steps), History(), profile, NOW).item("step-floor")
    assert item is not None
    assert item.numbers["gap"] == gap
    assert item.numbers["brisk_min"] == minutes
    assert item.text.startswith(f"{gap:,} steps to your {goal:,}: {minutes} min of brisk walking")


@pytest.mark.parametrize("steps", [8000, 12000])
def test_step_floor_met(steps: int) -> None:
    item = evaluate(DaySteps(NOW, steps), History(), Profile(), NOW).item("step-floor")
    assert item is not None
    assert item.text == f"{steps:,} steps: your 8,000 goal is done today."


@pytest.mark.parametrize("units", [Units.KM, Units.MI])
@pytest.mark.parametrize(
    "report",
    [
        _run(6 * MI, 50, pain=True, note="left knee hurts"),
        _run(20 * MI, 185, RunKind.LONG, pain=True, note="left knee hurts"),
        Walk(NOW, 1800, pain=True, note="left knee hurts"),
    ],
)
def test_pain_first_is_the_only_advice(units: Units, report: Run | Walk) -> None:
    prescription = evaluate(report, History(), _profile(units), NOW)
    assert prescription.rule_ids == ("pain-first",)
    assert "no running" in prescription.items[0].text
    assert "(left knee hurts)" in prescription.items[0].text
    assert "see a GP or a physio" in prescription.items[0].text
    assert prescription.items[0].sources == ("B4", "B5")


def test_tips_rotate_and_never_repeat_back_to_back() -> None:
    seen = []
    last = None
    for _ in range(len(TIPS) * 2):
        tip = next_tip(last)
        assert tip.id != last
        seen.append(tip.id)
        last = tip.id
    assert set(seen) == {t.id for t in TIPS}
    history = History((), last_tip_id="form-tall")
    assert evaluate(_run(5 * KM, 28), history, Profile(), NOW).tip == next_tip("form-tall")


def test_every_item_names_known_sources() -> None:
    from coach_rules.rules import RULES
    from coach_rules.sources import SOURCES

    for rule in RULES:
        assert rule.sources and set(rule.sources) <= set(SOURCES), rule.id
    assert {f"A{i}" for i in range(1, 16)} | {"B1", "B2", "B3"} <= set(SOURCES)
