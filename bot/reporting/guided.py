"""The guided /run: one question at a time, with buttons; the answers survive a restart."""

from __future__ import annotations

from datetime import datetime

from bot import coaching
from bot.chat import Who, remember, settings_for
from bot.conversation import RUN_STEPS, Flow, Prefix, RunStep, data
from bot.logbook import log_report
from bot.replies import Button, Reply
from bot.storage import Draft, UserSettings, UserTx
from coach_rules import ParseError, Run, RunKind, Units

_KIND_ROWS = (
    (RunKind.EASY, RunKind.LONG, RunKind.TEMPO),
    (RunKind.INTERVALS, RunKind.RACE, RunKind.RECOVERY),
)
SKIP = "skip"


def _buttons(step: RunStep, *choices: tuple[str, object]) -> tuple[Button, ...]:
    return tuple(Button(label, data(Prefix.RUN, step.value, value)) for label, value in choices)


def prompt(step: RunStep, units: Units) -> Reply:
    """The question for a step of the guided /run, with its buttons."""
    if step is RunStep.KIND:
        rows = tuple(
            _buttons(step, *((k.value.capitalize(), k.value) for k in r)) for r in _KIND_ROWS
        )
        return Reply("What kind of run was it?", rows)
    if step is RunStep.DISTANCE:
        return Reply(
            f"How far? Type it like '10' ({units}), '10 km' or '6.2 mi'.",
            (_buttons(step, ("No distance", SKIP)),),
        )
    if step is RunStep.TIME:
        return Reply(
            "How long did it take? Like 52:30, 1:05:00 or 45 min.",
            (_buttons(step, ("Skip", SKIP)),),
        )
    if step is RunStep.EFFORT:
        nums = _buttons(step, *((str(n), n) for n in range(1, 11)))
        return Reply(
            "Effort, 1 (very easy) to 10 (all out)?",
            (nums[:5], nums[5:], _buttons(step, ("Skip", SKIP))),
        )
    return Reply(
        "How do your legs feel? (Or type it, like 'left knee hurts'.)",
        (_buttons(step, ("All good", "ok"), ("Sore", "sore"), ("Pain", "pain")),),
    )


def start(tx: UserTx, who_: Who) -> list[Reply]:
    """/run without words: ask step by step."""
    settings = settings_for(tx, who_)
    state = tx.state()
    state.draft = Draft(Flow.RUN.value, RUN_STEPS[0].value, {})
    tx.put_state(state)
    remember(tx, settings)
    return [prompt(RUN_STEPS[0], settings.units)]


def _advance(tx: UserTx, settings: UserSettings, draft: Draft, now: datetime) -> list[Reply]:
    step = RunStep(draft.step)
    if step is RUN_STEPS[-1]:
        return _finish(tx, settings, draft, now)
    following = RUN_STEPS[RUN_STEPS.index(step) + 1]
    draft.step = following.value
    state = tx.state()
    state.draft = draft
    tx.put_state(state)
    return [prompt(following, settings.units)]


def _finish(tx: UserTx, settings: UserSettings, draft: Draft, now: datetime) -> list[Reply]:
    d = draft.data
    run = Run(
        now,
        d.get("distance_m"),
        d.get("duration_s"),
        RunKind(d["kind"]) if d.get("kind") else None,
        d.get("effort"),
        bool(d.get("pain")),
        bool(d.get("sore")),
        d.get("note", ""),
    )
    error = coaching.check_report(run, now, settings.units) or coaching.check_day(
        tx, run, settings.units
    )
    if error:
        # Start again from the distance; the kind stays.
        draft.step, draft.data = RunStep.DISTANCE.value, {"kind": d.get("kind")}
        state = tx.state()
        state.draft = draft
        tx.put_state(state)
        return [
            Reply(f"{error.message} Nothing saved yet; let's redo distance and time."),
            prompt(RunStep.DISTANCE, settings.units),
        ]
    return [log_report(tx, settings, run, now, ends_question=True)]


def _kind(d: dict[str, object], value: str) -> str | None:
    kind = value.strip().lower()
    if kind not in {k.value for k in RunKind}:
        return (
            "Pick a kind with the buttons, or type easy, long, tempo, intervals, race or recovery."
        )
    d["kind"] = kind
    return None


def _distance(d: dict[str, object], value: str, units: Units) -> str | None:
    metres = coaching.read_distance(value, units)
    if isinstance(metres, ParseError):
        return metres.message
    d["distance_m"] = metres
    return None


def _time(d: dict[str, object], value: str, skip: bool) -> str | None:
    distance = d.get("distance_m")
    if skip:
        return None if distance else "I need a distance or a time: please type the time."
    metres = float(distance) if isinstance(distance, int | float) else None
    answer = value.strip()
    if answer.isascii() and answer.isdigit():
        answer = f"{answer} min"  # "How long did it take?" "40": forty minutes
    seconds = coaching.read_duration(answer, metres)
    if isinstance(seconds, ParseError):
        return seconds.message
    d["duration_s"] = seconds
    return None


def _effort(d: dict[str, object], value: str) -> str | None:
    answer = value.strip()
    if not (answer.isascii() and answer.isdigit()) or not 1 <= int(answer) <= 10:
        return "Effort is a number from 1 to 10, or tap Skip."
    d["effort"] = int(answer)
    return None


UNSURE = "Is that tired muscles (tap Sore) or pain in one spot (tap Pain)?"


def _feel(d: dict[str, object], value: str) -> str | None:
    feel = coaching.read_feel(value)
    if feel.unsure:
        d["note"] = feel.note  # "a bit achy": kept for the answer that follows
        return UNSURE  # asked again, with the same buttons
    if feel.pain or feel.sore:
        d["pain"], d["sore"] = feel.pain, feel.sore
    if feel.note:
        d["note"] = feel.note
    return None


def _answer(draft: Draft, step: RunStep, value: str, units: Units) -> str | None:
    """Store one answer in the draft; returns an error message when it doesn't fit."""
    d, skip = draft.data, value.strip().lower() == SKIP
    if step is RunStep.KIND:
        return _kind(d, value)
    if step is RunStep.DISTANCE:
        return None if skip else _distance(d, value, units)
    if step is RunStep.TIME:
        return _time(d, value, skip)
    if step is RunStep.EFFORT:
        return None if skip else _effort(d, value)
    return _feel(d, value)


def answer(tx: UserTx, who_: Who, draft: Draft, value: str, now_utc: datetime) -> list[Reply]:
    """An answer (typed or tapped) to the current /run question."""
    settings = settings_for(tx, who_)
    step = RunStep(draft.step)
    error = _answer(draft, step, value, settings.units)
    if error == UNSURE:
        return [Reply(UNSURE, prompt(step, settings.units).buttons)]
    if error:
        return [Reply(error + " (/cancel to stop)")]
    return _advance(tx, settings, draft, coaching.now_for(settings, now_utc))
