"""What a runner reports, who they are, and what they did recently."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from coach_rules.units import Units


class RunKind(StrEnum):
    """The kinds of run a runner can report."""

    EASY = "easy"
    LONG = "long"
    TEMPO = "tempo"
    INTERVALS = "intervals"
    RACE = "race"
    RECOVERY = "recovery"


@dataclass(frozen=True)
class Recording:
    """What a watch or phone file adds to the run or walk it logged."""

    fmt: str  # "FIT", "GPX", "TCX"
    start: datetime  # the device's start time (aware): the same activity sent twice
    elapsed_s: int  # start to finish, pauses included
    digest: str = ""  # of the file's bytes
    avg_hr: int | None = None
    cadence_spm: int | None = None  # steps per minute, both feet
    ascent_m: int | None = None
    steps: int | None = None
    breaks: int = 0  # walk breaks inside a run
    break_s: int = 0


@dataclass(frozen=True)
class Run:
    """A run. Distance, duration or both; `at` is aware, in the runner's time zone."""

    at: datetime
    distance_m: float | None = None
    duration_s: int | None = None
    kind: RunKind | None = None
    effort: int | None = None
    pain: bool = False
    sore: bool = False
    note: str = ""
    recording: Recording | None = None

    @property
    def day(self) -> date:
        """The runner's local date of the run."""
        return self.at.date()

    @property
    def ended(self) -> datetime:
        """When the run ended (its start when no duration is known)."""
        return self.at + timedelta(seconds=self.duration_s or 0)


@dataclass(frozen=True)
class Walk:
    """A walk: always a duration; distance and steps when known."""

    at: datetime
    duration_s: int
    distance_m: float | None = None
    steps: int | None = None
    pain: bool = False
    sore: bool = False
    note: str = ""
    recording: Recording | None = None

    @property
    def day(self) -> date:
        """The runner's local date of the walk."""
        return self.at.date()

    @property
    def ended(self) -> datetime:
        """When the walk ended."""
        return self.at + timedelta(seconds=self.duration_s)


@dataclass(frozen=True)
class DaySteps:
    """A day's step count so far (the latest report for a day wins).

    `added`: the runner said "+1500 steps" / "another 1500 steps": `steps` is to be added
    to the day's count (the bridge resolves it to the total before storing).
    """

    at: datetime
    steps: int
    added: bool = False
    pain: bool = False
    note: str = ""

    @property
    def day(self) -> date:
        """The runner's local date the count belongs to."""
        return self.at.date()


Activity = Run | Walk | DaySteps
Report = Activity

DEFAULT_STEP_GOAL = 8000


@dataclass(frozen=True)
class Profile:
    """Who the runner is, as far as the coach needs to know."""

    units: Units = Units.KM
    step_goal: int = DEFAULT_STEP_GOAL
    weight_kg: float | None = None
    more_mileage: bool = False


@dataclass(frozen=True)
class OpenPain:
    """A pain the runner reported and has not said is gone (it shapes every answer)."""

    note: str  # their words: "left knee hurts"
    spot: str  # "left knee", or "" when no spot was named
    since: datetime
    severe: bool = False

    def where(self) -> str:
        """'the left knee', or 'it' when no spot was named."""
        return f"the {self.spot}" if self.spot else "it"


@dataclass(frozen=True)
class History:
    """The runner's recent activities (oldest first is not required), the last tip shown,
    and a pain they reported that is still open."""

    activities: tuple[Activity, ...] = field(default_factory=tuple)
    last_tip_id: str | None = None
    pain: OpenPain | None = None

    @classmethod
    def of(
        cls,
        activities: Iterable[Activity],
        last_tip_id: str | None = None,
        pain: OpenPain | None = None,
    ) -> History:
        """A history from any iterable of activities."""
        return cls(tuple(activities), last_tip_id, pain)

    def runs(self) -> Sequence[Run]:
        """Every run in the history."""
        return [a for a in self.activities if isinstance(a, Run)]

    def runs_between(self, first: date, last: date) -> Sequence[Run]:
        """Runs whose local date lies in [first, last]."""
        return [r for r in self.runs() if first <= r.day <= last]

    def walks_between(self, first: date, last: date) -> Sequence[Walk]:
        """Walks whose local date lies in [first, last]."""
        return [a for a in self.activities if isinstance(a, Walk) and first <= a.day <= last]

    def steps_on(self, day: date) -> int | None:
        """The day's step count: the latest count reported for that day, plus the steps
        of recorded activities (watch files) that ended after it (a count reported later
        holds them already: a phone counts the run it was carried on)."""
        counts = [a for a in self.activities if isinstance(a, DaySteps) and a.day == day]
        # Stable sort: of two counts at the same instant, the one logged later wins.
        latest = sorted(counts, key=lambda c: c.at)[-1] if counts else None
        recorded = [
            a
            for a in self.activities
            if isinstance(a, (Run, Walk)) and a.day == day and a.recording and a.recording.steps
        ]

        def steps(a: Run | Walk) -> int:
            return a.recording.steps or 0 if a.recording else 0

        if latest is None:
            return sum(steps(a) for a in recorded) or None
        held = sum(steps(a) for a in recorded if a.ended <= latest.at)
        extra = sum(steps(a) for a in recorded if a.ended > latest.at)
        # A count smaller than the files before it cannot hold them (a phone left home).
        return max(latest.steps, held) + extra


def days_back(day: date, n: int) -> date:
    """The first day of an n-day window ending on `day`."""
    return day - timedelta(days=n - 1)
