"""/today and /week: where the runner stands, with the numbers that close the gap."""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import Update

from bot import coaching
from bot.chat import Who, respond, send, settings_for, who
from bot.context import WalkContext
from bot.insights.chart import week_chart_png
from bot.logbook import why_button
from bot.replies import Reply
from bot.storage import UserTx
from coach_rules import Prescription, Run, Walk, WeeklyFigures


def _remember_advice(tx: UserTx, advice: Prescription) -> None:
    """Keep what /why explains, for a runner we store (never recreate a deleted one)."""
    if tx.settings() is None:
        return
    state = tx.state()
    state.last_prescription = advice
    tx.put_state(state)


def today(tx: UserTx, who_: Who, now_utc: datetime) -> list[Reply]:
    """Steps against the goal, what closes the gap, and today's runs and walks."""
    settings = settings_for(tx, who_)
    now = coaching.now_for(settings, now_utc)
    check, history = coaching.today_check(tx, settings, now)
    lines = [a.text for a in check.items]
    done = [
        coaching.describe_activity(a, settings.units)
        for a in history.activities
        if isinstance(a, Run | Walk) and a.day == now.date()
    ]
    lines.append("Today: " + "; ".join(done) + "." if done else "No runs or walks logged today.")
    _remember_advice(tx, check)
    return [Reply("\n".join(lines), ((why_button(),),))]


def week_summary(tx: UserTx, who_: Who, now_utc: datetime) -> tuple[Reply, WeeklyFigures]:
    """The weekly figures for the last seven days (its advice is what /why explains)."""
    settings = settings_for(tx, who_)
    figures = coaching.week(tx, settings, coaching.now_for(settings, now_utc))
    _remember_advice(tx, coaching.week_prescription(figures))
    return Reply(coaching.render_week(figures)), figures


async def today_command(update: Update, context: WalkContext) -> None:
    """/today."""
    await respond(update, context, today)


async def week_command(update: Update, context: WalkContext) -> None:
    """/week: the figures, with the chart drawn off the event loop."""
    w, now = who(update), context.services.clock()
    reply, figures = await context.services.repo.transact(
        w.user_id, lambda tx: week_summary(tx, w, now)
    )
    png = await asyncio.to_thread(week_chart_png, figures)
    await send(context, w.chat_id, [Reply(reply.text, photo=png)])
