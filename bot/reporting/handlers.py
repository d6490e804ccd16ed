"""Reporting's Telegram handlers: /run, /walk, plain reports, and the prescription buttons."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Update

from bot import coaching, logbook, texts
from bot.chat import Who, respond, settings_for, tapped
from bot.coaching import Body
from bot.context import Callback, WalkContext
from bot.conversation import Flow, Prefix, data
from bot.replies import Button, Reply
from bot.reporting import guided
from bot.storage import Draft, UserTx
from coach_rules import DaySteps, Run, Walk
from coach_rules.validate import Ask

WALK_QUESTION = "How long did you walk, and how far? Like '45 min 3.2 km' or '30 min'."


def free_text(tx: UserTx, who_: Who, text: str, now_utc: datetime) -> list[Reply]:
    """A message with no question pending: a report in the runner's own words."""
    return logbook.parse_and_log(tx, who_, text, now_utc)


def walk_answer(tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime) -> list[Reply]:
    """The answer to /walk's question; the question ends once the walk is logged."""
    return logbook.parse_and_log(tx, who_, f"walk {text}", now_utc, ends_question=True)


def _ask(tx: UserTx, who_: Who, flow: Flow) -> list[Reply]:
    if flow is Flow.RUN:
        return guided.start(tx, who_)
    return logbook.ask_once(tx, Flow.WALK, WALK_QUESTION)


def report_command(flow: Flow) -> Callback:
    """/run and /walk: log the words after the command, or ask for them."""

    async def handler(update: Update, context: WalkContext) -> None:
        args = " ".join(context.args or [])
        if args:
            await respond(
                update, context, lambda tx, w, now: logbook.command_report(tx, w, flow, args, now)
            )
        else:
            await respond(update, context, lambda tx, w, now: _ask(tx, w, flow))

    handler.__doc__ = f"/{flow.value} [report]: log it, or ask step by step."
    return handler


run_command = report_command(Flow.RUN)
walk_command = report_command(Flow.WALK)


async def undo_command(update: Update, context: WalkContext) -> None:
    """/undo: remove the latest log."""
    await respond(update, context, lambda tx, w, now: logbook.undo(tx, w, None, now))


async def why_command(update: Update, context: WalkContext) -> None:
    """/why: explain the last advice."""
    await respond(update, context, lambda tx, w, now: logbook.why(tx))


# ---- questions asked before a report is stored, and the pain buttons ----

# Done logs the prescribed walk; no prescription is ever a walk of a day.
MOST_DONE_MINUTES = 24 * 60
YES = frozenset({"yes", "y", "yep", "yeah", "yes please", "yes, log it", "log it", "sure"})
NO = frozenset({"no", "n", "nope", "no thanks", "no, drop it", "drop it", "cancel"})


def _is_new_message(tx: UserTx, who_: Who, text: str, now_utc: datetime) -> bool:
    """Whether the text is a message in its own right (a report, a question), not an answer."""
    settings = settings_for(tx, who_)
    reading = coaching.read_report(text, settings, coaching.now_for(settings, now_utc))
    return isinstance(reading, Run | Walk | DaySteps | Ask) or coaching.read_chat(text) is not None


def _again(
    tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime, question: Reply
) -> list[Reply]:
    """Not an answer: a new message moves on (the unanswered question is dropped, so it
    never blocks the runner); anything else is asked again."""
    if _is_new_message(tx, who_, text, now_utc):
        logbook.end_question(tx, draft)
        return logbook.parse_and_log(tx, who_, text, now_utc)
    return [Reply(f"Sorry, I didn't catch that. {question.text}", question.buttons)]


def body_answer(tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime) -> list[Reply]:
    """'Tired muscles' or 'pain in one spot' (tapped or typed)."""
    body = coaching.read_body_answer(text)
    if body is None:
        question = Reply(logbook.BODY_QUESTION, logbook.BODY_BUTTONS)
        return _again(tx, who_, draft, text, now_utc, question)
    logbook.end_question(tx, draft)
    return logbook.parse_and_log(tx, who_, str(draft.data.get("text", "")), now_utc, body=body)


def confirm_answer(
    tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime
) -> list[Reply]:
    """Yes: log the run that made its day implausible; no: drop it."""
    low = text.strip().lower().rstrip("!.")
    if low not in YES | NO:
        question = Reply("Log it anyway?", logbook.DAY_BUTTONS)
        return _again(tx, who_, draft, text, now_utc, question)
    logbook.end_question(tx, draft)
    if low in NO:
        return [Reply("Dropped: nothing stored. Send it again with its day, like 'yesterday'.")]
    said = draft.data.get("body")
    body = Body(said) if isinstance(said, str) else None
    original = str(draft.data.get("text", ""))
    return logbook.parse_and_log(tx, who_, original, now_utc, body=body, day_confirmed=True)


def choice_answer(tx: UserTx, who_: Who, draft: Draft, text: str, now_utc: datetime) -> list[Reply]:
    """A typed answer to "which reading?": a button's words or its number; else a new message."""
    low = text.strip().lower()
    options = draft.data.get("options") or []
    labels = [str(label).lower() for label, _ in options]
    if low in labels:
        return logbook.choose(tx, who_, draft, labels.index(low), now_utc)
    if re.fullmatch(r"[0-9]", low) and 1 <= int(low) <= len(labels):
        return logbook.choose(tx, who_, draft, int(low) - 1, now_utc)
    buttons = tuple(
        Button(str(label), data(Prefix.CHOICE, i)) for i, (label, _) in enumerate(options)
    )
    return _again(tx, who_, draft, text, now_utc, Reply("Which one?", (buttons,)))


def _choice(tx: UserTx, w: Who, answer: str, now: datetime) -> list[Reply]:
    draft = tx.state().draft
    if draft is None or draft.flow != Flow.CHOICE or not re.fullmatch(r"[0-9]", answer):
        return [Reply(texts.STALE_BUTTON)]
    return logbook.choose(tx, w, draft, int(answer), now)


async def choice_button(update: Update, context: WalkContext) -> None:
    """One of two readings (choice:<n>)."""
    answer = await tapped(update, Prefix.CHOICE)
    await respond(update, context, lambda tx, w, now: _choice(tx, w, answer, now))


def _pending(tx: UserTx, w: Who, flow: Flow, answer: str, now: datetime) -> list[Reply]:
    draft = tx.state().draft
    if draft is None or draft.flow != flow:
        return [Reply(texts.STALE_BUTTON)]
    if flow is Flow.BODY:
        return body_answer(tx, w, draft, "pain in one spot" if answer == "pain" else "tired", now)
    return confirm_answer(tx, w, draft, "yes" if answer == "yes" else "no", now)


async def body_button(update: Update, context: WalkContext) -> None:
    """Tired muscles / Pain in one spot (body:...)."""
    answer = await tapped(update, Prefix.BODY)
    await respond(update, context, lambda tx, w, now: _pending(tx, w, Flow.BODY, answer, now))


async def confirm_button(update: Update, context: WalkContext) -> None:
    """Yes, log it / No, drop it (confirm:...)."""
    answer = await tapped(update, Prefix.CONFIRM)
    await respond(update, context, lambda tx, w, now: _pending(tx, w, Flow.CONFIRM, answer, now))


def _pain(tx: UserTx, w: Who, answer: str, now_utc: datetime) -> list[Reply]:
    now = coaching.now_for(settings_for(tx, w), now_utc)
    return logbook.pain_answer(tx, gone=answer == "gone", now=now)


async def pain_button(update: Update, context: WalkContext) -> None:
    """Pain-free now / Still hurts (pain:...), under anything said about an open pain."""
    answer = await tapped(update, Prefix.PAIN)
    await respond(update, context, lambda tx, w, now: _pain(tx, w, answer, now))


def _run_button(tx: UserTx, w: Who, value: str, now: datetime) -> list[Reply]:
    step, _, answer = value.partition(":")
    draft = tx.state().draft
    if draft is None or draft.flow != Flow.RUN or draft.step != step:
        return [Reply(texts.STALE_BUTTON)]
    return guided.answer(tx, w, draft, answer, now)


async def run_button(update: Update, context: WalkContext) -> None:
    """A tapped answer in the guided /run (run:<step>:<value>)."""
    value = await tapped(update, Prefix.RUN)
    await respond(update, context, lambda tx, w, now: _run_button(tx, w, value, now))


def _ids(raw: str) -> list[int]:
    return [
        int(x)
        for x in raw.split(",")
        if x.strip().lstrip("-").isascii() and x.strip().lstrip("-").isdigit()
    ]


async def prescription_button(update: Update, context: WalkContext) -> None:
    """Why? / Done / Undo under a prescription (rx:...)."""
    message = update.callback_query.message if update.callback_query else None
    assert message is not None
    message_id = message.message_id
    action, _, rest = (await tapped(update, Prefix.RX, clear=False)).partition(":")
    if action == "why":
        await respond(update, context, lambda tx, w, now: logbook.why(tx))
    elif action == "done":
        parts = rest.split(":")
        minutes, gap = parts[0], (parts[1] if len(parts) > 1 else "0")
        log_id = (
            int(parts[2]) if len(parts) > 2 and parts[2].isascii() and parts[2].isdigit() else None
        )
        if not (minutes.isascii() and minutes.isdigit() and gap.isascii() and gap.isdigit()):
            return  # not a button the bot made
        if int(minutes) > MOST_DONE_MINUTES or int(gap) > MOST_DONE_MINUTES * 200:
            return  # nor this: the bot offers a walk of minutes, never of days
        await respond(
            update,
            context,
            lambda tx, w, now: logbook.done(tx, w, message_id, int(minutes), int(gap), now, log_id),
        )
    elif action == "undo":
        await respond(update, context, lambda tx, w, now: logbook.undo(tx, w, _ids(rest), now))
