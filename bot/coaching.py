"""The coaching bridge: the only place in bot/ that calls coach_rules' entry points.

It turns stored records (settings, activities) into the domain's inputs (Profile,
History, the runner's local now) and hands back the domain's answers: readings of what
the runner typed and Prescriptions whose every line carries a rule id and sources, so
/why can explain anything the bot said. bot/ defines no coaching word, number or source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.storage import UserSettings, UserTx
from bot.timezones import local_now
from coach_rules import (
    Activity,
    History,
    ParseError,
    Prescription,
    Profile,
    Report,
    Run,
    Units,
    Walk,
    WeeklyFigures,
    evaluate,
    explain,
    parse_report,
    render,
    validate,
    weekly_advice,
    weekly_figures,
)
from coach_rules import answers as _answers
from coach_rules import chat as _chat
from coach_rules import checkins as _checkins
from coach_rules import tracks as _tracks
from coach_rules.chat import Chat
from coach_rules.chat import read_chat as _read_chat
from coach_rules.explain import describe_activity, logged_line, tip_with_sources
from coach_rules.feel import (
    Body,
    BodyReading,
    Feel,
    read_body,
    read_body_answer,
    read_feel,
    says_pain_is_gone,
)
from coach_rules.models import DaySteps, OpenPain
from coach_rules.params import DEFAULT_PARAMS, DEFAULT_TRACK_PARAMS
from coach_rules.parser import (
    is_question,
    looks_like_report,
    names_a_run,
    parse_distance,
    parse_duration,
    units_named,
)
from coach_rules.tips import next_tip
from coach_rules.tracks import FileActivity, Track
from coach_rules.validate import Ask
from coach_rules.validate import check_day as _check_day
from coach_rules.weekly import render_week

# Enough history for every rule's window: the 4-week load before the current week.
HISTORY_DAYS = DEFAULT_PARAMS.chronic_days + DEFAULT_PARAMS.acute_days

# Re-exported entry points, so features call them through the bridge.
Refused = _answers.Refused
goal_hint = _answers.goal_hint
goal_choices = _answers.goal_choices
check_step_goal = _answers.check_step_goal
goal_heads_up = _answers.goal_heads_up
read_weight = _answers.read_weight
format_weight = _answers.format_weight
step_floor = _checkins.step_floor
render_checkin = _checkins.render_checkin
pain_gone = _checkins.pain_gone
morning_pain_question = _checkins.morning_pain_question
__all__ = [
    "Body",
    "BodyReading",
    "Chat",
    "Feel",
    "OpenPain",
    "describe_activity",
    "explain",
    "is_question",
    "looks_like_report",
    "names_a_run",
    "read_body",
    "read_body_answer",
    "read_feel",
    "render",
    "render_week",
    "says_pain_is_gone",
    "units_named",
]


# ---- records to domain inputs ----


def profile_of(settings: UserSettings) -> Profile:
    """The domain profile for the runner."""
    return Profile(
        units=settings.units,
        step_goal=settings.step_goal,
        weight_kg=settings.weight_kg,
        more_mileage=settings.more_mileage,
    )


def now_for(settings: UserSettings, now_utc: datetime) -> datetime:
    """Now in the runner's own time zone (an activity's day is their local date)."""
    return local_now(now_utc, settings.timezone)


def recent(tx: UserTx, now: datetime, days: int = HISTORY_DAYS) -> list[Activity]:
    """Activities of the last `days` days."""
    since = now.date() - timedelta(days=days)
    return [s.activity for s in tx.activities(since) if s.activity.day >= since]


def history_for(tx: UserTx, now: datetime, last_tip_id: str | None = None) -> History:
    """The domain history the rules look at, with the pain still open if there is one."""
    return History.of(recent(tx, now), last_tip_id, tx.state().pain)


# ---- reading what the runner typed ----


def read_report(text: str, settings: UserSettings, now: datetime) -> Report | ParseError | Ask:
    """A report in the runner's words (`now` in their zone), why it can't be read, or the
    question to ask when two readings are both plausible."""
    return parse_report(text, settings.units, now, day_first=settings.day_first)


def read_distance(text: str, units: Units) -> float | ParseError:
    """A typed distance ('10', '10 km', '6.2 mi') in metres."""
    return parse_distance(text, units)


def read_duration(text: str, distance_m: float | None) -> int | ParseError:
    """A typed time ('52:30', '1:05:00', '45 min') in seconds."""
    return parse_duration(text, distance_m)


# ---- the coach's answers ----


def prescribe(tx: UserTx, settings: UserSettings, report: Report, now: datetime) -> Prescription:
    """The prescription for a report, from the runner's recent history."""
    history = history_for(tx, now, tx.state().last_tip_id)
    return evaluate(report, history, profile_of(settings), now)


def daily_checkin(
    tx: UserTx, settings: UserSettings, last_tip_id: str | None, now: datetime
) -> Prescription | None:
    """The daily check-in at the nudge time; None when the goal is met. While a pain is
    open it asks about the pain instead."""
    # The day's steps need only the day's activities: the others are not even parsed.
    today = [s.activity for s in tx.activities_on(now.date())]
    pain = tx.state().pain
    steps = History.of(today, pain=pain).steps_on(now.date())
    return _checkins.daily_checkin(steps, profile_of(settings), last_tip_id, pain=pain, now=now)


def steps_total(tx: UserTx, report: DaySteps) -> tuple[DaySteps, int | None]:
    """A step report as the day's total ('+1500 steps' adds), and the count before.
    Only that day's activities are read (the day may be older than the rules' window)."""
    day = History.of(s.activity for s in tx.activities_on(report.day))
    return _checkins.steps_update(report, day)


def logged(
    original: Report, stored: Report, settings: UserSettings, now: datetime, was: int | None
) -> str:
    """The one line that says what was understood and stored, in the runner's units."""
    added = original.steps if isinstance(original, DaySteps) and original.added else 0
    return logged_line(stored, settings.units, now.date(), was, added)


def check_day(tx: UserTx, report: Report, units: Units) -> ParseError | None:
    """Whether a run makes its day implausible with the runs already logged that day."""
    if not isinstance(report, Run):
        return None
    earlier = [
        s.activity
        for s in tx.activities(report.day)
        if isinstance(s.activity, Run) and s.activity.day == report.day
    ]
    return _check_day(report, earlier, units)


def check_report(report: Report, now: datetime, units: Units) -> ParseError | None:
    """Whether a report (as it will be stored) is plausible."""
    return validate(report, now, units)


def pain_heard(tx: UserTx, body: BodyReading, now: datetime) -> Prescription:
    """Pain in a message without a run, walk or steps in it."""
    return _checkins.pain_heard(body, tx.state().pain, now)


def pain_still_there(pain: OpenPain, now: datetime) -> Prescription:
    """The runner says the pain is still there."""
    return _checkins.pain_still_there(pain, now)


def read_chat(text: str) -> Chat | None:
    """What a message without a report in it is saying or asking, or None."""
    return _read_chat(text)


def answer_question(
    tx: UserTx, settings: UserSettings, chat: Chat, now: datetime
) -> Prescription | None:
    """The coach's answer to a question (None for greetings, thanks and help)."""
    return _chat.question_answer(chat, history_for(tx, now), profile_of(settings), now)


def soreness_heard(tx: UserTx, now: datetime) -> Prescription:
    """General soreness in a message without a run in it."""
    return _checkins.soreness_heard(history_for(tx, now), now.date())


def open_pain(body: BodyReading, earlier: OpenPain | None, now: datetime) -> OpenPain:
    """The pain to remember: a new one from now, or the one already open (its start kept)."""
    if earlier is None:
        return OpenPain(body.note, body.spot, now, body.severe)
    if body.note and body.note not in earlier.note:
        # A second pain: both stay on record, from when the first began.
        spot = " and the ".join(s for s in (earlier.spot, body.spot) if s)
        note = f"{earlier.note}; {body.note}"
        return OpenPain(note, spot, earlier.since, earlier.severe or body.severe)
    return OpenPain(earlier.note, earlier.spot, earlier.since, earlier.severe or body.severe)


def is_pain_advice(prescription: Prescription) -> bool:
    """Whether the answer is about a pain (so it carries "Pain-free now")."""
    return any(rule.startswith("pain-") for rule in prescription.rule_ids)


def today_check(tx: UserTx, settings: UserSettings, now: datetime) -> tuple[Prescription, History]:
    """/today's step line, and the history it was read from (for the day's activities)."""
    history = history_for(tx, now)
    steps = history.steps_on(now.date())
    check = _checkins.today_check(steps, profile_of(settings), pain=history.pain)
    return check, history


def morning_after(tx: UserTx, sore: bool, now: datetime) -> Prescription:
    """The answer to how the legs feel the morning after a long run."""
    return _checkins.morning_after(sore, history_for(tx, now), now.date())


def week(tx: UserTx, settings: UserSettings, now: datetime) -> WeeklyFigures:
    """The runner's figures for the seven days ending today."""
    return weekly_figures(history_for(tx, now), profile_of(settings), now.date())


def week_prescription(figures: WeeklyFigures) -> Prescription:
    """The advice lines of the weekly summary, for /why."""
    return Prescription(weekly_advice(figures))


@dataclass(frozen=True)
class ClubWeek:
    """What a club board shows of one member: totals only."""

    walk_minutes: int
    days_at_floor: int
    # For a steps challenge: at the step floor on every challenge day so far.
    on_track: bool


def club_week(tx: UserTx, now_utc: datetime, since: date | None) -> ClubWeek:
    """A member's week for the club board: everyone is measured against the floor (A6)."""
    settings = tx.settings()
    now = now_for(settings, now_utc) if settings else now_utc
    history = history_for(tx, now)
    floor = step_floor()
    figures = weekly_figures(history, Profile(step_goal=floor), now.date())
    on_track = True
    if since is not None:
        day = since
        while day <= now.date():
            on_track = on_track and (history.steps_on(day) or 0) >= floor
            day += timedelta(days=1)
    return ClubWeek(round(figures.walk_minutes), figures.days_at_goal, on_track)


def sourced_tip(last_tip_id: str | None) -> tuple[str, str]:
    """The tip after `last_tip_id`: its id, and its text with where it comes from."""
    tip = next_tip(last_tip_id)
    return tip.id, tip_with_sources(tip)


# ---- recorded activities (watch and phone files) ----


def read_track(track: Track, zone: str) -> FileActivity | ParseError:
    """What a file's track logs, in the runner's time zone, or why it can't be logged."""
    return _tracks.read_track(track, ZoneInfo(zone))


def caption_body(activity: FileActivity, caption: str) -> FileActivity:
    """A caption under the file ('left knee hurts') read like a typed report's words."""
    if not caption.strip():
        return activity
    kind = read_body(caption).kind
    # An unclear word ('legs hurt') is kept as soreness: the file is logged, not held back
    # for a question; a clear pain word always counts as pain.
    sore = kind in (Body.SORENESS, Body.ASK)
    return _tracks.with_note(activity, caption.strip(), kind is Body.PAIN, sore)


def check_file(activity: FileActivity, now: datetime) -> ParseError | None:
    """A file's activity against the plausibility bounds (a start after now, a year ago,
    a pace no runner runs), said of the file."""
    return _tracks.check_recorded(activity, now)


def already_logged(tx: UserTx, activity: FileActivity) -> Activity | None:
    """The stored activity this file is another recording of (the same file, or the same
    start and distance in another format)."""
    return twin_in(activity, (s.activity for s in tx.activities()))


def twin_in(activity: FileActivity, stored: Iterable[Activity]) -> Activity | None:
    """The activity in `stored` that this file is another recording of, if any."""
    return _tracks.already_logged(activity.main, stored)


def finisher_of(tx: UserTx, walk: Walk) -> tuple[int, Run] | None:
    """The logged run a walk file is the finisher walk of (its id and the run), if any."""
    runs = {s.id: s.activity for s in tx.activities() if isinstance(s.activity, Run)}
    found = _tracks.run_before_walk(walk, runs.values())
    return next(((i, r) for i, r in runs.items() if r is found), None) if found else None


def file_lines(activity: FileActivity, settings: UserSettings, now: datetime) -> list[str]:
    """What the file logged, in the runner's units: the Logged line and the walk breaks
    inside the run."""
    lines = [_tracks.file_logged_line(activity, settings.units, now.date())]
    breaks = _tracks.breaks_line(activity, settings.units)
    return [*lines, breaks] if breaks else lines


def finisher_line(walk: Walk, units: Units) -> str:
    """The walk a run file ends with: the finisher walk, done."""
    return _tracks.finisher_line(walk, units)


def file_steps_line(tx: UserTx, recorded: FileActivity, now: datetime) -> str | None:
    """What the file's steps did to its day's count (once the file is stored): added, or
    already held by a count the runner reported after the activity ended."""
    steps, main = recorded.steps, recorded.main
    if not steps:
        return None
    history = history_for(tx, now)
    day = {now.date(): "today", now.date() - timedelta(days=1): "yesterday"}.get(
        main.day, f"on {main.day:%a %d %b}"
    )
    later = [
        c
        for c in history.activities
        if isinstance(c, DaySteps) and c.day == main.day and c.at >= main.ended
    ]
    count = max(later, key=lambda c: c.at) if later else None
    total = history.steps_on(main.day) or steps
    if count is not None and total == count.steps:
        return (
            f"Steps: your count of {count.steps:,} at {count.at:%H:%M} already holds this"
            f" file's {steps:,}."
        )
    return f"Steps: +{steps:,} from the file, {total:,} {day}."


def credited_line(run: Run, walk: Walk) -> str:
    """A walk file that is a logged run's finisher walk."""
    return _tracks.credited_line(run, walk)


def import_window_start(now: datetime) -> date:
    """The first day a history import takes (B3 needs 28 days; 12 weeks fill the median)."""
    return now.date() - timedelta(weeks=DEFAULT_TRACK_PARAMS.import_weeks)


def import_weeks() -> int:
    """How many weeks back a history import reaches."""
    return DEFAULT_TRACK_PARAMS.import_weeks
