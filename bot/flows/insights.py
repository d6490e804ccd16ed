"""/today and /week: where the runner stands, with the numbers that close the gap."""

from __future__ import annotations

from datetime import datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.flows.common import history_for, now_for, profile_of, settings_for
from bot.nudges.chart import week_chart_png
from bot.replies import Reply
from bot.runtime import Who, respond
from bot.storage import UserTx
from coach_rules import Run, Units, Walk, weekly_figures
from coach_rules.explain import describe_activity
from coach_rules.rules import step_gap_advice
from coach_rules.weekly import render_week


def today(tx: UserTx, who_: Who, now_utc: datetime) -> list[Reply]:
    """Steps against the goal, what closes the gap, and today's runs and walks."""
    settings = settings_for(tx, who_)
    now = now_for(settings, now_utc)
    history = history_for(tx, now, None)
    steps = history.steps_on(now.date())
    if steps is None:
        lines = [
            f"No steps logged today. Send your count like '7400 steps'; your goal is"
            f" {settings.step_goal:,}."
        ]
    else:
        lines = [step_gap_advice(steps, settings.step_goal).text]
    units = Units(settings.units)
    done = [
        describe_activity(a, units)
        for a in history.activities
        if isinstance(a, Run | Walk) and a.day == now.date()
    ]
    lines.append("Today: " + "; ".join(done) + "." if done else "No runs or walks logged today.")
    return [Reply("\n".join(lines))]


def week(tx: UserTx, who_: Who, now_utc: datetime) -> list[Reply]:
    """The weekly figures for the last seven days."""
    settings = settings_for(tx, who_)
    now = now_for(settings, now_utc)
    figures = weekly_figures(history_for(tx, now, None), profile_of(settings), now.date())
    return [Reply(render_week(figures), photo=week_chart_png(figures))]


async def today_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/today."""
    await respond(update, context, today)


async def week_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/week."""
    await respond(update, context, week)
