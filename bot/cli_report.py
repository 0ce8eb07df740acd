"""``buurtbot report``: the funder report on the command line (CSV, Markdown or XLSX).

Text formats go to standard output unless ``--output`` is given; XLSX always goes to a file.
Every mistake (a future year, an unknown room, an empty period) ends with one clear line and
exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli import EXTRA_COMMANDS
from bot.clock import Clock
from bot.config import Config, load_config
from bot.i18n import LANGUAGES, translator
from bot.services.tally import Period, ReportError, compute_report, parse_day
from bot.services.tally_export import to_csv, to_markdown, to_xlsx
from bot.store.db import Database

HELP = "make the participation report for the funders (per room, category and period)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    when = parser.add_argument_group("period (one of)")
    when.add_argument("--year", type=int, help="a calendar year, e.g. 2021")
    when.add_argument("--month", help="a month, e.g. 2021-03")
    when.add_argument("--quarter", help="a quarter, e.g. 2021-Q1")
    when.add_argument("--from", dest="date_from", metavar="DATE",
                      help="first day (2021-03-01 or 1-3-2021); needs --to")
    when.add_argument("--to", dest="date_to", metavar="DATE", help="last day, inclusive")
    parser.add_argument("--room", action="append", metavar="ID",
                        help="only this room (room id from the settings; may be repeated)")
    parser.add_argument("--format", choices=("csv", "xlsx", "md"), default="csv",
                        help="csv (default), md (Markdown) or xlsx (a spreadsheet file)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write to FILE (default: standard output; for xlsx a file "
                             "named after the period)")
    parser.add_argument("--lang", choices=tuple(LANGUAGES), default="nl",
                        help="language of the labels (default: nl)")


class UsageError(Exception):
    """A wrong combination of options: one clear line, exit code 2."""


def period_from_args(args: argparse.Namespace) -> Period:
    chosen = [name for name in ("year", "month", "quarter") if getattr(args, name)]
    custom = args.date_from is not None or args.date_to is not None
    if len(chosen) + custom != 1:
        raise UsageError("give exactly one period: --year, --month, --quarter or --from/--to")
    try:
        if args.year is not None:
            return Period.year(args.year)
        if args.month:
            if "-Q" in args.month.upper():
                raise ReportError(ReportError.INVALID, args.month)
            return Period.parse(args.month)
        if args.quarter:
            if "-Q" not in args.quarter.upper():
                raise ReportError(ReportError.INVALID, args.quarter)
            return Period.parse(args.quarter)
    except (ReportError, ValueError):
        raise UsageError(
            "not a valid period (use --year 2021, --month 2021-03 or --quarter 2021-Q1)"
        ) from None
    if args.date_from is None or args.date_to is None:
        raise UsageError("--from and --to go together")
    start, end = parse_day(args.date_from), parse_day(args.date_to)
    if start is None or end is None:
        raise UsageError("not a date (use 2021-03-31 or 31-3-2021)")
    return Period(start, end)


def _explain(exc: ReportError, period: Period, config: Config) -> str:
    if exc.reason == ReportError.FUTURE:
        return f"the period {period.key} has not started yet; nothing to report"
    if exc.reason == ReportError.ORDER:
        return "--to is before --from"
    if exc.reason == ReportError.TOO_EARLY:
        return f"the period {period.key} is before the bot's records can start"
    if exc.reason == ReportError.UNKNOWN_ROOM:
        return f"unknown room {exc.detail!r} (rooms: {', '.join(config.rooms)})"
    if exc.reason == ReportError.EMPTY:
        return (f"no participation was recorded in {period.start.isoformat()} .. "
                f"{period.end.isoformat()} for these rooms; no report made")
    return str(exc)


async def _make(config: Config, period: Period, rooms: list[str]):
    clock = Clock()
    checked = period.checked(clock.now().date())
    db = Database(config.database)
    await db.connect()
    try:
        async with db.transaction() as conn:
            report = await compute_report(conn, config, checked, rooms, clock.now())
    finally:
        await db.close()
    if report.is_empty:
        raise ReportError(ReportError.EMPTY)
    return report


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        period = period_from_args(args)
    except UsageError as exc:
        print(f"buurtbot report: {exc}", file=sys.stderr)
        return 2
    rooms = list(dict.fromkeys(args.room)) if args.room else list(config.rooms)
    try:
        for room in rooms:
            if room not in config.rooms:
                raise ReportError(ReportError.UNKNOWN_ROOM, room)
        if config.database != ":memory:" and not Path(config.database).exists():
            print(f"buurtbot report: database not found: {config.database}", file=sys.stderr)
            return 2
        report = asyncio.run(_make(config, period, rooms))
    except ReportError as exc:
        print(f"buurtbot report: {_explain(exc, period, config)}", file=sys.stderr)
        return 2
    t = translator(args.lang)
    if args.format == "xlsx":
        target = Path(args.output or f"buurtbot-rapport-{report.period.key}.xlsx")
        target.write_bytes(to_xlsx(t, report))
        print(f"written: {target}", file=sys.stderr)
        return 0
    text = to_csv(t, report) if args.format == "csv" else to_markdown(t, report)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"written: {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if report.period.end < period.end:
        print(f"note: counted up to today ({report.period.end.isoformat()})", file=sys.stderr)
    return 0


EXTRA_COMMANDS["report"] = (HELP, add_arguments, run)
