"""Registered last: whatever no feature understood gets a kind answer and changes nothing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.whatsapp import ids
from bot.context import BotContext
from bot.handlers.common import reply, stale_button
from bot.handlers.help_requests import media_offer_handler

log = logging.getLogger(__name__)


def on_whatsapp(update: Update) -> bool:
    """WhatsApp has no command menu and a "/menu" there is no link: say "type menu"."""
    chat = update.effective_chat
    return chat is not None and ids.is_whatsapp(chat.id)


async def unknown_command(update: Update, context: BotContext) -> None:
    assert update.message is not None
    t = context.t
    if on_whatsapp(update):
        hint = t._("Type menu to see what I can do.")
    elif context.person:
        hint = t._("Tap /menu to see what I can do.")
    else:
        hint = t._("Tap /start to begin.")
    await reply(update, context, t._("I do not know that command.") + " " + hint, edit=False)


async def unexpected_text(update: Update, context: BotContext) -> None:
    assert update.message is not None
    t = context.t
    if context.person is None:
        text = t._("Hello! Tap /start to begin.")
    elif on_whatsapp(update):
        text = t._("I did not understand that. Please use the buttons, or type menu.")
    else:
        text = t._("I did not understand that. Please use the buttons. Tap /menu to see them.")
    await reply(update, context, text, edit=False)


async def unexpected_media(update: Update, context: BotContext) -> None:
    assert update.message is not None
    t = context.t
    if on_whatsapp(update):
        text = t._("I can't read this here. Type menu, or use the buttons.")
    else:
        text = t._("I cannot do anything with this here. Tap /menu to see what I can do.")
    await reply(update, context, text, edit=False)


async def ignore(update: Update, context: BotContext) -> None:
    """Edited messages, reactions and the like: nothing to do."""
    log.debug("ignored update %s", update.update_id)


async def membership(update: Update, context: BotContext) -> None:
    """A person blocked (or unblocked) the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await context.services.users.mark_unreachable(change.chat.id)
    elif status == ChatMemberStatus.MEMBER:
        await context.services.users.mark_reachable(change.chat.id)


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, ignore))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(filters.TEXT, unexpected_text))
    # A photo of a letter, a PDF or a voice note outside any flow: offer a help request.
    app.add_handler(media_offer_handler())
    app.add_handler(MessageHandler(filters.ALL, unexpected_media))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_handler(TypeHandler(Update, ignore))
