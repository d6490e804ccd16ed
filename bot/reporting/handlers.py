"""Reporting's Telegram handlers: /run, /walk, plain reports, and the prescription buttons."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot import logbook, texts
from bot.chat import Who, respond, tapped
from bot.context import Callback, WalkContext
from bot.conversation import Flow, Prefix
from bot.replies import Reply
from bot.reporting import guided
from bot.storage import Draft, UserTx

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
    await respond(update, context, lambda tx, w, now: logbook.undo(tx, w, None))


async def why_command(update: Update, context: WalkContext) -> None:
    """/why: explain the last advice."""
    await respond(update, context, lambda tx, w, now: logbook.why(tx))


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
    return [int(x) for x in raw.split(",") if x.strip().lstrip("-").isdigit()]


async def prescription_button(update: Update, context: WalkContext) -> None:
    """Why? / Done / Undo under a prescription (rx:...)."""
    message = update.callback_query.message if update.callback_query else None
    assert message is not None
    message_id = message.message_id
    action, _, rest = (await tapped(update, Prefix.RX, clear=False)).partition(":")
    if action == "why":
        await respond(update, context, lambda tx, w, now: logbook.why(tx))
    elif action == "done":
        minutes, _, gap = rest.partition(":")
        if not (minutes.isdigit() and (gap or "0").isdigit()):
            return  # not a button the bot made
        await respond(
            update,
            context,
            lambda tx, w, now: logbook.done(tx, w, message_id, int(minutes), int(gap or 0), now),
        )
    elif action == "undo":
        await respond(update, context, lambda tx, w, now: logbook.undo(tx, w, _ids(rest)))
