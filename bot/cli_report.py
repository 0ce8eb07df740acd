"""``buurtbot report``: the offer's performance table on the command line (PDF, XLSX, CSV,
Markdown), and ``buurtbot report set`` to enter a value the bot cannot count.

Text formats go to standard output unless ``--output`` is given; PDF and XLSX always go to a
file. Every mistake (a future year, an unknown room or indicator, a value that makes no sense)
ends with one clear line and exit code 2, and stores nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli import EXTRA_COMMANDS
from bot.cli_exit import fail
from bot.clock import Clock
from bot.config import Config, load_config
from bot.i18n import LANGUAGES, translator
from bot.indicators_catalog import BY_KEY, INDICATORS
from bot.services.indicators import ALL, IndicatorError, ReportTable
from bot.services.tally import Period, ReportError, compute_report, parse_day
from bot.store.db import Database

HELP = ("make the performance table for the funders (the offer's 27 indicators per room), "
        "or enter a value the bot cannot count ('report set')")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("set",),
                        help="'set': enter a value (with --room, --indicator, --period, "
                             "--value)")
    entered = parser.add_argument_group("report set")
    enterable = ", ".join(i.key for i in INDICATORS if i.enterable)
    entered.add_argument("--indicator", metavar="KEY", help=f"one of: {enterable}")
    entered.add_argument("--period", metavar="PERIOD",
                         help="2026, 2026-Q1 or 2026-03 (what the value is about)")
    entered.add_argument("--value", metavar="VALUE",
                         help="a number (180), a share (2.5 or 2,5 for 2.5%%), or positive / "
                              "negative for the budget lines")
    entered.add_argument("--note", metavar="TEXT",
                         help="a short anonymous note (placements: what kind of place; no "
                              "names)")
    when = parser.add_argument_group("period (one of)")
    when.add_argument("--year", type=int, help="a calendar year, e.g. 2021")
    when.add_argument("--month", help="a month, e.g. 2021-03")
    when.add_argument("--quarter", help="a quarter, e.g. 2021-Q1")
    when.add_argument("--from", dest="date_from", metavar="DATE",
                      help="first day (2021-03-01 or 1-3-2021); needs --to")
    when.add_argument("--to", dest="date_to", metavar="DATE", help="last day, inclusive")
    parser.add_argument("--room", action="append", metavar="ID",
                        help="only this room (room id from the settings; may be repeated)")
    parser.add_argument("--format", choices=("pdf", "xlsx", "csv", "md"), default="csv",
                        help="csv (default), pdf (to send to a funder), xlsx (a spreadsheet "
                             "file) or md (Markdown)")
    parser.add_argument("--csv-style", choices=("excel-nl", "plain"), default=None,
                        help="excel-nl: ';' and decimal comma, for Dutch Excel (default for "
                             "--lang nl); plain: ',' (default for other languages)")
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


async def _make(config: Config, period: Period, room: str | None) -> ReportTable:
    from bot.services import Services

    clock = Clock()
    services = Services(config, Database(config.database), clock)
    await services.start()
    try:
        return await services.indicators.report(room, period)
    finally:
        await services.stop()


async def _has_records(config: Config, period: Period, rooms: list[str]) -> bool:
    db = Database(config.database)
    await db.connect()
    try:
        async with db.transaction() as conn:
            clock = Clock()
            report = await compute_report(conn, config, period.checked(clock.now().date()),
                                          rooms, clock.now())
        return not report.is_empty
    finally:
        await db.close()


async def _enter(config: Config, args: argparse.Namespace, period: Period) -> tuple[float, bool]:
    from bot.services import Services

    services = Services(config, Database(config.database), Clock())
    await services.start()
    try:
        return await services.indicators.enter(
            room=args.room[0], indicator=args.indicator, start=period.start, end=period.end,
            period_key=period.key, text=args.value, note=args.note)
    finally:
        await services.stop()


def _database_missing(config: Config) -> bool:
    return config.database != ":memory:" and not Path(config.database).exists()


def run_set(args: argparse.Namespace, config: Config) -> int:
    """``buurtbot report set --room top --indicator paying_members --period 2026 --value 180``"""
    missing = [f"--{n}" for n in ("room", "indicator", "period", "value")
               if not getattr(args, n)]
    if missing:
        return fail(f"buurtbot report set: missing {', '.join(missing)}")
    if len(args.room) != 1 or (args.room[0] not in config.rooms and args.room[0] != ALL):
        print(f"buurtbot report set: give one room (rooms: {', '.join(config.rooms)})",
              file=sys.stderr)
        return 2
    spec = BY_KEY.get(args.indicator)
    if spec is None or not spec.enterable:
        enterable = ", ".join(i.key for i in INDICATORS if i.enterable)
        why = "is counted by the bot itself" if spec else "is not an indicator"
        print(f"buurtbot report set: {args.indicator!r} {why}; you can enter: {enterable}",
              file=sys.stderr)
        return 2
    try:
        period = Period.parse(args.period)
        period.checked(Clock().now().date())
    except ReportError as exc:
        why = ("has not started yet" if exc.reason == ReportError.FUTURE
               else "is not a period (use 2026, 2026-Q1 or 2026-03)")
        return fail(f"buurtbot report set: {args.period!r} {why}")
    if _database_missing(config):
        return fail(f"buurtbot report set: database not found: {config.database}")
    try:
        value, replaced = asyncio.run(_enter(config, args, period))
    except IndicatorError as exc:
        if exc.reason == IndicatorError.BAD_NOTE and exc.detail == "personal":
            print("buurtbot report set: the note holds a phone number or e-mail address; "
                  "leave those out (a note is about the place, not the person)",
                  file=sys.stderr)
        elif exc.reason == IndicatorError.BAD_NOTE:
            print("buurtbot report set: the note is too long (200 characters at most)",
                  file=sys.stderr)
        else:
            hint = {"percent": "a share from 0 to 100", "score": "a score from 0 to 10",
                    "positive": "positive or negative"}.get(spec.kind, "a whole number")
            print(f"buurtbot report set: {args.value!r} is not a valid value here; give {hint}",
                  file=sys.stderr)
        return 2
    shown = int(value) if value.is_integer() else value
    print(f"{'replaced' if replaced else 'stored'}: {args.room[0]} {args.indicator} "
          f"{period.key} = {shown} (entered by the coordinator)")
    return 0


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.action == "set":
        return run_set(args, config)
    try:
        period = period_from_args(args)
    except UsageError as exc:
        return fail(f"buurtbot report: {exc}")
    rooms = list(dict.fromkeys(args.room)) if args.room else list(config.rooms)
    try:
        for room in rooms:
            if room not in config.rooms:
                raise ReportError(ReportError.UNKNOWN_ROOM, room)
        if len(rooms) > 1 and len(rooms) != len(config.rooms):
            raise UsageError("give one --room, or none for every room with the summary")
        if _database_missing(config):
            return fail(f"buurtbot report: database not found: {config.database}")
        room = rooms[0] if len(rooms) == 1 and args.room else None
        table = asyncio.run(_make(config, period, room))
        if not asyncio.run(_has_records(config, period, rooms)):
            print(f"note: no participation was recorded in {period.key} for these rooms",
                  file=sys.stderr)
    except UsageError as exc:
        return fail(f"buurtbot report: {exc}")
    except ReportError as exc:
        return fail(f"buurtbot report: {_explain(exc, period, config)}")
    t = translator(args.lang)
    from bot.services import report_pdf, report_render, report_xlsx

    if args.format in ("xlsx", "pdf"):
        if args.format == "pdf" and report_pdf.pdf_language(t.language) != t.language:
            print(f"note: the PDF is made in Dutch ({t.language} needs fonts this machine "
                  "lacks)", file=sys.stderr)
        target = Path(args.output or f"buurtbot-rapport-{table.period_key}.{args.format}")
        data = (report_xlsx.to_xlsx(t, table) if args.format == "xlsx"
                else report_pdf.to_pdf(t, table))
        target.write_bytes(data)
        print(f"written: {target}", file=sys.stderr)
    elif args.format == "csv":
        style = args.csv_style
        data = report_render.to_csv(
            t, table, dutch_excel=None if style is None else style == "excel-nl")
        if args.output:
            Path(args.output).write_bytes(data)
            print(f"written: {args.output}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
    else:
        text = report_render.to_markdown(t, table)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
            print(f"written: {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    if table.end < period.end:
        print(f"note: counted up to today ({table.end.isoformat()})", file=sys.stderr)
    return 0


EXTRA_COMMANDS["report"] = (HELP, add_arguments, run)
