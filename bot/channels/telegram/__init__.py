"""The Telegram adapter: the one place that calls the Bot API to send, and says what its
errors mean (:func:`classify`).

:func:`send` is the one function through which a neutral message reaches a Telegram chat;
:class:`TelegramChannel` is what the outbox sender uses (pacing + error verdicts).
"""

from __future__ import annotations

from typing import Any

from telegram import Message
from telegram.error import TelegramError

from bot.channels.telegram import media_bridge
from bot.channels.telegram.errors import Delivery, classify, gone, not_modified, retry_after
from bot.channels.telegram.render import from_markup, markup, media, reply_markup_of, text_of
from bot.log_safe import without_data
from bot.messaging.message import OutMessage, Receipt
from bot.messaging.port import DeliveryError
from bot.services.pacing import Pacer

__all__ = ["CHANNEL", "Delivery", "TelegramChannel", "classify", "from_markup", "gone",
           "markup", "not_modified", "send"]

CHANNEL = "telegram"


async def send(bot: Any, chat_id: int | str, message: OutMessage) -> Message | Any:
    """Send ``message`` to ``chat_id`` exactly as the bot always did (HTML default parse mode,
    bidi, inline keyboard; photo / document / voice by file_id or bytes, text as caption).
    Raises PTB's errors; returns what PTB returns (a Message, or True when no answer came,
    see bot.request)."""
    text = text_of(message)
    reply_markup = reply_markup_of(message)
    attachment = message.attachment
    if attachment is None:
        return await bot.send_message(chat_id, text, reply_markup=reply_markup)
    foreign = media_bridge.foreign(bot, message)
    if foreign is not None:  # another channel's media (a WhatsApp photo): fetched, uploaded
        sent = await _send_media(bot, chat_id, await media_bridge.resolved(bot, message),
                                 text, reply_markup)
        media_bridge.uploaded(bot, foreign, sent)
        return sent
    return await _send_media(bot, chat_id, message, text, reply_markup)


async def _send_media(bot: Any, chat_id: int | str, message: OutMessage, text: str,
                      reply_markup: Any) -> Message | Any:
    attachment = message.attachment
    assert attachment is not None
    caption = text or None
    if attachment.kind == "photo":
        return await bot.send_photo(chat_id, photo=media(message), caption=caption,
                                    reply_markup=reply_markup)
    if attachment.kind == "voice":
        return await bot.send_voice(chat_id, voice=media(message), caption=caption,
                                    reply_markup=reply_markup)
    return await bot.send_document(chat_id, document=media(message), caption=caption,
                                   reply_markup=reply_markup)


def receipt_of(chat_id: int | str, sent: Any) -> Receipt:
    ref = str(sent.message_id) if isinstance(sent, Message) else ""
    return Receipt(CHANNEL, str(chat_id), ref)


class TelegramChannel:
    """The outbox sender's view of Telegram: paced sends with one verdict per failure.

    Pacing: 30/s overall with one slot kept for answers, 1/s per private chat, 20/min per
    group (negative chat ids), and Telegram's ``retry_after`` on a 429
    (:class:`bot.services.pacing.Pacer`).
    """

    channel = CHANNEL

    def __init__(self, bot: Any, pacer: Pacer | None = None) -> None:
        self.bot = bot
        #: The one pacer of this channel: the outbox sender and the answers to people's own
        #: updates (:class:`bot.channels.telegram.port.TelegramPort`) count against it.
        self.pacer = pacer or Pacer(29.0)

    def set_speed(self, per_second: float | None = None, scale: float = 1.0) -> None:
        """A fresh pacer (``per_second`` None: Telegram's 29/s; ``scale``: a sandbox whose
        limits are sped up by that factor)."""
        self.pacer = Pacer(29.0 if per_second is None else per_second, scale)

    async def pace(self, address: str) -> int:
        token = await self.pacer.acquire(int(address))
        assert token is not None
        return token

    async def try_pace(self, address: str) -> int | None:
        """A slot only if the chat's own second has passed (None: not its turn yet)."""
        return await self.pacer.acquire(int(address), wait_turn=False)

    def paced(self, token: int, *, counted: bool, retry_after: float | None = None) -> None:
        if retry_after:
            self.pacer.pause(retry_after)
        if counted:
            self.pacer.done(token)
        else:
            self.pacer.refund(token)

    async def send(self, address: str, message: OutMessage) -> Receipt:
        try:
            sent = await send(self.bot, int(address), message)
        except (TelegramError, OSError) as exc:
            verdict = classify(exc)
            raise DeliveryError(verdict.value, retry_after(exc), without_data(exc)) from exc
        return receipt_of(address, sent)
