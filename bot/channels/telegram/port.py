"""Answers to a person's own update, the Telegram way: edit the message a button sits on or
send anew, pop-ups for button presses. The only place (with :mod:`bot.channels.telegram`)
that calls ``edit_text``, ``query.answer`` or sends an answer.

Answers go out at once, ahead of anything queued in the outbox (the outbox sender keeps a
slot free for them: :class:`bot.services.pacing.Pacer`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.channels.telegram import CHANNEL, TelegramChannel, receipt_of
from bot.channels.telegram import send as send_out
from bot.channels.telegram.errors import gone, not_modified, retry_after
from bot.channels.telegram.render import markup as to_markup
from bot.channels.telegram.render import reply_markup_of, text_of
from bot.i18n import mark_rtl
from bot.messaging.message import OutMessage, Receipt
from bot.services.pacing import Pacer

log = logging.getLogger(__name__)

#: A 429 on an answer: wait it out and try again this often (PTB's rate limiter did so).
ANSWER_RETRIES = 3


async def paced(pacer: Pacer | None, chat_id: int | None,
                call: Callable[[], Awaitable[Any]]) -> Any:
    """One API call that sends or edits a message for an answer: it takes the answers' slot
    of the channel's pacer (at once, ahead of a broadcast, but counted against the limits)
    and waits out a 429 (the pacer then holds the broadcast too)."""
    for attempt in range(ANSWER_RETRIES + 1):
        token = await pacer.acquire_answer(chat_id) if pacer is not None else None
        try:
            return await call()
        except RetryAfter as exc:
            seconds = retry_after(exc) or 1.0
            if pacer is not None and token is not None:
                pacer.pause(seconds)
                pacer.refund(token)
                token = None
            if attempt == ANSWER_RETRIES:
                raise
            if pacer is None:
                await asyncio.sleep(seconds)
        finally:
            if pacer is not None and token is not None:
                pacer.done(token)
    raise AssertionError("unreachable")


async def popup(query: CallbackQuery, text: str | None = None, alert: bool = False,
                answered: dict[str, None] | None = None) -> None:
    """Answer a button press; an old query Telegram no longer knows must not crash anything.
    With ``answered`` (the port's memory of presses answered): a press already answered is
    not answered silently again (one tap, several messages)."""
    if answered is not None:
        if text is None and query.id in answered:
            return
        answered[query.id] = None
        if len(answered) > 1000:
            del answered[next(iter(answered))]
    try:
        await query.answer(text=mark_rtl(text) if text else text, show_alert=alert)
    except BadRequest as exc:
        log.info("could not answer callback query: %s", exc.message)


async def answer(bot: Any, update: Update, text: str,
                 reply_markup: InlineKeyboardMarkup | None = None, *, edit: bool = True,
                 pacer: Pacer | None = None, answered: dict[str, None] | None = None
                 ) -> Message | None:
    """Answer the person: edit the message a button sits on (``edit``), or send a new one.
    ``text`` is final (bidi applied). Returns the Message, or None when none can be given
    (no chat; or the request left without an answer, see bot.request)."""
    query = update.callback_query
    if query is not None:
        await popup(query, answered=answered)
        if edit and query.message is not None and isinstance(query.message, Message):
            shown = query.message
            try:
                result = await paced(pacer, shown.chat_id, lambda: shown.edit_text(
                    text, reply_markup=reply_markup))
                return result if isinstance(result, Message) else None
            except BadRequest as exc:
                if not_modified(exc):
                    return query.message
                log.info("edit failed, sending anew: %s", exc.message)
    chat = update.effective_chat
    if chat is None:
        return None
    sent = await paced(pacer, chat.id, lambda: bot.send_message(chat.id, text,
                                                               reply_markup=reply_markup))
    # True: no answer came in time, it most likely arrived (bot.request); no Message to give.
    return sent if isinstance(sent, Message) else None


async def reply_to(message: Message, text: str, pacer: Pacer | None = None) -> None:
    """Answer a message in its own chat (quoted where Telegram quotes by default: groups)."""
    await paced(pacer, message.chat_id, lambda: message.reply_text(text))


async def say(bot: Any, chat_id: int, text: str, *, pacer: Pacer | None = None,
              **kwargs: Any) -> Message | None:
    """A plain message to a chat (``text`` final). A person who blocked the bot or a chat
    that is gone gives :class:`Gone`; other errors are raised as they are."""
    try:
        sent = await paced(pacer, chat_id, lambda: bot.send_message(chat_id, text, **kwargs))
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

    def __init__(self, bot: Any, channel: TelegramChannel | None = None) -> None:
        self.bot = bot
        #: Shared with the outbox sender: answers and broadcasts count against one pacer.
        self._channel = channel or TelegramChannel(bot)
        #: Button presses this bot answered lately (each is answered once).
        self.answered: dict[str, None] = {}

    @property
    def pacer(self) -> Pacer:
        return self._channel.pacer

    async def answer(self, update: Update, message: OutMessage) -> Receipt | None:
        if message.attachment is not None:
            chat = update.effective_chat
            if chat is None:
                return None
            if update.callback_query is not None:
                await popup(update.callback_query, answered=self.answered)
            chat_id = chat.id
            sent = await paced(self.pacer, chat_id, lambda: send_out(self.bot, chat_id, message))
            return receipt_of(chat_id, sent)
        # Typed-answer keys live under the input field: only a new message can bring them.
        edit = message.replace and not (message.keys or message.clear_keys)
        sent = await answer(self.bot, update, text_of(message), reply_markup_of(message),
                            edit=edit, pacer=self.pacer, answered=self.answered)
        if sent is None:
            return None
        return Receipt(CHANNEL, str(sent.chat_id), str(sent.message_id))

    async def popup(self, update: Update, text: str, alert: bool = False) -> None:
        if update.callback_query is not None:
            await popup(update.callback_query, text, alert, self.answered)

    async def send(self, address: str, message: OutMessage) -> Receipt:
        """A message outside the outbox (a progress line): paced like an answer."""
        token = await self.pacer.acquire_answer(int(address))
        try:
            return await self._channel.send(address, message)
        finally:
            self.pacer.done(token)

    async def answer_text(self, update: Update, text: str,
                          reply_markup: InlineKeyboardMarkup | None = None, *,
                          edit: bool = True) -> Message | None:
        """:func:`answer` through this channel's pacer (``handlers.common.reply``)."""
        return await answer(self.bot, update, text, reply_markup, edit=edit, pacer=self.pacer,
                            answered=self.answered)

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> Message | None:
        return await say(self.bot, chat_id, text, pacer=self.pacer, **kwargs)

    async def reply_to(self, message: Message, text: str) -> None:
        await reply_to(message, text, self.pacer)

    async def edit(self, receipt: Receipt, message: OutMessage) -> bool:
        """Edit a message sent before (a progress line, a card); False when it is gone
        (deleted, too old) and the caller should send a new one. Paced like an answer."""
        chat_id = int(receipt.address)
        try:
            await paced(self.pacer, chat_id, lambda: self.bot.edit_message_text(
                text_of(message), chat_id=chat_id, message_id=int(receipt.message_ref),
                reply_markup=to_markup(message.buttons)))
        except BadRequest as exc:
            if not_modified(exc):
                return True
            log.info("could not edit a message: %s", exc.message)
            return False
        return True

    async def set_commands(self, commands: list[tuple[str, str]], *,
                           language: str | None = None, chat: str | None = None,
                           quiet: bool = False) -> bool:
        """The command menu (``/menu`` …): for everyone (``chat`` None; in ``language``, None
        = the default list) or for one chat; no ``commands`` removes that chat's own menu.
        ``quiet``: a refusal is logged and gives False (a menu is nice to have, never worth a
        failure); otherwise it is raised."""
        from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
        from telegram.error import TelegramError

        scope = BotCommandScopeChat(int(chat)) if chat is not None else BotCommandScopeDefault()
        extra = {"language_code": language} if language is not None else {}
        try:
            if commands:
                await self.bot.set_my_commands(
                    [BotCommand(name, description) for name, description in commands],
                    scope=scope, **extra)
            else:
                await self.bot.delete_my_commands(scope=scope, **extra)
        except TelegramError as exc:
            if not quiet:
                raise
            log.info("could not set the command menu of a chat: %s", exc)
            return False
        return True
