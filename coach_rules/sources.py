"""Where every fact comes from: the source table of coaching-spec.md (A1..A15, B1..B6)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """One fact and the place it was published."""

    id: str
    fact: str
    origin: str


_ARTICLE = "Why All Runners Should Walk More (Runner's World)"

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source(
            "A1",
            "Brisk walking, 2.5-4 mph (24-15 min/mile), is moderate intensity",
            f"CDC, quoted in {_ARTICLE}",
        ),
        Source(
            "A2",
            "Brisk is conversational but 'you have somewhere to be'; not power walking",
            _ARTICLE,
        ),
        Source(
            "A3",
            "Form: stand tall, eyes up, elbows flexed, relaxed arm swing, feet under you",
            _ARTICLE,
        ),
        Source(
            "A4",
            "Squeeze the glutes on push-off to practise the activation running needs",
            _ARTICLE,
        ),
        Source(
            "A5",
            "Running lands at about 2.5x body weight, walking about 1.2x: about half the impact",
            "Clinical Journal of Sport Medicine, quoted in " + _ARTICLE,
        ),
        Source(
            "A6",
            "Under 8,000 steps a day blunts fat metabolism even after an hour's run",
            "Medicine & Science in Sports & Exercise, Feb 2021, quoted in " + _ARTICLE,
        ),
        Source(
            "A7",
            "After a longer run, walk 30-60 s for every mile run (10-20 min after 20 miles)",
            "Janet Hamilton, coach, in " + _ARTICLE,
        ),
        Source("A8", "Drink and refuel during that finisher walk", _ARTICLE),
        Source(
            "A9",
            "A second workout in a day should be lower intensity than the first; a walk fits",
            "Janet Hamilton, coach, in " + _ARTICLE,
        ),
        Source(
            "A10",
            "15 min of walking was as beneficial as 5 min of running (3:1)",
            "Journal of the American College of Cardiology, quoted in " + _ARTICLE,
        ),
        Source(
            "A11",
            "Or walk as long as the easy run would have taken: time on feet, not distance",
            "Janet Hamilton, coach, in " + _ARTICLE,
        ),
        Source(
            "A12",
            "Walking is active recovery: more blood flow and repair, less impact",
            "Heather Milton and Janet Hamilton in " + _ARTICLE,
        ),
        Source(
            "A13",
            "Reject the pressure to do more; see what a walk gives you",
            "Megan Cannon, sports psychologist, in " + _ARTICLE,
        ),
        Source(
            "A14",
            "Embrace the pace: start tiny (100 ft, then 150 ft after a run) and build",
            "Megan Cannon, sports psychologist, in " + _ARTICLE,
        ),
        Source(
            "A15",
            "Focus on feel, not performance: stronger legs? more energy?",
            "Megan Cannon, sports psychologist, in " + _ARTICLE,
        ),
        Source(
            "B1",
            "A walking cadence of about 100 steps/min marks moderate intensity",
            "Tudor-Locke et al., CADENCE-Adults, IJBNPA 2019",
        ),
        Source(
            "B2",
            "Adults: 150 min/week moderate or 75 min vigorous (1 vigorous = 2 moderate min)",
            "CDC / WHO 2020 physical activity guidelines",
        ),
        Source(
            "B3",
            "Acute:chronic load above about 1.5 goes with more injuries; 0.8-1.3 is the sweet spot",
            "Gabbett, Br J Sports Med 2016",
        ),
        Source(
            "B4",
            "Stop exercising if you feel pain: going on may cause more damage and slow recovery",
            "NHS, Sports injuries",
        ),
        Source(
            "B5",
            "Rest a minor injury for 48-72 hours; see a GP if it is severe or not improving within"
            " a few days; a suspected break, dislocation or head injury: A&E at once",
            "NHS, Sports injuries",
        ),
        Source(
            "B6",
            "An ultramarathon can take longer than 24 h (100-mile finishes of 24-36 h are"
            " common); the 24 h bound is for training runs, a race may take up to 48 h",
            "race results of 100-mile events (e.g. Western States cut-off 30 h)",
        ),
        Source(
            "safety",
            "Pain is a signal to stop running; persistent pain needs a professional",
            "general sports-medicine caution",
        ),
    )
}


def source_line(source_id: str) -> str:
    """'A7: fact (origin)' for one source id."""
    src = SOURCES[source_id]
    return f"{src.id}: {src.fact} ({src.origin})"
