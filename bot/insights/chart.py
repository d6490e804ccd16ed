"""The weekly chart: daily steps against the goal, run and walk minutes per day (PNG)."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from bot.workers import spawn_pool
from coach_rules import WeeklyFigures

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont, ImageFont

# 480 x 336 px, as the matplotlib chart it replaces (6 x 4.2 in at 80 dpi). Pillow draws
# it in a few milliseconds; matplotlib's Agg took 100-200 ms, mostly laying out ticks
# and text, which made a Sunday of summaries CPU-bound.
WIDTH, HEIGHT = 480, 336
LEFT, RIGHT = 62, 466
STEPS_TOP, STEPS_BOTTOM = 30, 172
MINUTES_TOP, MINUTES_BOTTOM = 192, 306
AT_GOAL, BELOW_GOAL, GOAL_LINE = "#2e7d32", "#90a4ae", "#c62828"
RUN, WALK, INK, GRID = "#1565c0", "#f9a825", "#263238", "#cfd8dc"


@dataclass(frozen=True)
class WeekChart:
    """What the chart shows, as numbers (tests read these; `render` draws them)."""

    title: str
    labels: tuple[str, ...]
    steps: tuple[int, ...]
    step_colours: tuple[str, ...]
    goal: int
    steps_top: float  # the steps panel's y range: 0 .. steps_top
    run_minutes: tuple[float, ...]
    walk_minutes: tuple[float, ...]
    minutes_top: float


def week_chart(figures: WeeklyFigures) -> WeekChart:
    """The chart's content: daily steps against the goal, run and walk minutes per day."""
    steps = tuple(d.steps or 0 for d in figures.days)
    runs = tuple(d.run_minutes for d in figures.days)
    walks = tuple(d.walk_minutes for d in figures.days)
    return WeekChart(
        title=f"Steps vs your {figures.step_goal:,} goal",
        labels=tuple(f"{d.day:%a}" for d in figures.days),
        steps=steps,
        step_colours=tuple(AT_GOAL if s >= figures.step_goal else BELOW_GOAL for s in steps),
        goal=figures.step_goal,
        steps_top=max([figures.step_goal, *steps]) * 1.1,
        run_minutes=runs,
        walk_minutes=walks,
        minutes_top=max([10.0, *runs, *walks]) * 1.15,
    )


@cache
def _font(size: int) -> FreeTypeFont | ImageFont:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _y(value: float, top: float, y_top: int, y_bottom: int) -> float:
    return y_bottom - (y_bottom - y_top) * (value / top if top else 0)


def render(chart: WeekChart) -> bytes:
    """The chart as PNG bytes."""
    # Imported here: only the chart worker needs Pillow.
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    small, label = _font(11), _font(12)
    draw.text((WIDTH // 2, 8), chart.title, fill=INK, font=_font(14), anchor="mt")
    slot = (RIGHT - LEFT) / len(chart.labels)
    # Steps: a bar per day, green at the goal, and the goal as a dashed line.
    for top, bottom in ((STEPS_TOP, STEPS_BOTTOM), (MINUTES_TOP, MINUTES_BOTTOM)):
        draw.rectangle((LEFT, top, RIGHT, bottom), outline=GRID)
    for i, (steps, colour) in enumerate(zip(chart.steps, chart.step_colours, strict=True)):
        x = LEFT + slot * i
        if steps:
            y = _y(steps, chart.steps_top, STEPS_TOP, STEPS_BOTTOM)
            draw.rectangle((x + slot * 0.1, y, x + slot * 0.9, STEPS_BOTTOM), fill=colour)
    goal_y = _y(chart.goal, chart.steps_top, STEPS_TOP, STEPS_BOTTOM)
    for x in range(LEFT, RIGHT, 10):
        draw.line((x, goal_y, min(x + 6, RIGHT), goal_y), fill=GOAL_LINE, width=2)
    draw.text((LEFT - 4, goal_y), f"{chart.goal:,}", fill=GOAL_LINE, font=small, anchor="rm")
    draw.text((LEFT - 4, STEPS_BOTTOM), "0", fill=INK, font=small, anchor="rm")
    draw.text((6, STEPS_TOP), "steps", fill=INK, font=label, anchor="lt")
    # Minutes: run and walk side by side per day.
    for i, (run, walk) in enumerate(zip(chart.run_minutes, chart.walk_minutes, strict=True)):
        x = LEFT + slot * i
        for offset, minutes, colour in ((0.1, run, RUN), (0.5, walk, WALK)):
            if minutes:
                y = _y(minutes, chart.minutes_top, MINUTES_TOP, MINUTES_BOTTOM)
                box = (x + slot * offset, y, x + slot * (offset + 0.4), MINUTES_BOTTOM)
                draw.rectangle(box, fill=colour)
        draw.text(
            (x + slot / 2, MINUTES_BOTTOM + 6), chart.labels[i], fill=INK, font=label, anchor="mt"
        )
    scale = chart.minutes_top / 1.15
    draw.text(
        (LEFT - 4, _y(scale, chart.minutes_top, MINUTES_TOP, MINUTES_BOTTOM)),
        f"{scale:.0f}",
        fill=INK,
        font=small,
        anchor="rm",
    )
    draw.text((LEFT - 4, MINUTES_BOTTOM), "0", fill=INK, font=small, anchor="rm")
    draw.text((6, MINUTES_TOP), "minutes", fill=INK, font=label, anchor="lt")
    # The legend, between the panels, right-aligned (never over a bar).
    for n, (name, colour) in enumerate((("run min", RUN), ("walk min", WALK))):
        x = RIGHT - 150 + n * 80
        draw.rectangle((x, STEPS_BOTTOM + 5, x + 12, STEPS_BOTTOM + 15), fill=colour)
        draw.text((x + 16, STEPS_BOTTOM + 10), name, fill=INK, font=small, anchor="lm")
    buffer = io.BytesIO()
    # Fast zlib level: the chart is flat colour, and level 1 is a third of the default's time.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def week_chart_png(figures: WeeklyFigures) -> bytes:
    """The weekly chart, ready to send."""
    return render(week_chart(figures))


class ChartPool:
    """Renders charts in a separate process, so a Sunday of weekly summaries does not
    hold the bot's own interpreter while it answers runners."""

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
