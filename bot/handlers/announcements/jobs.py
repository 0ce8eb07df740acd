"""The background sender's life: started with the bot, woken by the tick, given way to answers."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ContextTypes,
)

from bot.context import BotContext, BuurtApplication
from bot.handlers.announcements.transport import TelegramTransport

log = logging.getLogger(__name__)


# --- the background sender -----------------------------------------------------------------


def ensure_sender(app: Application) -> None:
    """Start the sender if it is not running (idempotent); otherwise just wake it."""
    buurt: BuurtApplication = app  # type: ignore[assignment]
    service = buurt.services.announcements
    if service.running or not app.running:
        service.kick()
        return
    service.ensure_sender(
        lambda coro: app.create_task(_with_transport(buurt, coro), name="announcements-sender"),
        lambda: app.running,
    )


async def _with_transport(app: BuurtApplication, coro: Any) -> None:
    transport = app.services.announcements.transport
    assert isinstance(transport, TelegramTransport)
    try:
        await transport.bot.initialize()
        await coro
    finally:
        try:
            await transport.bot.shutdown()
        except Exception:  # pragma: no cover - best effort on the way out
            log.exception("could not shut down the sender's bot")


async def _start_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    ensure_sender(context.application)


async def tick(app: BuurtApplication, now: datetime) -> None:
    """Make sure the sender runs; it fills scheduled broadcasts that are due."""
    ensure_sender(app)
    await app.services.announcements.promote_due()
    app.services.announcements.kick()


async def keep_room_for_answers(update: Update, context: BotContext) -> None:
    """Group -8: someone wrote the bot; the broadcast leaves a slot free for the answer."""
    service = context.services.announcements
    if update.message is not None or update.callback_query is not None:
        service.pacer.reserve()
