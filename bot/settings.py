"""Settings from the environment (and a .env file in the working directory, if present)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_CACHE_RUNNERS = 500
TOKEN_PATTERN = re.compile(r"^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$")
BOTFATHER_HINT = (
    "create a bot with @BotFather in Telegram (https://t.me/BotFather), copy the token it"
    " gives you, and set TELEGRAM_BOT_TOKEN in .env (see .env.example)"
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    token: str
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path("data")
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    log_level: str = "INFO"
    # Runners kept parsed in memory (least recently used out): about 65 KB each with 50
    # activities, so the default costs some 30 MB.
    cache_runners: int = DEFAULT_CACHE_RUNNERS
    # For tests only (WALKCOACH_TEST_CLOCK): the bot's clock starts at this moment and
    # runs on at the real pace, so an end-to-end test can put a nudge minute a second
    # ahead of a real process. Never set in production.
    test_clock: datetime | None = None

    @property
    def base_url(self) -> str:
        """Bot API method root: <api>/bot (PTB appends the token)."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Bot API file root: <api>/file/bot."""
        return f"{self.api_url}/file/bot"

    def __repr__(self) -> str:
        # Never print the token, not even in a traceback's locals.
        return f"Settings(api_url={self.api_url!r}, data_dir={str(self.data_dir)!r}, token=***)"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; '#' comments, optional 'export ' and quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _port(raw: str) -> int:
    """A TCP port; 0 means any free port (the one bound is logged)."""
    if not (raw.isascii() and raw.isdigit()) or not 0 <= int(raw) < 65536:
        raise SettingsError(
            f"WEBHOOK_PORT must be a port number (0-65535, 0: any free port), got {raw!r}"
        )
    return int(raw)


def _count(name: str, raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(f"{name} must be a whole number (0 or more), got {raw!r}")
    return int(raw)


def _moment(name: str, raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise SettingsError(
            f"{name} must be a moment with its offset, like 2026-11-30T18:59:59+00:00"
        )
    return moment


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Settings from `environ` (default os.environ) over the .env file."""
    env = dict(read_dotenv(dotenv) if dotenv else {})
    env.update(os.environ if environ is None else environ)
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SettingsError(f"TELEGRAM_BOT_TOKEN is not set: {BOTFATHER_HINT}")
    if not TOKEN_PATTERN.match(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then"
            f" 35 or so letters): {BOTFATHER_HINT}"
        )
    api_url = env.get("TELEGRAM_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL
    if not re.match(r"^https?://", api_url):
        raise SettingsError(f"TELEGRAM_API_URL must start with http:// or https://: {api_url!r}")
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    if webhook_url and not re.match(r"^https?://[^/\s]+", webhook_url):
        raise SettingsError(
            f"WEBHOOK_URL must be a full URL like https://bot.example.org/tg: {webhook_url!r}"
        )
    secret = env.get("WEBHOOK_SECRET", "").strip() or None
    if webhook_url and not secret:
        raise SettingsError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise SettingsError("WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1-256 chars)")
    return Settings(
        token=token,
        api_url=api_url,
        data_dir=Path(env.get("WALKCOACH_DATA_DIR", "").strip() or "data"),
        webhook_url=webhook_url,
        webhook_secret=secret,
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "0.0.0.0",
        webhook_port=_port(env.get("WEBHOOK_PORT", "").strip() or "8443"),
        log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
        cache_runners=_count(
            "WALKCOACH_CACHE_RUNNERS",
            env.get("WALKCOACH_CACHE_RUNNERS", "").strip() or str(DEFAULT_CACHE_RUNNERS),
        ),
        test_clock=_moment("WALKCOACH_TEST_CLOCK", env.get("WALKCOACH_TEST_CLOCK", "").strip()),
    )


def data_dir_setting(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Path:
    """Only the data folder (backup and restore need no token)."""
    env = dict(read_dotenv(dotenv) if dotenv else {})
    env.update(os.environ if environ is None else environ)
    return Path(env.get("WALKCOACH_DATA_DIR", "").strip() or "data")
