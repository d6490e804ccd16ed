"""Webhook mode: Telegram posts updates to us; a secret header proves it is Telegram.

PTB's own run_webhook serves only the update path; this small Tornado server (the
server PTB itself uses) adds /healthz and a graceful stop on SIGTERM.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import logging
import re
import signal
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.context import WalkApplication
from bot.intake import UpdateJournal, clean
from bot.settings import Settings
from bot.storage import UserStore

logger = logging.getLogger("walkcoach.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AnyApp = WalkApplication


# Telegram's updates are kilobytes; anything larger is not one of them.
MAX_BODY_BYTES = 1024 * 1024


class GroupCommit:
    """Journals posted updates durably before they are answered 200. Posts that arrive
    while an append is being fsynced are appended together by the next one: one fsync
    for all of them, so a burst costs a few fsyncs, not one per post in a row."""

    def __init__(self, journal: UpdateJournal) -> None:
        self.journal = journal
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        # Its own thread: an append never queues behind runners' writes in the default
        # pool (a burst of updates is also a burst of writes).
        self._thread = concurrent.futures.ThreadPoolExecutor(1, "journal")

    async def receive(self, data: dict[str, Any]) -> bool:
        """Journal one update; True when it is new (not a redelivery). Raises OSError
        when it could not be journaled (it must not be confirmed)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((data, future))
        if self._writer is None or self._writer.done():
            # Its own task: a post whose client went away never strands the others.
            self._writer = asyncio.create_task(self._write())
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                updates = [d for d, _ in batch]
                loop = asyncio.get_running_loop()
                fresh = set(await loop.run_in_executor(self._thread, self.journal.receive, updates))
            except OSError as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for data, future in batch:
                update_id = int(data["update_id"])
                if not future.done():
                    future.set_result(update_id in fresh)
                fresh.discard(update_id)  # posted twice in one batch: new once


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """POST <path>: one update from Telegram.

    The body is streamed, so the secret and the declared size are checked from the
    headers before a byte of it is read: a stranger's 90 MB post costs nothing.
    """

    def initialize(self, app: AnyApp, secret: str, intake: GroupCommit) -> None:
        self.app, self.secret, self.intake = app, secret, intake
        self.body = bytearray()
        self.refused = False

    def _refuse(self, status: int, description: str) -> None:
        self.refused = True
        self.set_status(status)
        self.finish({"ok": False, "description": description})

    def prepare(self) -> None:
        """Headers only: the secret, then the size."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            logger.warning(
                "rejected an update without the right secret from %s", self.request.remote_ip
            )
            self._refuse(403, "forbidden")
            return
        declared = self.request.headers.get("Content-Length", "0")
        if not declared.isascii() or not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            self._refuse(413, "too large")

    def data_received(self, chunk: bytes) -> None:
        """Collect the body, never past the limit (a chunked body has no declared size)."""
        if self.refused:
            return
        self.body += chunk
        if len(self.body) > MAX_BODY_BYTES:
            self._refuse(413, "too large")

    async def post(self) -> None:
        if self.refused:
            return
        try:
            data = clean(json.loads(bytes(self.body)))
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self.app.bot)
        except Exception:  # anything that is not a valid update: 400, never 500
            self._refuse(400, "not an update")
            return
        # 200 tells Telegram to forget the update: only once it is journaled (fsynced).
        try:
            fresh = await self.intake.receive(data)
        except OSError as exc:
            logger.error("could not journal update_id=%s: %s", update.update_id, exc.strerror)
            self._refuse(503, "try again later")  # Telegram retries it
            return
        if fresh:  # a redelivery of a journaled update is answered, not handled twice
            await self.app.update_queue.put(update)
        self.finish({"ok": True})


class HealthHandler(tornado.web.RequestHandler):
    """GET /healthz: the bot's username and whether the store is writable."""

    def initialize(self, app: AnyApp, store: UserStore) -> None:
        self.app, self.store = app, store

    async def get(self) -> None:
        store = await asyncio.to_thread(self.store.check)
        ok = store == "ok"
        self.set_status(200 if ok else 503)
        self.finish({"ok": ok, "bot": f"@{self.app.bot.username}", "store": store})


def update_path(settings: Settings) -> str:
    """The path part of WEBHOOK_URL ('/' when it has none)."""
    return urlsplit(settings.webhook_url or "").path or "/"


def make_server(app: AnyApp, settings: Settings) -> tornado.web.Application:
    """The Tornado application: the update path and /healthz."""
    assert settings.webhook_secret is not None
    return tornado.web.Application(
        [
            (
                re.escape(update_path(settings)),
                UpdateHandler,
                {
                    "app": app,
                    "secret": settings.webhook_secret,
                    "intake": GroupCommit(app.services.journal),
                },
            ),
            (r"/healthz", HealthHandler, {"app": app, "store": UserStore(settings.data_dir)}),
        ]
    )


async def serve(app: AnyApp, settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; then finish what is in flight and stop."""
    from tornado.netutil import bind_sockets

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = tornado.httpserver.HTTPServer(make_server(app, settings))
    async with app:
        if app.post_init:
            await app.post_init(app)
        # Listen first, so the first update Telegram posts finds us. Port 0 binds any free
        # port; the log line below says which.
        sockets = bind_sockets(settings.webhook_port, address=settings.webhook_listen)
        server.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        await app.start()
        await app.bot.set_webhook(
            settings.webhook_url or "",
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        logger.info(
            "webhook mode: listening on %s:%s, path %s",
            settings.webhook_listen,
            port,
            update_path(settings),
        )
        await stop.wait()
        logger.info("stopping: finishing updates in flight")
        server.stop()
        await app.stop()
        if app.post_stop:  # as run_polling does
            await app.post_stop(app)
    if app.post_shutdown:
        await app.post_shutdown(app)
