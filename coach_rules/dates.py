"""Which day a message means: 'yesterday', 'Saturday', 'last Tuesday', '20.11.', '11/20',
'2026-11-20', '3 days ago', '20 Nov'. Calendar arithmetic is python-dateutil's
(relativedelta for weekdays, its parser for written dates); the rules for what a runner
means are here. A date word dates the activity only when it refers to it:
"sore after yesterday's race" does not make today's run yesterday's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from difflib import get_close_matches
from functools import lru_cache

from dateutil.parser import ParserError
from dateutil.parser import parse as parse_date
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

_WEEKDAYS = {
    "mon": MO,
    "tue": TU,
    "tues": TU,
    "wed": WE,
    "thu": TH,
    "thur": TH,
    "thurs": TH,
    "fri": FR,
    "sat": SA,
    "sun": SU,
}
_WEEKDAY_WORD = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"
)
# "yesterday's race", "DOMS from yesterday": about something else, not this activity's date.
_POSSESSIVE = re.compile(
    rf"\b(?:yesterday|today|{_WEEKDAY_WORD})'s\b"
    rf"|\b(?:from|after|since|than) (?:yesterday|{_WEEKDAY_WORD}|last \w+)\b"
)
# "3/10" after effort (or alone) is an effort out of ten, not the 3rd of October.
_EFFORT = re.compile(
    r"\b(?:rpe|effort)\s*:?\s*(?:[0-9]|10)\s*/\s*10\b|(?<!on )\b(?:[0-9]|10)\s*/\s*10\b"
)
_VAGUE = re.compile(r"\b(?:last week|this week|the other day|recently|earlier this week)\b")
# Dates this far ahead are future (a typo, or not done yet); further, last year's.
FUTURE_DAYS = 60
_TODAY = re.compile(
    r"\b(?:today|this (?:morning|afternoon|evening)|tonight|earlier today|at lunch(?:time)?)\b"
)


@dataclass(frozen=True)
class DayChoice:
    """Two readings of a written date ('03/04': 3 April or 4 March)."""

    first: date
    second: date


@dataclass(frozen=True)
class SomeDay:
    """A day named only vaguely ('last week'): the days it could be."""

    candidates: tuple[date, ...]


@dataclass(frozen=True)
class NotADay:
    """A date that cannot be an activity's day, and why."""

    message: str


DayReading = date | DayChoice | SomeDay | NotADay | None


def _future(day: date, today: date) -> NotADay | None:
    if day > today:
        return NotADay("That date is in the future. Log it once you've done it!")
    return None


def _recent(day: date, today: date) -> date:
    """A date written without a year: this year's, or last year's when this year's is
    more than a few weeks ahead (a date just ahead stays, and is refused as future)."""
    if (day - today).days > FUTURE_DAYS:
        return day.replace(year=day.year - 1)
    return day


def _vague(text: str, today: date) -> SomeDay | None:
    found = _VAGUE.search(text)
    if not found:
        return None
    monday = today - timedelta(days=today.weekday())
    if found.group(0) == "last week":
        days = [monday - timedelta(days=7 - i) for i in range(7)]
    elif found.group(0) in ("this week", "earlier this week"):
        days = [monday + timedelta(days=i) for i in range((today - monday).days + 1)]
    else:
        days = [today - timedelta(days=i) for i in range(1, 6)]
    return SomeDay(tuple(days))


def _of_month(text: str, today: date) -> date | None:
    """'on the 15th': this month's, or last month's when that is still ahead."""
    found = re.search(r"\bthe ([0-9]{1,2})(?:st|nd|rd|th)\b", text)
    if not found or not 1 <= int(found.group(1)) <= 31:
        return None
    day = int(found.group(1))
    month = today.replace(day=1)
    if day > today.day:
        month = (month - timedelta(days=1)).replace(day=1)
    for _ in range(3):  # the 31st: back to the latest month that has one
        try:
            return month.replace(day=day)
        except ValueError:
            month = (month - timedelta(days=1)).replace(day=1)
    return None


def _weekday(text: str, today: date) -> date | None:
    found = re.search(rf"\b(last |this |on )?{_WEEKDAY_WORD}\b", text)
    if not found:
        return None
    weekday = _WEEKDAYS[found.group(2)]
    day: date = today + relativedelta(weekday=weekday(-1))
    if found.group(1) == "last " and day == today:
        day -= timedelta(days=7)
    return day


def _slashed(text: str, today: date, day_first: bool | None) -> DayReading:
    found = re.search(r"\b([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{2,4}))?\b", text)
    if not found:
        return None
    a, b = int(found.group(1)), int(found.group(2))
    year = found.group(3)
    readings = []
    for dayfirst in (True, False) if day_first is None else (day_first,):
        try:
            parsed = parse_date(
                found.group(0), dayfirst=dayfirst, default=datetime(today.year, 1, 1)
            )
        except (ParserError, ValueError, OverflowError):
            continue
        day = parsed.date() if year else _recent(parsed.date(), today)
        if day not in readings:
            readings.append(day)
    if not readings:
        return NotADay(f"{found.group(0)} is not a date I know. Try 20.11. or 2026-11-20.")
    if len(readings) == 2 and a <= 12 and b <= 12:
        return DayChoice(readings[0], readings[1])
    return readings[0]


def _numeric(text: str, today: date) -> DayReading:
    """ISO '2026-11-20' and the day-first '20.11.' / '20.11.2026'."""
    iso = re.search(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b", text)
    dotted = re.search(r"\b([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}|[0-9]{2})?(?![0-9])", text)
    if not (iso or dotted):
        return None
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        assert dotted is not None
        year = dotted.group(3)
        full = (2000 + int(year) if len(year) == 2 else int(year)) if year else today.year
        day = date(full, int(dotted.group(2)), int(dotted.group(1)))
        return day if year else _recent(day, today)
    except ValueError:
        found = iso.group(0) if iso else dotted.group(0) if dotted else text
        return NotADay(f"{found} is not a date I know. Try 20.11. or 2026-11-20.")


def _written(text: str, today: date) -> DayReading:
    """'20 Nov', 'Nov 20th' (the month in words)."""
    patterns = (
        rf"\b[0-9]{{1,2}}(?:st|nd|rd|th)? {_MONTH}\b",
        rf"\b{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?\b",
    )
    for pattern in patterns:
        found = re.search(pattern, text)
        if not found:
            continue
        try:
            day = parse_date(found.group(0), default=datetime(today.year, 1, 1)).date()
        except (ParserError, ValueError, OverflowError):
            return NotADay(f"{found.group(0)} is not a date I know. Try 20.11. or 2026-11-20.")
        return _recent(day, today)
    return None


_DAY_WORDS = (
    "yesterday",
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def fix_day_words(text: str) -> str:
    """Typos of day words ('yestrday', 'saterday') as the words they miss by a letter or
    two (difflib): a misspelt date must not silently date a run today."""

    def fixed(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 5 or word.lower() in _DAY_WORDS:
            return word
        return _close_day_word(word.lower()) or word

    return re.sub(r"[A-Za-z]+", fixed, text)


@lru_cache(maxsize=4096)
def _close_day_word(word: str) -> str | None:
    # Remembered: difflib was a fifth of reading a message, and words repeat.
    close = get_close_matches(word, _DAY_WORDS, n=1, cutoff=0.8)
    return close[0] if close else None


def read_day(text: str, today: date, day_first: bool | None = None) -> DayReading:
    """The day the message dates its activity to, None when it names none (today).

    `day_first`: how the runner writes 03/04 (None: not known yet, so such a date is
    asked about).
    """
    low = _EFFORT.sub(" ", _POSSESSIVE.sub(" ", text.lower()))
    if re.search(r"\btomorrow\b", low):
        return NotADay("Tomorrow hasn't happened yet: log it once you've done it!")
    if re.search(r"\b(?:the )?day before yesterday\b", low):
        return today - timedelta(days=2)
    if re.search(r"\byesterday\b|\blast night\b", low):
        return today - timedelta(days=1)
    ago = re.search(r"\b([0-9]{1,3}|a|one|two|three) (day|week)s? ago\b", low)
    if ago:
        count = {"a": 1, "one": 1, "two": 2, "three": 3}.get(ago.group(1)) or int(ago.group(1))
        return today - timedelta(days=count * (7 if ago.group(2) == "week" else 1))
    for reading in (_numeric(low, today), _written(low, today), _slashed(low, today, day_first)):
        if reading is not None:
            future = _future(reading, today) if isinstance(reading, date) else None
            return future or reading
    if _TODAY.search(low):
        return today
    return _of_month(low, today) or _vague(low, today) or _weekday(low, today)


def day_words(text: str) -> list[str]:
    """The spans of `text` that name a day (so the rest of the reader can ignore them)."""
    low = _POSSESSIVE.sub(lambda m: " " * len(m.group(0)), text.lower())
    low = _EFFORT.sub(lambda m: " " * len(m.group(0)), low)
    patterns = (
        r"\b(?:the )?day before yesterday\b|\blast night\b",
        r"\b(?:on )?the [0-9]{1,2}(?:st|nd|rd|th)\b",
        _VAGUE.pattern,
        r"\b(?:on )?[0-9]{4}-[0-9]{2}-[0-9]{2}\b",
        r"\b(?:on )?[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{2,4})?(?![0-9])",
        r"\b(?:on )?[0-9]{1,2}/[0-9]{1,2}(?:/[0-9]{2,4})?\b",
        rf"\b(?:on )?[0-9]{{1,2}}(?:st|nd|rd|th)? {_MONTH}\b",
        rf"\b(?:on )?{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?\b",
        r"\b(?:[0-9]{1,3}|a|one|two|three) (?:day|week)s? ago\b",
        rf"\b(?:last |this |on )?{_WEEKDAY_WORD}\b",
        r"\byesterday\b|\btomorrow\b",
        _TODAY.pattern,
    )
    return [m.group(0) for p in patterns for m in re.finditer(p, low)]
