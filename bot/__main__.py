"""`python -m bot` is `walk-coach run`; `python -m bot check` is `walk-coach check`, etc."""

import sys

from bot.cli import main

sys.exit(main(sys.argv[1:] or ["run"]))
