"""``buurtbot run``: the bot against Telegram, as a service runs it.

In order: take the database's instance lock (a second bot is refused with one line), back the
database up if migrations are pending, start the web server when ``[web]`` is configured (a
taken port is one line and exit 2), receive updates by long polling or by webhook, and on
SIGINT or SIGTERM stop gracefully: handlers finish, conversations and drafts are written, the
outbox keeps what was not sent for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
from pathlib import Path

from bot.cli_exit import fail
from bot.clock import Clock
from bot.config import Config
from bot.instance_lock import AlreadyRunning, InstanceLock
from bot.services import backup as backups
from bot.store import maintenance
from bot.store.db import DatabaseUnavailable, check_usable, migration_files

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StartError(Exception):
    """The bot cannot start; the message is one clear line."""


def pending_migrations(database: str | Path) -> list[int]:
    """Migration numbers not yet applied to an existing database ([] for a new one)."""
    path = Path(database)
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        conn = maintenance.open_read_only(path)
        try:
            done = maintenance.applied_migrations(conn)
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise StartError(f"cannot read {path}: {exc}") from None
        done = set()
    except sqlite3.DatabaseError as exc:
        raise StartError(f"{path} is not a database ({exc}); restore a backup") from None
    return [number for number, _name, _sql in migration_files() if number not in done]


def backup_before_migrating(config: Config, clock: Clock) -> Path | None:
    """A verified backup before the schema changes (into ``[backup] dir``, else ``backups/``
    beside the database), so an upgrade that goes wrong can be undone."""
    pending = pending_migrations(config.database)
    if not pending:
        return None
    folder = config.backup.dir if config.backup else str(Path(config.database).parent /
                                                          "backups")
    passphrase = (config.backup_passphrase if config.backup and config.backup.encrypt
                  else None)
    try:
        path = backups.make_backup(config.database, folder, clock.now(), passphrase=passphrase,
                                   before_upgrade=True)
    except backups.BackupError as exc:
        raise StartError(f"not upgrading the database without a backup first: {exc}") from None
    log.info("backup before migrations %s: %s", pending, path)
    return path


async def serve(config: Config, *, clock: Clock | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by SIGINT/SIGTERM when not given)."""
    from bot.app import build_application
    from bot.inbox.telegram import Polling
    from bot.web import WebServer, webhook_secret

    app = build_application(config, clock=clock)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    server: WebServer | None = None
    polling: Polling | None = None
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        if config.web is not None:
            server = WebServer(app, webhook=bool(config.webhook_url))
            await server.start()
        # The application first: it handles what the inbox kept from the last run before new
        # updates are fetched (see bot.inbox).
        await app.start()
        if config.webhook_url:
            await app.bot.set_webhook(config.webhook_url,
                                      secret_token=webhook_secret(config.token),
                                      allowed_updates=ALLOWED_UPDATES)
            app.services.ops.webhook_mode = True
            log.info("receiving updates by webhook at %s", config.webhook_url)
        else:
            polling = Polling(app, allowed_updates=ALLOWED_UPDATES)
            await polling.start()
        log.info("buurtbot is running; stop with Ctrl+C or SIGTERM")
        await stop.wait()
        log.info("stopping: finishing handlers, saving conversations")
    finally:
        if polling is not None:
            await polling.stop()
        if server is not None:  # first: Telegram keeps webhook updates it cannot deliver
            await server.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def run(config: Config) -> int:
    """The ``run`` subcommand (after the settings were loaded and the token checked)."""
    from bot.web import WebServerError

    try:
        check_usable(config.database)
    except DatabaseUnavailable as exc:
        return fail(f"buurtbot: {exc}")
    try:
        lock = InstanceLock(config.database).acquire()
    except AlreadyRunning as exc:
        return fail(f"buurtbot: {exc}")
    except OSError as exc:
        return fail(f"buurtbot: cannot lock {config.database}: {exc.strerror}")
    from telegram.error import InvalidToken, NetworkError

    logging.getLogger("telegram.ext").addFilter(_no_bootstrap_traceback)
    try:
        backup_before_migrating(config, Clock())
        asyncio.run(serve(config))
    except (StartError, WebServerError) as exc:
        return fail(f"buurtbot: {exc}")
    # Telegram refusing the token, or not answering at all when the bot starts, is a start-up
    # failure like a wrong setting: one line (never the token), code 2. Once running, PTB
    # itself rides out network trouble.
    except InvalidToken:
        print(f"buurtbot: {config.source}: Telegram refused the token (bot.token or "
              "BUURTBOT_TOKEN); copy it again from @BotFather", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"buurtbot: cannot reach the Bot API at {config.api_url.rstrip('/')}... "
              f"({_reason(exc)}); check the internet connection and bot.api_url "
              "(BUURTBOT_API_URL)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        lock.release()
    return 0


def _no_bootstrap_traceback(record: logging.LogRecord) -> bool:
    """PTB logs a failed start with a traceback that holds the token; the line printed by
    :func:`run` replaces it."""
    return not record.getMessage().startswith("Network Retry Loop (Bootstrap")


def _reason(exc: Exception) -> str:
    """The error without the request URL (which holds the token)."""
    text = str(exc).split(": ", 1)[-1] if str(exc).startswith("httpx.") else str(exc)
    return text.split(" for url ", 1)[0][:120]
