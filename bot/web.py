"""The bot's own HTTP server (aiohttp): /healthz, the live calendar feed, Telegram's webhook.

One server for all three, started by ``buurtbot run`` when ``[web]`` is in the settings, on
127.0.0.1 by default (put a reverse proxy with TLS in front for the feed and the webhook). It
shares the event loop with the PTB Application: a webhook update is kept in the inbox
(:mod:`bot.inbox`) before the 200, then goes into ``application.update_queue``, exactly where
long polling puts it.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
from datetime import time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.config import LANGUAGES
from bot.i18n import translator
from bot.inbox import InboxClosed
from bot.inbox.telegram import take_in
from bot.services.calendar import local_moment, week_start
from bot.services.calendar_render import ics

if TYPE_CHECKING:
    from bot.context import BuurtApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: How far back the feed reaches: a phone keeps seeing last month's (cancelled) dates.
FEED_PAST = timedelta(weeks=4)
MAX_UPDATE_BYTES = 1024 * 1024


class WebServerError(Exception):
    """The server cannot start (the port is taken, say); the message is one clear line."""


def webhook_path(url: str) -> str:
    """The path Telegram POSTs to: the path of ``bot.webhook_url`` (``/telegram`` if none)."""
    path = urlsplit(url).path
    return path if path not in ("", "/") else "/telegram"


def webhook_secret(token: str) -> str:
    """The secret Telegram sends back in every webhook call.

    Derived from the bot token, so it stays the same across restarts without another setting,
    and nobody without the token can forge updates (Telegram allows A-Z, a-z, 0-9, _ and -).
    """
    return hashlib.sha256(b"buurtbot-webhook:" + token.encode()).hexdigest()[:48]


class WebServer:
    def __init__(self, app: BuurtApplication, *, webhook: bool = False) -> None:
        self.app = app
        self.services = app.services
        self.webhook = webhook
        self._runner: web.AppRunner | None = None
        self.port = 0

    def make_app(self) -> web.Application:
        site = web.Application(client_max_size=MAX_UPDATE_BYTES)
        site.router.add_get("/healthz", self.healthz)
        site.router.add_get("/calendar/{room}.ics", self.calendar)
        if self.webhook:
            site.router.add_post(webhook_path(self.services.config.webhook_url), self.telegram)
        return site

    async def start(self, host: str | None = None, port: int | None = None) -> None:
        settings = self.services.config.web
        host = host if host is not None else (settings.host if settings else "127.0.0.1")
        port = port if port is not None else (settings.port if settings else 8080)
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            reason = ("the port is already in use (is another program or a second bot "
                      "using it?)" if exc.errno == errno.EADDRINUSE else exc.strerror or exc)
            raise WebServerError(f"web server cannot listen on {host}:{port}: {reason}; "
                                 "change web.port") from None
        self.port = self._runner.addresses[0][1]
        log.info("web server on http://%s:%s", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- routes -----------------------------------------------------------------------------

    async def healthz(self, request: web.Request) -> web.Response:
        health = await self.services.ops.health()
        return web.json_response(health.as_json(), status=200 if health.ok else 503,
                                 headers={"Cache-Control": "no-store"})

    async def calendar(self, request: web.Request) -> web.Response:
        """A room's live programme; an unknown room and a wrong key look exactly the same."""
        room_id = request.match_info["room"]
        key = request.query.get("key", "")
        if not await self.services.ops.feed_key_matches(room_id, key):
            return web.Response(status=404, text="Not found\n")
        room = self.services.config.rooms[room_id]
        lang = request.query.get("lang", "nl")
        t = translator(lang if lang in LANGUAGES else "nl")
        calendar = self.services.calendar
        today = self.services.clock.today()
        start = local_moment(week_start(today) - FEED_PAST, time(0))
        end = local_moment(week_start(today) + timedelta(weeks=calendar.horizon_weeks), time(0))
        entries = await calendar.feed_entries(room_id, start, end)
        body = ics(t, room, entries, self.services.clock.now())
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Cache-Control": "no-cache",
                                     "Content-Disposition":
                                         f'inline; filename="programma-{room_id}.ics"'})

    async def telegram(self, request: web.Request) -> web.Response:
        """An update from Telegram (webhook mode): checked, kept in the inbox, answered 200,
        then handled like a polled one (``update_queue``)."""
        given = request.headers.get(SECRET_HEADER, "")
        expected = webhook_secret(self.services.config.token)
        if not hmac.compare_digest(given.encode(), expected.encode()):
            log.warning("webhook call refused: wrong or missing secret token")
            return web.Response(status=403, text="Forbidden\n")
        update = None
        try:
            data = await request.json()
            if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError, json.JSONDecodeError):
            update = None
        if update is None:  # also valid JSON that is no update: a list, a string, {}
            log.warning("webhook call refused: not a Telegram update")
            return web.Response(status=400, text="Bad request\n")
        self.services.ops.saw_telegram()
        try:  # kept before the 200: Telegram forgets the update once it has that
            fresh = await take_in(self.app, [(data, update)])
        except InboxClosed:
            return web.Response(status=503, text="Stopping\n")
        except Exception as exc:  # the database cannot take it: Telegram tries again later
            log.error("webhook update not kept (%s); answered 500", type(exc).__name__)
            return web.Response(status=500, text="Not kept\n")
        for kept in fresh:  # a redelivery (in the inbox already) is not handled again
            await self.app.update_queue.put(kept)
        return web.Response(status=200, text="ok")
