"""The weekly chart: daily steps against the goal, run and walk minutes per day (PNG)."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from bot.workers import spawn_pool
from coach_rules import WeeklyFigures

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def week_figure(figures: WeeklyFigures) -> Figure:
    """The chart as a matplotlib Figure (tests inspect its bars; the bot sends its PNG)."""
    # Imported here: matplotlib costs half a second, and only charts need it.
    from matplotlib.figure import Figure

    labels = [f"{d.day:%a}" for d in figures.days]
    xs = list(range(len(labels)))
    # Fixed margins: the constrained layout engine costs a third of the rendering time.
    fig = Figure(figsize=(6, 4.2), dpi=80)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.92, bottom=0.08, hspace=0.15)
    steps_ax, minutes_ax = fig.subplots(2, 1, sharex=True)
    steps = [d.steps or 0 for d in figures.days]
    colours = ["#2e7d32" if s >= figures.step_goal else "#90a4ae" for s in steps]
    steps_ax.bar(xs, steps, color=colours, label="steps")
    steps_ax.axhline(figures.step_goal, color="#c62828", linestyle="--", label="goal")
    steps_ax.set_ylim(0, max([figures.step_goal, *steps]) * 1.1)
    steps_ax.set_ylabel("steps")
    steps_ax.set_title(f"Steps vs your {figures.step_goal:,} goal")
    width = 0.4
    minutes_ax.bar(
        [x - width / 2 for x in xs],
        [d.run_minutes for d in figures.days],
        width,
        label="run min",
        color="#1565c0",
    )
    minutes_ax.bar(
        [x + width / 2 for x in xs],
        [d.walk_minutes for d in figures.days],
        width,
        label="walk min",
        color="#f9a825",
    )
    minutes_ax.set_ylabel("minutes")
    minutes_ax.set_xticks(xs, labels)
    minutes_ax.legend(loc="upper left", fontsize="small")
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def week_chart_png(figures: WeeklyFigures) -> bytes:
    """The weekly chart, ready to send."""
    return png(week_figure(figures))


class ChartPool:
    """Renders charts in a separate process, so a Sunday of weekly summaries (about 60 ms
    of CPU each) does not hold the bot's own interpreter while it answers runners."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def render(self, figures: WeeklyFigures) -> bytes:
        """The weekly chart as PNG, rendered in the worker process."""
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = spawn_pool()
        try:
            return await loop.run_in_executor(self._pool, week_chart_png, figures)
        except BrokenProcessPool:
            self._pool = None
            return await asyncio.to_thread(week_chart_png, figures)

    def close(self) -> None:
        """Stop the worker process."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
