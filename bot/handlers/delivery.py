"""Wiring of the one outbox sender into the application.

What a failed send means is decided in one place, the Telegram adapter's
:func:`bot.channels.telegram.classify` (re-exported here for older imports). Every message the
bot sends on its own is an outbox row (:mod:`bot.services.outbox`): ``register`` gives the
outbox its Telegram channel and the application (for renderers); the sender task starts and
stops with the application (:class:`bot.context.BuurtApplication`), and every run of ticks
ends by sending what is due (:func:`bot.jobs.run_ticks`: ``next_at`` after a short-lived
error, and what the run just queued).
"""

from __future__ import annotations

from typing import Any

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.errors import Delivery, classify, gone, request_left
from bot.channels.telegram.port import TelegramPort

__all__ = ["Delivery", "classify", "gone", "register", "request_left"]


def register(app: Any) -> None:
    outbox = app.services.outbox
    outbox.app = app
    # One channel, one pacer: the outbox sender (notices, broadcasts) and the answers to
    # people's own updates (context.port, handlers.common.reply) count against the same
    # limits; answers take the slot kept free for them, ahead of a broadcast.
    channel = TelegramChannel(app.bot)
    outbox.channels["telegram"] = channel
    app.port = TelegramPort(app.bot, channel)
