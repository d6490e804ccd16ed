"""Drive the real Application with updates, as a runner in a private chat would."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import build_application
from bot.context import WalkApp
from bot.scheduling import RunnerSource, Sleep
from bot.settings import Settings
from bot.storage import UserStore
from tests.offline import (
    BOT_USER,
    FAKE_API,
    FAKE_TOKEN,
    Call,
    RecordingRequest,
    find_button,
    labels,
    on_screen,
    pressed_message,
)

_update_ids = itertools.count(1)
# Telegram numbers messages per chat; one counter for all keeps every test message unique.
_message_ids = itertools.count(1)


class FakeClock:
    """A clock the test sets; the bot never reads the real one here."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def settings_for(data_dir: Path) -> Settings:
    """Settings with a fake token, an unreachable API root and a temporary data folder."""
    return Settings(token=FAKE_TOKEN, api_url=FAKE_API, data_dir=data_dir)


class Runner:
    """One user in a private chat with the bot."""

    def __init__(
        self,
        app: WalkApp,
        request: RecordingRequest,
        user_id: int = 42,
        first_name: str = "Ana",
        chat: dict[str, Any] | None = None,
    ) -> None:
        self.app, self.request = app, request
        self.user_id, self.first_name = user_id, first_name
        # A group chat to talk in; the runner's private chat when None.
        self.chat = chat or {"id": user_id, "type": "private", "first_name": first_name}

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(_message_ids),
            "date": 1_800_000_000,
            "chat": self.chat,
            "from": self._user(),
            **content,
        }

    async def _process(self, data: dict[str, Any]) -> list[Call]:
        before = len(self.request.calls)
        update = Update.de_json({"update_id": next(_update_ids), **data}, self.app.bot)
        await self.app.process_update(update)
        return self.request.calls[before:]

    async def say(self, text: str) -> list[Call]:
        """Send a text (commands included); returns the calls the bot made."""
        message = self._message(text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._process({"message": message})

    async def reply(self, text: str) -> str:
        """Send a text; returns all message texts the bot sent back, joined."""
        calls = await self.say(text)
        return "\n".join(c.text for c in calls if c.method in ("sendMessage", "sendPhoto"))

    async def _tap(self, data: str, message: dict[str, Any]) -> list[Call]:
        query = {
            "id": f"cb{next(_update_ids)}",
            "from": self._user(),
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self._process({"callback_query": query})

    async def tap(self, data: str, message_id: int = 999) -> list[Call]:
        """Tap raw callback data on a made-up message: only for forged or stale buttons; a
        runner's own taps go through `press`."""
        message = {
            "message_id": message_id,
            "date": 1_800_000_000,
            "chat": self.chat,
            "from": BOT_USER,
            "text": "question",
        }
        return await self._tap(data, message)

    async def press(self, label: str, in_reply: list[Call] | None = None) -> list[Call]:
        """Press the button labelled `label` (or, if none is, the first starting with it).

        It is looked for on the latest message the bot sent to this chat that still shows
        inline buttons or, given `in_reply`, on the latest such message among those calls
        as they were sent (an older message: a stale button). The tap carries that message
        and its real id, as Telegram's would.
        """
        chat_id = int(self.chat["id"])
        if in_reply is None:
            shown = [(c, rows) for c, rows in on_screen(self.request.calls, chat_id) if rows]
        else:
            shown = [
                (c, c.buttons)
                for c in in_reply
                if c.chat_id == chat_id and c.message_id is not None and c.buttons
            ]
        if not shown:
            raise AssertionError(f"no button {label!r}; the runner sees no inline buttons")
        message, rows = shown[-1]
        data = find_button(rows, label)
        if data is None:
            raise AssertionError(
                f"no button {label!r}; the runner sees {labels(rows)} under {message.text!r}"
            )
        return await self._tap(data, pressed_message(message, rows, self.chat))

    async def send(self, **content: Any) -> list[Call]:
        """Send any other message content (location, sticker, photo...)."""
        return await self._process({"message": self._message(**content)})


def stored(data_dir: Path, user_id: int = 42) -> Any:
    """What is on disk for a user: settings, state and activity docs."""
    store = UserStore(data_dir)
    if not store.exists(user_id):
        return None
    return store.transact(
        user_id, lambda tx: (tx.settings(), tx.state(), [s.doc for s in tx.activities()])
    )


def default_now() -> datetime:
    """Thursday 26 November 2026, 17:00 UTC."""
    return datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


async def started_app(
    data_dir: Path,
    clock: FakeClock,
    request: RecordingRequest | None = None,
    rate_limiter: bool = True,
    sleep: Sleep | None = None,
    whole_index: bool = True,
) -> tuple[WalkApp, RecordingRequest]:
    """The real application, initialised against the offline request; whole_index: once
    the nudge index is read (a start reads it in the background after 2 s: a loaded
    machine must not make a test's first tick find it half read)."""
    request = request or RecordingRequest()
    app = build_application(
        settings_for(data_dir),
        request=request,
        clock=clock,
        rate_limiter=rate_limiter,
        sleep=sleep or asyncio.sleep,
    )
    await app.initialize()
    # What run_polling does after initialize: load the schedule, register the commands.
    assert app.post_init is not None
    await app.post_init(app)
    task = app.services.scheduler.load_task
    if whole_index and task is not None:
        await task
    return app, request


async def stopped_app(app: WalkApp) -> None:
    """What run_polling does on the way out: shut down, then the post-shutdown hook."""
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


async def crashed_app(app: WalkApp) -> None:
    """What a killed process leaves: no post-shutdown hook, so no schedule snapshot and
    the journal as it was; the OS closes the process's files, so the test does it too."""
    await app.shutdown()
    for source in app.services.scheduler.sources:
        if isinstance(source, RunnerSource):
            # The journal keeps its file open between writes; nothing public closes it
            # without also writing the snapshot a crash would never have written.
            source.journal._file.close()
            for planner in source.planners:
                planner.close()  # the chart worker process: the OS would end it too


def after_logged(text: str) -> str:
    """A log reply starts with the one line saying what was stored ("Logged: ..."); the
    advice under it."""
    first, _, rest = text.partition("\n")
    assert first.startswith("Logged: "), f"no 'Logged:' line first in {text!r}"
    return rest
