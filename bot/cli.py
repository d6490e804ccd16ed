"""`walk-coach`: try the coach from a terminal, without Telegram.

It lives in `bot/` because it is an edge like the bot: it reads the clock and hands
`now` to the pure domain.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime

from coach_rules import History, ParseError, Profile, Units, evaluate, explain, parse_report, render
from coach_rules.explain import source_table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="walk-coach", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prescribe = sub.add_parser("prescribe", help="print the prescription for a report")
    prescribe.add_argument("report", nargs="+", help="e.g. 'long run 20 mi 3:05'")
    prescribe.add_argument("--units", choices=[u.value for u in Units], default=Units.KM.value)
    prescribe.add_argument("--goal", type=int, default=8000, help="daily step goal")
    prescribe.add_argument("--weight", type=float, default=None, help="body weight in kg")
    sub.add_parser("sources", help="print the source table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for a report the coach cannot use)."""
    args = _parser().parse_args(argv)
    if args.command == "sources":
        print(source_table())
        return 0
    units = Units(args.units)
    now = datetime.now().astimezone()
    report = parse_report(" ".join(args.report), units, now)
    if isinstance(report, ParseError):
        print(f"walk-coach: {report.message}", file=sys.stderr)
        return 2
    profile = Profile(units=units, step_goal=args.goal, weight_kg=args.weight)
    prescription = evaluate(report, History(), profile, now)
    print(render(prescription))
    print("\nWhy, rule by rule:\n")
    print(explain(prescription))
    return 0


if __name__ == "__main__":
    sys.exit(main())
