"""Walk Coach Telegram bot."""

import os

# PTB 22 returns RetryAfter.retry_after as a timedelta when asked to (the future default);
# the scheduler handles both, and opting in keeps the deprecation warning out of the logs.
os.environ.setdefault("PTB_TIMEDELTA", "1")
