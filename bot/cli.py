"""`walk-coach`: the one command line. Run the bot, look after its data folder, or try the
coach without Telegram.

    walk-coach run                      the bot (polling, or webhook mode when configured)
    walk-coach check                    settings and data folder, no network
    walk-coach health                   is the running bot alive? (container health check)
    walk-coach backup PATH.tar.gz       every runner and club, safe while the bot runs
    walk-coach restore PATH.tar.gz      into an empty data folder
    walk-coach prescribe "long run 20 mi 3:05" [--units mi]
    walk-coach sources                  the sources the coach cites
    walk-coach import FILE... [--dry-run] [--user ID]   watch files (FIT, GPX, TCX, zip)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot import ops
from bot.settings import SettingsError, data_dir_setting, load_settings
from bot.timezones import resolve_timezone
from coach_rules import History, ParseError, Profile, Units, evaluate, explain, parse_report, render
from coach_rules.explain import logged_line, source_table
from coach_rules.params import DEFAULT_PARAMS
from coach_rules.validate import Ask

# The commands that talk to (or check) the bot, and so need the settings, a token among them.
NEEDS_SETTINGS = ("run", "check", "health")
# The commands that only need the data folder.
NEEDS_DATA = ("backup", "restore")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="walk-coach",
        description="Walk Coach: a Telegram bot that coaches runners to walk more.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (polling, or webhook mode when WEBHOOK_URL is set)")
    sub.add_parser("check", help="validate the settings and the data folder (no network)")
    sub.add_parser("health", help="exit 0 while the running bot's scheduler ticks")
    backup = sub.add_parser("backup", help="archive every runner and club (safe while running)")
    backup.add_argument("path", type=Path, help="the archive to write, e.g. backup.tar.gz")
    restore = sub.add_parser("restore", help="unpack a backup into an empty data folder")
    restore.add_argument("path", type=Path, help="an archive written by backup")
    prescribe = sub.add_parser("prescribe", help="print the prescription for a report")
    prescribe.add_argument("report", nargs="+", help="e.g. 'long run 20 mi 3:05'")
    prescribe.add_argument("--units", choices=[u.value for u in Units], default=Units.KM.value)
    prescribe.add_argument(
        "--goal", type=int, default=DEFAULT_PARAMS.step_floor, help="daily step goal"
    )
    prescribe.add_argument("--weight", type=float, default=None, help="body weight in kg")
    sub.add_parser("sources", help="print the source table")
    files = sub.add_parser(
        "import", help="read watch files (FIT, GPX, TCX, .gz, .zip) as the bot would"
    )
    files.add_argument("files", nargs="+", type=Path, help="activity files or a zip of them")
    files.add_argument("--dry-run", action="store_true", help="print what it reads; store nothing")
    files.add_argument("--user", type=int, help="the runner's Telegram id, to store in their log")
    files.add_argument("--units", choices=[u.value for u in Units], default=Units.KM.value)
    files.add_argument("--tz", default="UTC", help="time zone for a dry run, e.g. Europe/Berlin")
    return parser


def _prescribe(args: argparse.Namespace) -> int:
    units = Units(args.units)
    # The terminal's own zone: this is the one place outside the bot that reads the clock.
    now = datetime.now().astimezone()
    report = parse_report(" ".join(args.report), units, now)
    if isinstance(report, ParseError):
        print(f"walk-coach: {report.message}", file=sys.stderr)
        return 2
    if isinstance(report, Ask):
        readings = "; ".join(f"'{words}'" for _, words in report.options)
        print(f"walk-coach: {report.question} Say which: {readings}", file=sys.stderr)
        return 2
    profile = Profile(units=units, step_goal=args.goal, weight_kg=args.weight)
    prescription = evaluate(report, History(), profile, now)
    print(logged_line(report, units, now.date()))  # the line the bot would echo
    print(render(prescription))
    print("\nWhy, rule by rule:\n")
    print(explain(prescription))
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.files.commandline import import_files  # the file libraries: only when asked

    if resolve_timezone(args.tz) is None:
        print(f"walk-coach: unknown time zone {args.tz!r} (try Europe/Berlin)", file=sys.stderr)
        return 2
    zone = resolve_timezone(args.tz) or "UTC"
    return import_files(
        args.files, data_dir_setting(), args.user, args.dry_run, Units(args.units), zone
    )


def _with_settings(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"walk-coach: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return ops.run(settings)
    if args.command == "check":
        return ops.check(settings)
    return ops.health(settings)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad settings or a report it cannot use)."""
    args = _parser().parse_args(argv)
    if args.command in NEEDS_SETTINGS:
        return _with_settings(args)
    if args.command == "backup":
        return ops.backup(data_dir_setting(), args.path)
    if args.command == "restore":
        return ops.restore(data_dir_setting(), args.path)
    if args.command == "sources":
        print(source_table())
        return 0
    if args.command == "import":
        return _import(args)
    return _prescribe(args)


if __name__ == "__main__":
    sys.exit(main())
