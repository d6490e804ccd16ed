"""`python -m bot`: run the bot (polling, or webhook mode when WEBHOOK_URL is set).

Also: `python -m bot check` (validate settings and the data folder, no network),
`python -m bot health` (is the running bot alive?), `python -m bot backup PATH`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.backup import write_backup
from bot.logs import configure_logging
from bot.nudges.journal import scheduler_state_path
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import UserStore

logger = logging.getLogger("walkcoach")
HEARTBEAT_MAX_AGE_S = 180


def _check(settings: Settings) -> int:
    status = UserStore(settings.data_dir).check()
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
    print(f"settings ok: api {settings.api_url}, data {settings.data_dir} ({status}), {mode}")
    return 0 if status == "ok" else 1


def _health(settings: Settings) -> int:
    """0 when the scheduler ticked lately (and, in webhook mode, /healthz answers)."""
    try:
        age = time.time() - scheduler_state_path(settings.data_dir).stat().st_mtime
    except FileNotFoundError:
        print("unhealthy: the scheduler has not run yet", file=sys.stderr)
        return 1
    if age > HEARTBEAT_MAX_AGE_S:
        print(f"unhealthy: the scheduler last ran {age:.0f} s ago", file=sys.stderr)
        return 1
    if settings.webhook_url:
        host = (
            "127.0.0.1" if settings.webhook_listen in ("0.0.0.0", "::") else settings.webhook_listen
        )
        url = f"http://{host}:{settings.webhook_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = json.loads(response.read())
        except OSError as exc:
            print(f"unhealthy: {url}: {exc}", file=sys.stderr)
            return 1
        print(f"healthy: {body.get('bot')} store {body.get('store')}")
        return 0
    print(f"healthy: scheduler ran {age:.0f} s ago")
    return 0


def _backup(settings: Settings, args: list[str]) -> int:
    if len(args) != 1:
        print("usage: python -m bot backup PATH.tar.gz", file=sys.stderr)
        return 2
    count = write_backup(settings.data_dir, Path(args[0]))
    print(f"backup written: {args[0]} ({count} runners)")
    return 0


def _run(settings: Settings) -> int:
    configure_logging(settings.log_level, [settings.token, settings.webhook_secret or ""])
    store = UserStore(settings.data_dir)
    status = store.check()
    if status != "ok":
        print(f"walk-coach: {status}", file=sys.stderr)
        return 1
    store.sweep_temporary_files()
    app = build_application(settings)
    if settings.webhook_url:
        from bot.webhook import serve

        if settings.webhook_url.startswith("http://"):
            logger.warning("WEBHOOK_URL is not https: Telegram only posts to https URLs")
        asyncio.run(serve(app, settings))
    else:
        logger.info("starting: polling, api %s, data %s", settings.api_url, settings.data_dir)
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    logger.info("stopped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 2
    command, rest = (args[0], args[1:]) if args else ("run", [])
    if command == "check":
        return _check(settings)
    if command == "health":
        return _health(settings)
    if command == "backup":
        return _backup(settings, rest)
    if command == "run":
        return _run(settings)
    print(
        f"walk-coach: unknown command {command!r} (try: check, health, backup PATH)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
