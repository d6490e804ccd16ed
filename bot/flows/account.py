"""The runner's data: /export, /delete, and /help."""

from __future__ import annotations

import json
from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.flows.clubs import leave_every_club
from bot.flows.common import settings_for
from bot.replies import Button, Document, Reply
from bot.runtime import Who, respond, send, services, tapped, who
from bot.storage import UserTx


def export(tx: UserTx, who_: Who, now_utc: datetime) -> list[Reply]:
    """Everything stored about the runner, as a JSON file."""
    if tx.settings() is None and not tx.activities():
        return [Reply("I don't store anything about you yet.")]
    state = tx.state().to_doc()
    data = {
        "exported_at": now_utc.isoformat(),
        "settings": settings_for(tx, who_).to_doc(),
        "activities": [{"id": s.id, **s.doc} for s in tx.activities()],
        "coach": {k: state[k] for k in ("last_prescription", "last_tip_id")},
    }
    payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
    count = len(data["activities"])
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


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export."""
    await respond(update, context, export)


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask first."""
    buttons = ((Button("Yes, delete everything", "del:yes"), Button("No, keep it", "del:no")),)
    await send(context, who(update).chat_id, [Reply(texts.DELETE_CONFIRM, buttons)])


async def delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to /delete."""
    answer = await tapped(update, "del:")
    w = who(update)
    if answer == "yes":
        repo = services(context).repo
        settings = await repo.transact(w.user_id, lambda tx: tx.settings())
        if settings and settings.clubs:
            await leave_every_club(repo, w.user_id, settings.clubs)
        await repo.delete(w.user_id)
        await send(context, w.chat_id, [Reply(texts.DELETED)])
    else:
        await send(context, w.chat_id, [Reply(texts.DELETE_KEPT)])


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help."""
    await send(context, who(update).chat_id, [Reply(texts.HELP)])
