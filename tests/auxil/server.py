"""Helpers for the server tests: the bot's web server beside the harness, webhook mode, and a
settings file on disk for the CLI commands."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import BackupSettings, WebSettings
from bot.web import WebServer, webhook_secret
from tests.auxil.harness import ROOT, TOKEN, BotHarness

PUBLIC = "https://bot.example.nl"


async def start_web(bot: BotHarness, *, webhook: bool = False) -> WebServer:
    assert bot.app is not None
    server = WebServer(bot.app, webhook=webhook)
    await server.start(host="127.0.0.1", port=0)
    return server


def with_web(config, **web: Any):
    settings = WebSettings(host="127.0.0.1", port=0, public_url=PUBLIC, **web)
    return dataclasses.replace(config, web=settings)


def with_backup(config, folder: Path, **backup: Any):
    return dataclasses.replace(config, backup=BackupSettings(dir=str(folder), **backup))


async def get(server: WebServer, path: str) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://127.0.0.1:{server.port}{path}") as response:
        return response.status, await response.text(), dict(response.headers)


class WebhookHarness(BotHarness):
    """The bot in webhook mode: the sandbox POSTs updates to the bot's own web server."""

    server: WebServer | None = None

    async def start(self):
        app = await self._start_app()
        self.server = WebServer(app, webhook=True)
        await self.server.start(host="127.0.0.1", port=0)
        port = self.server.port
        self.sandbox.webhook_proxy = lambda url: url.replace(PUBLIC, f"http://127.0.0.1:{port}")
        await app.start()  # handles what the inbox kept, before the webhook brings more
        await app.bot.set_webhook(self.config.webhook_url,
                                  secret_token=webhook_secret(self.config.token))
        app.services.ops.webhook_mode = True
        self.app = app
        return app

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        if app.running:
            await app.stop()
        if self.server is not None:
            await self.server.stop()
        await app.shutdown()


def write_settings(folder: Path, database: Path, *, extra: str = "", api_url: str = "") -> Path:
    """A real settings file: the example with our database (and more tables appended)."""
    text = (ROOT / "buurtbot.example.toml").read_text(encoding="utf-8")
    text = text.replace('database = "buurtbot.db"', f'database = "{database}"')
    text = text.replace('token = ""', f'token = "{TOKEN}"')
    if api_url:
        text = text.replace('api_url = "https://api.telegram.org/bot"', f'api_url = "{api_url}"')
    path = folder / "buurtbot.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path
