"""Form cues and mindset lines, rotated so a runner never sees the same one twice in a row."""

from __future__ import annotations

from coach_rules.prescription import Tip
from coach_rules.units import Units

# Alternating form and mindset keeps consecutive tips different in kind too.
TIPS: tuple[Tip, ...] = (
    Tip(
        "form-tall",
        "Form: stand tall, eyes up, elbows bent, arms swinging loose, feet under you.",
        ("A3",),
    ),
    Tip(
        "mind-reject-pressure",
        "Mindset: rest is training too. Reject the pressure to always do more.",
        ("A13",),
    ),
    Tip(
        "form-glutes",
        "Form: squeeze your glutes as you push off: the same activation your running needs.",
        ("A4",),
    ),
    Tip(
        "mind-feel",
        "Mindset: judge it by feel, not numbers. Do your legs feel stronger? More energy today?",
        ("A15",),
    ),
    Tip(
        "form-brisk",
        "Pace: conversational, but like you have somewhere to be. Not power walking.",
        ("A2", "A1"),
    ),
    Tip(
        "mind-embrace-pace",
        "Mindset: start tiny. {short} of walking after a run today, {longer} next time."
        " It adds up.",
        ("A14",),
    ),
    Tip(
        "mind-shift",
        "Mindset: a walk is a break for your legs now and more miles for you later.",
        ("A13",),
    ),
)

TIP_IDS = tuple(t.id for t in TIPS)


# A14's "100 ft, then 150 ft", as a km runner (metres) or a mile runner (feet) says it.
_SPANS = {Units.MI: ("100 ft", "150 ft"), Units.KM: ("30 m", "45 m")}


def next_tip(last_tip_id: str | None, units: Units | None = None) -> Tip:
    """The tip after the one shown last (the first one when none or unknown), in the
    runner's units (both when they are not known, as for a club)."""
    if last_tip_id not in TIP_IDS:
        tip = TIPS[0]
    else:
        tip = TIPS[(TIP_IDS.index(last_tip_id) + 1) % len(TIPS)]
    if units is None:
        short, longer = "100 ft (30 m)", "150 ft (45 m)"
    else:
        short, longer = _SPANS[units]
    return Tip(tip.id, tip.text.format(short=short, longer=longer), tip.sources)
