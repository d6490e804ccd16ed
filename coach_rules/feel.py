"""How the runner's body feels, read from their words: pain, soreness, neither, or unsure.

The one vocabulary: the free-text parser, the guided /run's "How do your legs feel?",
plain messages ("my knee hurts") and the pain check-ins all read it here, so they can
never disagree. Pain in one spot (a knee, an achilles, "pain in my foot") is not general
muscle soreness ("legs are sore", "heavy legs", DOMS); "no pain" is not pain; when the
words could be either ("feeling sore", "a bit achy") the coach asks (`Body.ASK`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NOTE_LENGTH = 200

# Negations first: what they cover is removed before anything else is read.
_NEGATIONS = re.compile(
    r"\b(?:no|zero|without(?: any)?|not any|free of) "
    r"(?:pain|aches?|soreness|niggles?|injur(?:y|ies)|issues|problems)\b"
    r"|\b(?:pain|injury|niggle)[- ]free\b"
    r"|\bnot (?:sore|hurting|painful|injured|achy|aching|stiff)\b"
    r"|\bnothing (?:hurts|hurt|aches|is sore)\b"
    r"|\b(?:does ?n.?t|did ?n.?t|do ?n.?t|does not|did not|do not|never) (?:hurt|ache)\b"
)
# Words that mean an injury wherever they appear.
PAIN_WORDS = (
    r"\b(?:hurts?|hurting|pain|painful|injur(?:y|ed|ies)|twinge[sd]?|sprain(?:ed|s)?"
    r"|strain(?:ed|s)?|limp(?:ing|ed)?|tweak(?:ed)?|pulled|niggl(?:e|es|y|ing)|shin ?splints"
    r"|rolled (?:my|an|the|her|his) ankle|flared? up|flaring|killing me|stabbing|throbbing"
    r"|tendonitis|tendinitis|tendinopathy|plantar fasciitis|stress fracture)\b"
)
# Words that mean soreness: general unless a single spot is named with them.
SORE_WORDS = (
    r"\b(?:sore|soreness|stiff|stiffness|tight|achy|aching|aches?|doms"
    r"|heavy legs|tired legs|dead legs|jelly legs"
    r"|legs? (?:are|is|feel|felt) (?:heavy|tired|dead))\b"
)
# One spot: joints, tendons, bones, and a single muscle named in the singular.
_SPOT = (
    r"\b(?:(?:left|right|lower|upper|inner|outer) )?(?:knee|knees|ankle|ankles|foot|heel"
    r"|heels|achilles|shin|shins|hip|hips|hip flexor|back|toe|toes|arch|groin|it band|itb"
    r"|calf|hamstring|quad|glute|tendon|bone|joint|neck|shoulder)\b"
)
# The whole of the legs, or the muscles in general: soreness, not an injury.
_GENERAL = r"\b(?:legs?|feet|muscles?|calves|quads|hamstrings|glutes|body|everything|all over)\b"
_SEVERE = (
    r"\bbroken\b|\bbroke (?:my|a|the)\b|\bfractur\w*|\bdislocat\w*|\bhead injury\b"
    r"|\bhit my head\b|\bconcuss\w*|\bcan.?t (?:walk|stand|bear weight|put (?:any )?weight)"
    r"|\bunable to (?:walk|stand|bear weight|put weight)\b"
)
_GONE = re.compile(
    r"\b(?:pain[- ]free|no (?:more )?pain|doesn.?t hurt|not hurting|stopped hurting|all good now"
    r"|(?:pain|it|that)(?: is|'s| has)? gone|(?:feels?|feeling|much|all) better|better now"
    r"|fine now|healed|recovered)\b"
)


class Body(StrEnum):
    """What the words say about the body."""

    PAIN = "pain"  # an injury, or pain in one spot: comes before any training advice
    SORENESS = "soreness"  # general muscle soreness: an easy day, or a walk instead
    NEITHER = "neither"
    ASK = "ask"  # could be either: ask "tired muscles, or pain in one spot?"


@dataclass(frozen=True)
class BodyReading:
    """The class, the runner's own words for it, the spot when named, and severe signs."""

    kind: Body
    note: str = ""
    spot: str = ""
    severe: bool = False

    @property
    def pain(self) -> bool:
        """Pain (or an injury) was reported."""
        return self.kind is Body.PAIN

    @property
    def sore(self) -> bool:
        """General soreness was reported."""
        return self.kind is Body.SORENESS


def _clean(text: str) -> str:
    low = text.lower().replace("\u2019", "'")
    return _NEGATIONS.sub(" ", low)


def _body_words(clause: str, pattern: str) -> str:
    """The words about the body in a clause that also holds a report ("ran 5 km 30 min
    feeling sore" -> "feeling sore"): from a few words before the match, never a number."""
    found = re.search(pattern, _clean(clause))
    if found is None or not re.search(r"[0-9]", clause[: found.start()]):
        return clause
    words = clause[: found.start()].split()
    kept: list[str] = []
    while (
        words and len(kept) < 3 and not re.search(r"[0-9]|^(?:km|k|mi|miles?|min|mins)$", words[-1])
    ):
        kept.insert(0, words.pop())
    return " ".join([*kept, clause[found.start() :].strip()])


def clause_with(original: str, pattern: str) -> str:
    """The clause of `original` that matches `pattern` ("left knee hurts"), or ""."""
    for clause in re.split(r"[,;.!\n]| but | and (?=i |my |it )", original):
        if re.search(pattern, _clean(clause)):
            return _body_words(clause.strip(), pattern)[:NOTE_LENGTH]
    return ""


def _spot_in(clause: str) -> str:
    found = re.search(_SPOT, clause)
    return found.group(0) if found else ""


def _soreness(original: str, low: str, denied_pain: bool) -> BodyReading:
    """Sore words found: one spot is pain, the legs or muscles soreness, nothing named: ask
    (unless the runner said it is not pain: "sore but no pain" is soreness)."""
    note = clause_with(original, SORE_WORDS)
    clause = _clean(note) if note else low
    spot = _spot_in(clause)
    if spot and not re.search(r"\b(?:tight|stiff|stiffness)\b", clause):
        return BodyReading(Body.PAIN, note, spot)
    if spot or re.search(_GENERAL, clause) or re.search(r"\b(?:doms|legs?)\b", low):
        return BodyReading(Body.SORENESS, note)
    if denied_pain or re.search(r"\b(?:tight|stiff|stiffness)\b", clause):
        return BodyReading(Body.SORENESS, note)
    return BodyReading(Body.ASK, note)


def read_body(text: str) -> BodyReading:
    """Pain, soreness, neither, or ask: what `text` says about the runner's body."""
    low = _clean(text)
    if re.search(_SEVERE, low):
        note = clause_with(text, _SEVERE) or text.strip()[:NOTE_LENGTH]
        return BodyReading(Body.PAIN, note, _spot_in(low), severe=True)
    if re.search(PAIN_WORDS, low):
        note = clause_with(text, PAIN_WORDS)
        return BodyReading(Body.PAIN, note, _spot_in(_clean(note) or low))
    if re.search(SORE_WORDS, low):
        denied = bool(_NEGATIONS.search(text.lower().replace("\u2019", "'")))
        return _soreness(text, low, denied)
    return BodyReading(Body.NEITHER)


# Answers that mean "nothing to report" to "How do your legs feel?".
FINE_ANSWERS = frozenset({"ok", "okay", "good", "all good", "fine", "great", "fresh"})
# Said of the legs (the question names them), these words are soreness on their own.
_LEGS_WORDS = r"\b(?:tired|heavy|dead|wobbly|jelly|stiff|tight|knackered|fatigued)\b"
# Answers to "tired muscles, or pain in one spot?".
_MUSCLES_ANSWER = r"\b(?:tired|muscles?|soreness|sore muscles|doms|just sore|general)\b"
_SPOT_ANSWER = r"\b(?:one spot|a spot|pain|injur\w*|spot)\b"


@dataclass(frozen=True)
class Feel:
    """An answer to "How do your legs feel?": pain, soreness, and the words for it."""

    pain: bool = False
    sore: bool = False
    note: str = ""
    unsure: bool = False


def read_feel(answer: str) -> Feel:
    """A tapped "pain"/"sore"/"ok", or the runner's own words."""
    text = answer.strip()
    low = text.lower()
    if low in FINE_ANSWERS:
        return Feel()
    if low in ("pain", "sore"):
        return Feel(pain=low == "pain", sore=low == "sore")
    body = read_body(text)
    if body.kind is Body.NEITHER and re.search(_LEGS_WORDS, low):
        return Feel(sore=True, note=text[:NOTE_LENGTH])
    return Feel(body.pain, body.sore, text[:NOTE_LENGTH], unsure=body.kind is Body.ASK)


def read_body_answer(answer: str) -> Body | None:
    """An answer to "tired muscles, or pain in one spot?": which one, or None (unclear)."""
    low = _clean(answer)
    if re.search(_SPOT_ANSWER, low) or re.search(_SPOT, low) or read_body(answer).pain:
        return Body.PAIN
    if re.search(_MUSCLES_ANSWER, low) or re.search(_GENERAL, low) or read_body(answer).sore:
        return Body.SORENESS
    return None


def says_pain_is_gone(text: str) -> bool:
    """'pain-free now', 'it's gone', 'knee is fine now': the runner says the pain is over."""
    low = text.lower().replace("\u2019", "'")
    return bool(_GONE.search(low)) and not re.search(PAIN_WORDS, _clean(_GONE.sub(" ", low)))
