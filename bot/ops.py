"""What the command line runs against a data folder: run, check, health, backup, restore."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

from telegram import Update

from bot.logs import configure_logging
from bot.settings import Settings
from bot.storage import DataDir, UserStore
from bot.storage.backup import RestoreError, restore_backup, write_backup
from bot.storage.lock import FolderInUse, hold
from bot.storage.logged import check_records, sweep_folder

logger = logging.getLogger("walkcoach")
HEARTBEAT_MAX_AGE_S = 180


def _folder_status(data_dir: Path) -> str:
    """'ok', or why the data folder cannot be used (nothing is created or written)."""
    if not data_dir.exists():
        return f"no data folder at {data_dir} (`run` creates it; `check` never does)"
    if not data_dir.is_dir():
        return f"{data_dir} is not a folder"
    if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
        return f"data folder {data_dir} is not writable"
    return "ok"


def check(settings: Settings) -> int:
    """Validate the settings and the data folder, without the network or a write."""
    status = _folder_status(settings.data_dir)
    if status != "ok":
        print(f"walk-coach: {status}", file=sys.stderr)
        return 1
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
    print(f"settings ok: api {settings.api_url}, data {settings.data_dir} ({status}), {mode}")
    found = check_records(DataDir(settings.data_dir).records())
    print(
        f"records: {found.records} ({found.logged} with changes not folded yet,"
        f" {found.torn} with a torn last change that was never acknowledged)"
    )
    for problem in found.unreadable:
        print(f"walk-coach: unreadable record {problem}", file=sys.stderr)
    return 0 if status == "ok" and not found.unreadable else 1


def _webhook_health(settings: Settings) -> int:
    listen = settings.webhook_listen
    host = "127.0.0.1" if listen in ("0.0.0.0", "::") else listen
    url = f"http://{host}:{settings.webhook_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.loads(response.read())
    except OSError as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    print(f"healthy: {body.get('bot')} store {body.get('store')}")
    return 0


def health(settings: Settings) -> int:
    """0 when the scheduler ticked lately (and, in webhook mode, /healthz answers)."""
    try:
        age = time.time() - DataDir(settings.data_dir).scheduler_state.stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: the scheduler has not run yet", file=sys.stderr)
        return 1
    if age > HEARTBEAT_MAX_AGE_S:
        print(f"unhealthy: the scheduler last ran {age:.0f} s ago", file=sys.stderr)
        return 1
    if settings.webhook_url and settings.webhook_port:  # port 0 (tests): nothing fixed to probe
        return _webhook_health(settings)
    print(f"healthy: scheduler ran {age:.0f} s ago")
    return 0


def backup(data_dir: Path, target: Path) -> int:
    """Archive every runner's and club's file (safe while the bot runs)."""
    if not data_dir.is_dir():
        print(f"walk-coach: no data folder at {data_dir}", file=sys.stderr)
        return 1
    counts = write_backup(data_dir, target)
    print(f"backup written: {target} ({counts.runners} runners, {counts.clubs} clubs)")
    return 0


def restore(data_dir: Path, archive: Path) -> int:
    """Unpack a backup into the (empty) data folder."""
    try:
        held = hold(DataDir(data_dir))  # never beside a bot running on the folder
        with held:
            counts = restore_backup(archive, data_dir)
    except FolderInUse as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 1
    except RestoreError as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored into {data_dir}: {counts.runners} runners, {counts.clubs} clubs"
        " (the schedule is rebuilt from them at the next start)"
    )
    return 0


class StartRefused(Exception):
    """The bot cannot start on this folder; the message says why."""


def start_checks(data_dir: Path) -> IO[str]:
    """What a start does before the bot: the folder is usable, and ours alone."""
    status = UserStore(data_dir).check()
    if status != "ok":
        raise StartRefused(status)
    try:
        held = hold(DataDir(data_dir))  # released by the OS when we exit
    except FolderInUse as exc:
        raise StartRefused(str(exc)) from exc
    # Only the top folder is swept here: a runner's folder is swept at its first write
    # (logged.py), so a start costs nothing per runner.
    sweep_folder(data_dir)
    return held


def run(settings: Settings) -> int:
    """Run the bot until SIGTERM or Ctrl-C: polling, or webhook mode when configured."""
    # The bot itself: not needed by the other commands.
    from bot.app import build_application
    from bot.context import clock_from, system_clock

    configure_logging(settings.log_level, [settings.token, settings.webhook_secret or ""])
    try:
        held = start_checks(settings.data_dir)
    except StartRefused as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 1
    # A test's clock (WALKCOACH_TEST_CLOCK) starts at its moment when first read.
    clock = system_clock
    if settings.test_clock is not None:
        logger.warning(
            "WALKCOACH_TEST_CLOCK is set (tests only): the clock starts at %s",
            settings.test_clock.isoformat(),
        )
        clock = clock_from(settings.test_clock)
    app = build_application(settings, clock=clock)
    if settings.webhook_url:
        from bot.webhook import serve

        if settings.webhook_url.startswith("http://"):
            logger.warning("WEBHOOK_URL is not https: Telegram only posts to https URLs")
        asyncio.run(serve(app, settings))
    else:
        logger.info("starting: polling, api %s, data %s", settings.api_url, settings.data_dir)
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    logger.info("stopped")
    held.close()
    return 0
