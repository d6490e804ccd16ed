"""The runner's data: /export, /delete, and /help."""

from __future__ import annotations

import json
from datetime import datetime

from telegram import Update

from bot import texts
from bot.chat import Who, respond, send, settings_for, tapped, who
from bot.context import WalkContext
from bot.conversation import Prefix, data
from bot.replies import Button, Document, Reply
from bot.storage import UserTx


def export(tx: UserTx, who_: Who, now_utc: datetime) -> list[Reply]:
    """Everything stored about the runner, as a JSON file."""
    if tx.settings() is None and not tx.activities():
        return [Reply("I don't store anything about you yet.")]
    state = tx.state().to_doc()
    everything = {
        "exported_at": now_utc.isoformat(),
        "settings": settings_for(tx, who_).to_doc(),
        "activities": [{"id": s.id, **s.doc} for s in tx.activities()],
        "coach": {k: state[k] for k in ("last_prescription", "last_tip_id", "pain")},
    }
    payload = json.dumps(everything, indent=2, ensure_ascii=False).encode()
    count = len(everything["activities"])
    return [
        Reply(
            "",
            document=Document(
                f"walk-coach-{who_.user_id}.json",
                payload,
                f"All your data: settings and {count} logged activities.",
            ),
        )
    ]


async def export_command(update: Update, context: WalkContext) -> None:
    """/export."""
    await respond(update, context, export)


async def delete_command(update: Update, context: WalkContext) -> None:
    """/delete: ask first."""
    buttons = (
        (
            Button("Yes, delete everything", data(Prefix.DELETE, "yes")),
            Button("No, keep it", data(Prefix.DELETE, "no")),
        ),
    )
    await send(context, who(update).chat_id, [Reply(texts.DELETE_CONFIRM, buttons)])


async def delete_button(update: Update, context: WalkContext) -> None:
    """The answer to /delete."""
    answer = await tapped(update, Prefix.DELETE)
    w = who(update)
    if answer == "yes":
        await context.services.repo.delete(w.user_id)
        await send(context, w.chat_id, [Reply(texts.DELETED)])
    else:
        await send(context, w.chat_id, [Reply(texts.DELETE_KEPT)])


async def help_command(update: Update, context: WalkContext) -> None:
    """/help."""
    await send(context, who(update).chat_id, [Reply(texts.HELP)])
