"""Pain, soreness, neither, or ask: how runners speak, read the same way everywhere.

Each phrasing is checked as a plain message and inside a run, a walk and a step report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from coach_rules import (
    DaySteps,
    History,
    ParseError,
    Profile,
    Run,
    RunKind,
    Units,
    Walk,
    evaluate,
    parse_report,
)
from coach_rules.feel import Body, read_body, says_pain_is_gone
from coach_rules.models import OpenPain
from coach_rules.validate import Ask
from tests.conftest import NOW

PAIN, SORE, NEITHER, ASK = Body.PAIN, Body.SORENESS, Body.NEITHER, Body.ASK

PHRASINGS: list[tuple[str, Body]] = [
    # pain in one spot, or an injury
    ("left knee hurts", PAIN),
    ("my knee hurts", PAIN),
    ("hurt my ankle", PAIN),
    ("pain in my foot", PAIN),
    ("sharp pain in the heel", PAIN),
    ("sore knee", PAIN),
    ("sore achilles", PAIN),
    ("achilles is sore", PAIN),
    ("my left knee is a bit sore", PAIN),
    ("knee aches", PAIN),
    ("aching knee", PAIN),
    ("achy hip", PAIN),
    ("tweaked my hamstring", PAIN),
    ("pulled a calf", PAIN),
    ("niggle in my hip", PAIN),
    ("twinge in my calf", PAIN),
    ("shin splints again", PAIN),
    ("rolled my ankle", PAIN),
    ("my IT band flared up", PAIN),
    ("my back is killing me", PAIN),
    ("hamstring tight and painful", PAIN),
    ("sprained ankle", PAIN),
    ("strained calf", PAIN),
    ("limping a bit", PAIN),
    ("injured my foot", PAIN),
    ("plantar fasciitis is back", PAIN),
    ("sore calf", PAIN),
    ("right shin hurts when I push off", PAIN),
    ("foot is throbbing", PAIN),
    ("think I broke my toe", PAIN),
    ("swollen ankle, can't put weight on it", PAIN),
    ("hit my head when I fell", PAIN),
    # general muscle soreness
    ("legs are sore", SORE),
    ("sore legs", SORE),
    ("heavy legs", SORE),
    ("tired legs", SORE),
    ("legs feel heavy", SORE),
    ("DOMS today", SORE),
    ("sore quads", SORE),
    ("sore calves", SORE),
    ("calves tight", SORE),
    ("a bit stiff", SORE),
    ("everything aches", SORE),
    ("muscles are sore", SORE),
    ("sore but no pain", SORE),
    ("legs sore, no pain", SORE),
    ("dead legs", SORE),
    # neither
    ("no pain", NEITHER),
    ("pain-free", NEITHER),
    ("pain free today", NEITHER),
    ("no aches", NEITHER),
    ("not sore", NEITHER),
    ("nothing hurts", NEITHER),
    ("didn't hurt at all", NEITHER),
    ("felt great", NEITHER),
    ("lovely sunny morning", NEITHER),
    ("with friends", NEITHER),
    ("injury-free for a month", NEITHER),
    ("zero niggles", NEITHER),
    # could be either: ask
    ("feeling sore", ASK),
    ("a bit achy", ASK),
    ("achy", ASK),
    ("sore", ASK),
    ("aching today", ASK),
]


def test_the_corpus_covers_every_class() -> None:
    assert len(PHRASINGS) >= 60
    assert {kind for _, kind in PHRASINGS} == set(Body)


@pytest.mark.parametrize(("phrase", "kind"), PHRASINGS)
def test_plain_message(phrase: str, kind: Body) -> None:
    assert read_body(phrase).kind is kind


@pytest.mark.parametrize(("phrase", "kind"), PHRASINGS)
def test_in_a_run_report(phrase: str, kind: Body) -> None:
    run = parse_report(f"easy 5 km 30 min, {phrase}", Units.KM, NOW)
    assert isinstance(run, Run)
    assert (run.pain, run.sore) == (kind is PAIN, kind is SORE)


@pytest.mark.parametrize(("phrase", "kind"), PHRASINGS)
def test_in_a_walk_report(phrase: str, kind: Body) -> None:
    walk = parse_report(f"walked 40 min, {phrase}", Units.MI, NOW)
    assert isinstance(walk, Walk)
    assert (walk.pain, walk.sore) == (kind is PAIN, kind is SORE)


@pytest.mark.parametrize(("phrase", "kind"), PHRASINGS)
def test_in_a_step_report(phrase: str, kind: Body) -> None:
    steps = parse_report(f"7400 steps, {phrase}", Units.KM, NOW)
    assert isinstance(steps, DaySteps) and steps.steps == 7400
    assert steps.pain is (kind is PAIN)


@pytest.mark.parametrize(
    "report",
    [
        "easy 5 km 30 min, left knee hurts",
        "walked 40 min, sore achilles",
        "7400 steps, rolled my ankle",
    ],
)
def test_pain_in_any_report_is_answered_pain_first_only(report: str) -> None:
    parsed = parse_report(report, Units.KM, NOW)
    assert not isinstance(parsed, ParseError | Ask)
    prescription = evaluate(parsed, History(), Profile(), NOW)
    assert prescription.rule_ids == ("pain-first",)
    assert prescription.items[0].sources == ("B4", "B5")


def test_severe_signs_send_to_a_and_e() -> None:
    parsed = parse_report("ran 5 km 30 min, think I broke my toe", Units.KM, NOW)
    assert isinstance(parsed, Run)
    prescription = evaluate(parsed, History(), Profile(), NOW)
    # Only A&E: not "rest it for 48-72 hours" beside it, and no form tip.
    assert prescription.rule_ids == ("pain-urgent",)
    assert prescription.items[0].text.startswith("That could be a break")
    assert "A&E" in prescription.items[0].text and prescription.tip is None


def _open(hours: float, spot: str = "left knee") -> OpenPain:
    return OpenPain(f"{spot} hurts", spot, NOW - timedelta(hours=hours))


def test_a_run_while_pain_is_open_checks_in_first() -> None:
    run = Run(NOW, 5000, 1800, RunKind.EASY)
    prescription = evaluate(run, History(pain=_open(0.2)), Profile(), NOW)
    assert prescription.rule_ids == ("pain-check",)
    assert prescription.items[0].text.startswith("Is the left knee pain-free now?")


@pytest.mark.parametrize(("hours", "escalates"), [(47, False), (48, True), (80, True)])
def test_after_48_hours_see_a_gp_or_physio(hours: float, escalates: bool) -> None:
    run = Run(NOW, 5000, 1800)
    prescription = evaluate(run, History(pain=_open(hours)), Profile(), NOW)
    assert ("pain-see-someone" in prescription.rule_ids) is escalates
    if escalates:
        item = prescription.item("pain-see-someone")
        assert item is not None and item.sources == ("B5",)
        assert f"It's been {int(hours // 24)} days" in item.text and "GP or a physio" in item.text


def test_a_walk_while_pain_is_open_is_fine() -> None:
    walk = Walk(NOW, 1800, 2500)
    prescription = evaluate(walk, History(pain=_open(5)), Profile(), NOW)
    assert "pain-check" not in prescription.rule_ids


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("pain-free now", True),
        ("the pain is gone", True),
        ("knee is fine now", True),
        ("no more pain", True),
        ("still hurts", False),
        ("a bit better but still sore", False),
        ("ran 5 km 30 min", False),
    ],
)
def test_saying_the_pain_is_gone(text: str, gone: bool) -> None:
    assert says_pain_is_gone(text) is gone


def test_a_hundred_mile_race_is_logged() -> None:
    race = parse_report("100 mile race in 27:45", Units.MI, NOW)
    assert isinstance(race, Run) and race.duration_s == 27 * 3600 + 45 * 60
    assert race.kind is RunKind.RACE
    too_long = parse_report("100 mile race 49:00:00", Units.MI, NOW)
    assert not isinstance(too_long, Run)
    training = parse_report("ran 100 miles 27:45:00", Units.MI, NOW)
    assert not isinstance(training, Run)  # 24 h is the bound for a training run


def test_a_second_marathon_in_a_day_is_asked_about() -> None:
    from coach_rules.validate import check_day

    first = Run(NOW - timedelta(hours=5), 42_195, 4 * 3600)
    second = Run(NOW, 42_195, 4 * 3600)
    assert check_day(second, [first]) is not None
    assert check_day(Run(NOW, 10_000, 3000), [first]) is None
    assert check_day(second, []) is None


def test_pain_days_count_from_the_first_report() -> None:
    from coach_rules.rules import pain_days

    yesterday = datetime(2026, 11, 25, 9, 0, tzinfo=NOW.tzinfo)
    pain = OpenPain("knee hurts", "knee", yesterday)
    assert pain_days(pain, NOW) == pytest.approx(1 + 9 / 24)  # 09:00 yesterday to 18:00 today
    assert pain_days(None, NOW) == 0
    assert pain.where() == "the knee"
    assert OpenPain("twinge", "", yesterday).where() == "it"
