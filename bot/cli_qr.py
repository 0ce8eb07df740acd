"""``buurtbot qr``: the A4 sign for a room's door, with the QR code of the bot's deep link.

    buurtbot qr --room top [--format png|svg|pdf] [--out FILE] [--username NAME]

The bot's username comes from ``--username``, ``bot.username`` or Telegram (getMe). With
``whatsapp.display_number`` the sign has the WhatsApp code too (WhatsApp alone: only that one,
and no username is needed).
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
from bot.services.ops_door_sign import FORMATS, SignError, render, sign_links, undrawable

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
    number = config.whatsapp.display_number if config.whatsapp is not None else ""
    username = None
    if not config.telegram and config.whatsapp is not None and not number:
        raise ConfigError(f"{config.source}: whatsapp.display_number is not set: the sign needs "
                          "it for the WhatsApp QR code (the number as residents see it, "
                          '"+31 6 1234 5678")')
    if config.telegram or not number:  # WhatsApp alone: a Telegram code would not answer
        username = (args.username or config.bot_username or
                    asyncio.run(_username_from_telegram(config))).lstrip("@")
        if not is_bot_username(username):
            raise ConfigError(f"--username {username!r} is not {BOT_USERNAME_RULE}")
    if config.whatsapp is not None and not number:
        print("buurtbot qr: note: set whatsapp.display_number to put the WhatsApp QR code on "
              "the sign too", file=sys.stderr)
    links = sign_links(config, room, username)
    try:
        data = render(room, links, args.format)
    except SignError as exc:
        return fail(f"buurtbot qr: {exc}")
    out = Path(args.out or f"qr-{room.id}.{args.format}")
    try:
        out.write_bytes(data)
    except OSError as exc:
        return fail(f"buurtbot qr: cannot write {out}: {exc.strerror}")
    if len(links) == 1:
        print(f"written: {out} (A4; the QR code opens {links[0].url})")
    else:
        opens = "; ".join(f"{link.channel} {link.url}" for link in links)
        print(f"written: {out} (A4; two QR codes: {opens})")
    missing = undrawable() if args.format != "svg" else []
    if missing:
        names = ", ".join(f"{LANGUAGES[lang]} ({lang})" for lang in missing)
        print(f"buurtbot qr: warning: no font on this machine has the letters of {names}, so "
              f"that line is left off the sign: `sudo apt install {GEEZ_PACKAGE}`, or use "
              "--format svg", file=sys.stderr)
    return 0


EXTRA_COMMANDS["qr"] = (HELP, add_arguments, run)
