"""``buurtbot calendar``: a room's programme as an .ics file, or a printable A4 page.

    buurtbot calendar --room top [--weeks 8] [--output top.ics]
    buurtbot calendar --print [--room top] [--week 2026-12-07] [--lang nl] [--output week.html]

Reads the same database as the bot (so cancelled and moved dates are right) and seeds the
programme file into it first if the bot never ran. Bad input: one clear line, exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, time, timedelta
from pathlib import Path

from bot.cli import EXTRA_COMMANDS
from bot.cli_exit import fail
from bot.clock import Clock
from bot.config import load_config
from bot.i18n import LANGUAGES, translator
from bot.services.calendar import local_moment, week_start
from bot.services.calendar_programme import ProgrammeError
from bot.services.calendar_render import ics, print_page, print_section

HELP = "write a room's programme as an .ics calendar file, or a printable A4 page (--print)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", help="room id from the settings (for .ics: required)")
    parser.add_argument("--weeks", type=int, default=None,
                        help="how many weeks the .ics covers (default: the programme horizon)")
    parser.add_argument("--print", dest="printable", action="store_true",
                        help="write a one-page A4 HTML programme per room for the noticeboard")
    parser.add_argument("--week", help="the week to print: any date in it, YYYY-MM-DD "
                        "(default: next week)")
    parser.add_argument("--lang", default="nl", help="language: nl, en, ar or tr (default nl)")
    parser.add_argument("--output", "-o", help="file to write (default: standard output)")


class BadInput(Exception):
    """One line for the person at the keyboard."""


def run(args: argparse.Namespace) -> int:
    try:
        data = asyncio.run(_build(args))
    except BadInput as exc:
        return fail(f"buurtbot calendar: {exc}")
    except ProgrammeError as exc:
        return fail(f"buurtbot: {exc}")
    if args.output:
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            print(f"buurtbot calendar: cannot write {args.output}: {exc.strerror}",
                  file=sys.stderr)
            return 2
        print(f"written: {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


async def _build(args: argparse.Namespace) -> bytes:
    config = load_config(args.config)
    if args.room is not None and args.room not in config.rooms:
        raise BadInput(f"unknown room {args.room!r} (rooms: {', '.join(config.rooms)})")
    if args.lang not in LANGUAGES:
        raise BadInput(f"unknown language {args.lang!r} (choose from {', '.join(LANGUAGES)})")
    if not args.printable and args.room is None:
        raise BadInput("--room is required for an .ics file (or use --print)")
    if args.weeks is not None and not 1 <= args.weeks <= 52:
        raise BadInput(f"--weeks must be between 1 and 52 (got {args.weeks})")
    if args.weeks is not None and args.printable:
        raise BadInput("--weeks is for .ics files; --print makes one week (choose it with --week)")
    week = None
    if args.week is not None:
        try:
            week = date.fromisoformat(args.week)
        except ValueError:
            raise BadInput(f"--week: expected a date like 2026-12-07, got {args.week!r}") from None

    from bot.services import Services
    from bot.store.db import Database

    clock = Clock()
    services = Services(config, Database(config.database), clock)
    await services.start()
    try:
        t = translator(args.lang)
        calendar = services.calendar
        if args.printable:
            monday = week_start(week) if week else week_start(clock.today()) + timedelta(days=7)
            rooms = [config.rooms[args.room]] if args.room else list(config.rooms.values())
            sections = [print_section(t, room, monday, await calendar.week(room.id, monday))
                        for room in rooms]
            return print_page(t, sections).encode("utf-8")
        room = config.rooms[args.room]
        start = local_moment(week_start(week or clock.today()), time(0))
        weeks = args.weeks or calendar.horizon_weeks
        entries = await calendar.entries(room.id, start, start + timedelta(weeks=weeks))
        return ics(t, room, entries, clock.now())
    finally:
        await services.stop()


EXTRA_COMMANDS["calendar"] = (HELP, add_arguments, run)

