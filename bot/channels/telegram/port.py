"""Answers to a person's own update, the Telegram way: edit the message a button sits on or
send anew, pop-ups for button presses. The only place (with :mod:`bot.channels.telegram`)
that calls ``edit_text``, ``query.answer`` or sends an answer.

Answers go out at once, ahead of anything queued in the outbox (the outbox sender keeps a
slot free for them: :class:`bot.services.pacing.Pacer`).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden

from bot.channels.telegram import CHANNEL, TelegramChannel, receipt_of
from bot.channels.telegram import send as send_out
from bot.channels.telegram.errors import gone, not_modified
from bot.channels.telegram.render import markup as to_markup
from bot.channels.telegram.render import text_of
from bot.i18n import mark_rtl
from bot.messaging.message import OutMessage, Receipt

log = logging.getLogger(__name__)


async def popup(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press; an old query Telegram no longer knows must not crash anything."""
    try:
        await query.answer(text=mark_rtl(text) if text else text, show_alert=alert)
    except BadRequest as exc:
        log.info("could not answer callback query: %s", exc.message)


async def answer(bot: Any, update: Update, text: str,
                 reply_markup: InlineKeyboardMarkup | None = None, *, edit: bool = True
                 ) -> Message | None:
    """Answer the person: edit the message a button sits on (``edit``), or send a new one.
    ``text`` is final (bidi applied). Returns the Message, or None when none can be given
    (no chat; or the request left without an answer, see bot.request)."""
    query = update.callback_query
    if query is not None:
        await popup(query)
        if edit and query.message is not None and isinstance(query.message, Message):
            try:
                result = await query.message.edit_text(text, reply_markup=reply_markup)
                return result if isinstance(result, Message) else None
            except BadRequest as exc:
                if not_modified(exc):
                    return query.message
                log.info("edit failed, sending anew: %s", exc.message)
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await bot.send_message(chat.id, text, reply_markup=reply_markup)
    # True: no answer came in time, it most likely arrived (bot.request); no Message to give.
    return sent if isinstance(sent, Message) else None


async def reply_to(message: Message, text: str) -> None:
    """Answer a message in its own chat (quoted where Telegram quotes by default: groups)."""
    await message.reply_text(text)


async def say(bot: Any, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """A plain message to a chat (``text`` final). A person who blocked the bot or a chat
    that is gone gives :class:`Gone`; other errors are raised as they are."""
    try:
        sent = await bot.send_message(chat_id, text, **kwargs)
    except Forbidden as exc:
        raise Gone(chat_id) from exc
    except BadRequest as exc:
        if gone(exc):
            raise Gone(chat_id) from exc
        raise
    return sent if isinstance(sent, Message) else None


class Gone(Exception):
    """The chat cannot be reached (blocked, deleted, deactivated)."""

    def __init__(self, chat_id: int) -> None:
        super().__init__(chat_id)
        self.chat_id = chat_id


class TelegramPort:
    """:class:`bot.messaging.port.Port` for Telegram (``context.port``)."""

    channel = CHANNEL

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._channel = TelegramChannel(bot)

    async def answer(self, update: Update, message: OutMessage) -> Receipt | None:
        if message.attachment is not None:
            chat = update.effective_chat
            if chat is None:
                return None
            if update.callback_query is not None:
                await popup(update.callback_query)
            return receipt_of(chat.id, await send_out(self.bot, chat.id, message))
        sent = await answer(self.bot, update, text_of(message), to_markup(message.buttons),
                            edit=message.replace)
        if sent is None:
            return None
        return Receipt(CHANNEL, str(sent.chat_id), str(sent.message_id))

    async def popup(self, update: Update, text: str, alert: bool = False) -> None:
        if update.callback_query is not None:
            await popup(update.callback_query, text, alert)

    async def send(self, address: str, message: OutMessage) -> Receipt:
        return await self._channel.send(address, message)

    async def edit(self, receipt: Receipt, message: OutMessage) -> bool:
        """Edit a message sent before (a card); False when it is gone (deleted, too old) and
        the caller should forget it."""
        try:
            await self.bot.edit_message_text(text_of(message), chat_id=int(receipt.address),
                                             message_id=int(receipt.message_ref),
                                             reply_markup=to_markup(message.buttons))
        except BadRequest as exc:
            if not_modified(exc):
                return True
            log.info("could not edit a message: %s", exc.message)
            return False
        return True
