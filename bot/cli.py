"""``buurtbot``: run the bot, try it on the sandbox, check the settings (and more subcommands).

Every failure a person can cause (a missing file, a wrong setting) ends with one clear line and
exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from bot.cli_exit import fail
from bot.config import (
    Config,
    ConfigError,
    load_config,
    require_channels,
    require_token,
    whatsapp_env_present,
)
from bot.store.db import DatabaseUnavailable

#: Feature modules add subcommands here: name → (help, add_arguments, run(args) -> int).
EXTRA_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None],
                                Callable[[argparse.Namespace], int]]] = {}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buurtbot",
        description="Buurtbot: the chat bot (Telegram and WhatsApp) of the BuurtWerkKamers in "
        "Utrecht.",
    )
    parser.add_argument(
        "--config", help="settings file (default: $BUURTBOT_CONFIG or ./buurtbot.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot: Telegram (long polling or webhook) and/or "
                   "WhatsApp (webhook)",
                   description="Run the bot against the Bot API in bot.api_url: long polling, "
                   "or a webhook when bot.webhook_url is set; with [web], also /healthz and "
                   "the calendar feed; with [whatsapp], the WhatsApp webhook on "
                   "whatsapp.webhook_port. Telegram alone, WhatsApp alone or both. Stops "
                   "gracefully on SIGINT/SIGTERM.")
    demo = sub.add_parser(
        "demo",
        help="run the bot on the built-in sandbox with demo data (no Telegram needed)",
        description="Start the loopback Telegram sandbox, seed a fresh demo database and run "
        "the bot against it.",
    )
    demo.add_argument("--port", type=int, help="port of the sandbox (default: demo.port)")
    demo.add_argument("--once", action="store_true",
                      help="play the scripted walk-through, print it and stop")
    sub.add_parser("check-config", help="validate the settings file and exit",
                   description="Validate the settings file without starting the bot.")
    for name, (help_text, add_args, _run) in EXTRA_COMMANDS.items():
        add_args(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _load(args: argparse.Namespace, *, demo: bool = False) -> Config:
    if demo:
        from bot.demo import demo_config

        return demo_config(args.config)
    return load_config(args.config)


def main(argv: list[str] | None = None) -> int:
    _register_extra_commands()
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # fontTools logs every glyph subset at INFO while fpdf2 embeds the report's fonts.
    for noisy in ("httpx", "apscheduler", "telegram.ext.Updater", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "check-config":
            config = _load(args)
            if config.token:
                require_token(config)  # a mistyped token is found now, not at `run`
            print(f"{config.source}: OK ({len(config.rooms)} rooms: "
                  f"{', '.join(r.name for r in config.rooms.values())}; "
                  f"{channels_line(config)})")
            for note in config_notes(config):
                print(f"note: {note}")
            return 0
        if args.command == "run":
            config = _load(args)
            require_channels(config)
            from bot.runner import run

            return run(config)
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo(args)
        _help, _add, run = EXTRA_COMMANDS[args.command]
        return run(args)
    except (ConfigError, DatabaseUnavailable) as exc:
        return fail(f"buurtbot: {exc}")
    except KeyboardInterrupt:
        return 0


def channels_line(config: Config) -> str:
    """Which channels ``run`` would use, in words (check-config, doctor)."""
    parts = []
    if config.telegram:
        parts.append("Telegram by " + ("webhook" if config.webhook_url else "long polling"))
    if config.whatsapp is not None:
        wa = config.whatsapp
        parts.append(f"WhatsApp webhook on {wa.webhook_host}:{wa.webhook_port}"
                     f"{wa.webhook_path}")
    return " and ".join(parts) if parts else "no channel yet"


def config_notes(config: Config) -> list[str]:
    """What is not wrong yet but will stop ``run`` or surprise the operator."""
    notes = []
    if not config.telegram and config.whatsapp is None:
        notes.append("no channel yet: set bot.token (or BUURTBOT_TOKEN) for Telegram, or a "
                     "[whatsapp] table for WhatsApp, before `run`")
    if not config.telegram and config.whatsapp is not None \
            and any(c < 1 << 53 for c in config.coordinators):
        notes.append("bot.coordinators are Telegram user ids and Telegram is off: they "
                     "cannot reach the bot (name them by their WhatsApp number, "
                     "\"+31612345678\", or add bot.token to run both)")
    if config.whatsapp is None and (present := whatsapp_env_present()):
        notes.append(f"{', '.join(present)} set, but there is no [whatsapp] table: WhatsApp "
                     "stays off (add an empty [whatsapp] table to use them)")
    return notes


def _register_extra_commands() -> None:
    """Import feature CLIs so they can add themselves (calendar, report, backup...)."""
    import importlib

    for module in ("bot.cli_calendar", "bot.cli_report", "bot.cli_backup", "bot.cli_doctor",
                   "bot.cli_qr", "bot.cli_whatsapp"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


if __name__ == "__main__":
    sys.exit(main())
