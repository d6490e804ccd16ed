"""The Sunday summary: the weekly figures with their chart, at the runner's nudge time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot import coaching
from bot.insights.chart import ChartPool
from bot.replies import Reply
from bot.scheduling import Planned, Slot
from bot.storage import UserSettings, UserState, UserTx

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption
SUNDAY = 6


class WeeklySummary:
    """A planner for the runner source: Sundays, in the daily slot."""

    slot = Slot.DAILY
    kind = "weekly"

    def __init__(self, charts: ChartPool) -> None:
        self.charts = charts

    def plan(
        self, tx: UserTx, settings: UserSettings, state: UserState, now: datetime
    ) -> Planned | None:
        """The summary on Sundays, else nothing."""
        if now.weekday() != SUNDAY:
            return None
        figures = coaching.week(tx, settings, now)
        prescription = coaching.week_prescription(figures)

        def on_sent(sent_state: UserState) -> None:
            sent_state.last_prescription = prescription

        async def with_chart(item: Planned) -> Planned:
            return self._with_chart(item, await self.charts.render(figures))

        return Planned(
            settings.user_id,
            settings.chat_id,
            self.kind,
            now.date(),
            (Reply(coaching.render_week(figures)),),
            on_sent=on_sent,
            prepare=with_chart,
        )

    @staticmethod
    def _with_chart(item: Planned, png: bytes) -> Planned:
        """The summary with its chart: as the photo's caption when it fits."""
        text = item.replies[0].text
        if len(text) <= CAPTION_LIMIT:
            return replace(item, replies=(Reply(text, photo=png),))
        return replace(item, replies=(Reply("Your week", photo=png), Reply(text)))

    def close(self) -> None:
        """Stop the chart worker."""
        self.charts.close()
