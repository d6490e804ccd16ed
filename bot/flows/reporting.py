"""Reporting: free text, guided /run, /walk and /steps, and the prescription with its buttons."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.flows.common import history_for, now_for, profile_of, remember, settings_for
from bot.replies import Button, Reply
from bot.runtime import Callback, Who, respond, tapped
from bot.storage import Draft, UserSettings, UserTx
from bot.storage.records import prescription_from_doc, prescription_to_doc
from coach_rules import (
    DaySteps,
    ParseError,
    Prescription,
    Report,
    Run,
    RunKind,
    Units,
    Walk,
    evaluate,
    explain,
    parse_report,
    render,
    validate,
)
from coach_rules.explain import describe_activity
from coach_rules.parser import parse_distance, parse_duration

RUN_FLOW, WALK_FLOW, STEPS_FLOW = "run", "walk", "steps"
UNDO_DEPTH = 20
DONE_MEMORY = 50
LOGGED_MEMORY = 50
_PAIN = re.compile(r"\b(hurts?|pain|injur|ache|sprain|strain|limp)", re.I)
_SORE = re.compile(r"\b(sore|stiff|tight|heavy|tired)", re.I)


class RunStep(StrEnum):
    """The questions of the guided /run, in order."""

    KIND = "kind"
    DISTANCE = "distance"
    TIME = "time"
    EFFORT = "effort"
    FEEL = "feel"


# ---- logging and the prescription reply ----


def _done_button(prescription: Prescription) -> Button | None:
    head = prescription.headline
    if head is None:
        return None
    if head.rule_id in ("finisher-walk", "cooldown-walk") and head.numbers.get("walk_now"):
        minutes = int(head.numbers["walk_min_low"])
        return Button(f"Done: walked {minutes} min", f"rx:done:{minutes}:0")
    if head.rule_id == "step-floor" and head.numbers.get("gap", 0) > 0:
        minutes, gap = int(head.numbers["brisk_min"]), int(head.numbers["gap"])
        return Button(f"Done: walked {minutes} min", f"rx:done:{minutes}:{gap}")
    return None


def prescription_reply(prescription: Prescription, ids: list[int]) -> Reply:
    """The prescription, numbers first, with Why? / Done / Undo."""
    buttons = [Button("Why?", "rx:why")]
    done = _done_button(prescription)
    if done:
        buttons.append(done)
    buttons.append(Button("Undo", "rx:undo:" + ",".join(map(str, ids))))
    return Reply(render(prescription), (tuple(buttons),))


def log_report(
    tx: UserTx,
    settings: UserSettings,
    report: Report,
    now: datetime,
    ends_question: bool = False,
    message_key: str | None = None,
) -> Reply:
    """Evaluate, store the report and the coach's answer together, and build the reply.

    `ends_question`: the report answered a pending question (/run, /walk, /steps), which
    ends with it; a report typed while some other question is pending leaves that alone.
    """
    state = tx.state()
    if ends_question:
        state.draft = None
    history = history_for(tx, now, state.last_tip_id)
    prescription = evaluate(report, history, profile_of(settings), now)
    new_id = tx.add_activity(report, now)
    finisher = prescription.item("finisher-walk")
    if finisher is not None and finisher.numbers.get("walk_now"):
        # Ask how the legs feel the next morning.
        state.followup_on = (now.date() + timedelta(days=1)).isoformat()
    state.last_prescription = prescription_to_doc(prescription)
    state.last_tip_id = prescription.tip.id if prescription.tip else state.last_tip_id
    state.undo = [*state.undo, [new_id]][-UNDO_DEPTH:]
    if message_key:
        state.logged_messages = [*state.logged_messages, message_key][-LOGGED_MEMORY:]
    tx.put_state(state)
    remember(tx, settings)
    return prescription_reply(prescription, [new_id])


def _parse_and_log(
    tx: UserTx, who_: Who, text: str, now_utc: datetime, ends_question: bool = False
) -> list[Reply]:
    if who_.message_key and who_.message_key in tx.state().logged_messages:
        return [Reply(texts.ALREADY_LOGGED)]
    settings = settings_for(tx, who_)
    now = now_for(settings, now_utc)
    report = parse_report(text, Units(settings.units), now)
    if isinstance(report, ParseError):
        if report.unrecognised and tx.settings() is None:
            return [Reply(texts.FIRST_CONTACT)]
        return [Reply(report.message)]
    return [log_report(tx, settings, report, now, ends_question, who_.message_key)]


def free_text(tx: UserTx, who_: Who, text: str, now_utc: datetime) -> list[Reply]:
    """A message with no question pending: a report in the runner's own words."""
    return _parse_and_log(tx, who_, text, now_utc)


# ---- guided /run ----

_KIND_ROWS = (
    (RunKind.EASY, RunKind.LONG, RunKind.TEMPO),
    (RunKind.INTERVALS, RunKind.RACE, RunKind.RECOVERY),
)


def _run_prompt(step: RunStep, units: str) -> Reply:
    if step is RunStep.KIND:
        rows = tuple(
            tuple(Button(k.value.capitalize(), f"run:kind:{k.value}") for k in r)
            for r in _KIND_ROWS
        )
        return Reply("What kind of run was it?", rows)
    if step is RunStep.DISTANCE:
        return Reply(
            f"How far? Type it like '10' ({units}), '10 km' or '6.2 mi'.",
            ((Button("No distance", "run:distance:skip"),),),
        )
    if step is RunStep.TIME:
        return Reply(
            "How long did it take? Like 52:30, 1:05:00 or 45 min.",
            ((Button("Skip", "run:time:skip"),),),
        )
    if step is RunStep.EFFORT:
        nums = [Button(str(n), f"run:effort:{n}") for n in range(1, 11)]
        return Reply(
            "Effort, 1 (very easy) to 10 (all out)?",
            (tuple(nums[:5]), tuple(nums[5:]), (Button("Skip", "run:effort:skip"),)),
        )
    return Reply(
        "How do your legs feel? (Or type it, like 'left knee hurts'.)",
        (
            (
                Button("All good", "run:feel:ok"),
                Button("Sore", "run:feel:sore"),
                Button("Pain", "run:feel:pain"),
            ),
        ),
    )


def start_run(tx: UserTx, who_: Who) -> list[Reply]:
    """/run without words: ask step by step (the answers survive a restart)."""
    settings = settings_for(tx, who_)
    state = tx.state()
    state.draft = Draft(RUN_FLOW, RunStep.KIND.value, {})
    tx.put_state(state)
    remember(tx, settings)
    return [_run_prompt(RunStep.KIND, settings.units)]


_ORDER = list(RunStep)


def _advance(tx: UserTx, settings: UserSettings, draft: Draft, now: datetime) -> list[Reply]:
    step = RunStep(draft.step)
    if step is RunStep.FEEL:
        return _finish_run(tx, settings, draft, now)
    draft.step = _ORDER[_ORDER.index(step) + 1].value
    state = tx.state()
    state.draft = draft
    tx.put_state(state)
    return [_run_prompt(RunStep(draft.step), settings.units)]


def _finish_run(tx: UserTx, settings: UserSettings, draft: Draft, now: datetime) -> list[Reply]:
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
    error = validate(run, now, Units(settings.units))
    if error:
        # Start again from the distance; the kind stays.
        draft.step, draft.data = RunStep.DISTANCE.value, {"kind": d.get("kind")}
        state = tx.state()
        state.draft = draft
        tx.put_state(state)
        return [
            Reply(f"{error.message} Nothing saved yet; let's redo distance and time."),
            _run_prompt(RunStep.DISTANCE, settings.units),
        ]
    return [log_report(tx, settings, run, now, ends_question=True)]


def _run_answer(draft: Draft, step: RunStep, value: str, units: Units) -> str | None:
    """Store one answer in the draft; returns an error message when it doesn't fit."""
    d, skip = draft.data, value.strip().lower() == "skip"
    if step is RunStep.KIND:
        kind = value.strip().lower()
        if kind not in {k.value for k in RunKind}:
            return (
                "Pick a kind with the buttons, or type easy, long, tempo, intervals, race"
                " or recovery."
            )
        d["kind"] = kind
    elif step is RunStep.DISTANCE:
        if skip:
            return None
        metres = parse_distance(value, units)
        if isinstance(metres, ParseError):
            return metres.message
        d["distance_m"] = metres
    elif step is RunStep.TIME:
        if skip:
            return (
                None
                if d.get("distance_m")
                else "I need a distance or a time: please type the time."
            )
        seconds = parse_duration(value, d.get("distance_m"))
        if isinstance(seconds, ParseError):
            return seconds.message
        d["duration_s"] = seconds
    elif step is RunStep.EFFORT:
        if skip:
            return None
        if not value.strip().isdigit() or not 1 <= int(value) <= 10:
            return "Effort is a number from 1 to 10, or tap Skip."
        d["effort"] = int(value)
    else:
        _feel(d, value)
    return None


def _feel(d: dict[str, object], value: str) -> None:
    answer = value.strip()
    if answer.lower() in {"ok", "good", "all good", "fine", "great"}:
        return
    d["pain"] = answer.lower() == "pain" or bool(_PAIN.search(answer))
    d["sore"] = not d["pain"] and (answer.lower() == "sore" or bool(_SORE.search(answer)))
    if answer.lower() not in {"pain", "sore"}:
        d["note"] = answer[:200]


def run_step(tx: UserTx, who_: Who, draft: Draft, value: str, now_utc: datetime) -> list[Reply]:
    """An answer (typed or tapped) to the current /run question."""
    settings = settings_for(tx, who_)
    error = _run_answer(draft, RunStep(draft.step), value, Units(settings.units))
    if error:
        return [Reply(error + " (/cancel to stop)")]
    return _advance(tx, settings, draft, now_for(settings, now_utc))


# ---- /walk and /steps without words ----


def start_simple(tx: UserTx, who_: Who, flow: str) -> list[Reply]:
    """Ask for a walk or a step count in one message."""
    state = tx.state()
    state.draft = Draft(flow, "ask", {})
    tx.put_state(state)
    if flow == WALK_FLOW:
        return [Reply("How long did you walk, and how far? Like '45 min 3.2 km' or '30 min'.")]
    return [Reply("How many steps so far today? Like 7400.")]


def simple_answer(tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime) -> list[Reply]:
    """The answer to /walk or /steps: a walk or a step count; the question ends once logged."""
    if draft.flow == WALK_FLOW:
        wording = f"walk {text}"
    else:
        cleaned = text.strip().replace(",", "")
        wording = f"{cleaned} steps" if cleaned.isdigit() else text
    return _parse_and_log(tx, who_, wording, now_utc, ends_question=True)


def command_report(tx: UserTx, who_: Who, flow: str, args: str, now_utc: datetime) -> list[Reply]:
    """/run 10k 52:30, /walk 40 min, /steps 9000: the words after the command."""
    if flow == RUN_FLOW:
        return _parse_and_log(tx, who_, f"run {args}", now_utc)
    if flow == WALK_FLOW:
        return _parse_and_log(tx, who_, f"walk {args}", now_utc)
    cleaned = args.strip().replace(",", "")
    return _parse_and_log(tx, who_, f"{cleaned} steps" if cleaned.isdigit() else args, now_utc)


# ---- Why? / Done / Undo ----


def done(
    tx: UserTx, who_: Who, message_id: int, minutes: int, steps_gap: int, now_utc: datetime
) -> list[Reply]:
    """'Done': log the prescribed walk (once per message)."""
    settings = settings_for(tx, who_)
    now = now_for(settings, now_utc)
    state = tx.state()
    if message_id in state.done_messages:
        return [Reply("Already logged that walk.")]
    walk = Walk(now, minutes * 60, steps=steps_gap or None)
    ids = [tx.add_activity(walk, now)]
    text = f"Logged: {describe_activity(walk, Units(settings.units))}. Nice work."
    if steps_gap:
        history = history_for(tx, now, None)
        before = history.steps_on(now.date()) or 0
        total = before + steps_gap
        ids.append(tx.add_activity(DaySteps(now, total), now))
        text += f" That's {total:,} steps today."
    state.undo = [*state.undo, ids][-UNDO_DEPTH:]
    state.done_messages = [*state.done_messages, message_id][-DONE_MEMORY:]
    tx.put_state(state)
    remember(tx, settings)
    return [Reply(text, ((Button("Undo", "rx:undo:" + ",".join(map(str, ids))),),))]


def undo(tx: UserTx, who_: Who, ids: list[int] | None) -> list[Reply]:
    """Remove the given log (a button) or the latest one (/undo)."""
    settings = settings_for(tx, who_)
    state = tx.state()
    if ids is None:
        if not state.undo:
            return [Reply(texts.NOTHING_TO_UNDO)]
        ids = state.undo[-1]
    stored = {s.id: s.activity for s in tx.activities()}
    gone = [stored[i] for i in ids if i in stored]
    if not gone:
        return [Reply("Already removed.")]
    tx.remove_activities(ids)
    state.undo = [entry for entry in state.undo if entry != ids]
    tx.put_state(state)
    units = Units(settings.units)
    return [Reply("Removed: " + "; ".join(describe_activity(a, units) for a in gone) + ".")]


# ---- Telegram handlers ----


def ask(tx: UserTx, who_: Who, flow: str) -> list[Reply]:
    """/run, /walk or /steps with no words: ask for the report."""
    return start_run(tx, who_) if flow == RUN_FLOW else start_simple(tx, who_, flow)


def report_command(flow: str) -> Callback:
    """/run, /walk, /steps: log the words after the command, or ask for them."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = " ".join(context.args or [])
        if args:
            await respond(
                update, context, lambda tx, w, now: command_report(tx, w, flow, args, now)
            )
        else:
            await respond(update, context, lambda tx, w, now: ask(tx, w, flow))

    handler.__doc__ = f"/{flow} [report]: log it, or ask step by step."
    return handler


run_command = report_command(RUN_FLOW)
walk_command = report_command(WALK_FLOW)
steps_command = report_command(STEPS_FLOW)


async def undo_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/undo: remove the latest log."""
    await respond(update, context, lambda tx, w, now: undo(tx, w, None))


def _run_button(tx: UserTx, w: Who, value: str, now: datetime) -> list[Reply]:
    step, _, answer = value.partition(":")
    draft = tx.state().draft
    if draft is None or draft.flow != RUN_FLOW or draft.step != step:
        return [Reply(texts.STALE_BUTTON)]
    return run_step(tx, w, draft, answer, now)


async def run_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tapped answer in the guided /run (run:<step>:<value>)."""
    value = await tapped(update, "run:")
    await respond(update, context, lambda tx, w, now: _run_button(tx, w, value, now))


def _ids(raw: str) -> list[int]:
    return [int(x) for x in raw.split(",") if x.strip().lstrip("-").isdigit()]


async def prescription_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Why? / Done / Undo under a prescription (rx:...)."""
    message = update.callback_query.message if update.callback_query else None
    assert message is not None
    message_id = message.message_id
    action, _, rest = (await tapped(update, "rx:", clear=False)).partition(":")
    if action == "why":
        await respond(update, context, lambda tx, w, now: why(tx))
    elif action == "done":
        minutes, _, gap = rest.partition(":")
        if not (minutes.isdigit() and (gap or "0").isdigit()):
            return  # not a button the bot made
        await respond(
            update,
            context,
            lambda tx, w, now: done(tx, w, message_id, int(minutes), int(gap or 0), now),
        )
    elif action == "undo":
        await respond(update, context, lambda tx, w, now: undo(tx, w, _ids(rest)))


def why(tx: UserTx) -> list[Reply]:
    """The rules and sources behind the last prescription."""
    last = tx.state().last_prescription
    if not last:
        return [Reply(texts.NOTHING_TO_EXPLAIN)]
    return [Reply(explain(prescription_from_doc(last)))]


async def why_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/why: explain the last prescription."""
    await respond(update, context, lambda tx, w, now: why(tx))
