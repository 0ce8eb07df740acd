"""``buurtbot qr``: the A4 sign for a room's door, with the QR code of the bot's deep link.

    buurtbot qr --room top [--format png|svg|pdf] [--out FILE] [--username NAME]

The bot's username comes from ``--username``, ``bot.username`` or Telegram (getMe).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp

from bot.cli import EXTRA_COMMANDS
from bot.cli_exit import fail
from bot.config import BOT_USERNAME_RULE, Config, ConfigError, is_bot_username, load_config
from bot.fonts import GEEZ_PACKAGE
from bot.i18n import LANGUAGES
from bot.services.ops_door_sign import FORMATS, SignError, deep_link, render, undrawable

HELP = "make the printable A4 sign for a room's door, with a QR code that opens the bot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", required=True, help="room id from the settings, e.g. top")
    parser.add_argument("--format", choices=FORMATS, default="pdf", help="default: pdf")
    parser.add_argument("--out", metavar="FILE", help="default: qr-<room>.<format>")
    parser.add_argument("--username", help="the bot's @username (default: bot.username, or "
                        "asked of Telegram)")


async def _username_from_telegram(config: Config) -> str:
    if not config.token:
        raise ConfigError(f"{config.source}: set bot.username (or bot.token, to ask Telegram)")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http, \
                http.get(f"{config.api_url}{config.token}/getMe") as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise ConfigError(f"cannot reach {config.api_url} to ask the bot's name: set "
                          "bot.username or give --username") from None
    if not body.get("ok"):
        raise ConfigError(f"Telegram refuses the token ({body.get('description')})")
    return str(body["result"]["username"])


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    room = config.room(args.room)
    if room is None:
        raise ConfigError(f"unknown room {args.room!r} (known: {', '.join(config.rooms)})")
    username = (args.username or config.bot_username or
                asyncio.run(_username_from_telegram(config))).lstrip("@")
    if not is_bot_username(username):
        raise ConfigError(f"--username {username!r} is not {BOT_USERNAME_RULE}")
    link = deep_link(username, room.id)
    try:
        data = render(room, link, args.format)
    except SignError as exc:
        return fail(f"buurtbot qr: {exc}")
    out = Path(args.out or f"qr-{room.id}.{args.format}")
    try:
        out.write_bytes(data)
    except OSError as exc:
        return fail(f"buurtbot qr: cannot write {out}: {exc.strerror}")
    print(f"written: {out} (A4; the QR code opens {link})")
    missing = undrawable() if args.format != "svg" else []
    if missing:
        names = ", ".join(f"{LANGUAGES[lang]} ({lang})" for lang in missing)
        print(f"buurtbot qr: warning: no font on this machine has the letters of {names}, so "
              f"that line is left off the sign: `sudo apt install {GEEZ_PACKAGE}`, or use "
              "--format svg", file=sys.stderr)
    return 0


EXTRA_COMMANDS["qr"] = (HELP, add_arguments, run)
