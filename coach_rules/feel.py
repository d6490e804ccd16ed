"""How the runner's body feels, read from their words: pain, soreness, or fine.

The one vocabulary: the free-text parser, the guided /run's "How do your legs feel?"
and every other reader ask this module, so they can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PAIN_WORDS = (
    r"\b(?:hurts?|hurting|pain|painful|injur(?:y|ed|ies)|ache|aches|aching|twinge|sprain(?:ed)?"
    r"|strain(?:ed)?|limp(?:ing)?)\b"
)
SORE_WORDS = r"\b(?:sore|soreness|stiff|tight|heavy legs|tired legs|doms)\b"
# Answers that mean "nothing to report" to "How do your legs feel?".
FINE_ANSWERS = frozenset({"ok", "okay", "good", "all good", "fine", "great"})
NOTE_LENGTH = 200


@dataclass(frozen=True)
class Feel:
    """What the words say about the body, and the words themselves (for the reply)."""

    pain: bool = False
    sore: bool = False
    note: str = ""


def mentions_pain(text: str) -> bool:
    """Whether the text mentions pain or an injury."""
    return bool(re.search(PAIN_WORDS, text.lower()))


def mentions_soreness(text: str) -> bool:
    """Whether the text mentions soreness, stiffness or heavy legs."""
    return bool(re.search(SORE_WORDS, text.lower()))


def clause_with(original: str, pattern: str) -> str:
    """The clause of `original` that matches `pattern` ("left knee hurts"), or ""."""
    for clause in re.split(r"[,;.!\n]| but | and ", original):
        if re.search(pattern, clause.lower()):
            return clause.strip()[:NOTE_LENGTH]
    return ""


def read_feel(answer: str) -> Feel:
    """An answer to "How do your legs feel?": a tapped "pain"/"sore"/"ok", or words."""
    text = answer.strip()
    low = text.lower()
    if low in FINE_ANSWERS:
        return Feel()
    pain = low == "pain" or mentions_pain(low)
    sore = not pain and (low == "sore" or mentions_soreness(low))
    note = "" if low in ("pain", "sore") else text[:NOTE_LENGTH]
    return Feel(pain, sore, note)
