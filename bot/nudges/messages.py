"""What the scheduler says, decided inside the runner's transaction; and what it records."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.flows.common import history_for, profile_of
from bot.flows.reporting import STEPS_FLOW
from bot.replies import Button, Reply
from bot.storage import Draft, UserSettings, UserTx
from bot.timezones import local_now
from coach_rules import Units, WeeklyFigures, weekly_figures
from coach_rules.rules import brisk_pace_band, step_gap_advice
from coach_rules.tips import next_tip
from coach_rules.weekly import render_week

CAPTION_LIMIT = 1024
PAUSE_BUTTONS = (
    (
        Button("Pause 3 days", "nudge:pause:3"),
        Button("Pause a week", "nudge:pause:7"),
        Button("Nudges off", "nudge:off"),
    ),
)


@dataclass(frozen=True)
class Planned:
    """A message the scheduler is about to send, and what to record once it went out."""

    user_id: int
    chat_id: int
    kind: str
    local_date: str
    replies: tuple[Reply, ...]
    tip_id: str | None = None
    asks_steps: bool = False
    # The weekly chart is drawn after the transaction, outside the bot's process.
    chart: WeeklyFigures | None = None


def _paused(settings: UserSettings, day: date) -> bool:
    until = settings.nudge_paused_until
    return until is not None and day.isoformat() <= until


def _daily(tx: UserTx, settings: UserSettings, now: datetime) -> Planned | None:
    state = tx.state()
    history = history_for(tx, now, state.last_tip_id)
    steps = history.steps_on(now.date())
    goal = settings.step_goal
    if steps is not None and steps >= goal:
        return None
    tip = next_tip(state.last_tip_id)
    band = brisk_pace_band(Units(settings.units))
    if steps is None:
        text = (
            "Check-in: how many steps so far today? Type the number and I'll tell"
            f" you what closes the gap to {goal:,}.\nBrisk walking is {band}."
        )
    else:
        gap = step_gap_advice(steps, goal)
        text = f"Check-in: {steps:,} of your {goal:,} steps today.\n{gap.text}\nBrisk is {band}."
    text += f"\nTip: {tip.text}"
    return Planned(
        settings.user_id,
        settings.chat_id,
        "daily",
        now.date().isoformat(),
        (Reply(text, PAUSE_BUTTONS),),
        tip.id,
        asks_steps=steps is None,
    )


def _weekly(tx: UserTx, settings: UserSettings, now: datetime) -> Planned:
    figures = weekly_figures(history_for(tx, now, None), profile_of(settings), now.date())
    return Planned(
        settings.user_id,
        settings.chat_id,
        "weekly",
        now.date().isoformat(),
        (Reply(render_week(figures)),),
        chart=figures,
    )


def with_chart(item: Planned, png: bytes) -> Planned:
    """The weekly summary with its chart: as the photo's caption when it fits."""
    text = item.replies[0].text
    if len(text) <= CAPTION_LIMIT:
        return replace(item, replies=(Reply(text, photo=png),))
    return replace(item, replies=(Reply("Your week", photo=png), Reply(text)))


def _followup(settings: UserSettings, now: datetime) -> Planned:
    buttons = (
        (
            Button("Fresh", "fu:fresh"),
            Button("A bit sore", "fu:sore"),
            Button("Sore", "fu:sore"),
        ),
    )
    text = "Morning! How do your legs feel after yesterday's long run?"
    return Planned(
        settings.user_id,
        settings.chat_id,
        "followup",
        now.date().isoformat(),
        (Reply(text, buttons),),
    )


def plan(tx: UserTx, kind: str, minute: datetime) -> list[Planned]:
    """The messages due for this runner at this minute (none if sent, paused, or met)."""
    settings = tx.settings()
    if settings is None or settings.blocked:
        return []
    now = local_now(minute, settings.timezone)
    today = now.date().isoformat()
    state = tx.state()
    if kind == "followup":
        if state.followup_on != today or state.sent.get("followup") == today:
            return []
        return [_followup(settings, now)]
    if settings.nudge is None or _paused(settings, now.date()):
        return []
    planned: list[Planned] = []
    if state.sent.get("daily") != today:
        daily = _daily(tx, settings, now)
        if daily:
            planned.append(daily)
    if now.weekday() == 6 and state.sent.get("weekly") != today:
        planned.append(_weekly(tx, settings, now))
    return planned


def record(tx: UserTx, sent: Planned) -> None:
    """Remember what went out, so a restart neither repeats nor skips it."""
    state = tx.state()
    state.sent[sent.kind] = sent.local_date
    if sent.kind == "followup":
        state.followup_on = None
    if sent.tip_id:
        state.last_tip_id = sent.tip_id
    if sent.asks_steps and state.draft is None:
        # Typing a number now answers the nudge's question.
        state.draft = Draft(STEPS_FLOW, "ask", {})
    tx.put_state(state)


def mark_blocked(tx: UserTx) -> None:
    """The runner blocked the bot: skip them until they write again."""
    settings = tx.settings()
    if settings is not None and not settings.blocked:
        settings.blocked = True
        tx.put_settings(settings)


def pause_until(today: date, days: int) -> str:
    """The last paused day for a pause of `days` days starting tomorrow."""
    return (today + timedelta(days=days)).isoformat()
