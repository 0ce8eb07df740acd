"""``buurtbot backup`` and ``buurtbot restore``: a verified copy now, and putting one back.

    buurtbot backup [--to DIR] [--encrypt]
    buurtbot restore FILE [--yes]

The copy is made with SQLite's online backup API, so it is safe while the bot runs. Restore
checks the file first (integrity, schema version, passphrase) and refuses while a bot runs on
the database; the database it replaces is kept beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli import EXTRA_COMMANDS
from bot.cli_exit import fail
from bot.clock import Clock
from bot.config import ConfigError, load_config
from bot.instance_lock import AlreadyRunning, InstanceLock
from bot.services import backup as backups

BACKUP_HELP = "make a verified copy of the database now (safe while the bot runs)"
RESTORE_HELP = "put a backup back in place of the database (the bot must be stopped)"


def _fail(message: str) -> int:
    return fail(f"buurtbot: {message}")


def add_backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", metavar="DIR", help="folder for the copy (default: [backup] dir)")
    parser.add_argument("--encrypt", action="store_true",
                        help=f"encrypt with the passphrase in ${backups.PASSPHRASE_ENV} "
                        "(always on with [backup] encrypt = true)")


def run_backup(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    settings = config.backup
    folder = args.to or (settings.dir if settings else None)
    if not folder:
        raise ConfigError(f"{config.source}: give --to DIR, or set dir in [backup]")
    encrypt = args.encrypt or bool(settings and settings.encrypt)
    passphrase = config.backup_passphrase if encrypt else None
    if encrypt and not passphrase:
        return _fail(f"--encrypt needs the passphrase in {backups.PASSPHRASE_ENV}")
    now = Clock().now()
    try:
        path = backups.make_backup(config.database, folder, now, passphrase=passphrase)
    except backups.BackupError as exc:
        return _fail(f"backup failed: {exc} (older backups are untouched)")
    removed = []
    if settings and not args.to:
        removed = backups.rotate(folder, settings.daily, settings.weekly, now.date())
    print(f"backup written and checked: {path}")
    if removed:
        print(f"removed {len(removed)} old backup(s) (keeping {settings.daily} daily, "  # type: ignore[union-attr]
              f"{settings.weekly} weekly)")  # type: ignore[union-attr]
    return 0


def add_restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a backup made by `buurtbot backup` (.db or .db.enc)")
    parser.add_argument("--yes", action="store_true", help="do not ask before replacing")


def run_restore(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    database = Path(config.database)
    try:
        lock = InstanceLock(database).acquire()
    except AlreadyRunning:
        return _fail(f"a bot is running on {database}: stop it first "
                     "(sudo systemctl stop buurtbot), then restore")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        try:
            plain = backups.prepare_restore(args.file, database.parent,
                                            config.backup_passphrase or None)
        except backups.BackupError as exc:
            return _fail(f"cannot restore {args.file}: {exc}")
        version = backups.check_database(plain)
        if database.exists() and not args.yes:
            if not sys.stdin.isatty():
                plain.unlink()
                return _fail(f"{database} exists; add --yes to replace it")
            answer = input(f"Replace {database} with {args.file}? [y/N] ").strip().lower()
            if answer not in ("y", "yes", "j", "ja"):
                plain.unlink()
                print("nothing changed")
                return 1
        previous = backups.install_restored(plain, database, Clock().now())
    finally:
        lock.release()
    print(f"restored {args.file} into {database} (schema version {version}; newer migrations "
          "are applied at the next start)")
    if previous:
        print(f"the database it replaced is kept as {previous}")
    return 0


EXTRA_COMMANDS["backup"] = (BACKUP_HELP, add_backup_arguments, run_backup)
EXTRA_COMMANDS["restore"] = (RESTORE_HELP, add_restore_arguments, run_restore)
