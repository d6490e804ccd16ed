"""Free text to a report: 'long run 20 mi 3:05', 'walked 45 min 3.2 km', '7400 steps'.

Pure: the caller passes `now` (aware, in the runner's time zone) and the runner's units.
Anything not understood comes back as a ParseError that says what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from coach_rules.dates import DayChoice, NotADay, SomeDay, day_words, fix_day_words, read_day
from coach_rules.feel import read_body
from coach_rules.models import DaySteps, Report, Run, RunKind, Walk
from coach_rules.params import DEFAULT_BOUNDS, Bounds
from coach_rules.units import METRES_PER_KM, METRES_PER_MILE, Units, format_number, to_metres
from coach_rules.validate import Ask, ParseError, check_text, validate

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
_RUN_WORDS = (
    r"\b(?:ran|run|runs|running|jog|jogged|jogging|treadmill|trail|parkrun|intervals|tempo"
    r"|fartlek|race|raced|marathon)\b"
)
_WALK_WORDS = r"\b(?:walk|walked|walking|walks|hike|hiked|hiking|stroll|strolled)\b"
# Named distances: a half, a marathon, a parkrun (always 5 km, always a race).
_NAMED = (
    (r"\bhalf[- ]?marathon\b|\bhm\b|\ba half\b|\bhalf\b", HALF_MARATHON_M),
    (r"\bmarathon\b", MARATHON_M),
    (r"\bparkrun\b", 5000.0),
)


# re.search(str, ...) looks its pattern up in re's own cache with type checks on every
# call: a third of reading a message. Compiled once here instead.
_compiled = lru_cache(maxsize=None)(re.compile)


@dataclass
class _Scan:
    """The message, with each recognised piece blanked out once it is taken."""

    text: str
    found: dict[str, str] = field(default_factory=dict)

    def take(self, pattern: str) -> re.Match[str] | None:
        match = _compiled(pattern).search(self.text)
        if match:
            start, end = match.span()
            self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        return match


def _number(raw: str) -> float:
    """'3,2' is 3.2 (decimal comma); '12,000' and '12 000' are 12000 (thousands)."""
    if re.fullmatch(r"[0-9]{1,3}(?:[, ][0-9]{3})+", raw):
        return float(re.sub(r"[, ]", "", raw))
    return float(raw.replace(",", "."))


def _when(
    scan: _Scan, now: datetime, day_first: bool | None
) -> datetime | ParseError | DayChoice | SomeDay:
    reading = read_day(scan.text, now.date(), day_first)
    for words in day_words(scan.text):
        scan.take(re.escape(words))
    if reading is None:
        return now
    if isinstance(reading, NotADay):
        return ParseError(reading.message)
    if isinstance(reading, DayChoice | SomeDay):
        return reading
    return datetime.combine(reading, now.timetz())


# "+1500 steps", "another 1500 steps", "1500 more steps": to add to the day's count.
_ADDED_STEPS = (
    rf"(?:\+\s*|\banother\s+|\badd(?:ed)?\s+|\bextra\s+|\bplus\s+){_NUM}\s*(?:k\s*)?(?:more\s+)?steps?\b"
    rf"|\b{_NUM}\s*(?:k\s*)?(?:more|extra)\s+steps?\b"
)
_STEP_COUNT = r"([0-9]{1,3}(?:[ ,.][0-9]{3})+|[0-9]+(?:[.,][0-9]+)?)"


def _steps(scan: _Scan) -> int | Ask | None:
    match = scan.take(
        rf"(?<![0-9:.,])(?:\+\s*)?{_STEP_COUNT}\s*(?:(k)\s*)?(?:more\s+|extra\s+)?steps?\b"
    ) or scan.take(rf"\bsteps?\s*:?\s*{_STEP_COUNT}\s*(k)?\b")
    if not match:
        return None
    raw, thousands = match.group(1), bool(match.group(2))
    if re.fullmatch(r"[0-9]{1,3}\.000", raw) and not thousands:
        # "10.000 steps": ten thousand written the European way, or ten? Ask. ("12.500"
        # can only be twelve thousand five hundred: half a step is no count.)
        whole, dotted = int(raw.replace(".", "")), float(raw)
        return Ask(
            f"{raw} steps: {whole:,} or {dotted:g}?",
            ((f"{whole:,} steps", f"{whole} steps"), (f"{dotted:g} steps", f"{dotted:g} steps")),
        )
    value = (
        _number(raw.replace(".", ",") if thousands else raw.replace(".", ""))
        if "." in raw
        else _number(raw)
    )
    return round(value * (1000 if thousands else 1))


def _pace(scan: _Scan, units: Units) -> float | None:
    """'@ 8:30/mi', '5:15/km', '5:12 min/km', '9:30 pace': seconds per metre."""
    unit = r"(km|k|kilometre|kilometer|mi|mile)"
    match = scan.take(
        rf"(?:(?:@|\bat\b)\s*)?\b([0-9]{{1,2}}):([0-5][0-9])\s*(?:min(?:utes)?)?\s*"
        rf"(?:/|\bper\b|\ba\b)\s*{unit}\b"
    ) or scan.take(
        r"(?:(?:@|\bat\b)\s*)?\b([0-9]{1,2}):([0-5][0-9])\s*(?:min(?:utes)?\s*)?(pace)\b"
    )
    if not match:
        return None
    seconds = int(match.group(1)) * 60 + int(match.group(2))
    unit_word = match.group(3)
    per = units if unit_word == "pace" else (Units.MI if unit_word.startswith("mi") else Units.KM)
    return seconds / (METRES_PER_MILE if per is Units.MI else METRES_PER_KM)


def _repeats(scan: _Scan) -> float | None:
    """'8x400m', '6 x 800 m', '10x200', '5x1k', '4 x 1 mile': the reps' total distance."""
    match = scan.take(
        "\\b([0-9]{1,2})\\s*[x\u00d7*]\\s*([0-9]+(?:[.,][0-9]+)?)\\s*"
        r"(m|metres|meters|k|km|mi|mile|miles)?\b"
    )
    if not match:
        return None
    reps, each, unit = int(match.group(1)), _number(match.group(2)), match.group(3) or "m"
    if unit in ("k", "km"):
        each *= METRES_PER_KM
    elif unit.startswith("mi"):
        each *= METRES_PER_MILE
    return reps * each


def _clock_with_unit(scan: _Scan) -> int | None:
    """'1:05:00'; '1:05 h' (hours and minutes); '52:30 min' (minutes and seconds)."""
    hms = scan.take(r"\b([0-9]{1,2}):([0-5][0-9]):([0-5][0-9])\b")
    if hms:
        h, m, s = (int(g) for g in hms.groups())
        return h * 3600 + m * 60 + s
    clock_h = scan.take(r"\b([0-9]{1,2}):([0-5][0-9])\s*(?:h|hr|hrs|hours?)\b")
    if clock_h:
        return int(clock_h.group(1)) * 3600 + int(clock_h.group(2)) * 60
    clock_m = scan.take(r"\b([0-9]{1,3}):([0-5][0-9])\s*(?:min|mins|minutes?)\b")
    if clock_m:
        return int(clock_m.group(1)) * 60 + int(clock_m.group(2))
    return None


def _duration(scan: _Scan) -> tuple[int | None, tuple[int, int] | None]:
    """Seconds when unambiguous, else the two parts of an 'a:b' to resolve later."""
    with_unit = _clock_with_unit(scan)
    if with_unit is not None:
        return with_unit, None
    h_m = scan.take(
        r"\b([0-9]{1,2})\s*(?:h|hr|hrs|hours?)\s*([0-9]{1,2})\s*(?:m|min|mins|minutes?)?(?![0-9])"
        + _NOT_A_DISTANCE
    )
    if h_m:
        return int(h_m.group(1)) * 3600 + int(h_m.group(2)) * 60, None
    if scan.take(r"\b(?:an|one) hour\b"):
        return 3600, None
    if scan.take(r"\bhalf an hour\b"):
        return 1800, None
    hours = scan.take(rf"\b({_NUM})\s*(?:h|hr|hrs|hours?)\b")
    if hours:
        return round(_number(hours.group(1)) * 3600), None
    m_s = scan.take(r"\b([0-9]{1,3})\s*(?:m|min|')\s*([0-5]?[0-9])\s*(?:s|sec|secs|\"|'')(?![a-z])")
    if m_s:
        return int(m_s.group(1)) * 60 + int(m_s.group(2)), None
    mins = scan.take(
        rf"\b({_NUM})\s*(?:min|mins|minutes?|')(?![a-z])"
        r"(?:\s*([0-9]{1,2})\s*(?:s|sec|secs|seconds?)\b)?"
    )
    if mins:
        return round(_number(mins.group(1)) * 60) + int(mins.group(2) or 0), None
    # 'm' alone is minutes under 100 ('45m'); from 100 on it is metres ('400m').
    short = scan.take(r"\b([0-9]{1,2})\s*m\b")
    if short:
        return int(short.group(1)) * 60, None
    secs = scan.take(r"\b([0-9]{1,4})\s*(?:s|sec|secs|seconds?)\b")
    if secs:
        return int(secs.group(1)), None
    clock = scan.take(r"(?<![0-9:])([0-9]{1,3}):([0-5][0-9])(?![0-9:])")
    if clock:
        return None, (int(clock.group(1)), int(clock.group(2)))
    return None, None


def _distance(scan: _Scan, units: Units) -> tuple[float | None, str | None]:
    return _distance_as_written(scan, units)


def _explicit_distance(scan: _Scan) -> float | None:
    km = scan.take(rf"\b({_NUM})\s*(?:km|kms|k|kilomet(?:er|re)s?)\b")
    if km:
        return _number(km.group(1)) * METRES_PER_KM
    mi = scan.take(rf"\b({_NUM})\s*(?:mi|mile|miles)\b")
    if mi:
        return _number(mi.group(1)) * METRES_PER_MILE
    metres = scan.take(
        r"\b([0-9]{1,3}(?:[ ,][0-9]{3})+|[0-9]+)\s*(?:metres|meters|metre|meter|m)\b"
    )
    if metres:
        return _number(metres.group(1))
    if scan.take(r"\ba mile\b"):
        return METRES_PER_MILE
    return None


def _distance_as_written(scan: _Scan, units: Units) -> tuple[float | None, str | None]:
    """The distance, and the bare number when it had no unit at all ('ran 6.5')."""
    explicit = _explicit_distance(scan)
    for pattern, named in _NAMED:
        if scan.take(pattern) and explicit is None:
            explicit = named
    if explicit is not None:
        return explicit, None
    bare = re.findall(rf"(?<![0-9.,:/-])({_NUM})(?![0-9:/])", scan.text)
    if len(bare) == 1:
        # One unit-less number next to a run or walk: the runner's own unit.
        scan.take(rf"(?<![0-9.,:/-]){re.escape(bare[0])}(?![0-9:/])")
        return to_metres(_number(bare[0]), units), bare[0]
    return None, None


def _effort(scan: _Scan) -> int | None:
    match = scan.take(r"\b(?:rpe|effort)\s*:?\s*([0-9]{1,3})(?:\s*/\s*10)?\b") or scan.take(
        r"\b([0-9]{1,3})\s*/\s*10\b"
    )
    return int(match.group(1)) if match else None


def _kind(scan: _Scan, race_distance: bool) -> RunKind | None:
    for word, kind in _KIND_WORDS.items():
        if scan.take(rf"\b{word}\b"):
            return kind
    return RunKind.RACE if race_distance else None


def _resolve_clock(parts: tuple[int, int], distance_m: float | None, walk: bool) -> int | None:
    """'a:b' as m:ss or h:mm: whichever gives a believable pace, m:ss when both do; None
    when there is no distance to judge by and both are believable (1:05: ask)."""
    a, b = parts
    as_mmss, as_hmm = a * 60 + b, a * 3600 + b * 60
    if not distance_m or distance_m <= 0:
        if walk:
            return as_hmm if a <= 3 else as_mmss
        return None if 1 <= a <= 3 else (as_hmm if a == 0 else as_mmss)
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
    text: str
    at: datetime
    steps: int | None
    added: bool
    seconds: int | None
    clock: tuple[int, int] | None
    distance_m: float | None
    pace: float | None
    bare: str | None  # a number typed with no unit, read in the runner's units
    units: Units
    effort: int | None
    kind: RunKind | None
    is_walk: bool
    is_run: bool
    pain: bool
    sore: bool
    note: str


def _guard(low: str) -> ParseError | None:
    if re.search(r"(?:^|[\s(])-\s*[0-9]", low):
        return ParseError("Negative numbers don't fit here. Try 'ran 5 km 28 min'.")
    if re.search(rf"[0-9]{{{_MAX_DIGITS + 1},}}", low):
        return ParseError("One of those numbers is far too large. Try 'ran 5 km 28 min'.")
    return None


def _some_day(text: str, some: SomeDay) -> Ask:
    """'last week': which day? One button a day, each the message with its date."""
    words = day_words(text)
    phrase = words[0] if words else ""
    plain = re.sub(re.escape(phrase), " ", text, count=1, flags=re.IGNORECASE) if phrase else text
    plain = re.sub(r"\s+", " ", plain).strip()
    return Ask(
        "Which day was it?",
        tuple((f"{d:%a %d %b}", f"{plain} on {d.isoformat()}") for d in some.candidates),
    )


def _day_choice(text: str, choice: DayChoice) -> Ask:
    """'03/04': which day? Each reading as the message with an unambiguous date."""
    written = re.search(r"\b(?:on )?[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?\b", text.lower())
    span = written.span() if written else (len(text), len(text))

    def rewritten(day: date) -> str:
        return f"{text[: span[0]]} on {day.isoformat()} {text[span[1] :]}".strip()

    a, b = choice.first, choice.second
    return Ask(
        f"Which day: {a:%a %d %b} or {b:%a %d %b}?",
        ((f"{a:%a %d %b}", rewritten(a)), (f"{b:%a %d %b}", rewritten(b))),
        about="date_order",
    )


def _pieces(
    text: str, units: Units, now: datetime, day_first: bool | None
) -> _Pieces | ParseError | Ask:
    # One space for any run of blanks: no pattern then scans a long run more than once;
    # and a space between a word and a number typed together ('ran5k', 'walked45min').
    low = re.sub(r"\s+", " ", fix_day_words(text).lower().replace("\u2019", "'"))
    low = re.sub(r"(?<=[a-z])(?=[0-9])", " ", low)
    error = _guard(low)
    if error:
        return error
    scan = _Scan(low)
    at = _when(scan, now, day_first)
    if isinstance(at, ParseError):
        return at
    if isinstance(at, DayChoice):
        return _day_choice(text, at)
    if isinstance(at, SomeDay):
        return _some_day(text, at)
    body = read_body(text)
    repeats = _repeats(scan)
    pace = _pace(scan, units)
    added = bool(re.search(_ADDED_STEPS, low))
    steps = _steps(scan)
    if isinstance(steps, Ask):
        return steps
    at_clock = scan.take(_AT_CLOCK)
    seconds, clock = _duration(scan)
    if at_clock and seconds is None and clock is None and pace is None:
        return _at_clock_question(text, at_clock, units)
    effort = _effort(scan)
    race_distance = bool(
        re.search(r"\b(?:half[- ]?)?marathon\b|\bhm\b|\bparkrun\b|\bhalf\b", scan.text)
    )
    is_walk = bool(re.search(_WALK_WORDS, low))
    is_run = bool(re.search(_RUN_WORDS, low)) or repeats is not None
    distance, bare = repeats, None
    if distance is None and (is_walk or is_run or steps is None):
        distance, bare = _distance(scan, units)
    # A number the reader could not place; one before a word ("3 friends") or an ordinal
    # ("1st run in ages") is part of a note, not of the report.
    leftover = re.search(r"(?<![0-9])[0-9][0-9:.,']*(?![0-9:.,']|\s*[a-z])", scan.text)
    if leftover:
        return ParseError(
            f"I couldn't tell what '{leftover.group(0).strip(',.')}' is in that. Try it"
            " like 'ran 10 km 52:30' or 'walked 45 min 3.2 km'."
        )
    kind = _kind(scan, race_distance)
    if repeats is not None and kind is None:
        kind = RunKind.INTERVALS
    note = body.note if body.pain or body.sore else ""
    return _Pieces(
        text,
        at,
        steps,
        added,
        seconds,
        clock,
        distance,
        pace,
        bare,
        units,
        effort,
        kind,
        is_walk,
        is_run,
        body.pain,
        body.sore,
        note,
    )


# "at 7:30", "at 23:25": beside a time or a pace it is the time of day (not stored: the
# day is what counts); alone it may be a pace or a time of day, and the coach asks.
_AT_CLOCK = r"\bat ([01]?[0-9]|2[0-3]):([0-5][0-9])\b(?!\s*(?:min|h\b|hours?|hrs?|:|/))"


def _at_clock_question(text: str, at_clock: re.Match[str], units: Units) -> Ask:
    h, m = at_clock.group(1), at_clock.group(2)
    written = re.compile(rf"\bat\s+{h}[:]{m}\b", re.IGNORECASE)
    return Ask(
        f"{h}:{m}: your pace per {units.value}, or the time of day you went?",
        (
            (f"{h}:{m}/{units.value} pace", written.sub(f"at {h}:{m}/{units.value}", text, 1)),
            (f"at {h}:{m} o'clock", written.sub(" ", text, 1).strip()),
        ),
    )


def _clock_question(p: _Pieces) -> Ask:
    assert p.clock is not None
    a, b = p.clock
    base = re.sub(rf"\b{a}:{b:02d}\b", "{}", p.text, count=1)
    hours, minutes = f"{a}:{b:02d}:00", f"0:{a:02d}:{b:02d}"
    return Ask(
        f"{a}:{b:02d}: {a} h {b:02d} min, or {a} min {b:02d} s?",
        (
            (f"{a} h {b:02d} min", base.format(hours)),
            (f"{a} min {b:02d} s", base.format(minutes)),
        ),
    )


# Slower than this (10 min/km, 6 km/h) is a walking pace: with no word saying which, ask.
WALKING_PACE_S_PER_KM = 600
# A number with no unit, alone: as a distance it is believable up to these (a long run),
# as minutes from 10 on. Where both are believable the coach asks.
BARE_MOST_DISTANCE = {Units.KM: 30, Units.MI: 20}
BARE_LEAST_MINUTES = 10


def _bare_question(p: _Pieces) -> Ask | int | None:
    """'ran 12': 12 km, or 12 minutes? The minutes (seconds) when only they are believable
    ('ran 45'), None when only the distance is ('ran 8', 'ran 6.5', a long run), else ask."""
    if p.bare is None or p.seconds is not None or p.clock is not None or p.pace is not None:
        return None
    if not p.bare.isdigit() or p.kind is RunKind.LONG or int(p.bare) == 0:
        return None
    value = int(p.bare)
    if value < BARE_LEAST_MINUTES:
        return None  # too short for minutes: a distance
    if value > BARE_MOST_DISTANCE[p.units]:
        return value * 60  # too far for a distance: minutes
    n, unit = p.bare, p.units.value
    with_unit = re.sub(rf"(?<![0-9]){n}(?![0-9])", f"{n} {unit}", p.text, count=1)
    with_minutes = re.sub(rf"(?<![0-9]){n}(?![0-9])", f"{n} min", p.text, count=1)
    return Ask(
        f"{n}: {n} {unit} or {n} minutes?", ((f"{n} {unit}", with_unit), (f"{n} min", with_minutes))
    )


def _run_or_walk(p: _Pieces, distance: float, seconds: int) -> Ask | None:
    """No word says run or walk, and the pace is a walking one: ask which."""
    if p.is_run or p.is_walk or p.kind is not None or distance <= 0:
        return None
    if seconds / (distance / METRES_PER_KM) < WALKING_PACE_S_PER_KM:
        return None
    return Ask(
        "Was that a run or a walk?",
        (("Run", f"ran {p.text}"), ("Walk", f"walked {p.text}")),
    )


def _early(p: _Pieces, walk: bool) -> Report | ParseError | Ask | None:
    """What is decided before times and distances: no activity at all, a bare number
    (minutes, or a question), a day's step count."""
    if p.bare is not None and not (p.is_run or p.is_walk or p.kind):
        # A lone number with no run, walk or unit is no report ("wat should i do 2day").
        return ParseError(
            "I couldn't find a run or a walk in that. Try 'ran 10 km 52:30' or 'walked 45 min'.",
            unrecognised=True,
        )
    bare = None if walk else _bare_question(p)
    if isinstance(bare, Ask):
        return bare
    if isinstance(bare, int):  # 'ran 45': 45 minutes, not 45 km
        return Run(p.at, None, bare, p.kind, p.effort, p.pain, p.sore, p.note)
    no_time = p.seconds is None and p.clock is None
    if p.steps is not None and p.is_run and p.distance_m is not None:
        return ParseError(
            "A run and steps in one message: send them as two, like 'ran 5 km 30 min' and"
            " then '+2000 steps'."
        )
    if p.steps is not None and no_time and (not walk or p.distance_m is None):
        return DaySteps(p.at, p.steps, p.added, p.pain, p.note if p.pain else "")
    return None


def _time_and_distance(p: _Pieces, walk: bool) -> tuple[int | None, float | None] | Ask:
    """The seconds and metres, an 'a:b' resolved by the pace it gives, a pace applied."""
    seconds = p.seconds
    if seconds is None and p.clock is not None:
        seconds = _resolve_clock(p.clock, p.distance_m, walk)
        if seconds is None:
            return _clock_question(p)
    distance = p.distance_m
    if p.pace:
        if seconds is None and distance:
            seconds = round(distance * p.pace)
        elif distance is None and seconds:
            distance = round(seconds / p.pace, 2)
    return seconds, distance


def _build(p: _Pieces) -> Report | ParseError | Ask:
    walk = p.is_walk and not p.is_run
    early = _early(p, walk)
    if early is not None:
        return early
    timed = _time_and_distance(p, walk)
    if isinstance(timed, Ask):
        return timed
    seconds, distance = timed
    if walk:
        if seconds is None:
            return ParseError("How long did you walk? Try 'walked 45 min 3.2 km'.")
        return Walk(p.at, seconds, distance, p.steps, p.pain, p.sore, p.note)
    if distance is None and seconds is None:
        return ParseError(
            "I couldn't find a distance or a time in that. Try 'ran 10 km 52:30',"
            " 'walked 45 min' or '7400 steps'.",
            unrecognised=True,
        )
    unsure = _run_or_walk(p, distance, seconds) if distance and seconds else None
    return unsure or Run(p.at, distance, seconds, p.kind, p.effort, p.pain, p.sore, p.note)


def parse_report(
    text: str,
    units: Units,
    now: datetime,
    bounds: Bounds = DEFAULT_BOUNDS,
    day_first: bool | None = None,
) -> Report | ParseError | Ask:
    """The report a runner typed, a ParseError saying what was wrong, or an Ask when two
    readings are both plausible. `day_first`: how the runner writes 03/04, if known."""
    error = check_text(text, bounds)
    if error:
        return error
    pieces = _pieces(text, units, now, day_first)
    if isinstance(pieces, ParseError | Ask):
        return pieces
    report = _build(pieces)
    if isinstance(report, ParseError | Ask):
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
    metres, _ = _distance(scan, units)
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


def looks_like_report(text: str) -> bool:
    """Whether a message names an activity (a run or walk word, steps, a distance unit):
    typed while the coach waits for a settings answer, it is a report, not the answer
    ('19:30' or '70 kg' are answers; 'ran 5k in 31 min' is a run)."""
    low = text.lower()
    return bool(
        re.search(_RUN_WORDS, low)
        or re.search(_WALK_WORDS, low)
        or re.search(r"\bsteps?\b", low)
        or re.search(rf"{_NUM}\s*(?:km|kms|k|mi|miles?)\b", low)
    )


def is_question(text: str) -> bool:
    """A message that asks something ('should I run 5k today?'): never logged as a report."""
    low = text.strip().lower()
    opener = r"(?:should|can|could|how|what|is|are|why|when|do|does|will|would|which|may)\b"
    return low.endswith("?") or bool(re.match(opener, low))


def units_named(text: str) -> Units | None:
    """The distance unit a message names ('5 mi', '10 km', '10k'), or None (bare numbers,
    metres, both units, or '10k steps', which is a count)."""
    low = text.lower()
    km = re.search(rf"{_NUM}\s*(?:km|kms|k(?!\s*steps?)|kilomet(?:er|re)s?)\b", low)
    mi = re.search(rf"{_NUM}\s*(?:mi|mile|miles)\b|\ba mile\b", low)
    if bool(km) == bool(mi):
        return None
    return Units.KM if km else Units.MI


def names_a_run(text: str) -> bool:
    """Whether a message says it was a run (so it is not an answer to "how long did you walk?")."""
    return bool(re.search(_RUN_WORDS, text.lower()))
