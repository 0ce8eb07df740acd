"""``buurtbot run``: the bot against Telegram, as a service runs it.

In order: take the database's instance lock (a second bot is refused with one line), back the
database up if migrations are pending, start the web server when ``[web]`` is configured and
the WhatsApp webhook when ``[whatsapp]`` is (a taken port is one line and exit 2), receive
Telegram updates by long polling or by webhook (not at all on WhatsApp alone), and on SIGINT
or SIGTERM stop gracefully: first no more webhooks are taken, then handlers finish,
conversations and drafts are written, the outbox keeps what was not sent for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib
import logging
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli_exit import fail
from bot.clock import Clock
from bot.config import Config, WhatsAppSettings
from bot.instance_lock import AlreadyRunning, InstanceLock
from bot.services import backup as backups
from bot.store import maintenance
from bot.store.db import DatabaseUnavailable, check_usable, migration_files

if TYPE_CHECKING:
    from aiohttp import web

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


def whatsapp_web_app_factory() -> Callable[[Any], web.Application]:
    """``bot.inbox.whatsapp.make_web_app``: the aiohttp app of the WhatsApp webhook.

    Looked up when ``[whatsapp]`` is set, so a build without the WhatsApp inbox refuses to
    start with one line instead of running without its webhook.
    """
    try:
        module = importlib.import_module("bot.inbox.whatsapp")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.inbox.whatsapp":
            raise
        module = None
    make = getattr(module, "make_web_app", None)
    if make is None:
        raise StartError("this build of buurtbot cannot serve the WhatsApp webhook "
                         "(bot.inbox.whatsapp.make_web_app is missing); remove [whatsapp] "
                         "or upgrade")
    return make


class WhatsAppWebhook:
    """The WhatsApp webhook's own listener, on ``whatsapp.webhook_host:webhook_port``.

    The socket is taken first (:meth:`bind`, before the application starts: a port in use is
    one line and exit 2 before anything else happens), and served only after the application
    has handled what the inbox kept (:meth:`start`). Meta's deliveries in between wait in the
    socket's backlog: none is refused, none is handled before an older one.
    """

    def __init__(self, app: Any, settings: WhatsAppSettings,
                 make_web_app: Callable[[Any], web.Application]) -> None:
        self.app = app
        self.settings = settings
        self.make_web_app = make_web_app
        self._sock: socket.socket | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    def bind(self) -> None:
        host, port = self.settings.webhook_host, self.settings.webhook_port
        try:
            family, kind, proto, _name, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            raise StartError(f"the WhatsApp webhook cannot listen on {host}:{port}: "
                             f"{exc.strerror or exc}; check whatsapp.webhook_host") from None
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(128)
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            reason = ("the port is already in use (is another program or a second bot using "
                      "it?)" if exc.errno == errno.EADDRINUSE else exc.strerror or exc)
            raise StartError(f"the WhatsApp webhook cannot listen on {host}:{port}: {reason}; "
                             "change whatsapp.webhook_port (BUURTBOT_WHATSAPP_WEBHOOK_PORT)"
                             ) from None
        self._sock = sock
        self.port = sock.getsockname()[1]

    async def start(self) -> None:
        from aiohttp import web

        if self._sock is None:
            self.bind()
        assert self._sock is not None
        self._runner = web.AppRunner(self.make_web_app(self.app), access_log=None,
                                     shutdown_timeout=2.0)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()
        log.info("WhatsApp webhook on http://%s:%s%s", self.settings.webhook_host, self.port,
                 self.settings.webhook_path)

    async def stop(self) -> None:
        """No more webhooks: Meta keeps what it cannot deliver and tries again later."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None


async def serve(config: Config, *, clock: Clock | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (by SIGINT/SIGTERM when not given).

    Telegram alone, WhatsApp alone or both: without a token there is no polling and no
    webhook at Telegram (on WhatsApp alone ``app.bot`` is the WhatsApp bridge).
    """
    from bot.app import build_application
    from bot.inbox.telegram import Polling
    from bot.web import WebServer, webhook_secret

    make_wa_app = whatsapp_web_app_factory() if config.whatsapp is not None else None
    app = build_application(config, clock=clock)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    server: WebServer | None = None
    whatsapp: WhatsAppWebhook | None = None
    polling: Polling | None = None
    if config.whatsapp is not None and make_wa_app is not None:
        whatsapp = WhatsAppWebhook(app, config.whatsapp, make_wa_app)
        whatsapp.bind()  # a port in use stops the start here, before anything ran
    try:
        await app.initialize()
    except BaseException:
        if whatsapp is not None:
            await whatsapp.stop()
        raise
    try:
        if app.post_init:
            await app.post_init(app)
        if config.web is not None:
            server = WebServer(app, webhook=bool(config.webhook_url))
            await server.start()
        # The application first: it handles what the inbox kept from the last run before new
        # updates are fetched (see bot.inbox).
        await app.start()
        if whatsapp is not None:
            await whatsapp.start()
        if not config.telegram:
            log.info("Telegram is off (no bot.token): WhatsApp alone")
        elif config.webhook_url:
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
        # First no more webhooks (Telegram and Meta keep what they cannot deliver and try
        # again), then the application finishes what it took in.
        if whatsapp is not None:
            await whatsapp.stop()
        if server is not None:
            await server.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        for sig in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def run(config: Config) -> int:
    """The ``run`` subcommand (after the settings were loaded and the channels checked)."""
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
        if not config.telegram:  # the bridge bot has no Telegram token to refuse
            raise
        print(f"buurtbot: {config.source}: Telegram refused the token (bot.token or "
              "BUURTBOT_TOKEN); copy it again from @BotFather", file=sys.stderr)
        return 2
    except NetworkError as exc:
        if not config.telegram and config.whatsapp is not None:
            print(f"buurtbot: cannot reach the WhatsApp Cloud API at {config.whatsapp.api_url} "
                  f"({_reason(exc)}); check the internet connection and whatsapp.api_url "
                  "(BUURTBOT_WHATSAPP_API_URL)", file=sys.stderr)
            return 2
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
