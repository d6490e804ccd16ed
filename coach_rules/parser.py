"""Free text to a report: 'long run 20 mi 3:05', 'walked 45 min 3.2 km', '7400 steps'.

Pure: the caller passes `now` (aware, in the runner's time zone) and the runner's units.
Anything not understood comes back as a ParseError that says what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from coach_rules.feel import read_body
from coach_rules.models import DaySteps, Report, Run, RunKind, Walk
from coach_rules.params import DEFAULT_BOUNDS, Bounds
from coach_rules.units import METRES_PER_KM, METRES_PER_MILE, Units, format_number, to_metres
from coach_rules.validate import ParseError, check_text, validate

_NUM = r"[0-9]+(?:[.,][0-9]+)?"
_MAX_DIGITS = 9
# "2 hours 8 km": the 8 belongs to the distance, not to the minutes.
_NOT_A_DISTANCE = r"(?![.,]?[0-9]*\s*(?:km|kms|k|kilomet|mi|mile|miles|metres|meters|steps?)\b)"
HALF_MARATHON_M = 21097.5
MARATHON_M = 42195.0

_KIND_WORDS: dict[str, RunKind] = {
    "long": RunKind.LONG,
    "lsd": RunKind.LONG,
    "easy": RunKind.EASY,
    "tempo": RunKind.TEMPO,
    "threshold": RunKind.TEMPO,
    "intervals": RunKind.INTERVALS,
    "interval": RunKind.INTERVALS,
    "repeats": RunKind.INTERVALS,
    "reps": RunKind.INTERVALS,
    "track": RunKind.INTERVALS,
    "fartlek": RunKind.INTERVALS,
    "race": RunKind.RACE,
    "raced": RunKind.RACE,
    "parkrun": RunKind.RACE,
    "recovery": RunKind.RECOVERY,
}
_RUN_WORDS = r"\b(?:ran|run|runs|running|jog|jogged|jogging)\b"
_WALK_WORDS = r"\b(?:walk|walked|walking|walks|hike|hiked|hiking|stroll|strolled)\b"


@dataclass
class _Scan:
    """Text being consumed: each recognised piece is blanked so nothing counts twice."""

    text: str
    found: dict[str, str] = field(default_factory=dict)

    def take(self, pattern: str) -> re.Match[str] | None:
        match = re.search(pattern, self.text)
        if match:
            start, end = match.span()
            self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        return match


def _number(raw: str) -> float:
    """'3,2' is 3.2 (decimal comma); '12,000' is 12000 (thousands)."""
    if re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})+", raw):
        return float(raw.replace(",", ""))
    return float(raw.replace(",", "."))


def _when(scan: _Scan, now: datetime) -> datetime | ParseError:
    if scan.take(r"\byesterday\b"):
        return now - timedelta(days=1)
    ago = scan.take(r"\b([0-9]{1,4}) days? ago\b")
    if ago:
        return now - timedelta(days=int(ago.group(1)))
    iso = scan.take(r"\b(?:on )?([0-9]{4})-([0-9]{2})-([0-9]{2})\b")
    if iso:
        try:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return ParseError(f"{iso.group(0).strip()} is not a date I know. Use YYYY-MM-DD.")
        return datetime.combine(day, now.timetz())
    scan.take(r"\btoday\b")
    return now


# "+1500 steps", "another 1500 steps", "1500 more steps": to add to the day's count.
_ADDED_STEPS = (
    rf"(?:\+\s*|\banother\s+|\badd(?:ed)?\s+|\bextra\s+){_NUM}\s*k?\s*(?:more\s+)?steps?\b"
    rf"|\b{_NUM}\s*k?\s*(?:more|extra)\s+steps?\b"
)


def _steps(scan: _Scan) -> int | None:
    match = scan.take(rf"\b({_NUM})\s*(k?)\s*(?:more\s+|extra\s+)?steps?\b") or scan.take(
        rf"\bsteps?\s*:?\s*({_NUM})\s*(k?)\b"
    )
    if not match:
        return None
    value = _number(match.group(1)) * (1000 if match.group(2) else 1)
    return round(value)


def _duration(scan: _Scan) -> tuple[int | None, tuple[int, int] | None]:
    """Seconds when unambiguous, else the two parts of an 'a:b' to resolve later."""
    hms = scan.take(r"\b([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])\b")
    if hms:
        h, m, s = (int(g) for g in hms.groups())
        return h * 3600 + m * 60 + s, None
    h_m = scan.take(
        r"\b([0-9]{1,2})\s*(?:h|hr|hrs|hours?)\s*([0-9]{1,2})\s*(?:m|min|mins|minutes?)?(?![0-9])"
        + _NOT_A_DISTANCE
    )
    if h_m:
        return int(h_m.group(1)) * 3600 + int(h_m.group(2)) * 60, None
    hours = scan.take(rf"\b({_NUM})\s*(?:h|hr|hrs|hours?)\b")
    if hours:
        return round(_number(hours.group(1)) * 3600), None
    mins = scan.take(
        rf"\b({_NUM})\s*(?:m|min|mins|minutes?)\b(?:\s*([0-9]{{1,2}})\s*(?:s|sec|secs|seconds?)\b)?"
    )
    if mins:
        return round(_number(mins.group(1)) * 60) + int(mins.group(2) or 0), None
    clock = scan.take(r"(?<![0-9:])([0-9]{1,3}):([0-5][0-9])(?![0-9:])")
    if clock:
        return None, (int(clock.group(1)), int(clock.group(2)))
    return None, None


def _distance(scan: _Scan, units: Units) -> float | None:
    if scan.take(r"\bhalf[- ]?marathon\b|\bhm\b"):
        return HALF_MARATHON_M
    if scan.take(r"\bmarathon\b"):
        return MARATHON_M
    km = scan.take(rf"\b({_NUM})\s*(?:km|kms|k|kilomet(?:er|re)s?)\b")
    if km:
        return _number(km.group(1)) * METRES_PER_KM
    mi = scan.take(rf"\b({_NUM})\s*(?:mi|mile|miles)\b")
    if mi:
        return _number(mi.group(1)) * METRES_PER_MILE
    metres = scan.take(rf"\b({_NUM})\s*(?:metres|meters|metre|meter)\b")
    if metres:
        return _number(metres.group(1))
    if scan.take(r"\ba mile\b"):
        return METRES_PER_MILE
    bare = re.findall(rf"(?<![0-9.,:/-])({_NUM})(?![0-9:/])", scan.text)
    if len(bare) == 1:
        # One unit-less number next to a run or walk: the runner's own unit.
        scan.take(rf"(?<![0-9.,:/-]){re.escape(bare[0])}(?![0-9:/])")
        return to_metres(_number(bare[0]), units)
    return None


def _effort(scan: _Scan) -> int | None:
    match = scan.take(r"\b(?:rpe|effort)\s*:?\s*([0-9]{1,3})(?:\s*/\s*10)?\b") or scan.take(
        r"\b([0-9]{1,3})\s*/\s*10\b"
    )
    return int(match.group(1)) if match else None


def _kind(scan: _Scan, distance_word: bool) -> RunKind | None:
    for word, kind in _KIND_WORDS.items():
        if scan.take(rf"\b{word}\b"):
            return kind
    return RunKind.RACE if distance_word else None


def _resolve_clock(parts: tuple[int, int], distance_m: float | None, walk: bool) -> int:
    """'a:b' as m:ss or h:mm: whichever gives a believable pace, m:ss when both do."""
    a, b = parts
    as_mmss, as_hmm = a * 60 + b, a * 3600 + b * 60
    if not distance_m or distance_m <= 0:
        return as_hmm if a <= 3 else as_mmss
    fastest, slowest = (6.0, 30.0) if walk else (2.5, 15.0)  # minutes per km
    pace = as_mmss / 60 / (distance_m / METRES_PER_KM)
    if fastest <= pace <= slowest:
        return as_mmss
    pace_hmm = as_hmm / 60 / (distance_m / METRES_PER_KM)
    if pace < fastest and pace_hmm <= slowest * 2:
        return as_hmm
    return as_mmss


@dataclass(frozen=True)
class _Pieces:
    at: datetime
    steps: int | None
    added: bool
    seconds: int | None
    clock: tuple[int, int] | None
    distance_m: float | None
    effort: int | None
    kind: RunKind | None
    is_walk: bool
    is_run: bool
    pain: bool
    sore: bool
    note: str


def _pieces(text: str, units: Units, now: datetime) -> _Pieces | ParseError:
    low = text.lower()
    if re.search(r"(?:^|[\s(])-\s*[0-9]", low):
        return ParseError("Negative numbers don't fit here. Try 'ran 5 km 28 min'.")
    if re.search(rf"[0-9]{{{_MAX_DIGITS + 1},}}", low):
        return ParseError("One of those numbers is far too large. Try 'ran 5 km 28 min'.")
    scan = _Scan(low)
    at = _when(scan, now)
    if isinstance(at, ParseError):
        return at
    body = read_body(text)
    added = bool(re.search(_ADDED_STEPS, low))
    steps = _steps(scan)
    seconds, clock = _duration(scan)
    effort = _effort(scan)
    distance_word = bool(re.search(r"\bmarathon\b|\bhm\b", scan.text))
    is_walk = bool(re.search(_WALK_WORDS, low))
    is_run = bool(re.search(_RUN_WORDS, low))
    distance = _distance(scan, units) if (is_walk or is_run or steps is None) else None
    kind = _kind(scan, distance_word)
    return _Pieces(
        at,
        steps,
        added,
        seconds,
        clock,
        distance,
        effort,
        kind,
        is_walk,
        is_run,
        body.pain,
        body.sore,
        body.note if body.pain or body.sore else "",
    )


def _build(p: _Pieces) -> Report | ParseError:
    walk = p.is_walk and not p.is_run
    if p.steps is not None and not walk and p.seconds is None and p.clock is None:
        return DaySteps(p.at, p.steps, p.added, p.pain, p.note if p.pain else "")
    seconds = p.seconds
    if seconds is None and p.clock is not None:
        seconds = _resolve_clock(p.clock, p.distance_m, walk)
    if walk:
        if seconds is None:
            return ParseError("How long did you walk? Try 'walked 45 min 3.2 km'.")
        return Walk(p.at, seconds, p.distance_m, p.steps, p.pain, p.sore, p.note)
    if p.distance_m is None and seconds is None:
        return ParseError(
            "I couldn't find a distance or a time in that. Try 'ran 10 km 52:30',"
            " 'walked 45 min' or '7400 steps'.",
            unrecognised=True,
        )
    return Run(p.at, p.distance_m, seconds, p.kind, p.effort, p.pain, p.sore, p.note)


def parse_report(
    text: str, units: Units, now: datetime, bounds: Bounds = DEFAULT_BOUNDS
) -> Report | ParseError:
    """The report a runner typed, or a ParseError saying what was wrong."""
    error = check_text(text, bounds)
    if error:
        return error
    pieces = _pieces(text, units, now)
    if isinstance(pieces, ParseError):
        return pieces
    report = _build(pieces)
    if isinstance(report, ParseError):
        return report
    return validate(report, now, units, bounds) or report


def format_report(report: Report, units: Units, now: datetime) -> str:
    """A report as text that `parse_report` reads back to the same report."""
    parts: list[str] = []
    if isinstance(report, DaySteps):
        parts.append(f"{'+' if report.added else ''}{report.steps} steps")
    elif isinstance(report, Walk):
        parts.append("walked")
        parts.append(_clock_hms(report.duration_s))
        if report.distance_m is not None:
            parts.append(_distance_text(report.distance_m, units))
        if report.steps is not None:
            parts.append(f"{report.steps} steps")
    else:
        parts.append(f"{report.kind.value} run" if report.kind else "ran")
        if report.distance_m is not None:
            parts.append(_distance_text(report.distance_m, units))
        if report.duration_s is not None:
            parts.append(_clock_hms(report.duration_s))
        if report.effort is not None:
            parts.append(f"rpe {report.effort}")
    if report.day != now.date():
        parts.append(f"on {report.day.isoformat()}")
    text = " ".join(parts)
    note = getattr(report, "note", "")
    return f"{text}, {note}" if note else text


def _clock_hms(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _distance_text(metres: float, units: Units) -> str:
    value = metres / (METRES_PER_MILE if units is Units.MI else METRES_PER_KM)
    return f"{format_number(value, 3)} {units.value}"


def parse_distance(text: str, units: Units) -> float | ParseError:
    """A distance on its own ('10', '10 km', '6.2 mi', 'half marathon') in metres."""
    scan = _Scan(text.lower())
    metres = _distance(scan, units)
    if metres is None or scan.text.strip():
        return ParseError(f"Type the distance like '10' ({units.value}), '10 km' or '6.2 mi'.")
    if metres <= 0:
        return ParseError("A distance above zero, please.")
    return metres


def parse_duration(text: str, distance_m: float | None, walk: bool = False) -> int | ParseError:
    """A time on its own ('52:30', '1:05:00', '45 min', '1h10') in seconds."""
    scan = _Scan(text.lower())
    seconds, clock = _duration(scan)
    if scan.text.strip() or (seconds is None and clock is None):
        return ParseError("Type the time like 52:30, 1:05:00 or 45 min.")
    if seconds is None and clock is not None:
        seconds = _resolve_clock(clock, distance_m, walk)
    assert seconds is not None
    if seconds <= 0:
        return ParseError("A time above zero, please.")
    return seconds
