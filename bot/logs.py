"""Logging: one line per event, secrets never printed (not even inside a traceback)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable


class OneLineRedactingFormatter(logging.Formatter):
    """Folds tracebacks onto one line and masks every secret it was given."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text.replace("\n", " | ")


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Log to stderr at `level`; HTTP client chatter (which names URLs) only on warnings."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineRedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # PTB logs whole updates and replies at DEBUG (texts, names): never below INFO here.
    for library in ("telegram", "tornado"):
        logging.getLogger(library).setLevel(max(root.level, logging.INFO))
