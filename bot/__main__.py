"""`python -m bot`: run the bot (polling). `python -m bot check`: validate settings."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from telegram import Update

from bot.app import build_application
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import UserStore

logger = logging.getLogger("walkcoach")


def _check(settings: Settings) -> int:
    status = UserStore(settings.data_dir).check()
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "polling"
    print(f"settings ok: api {settings.api_url}, data {settings.data_dir} ({status}), {mode}")
    return 0 if status == "ok" else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 2
    if args[:1] == ["check"]:
        return _check(settings)
    if args:
        print(f"walk-coach: unknown command {args[0]!r} (try: check)", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, [settings.token])
    store = UserStore(settings.data_dir)
    status = store.check()
    if status != "ok":
        print(f"walk-coach: {status}", file=sys.stderr)
        return 1
    store.sweep_temporary_files()
    app = build_application(settings)
    logger.info("starting: polling, api %s, data %s", settings.api_url, settings.data_dir)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
