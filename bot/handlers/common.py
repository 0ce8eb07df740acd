"""Shared handler plumbing: who is this person, role checks, replies and keyboards.

Handlers stay thin: parse the update, call a service, render the reply with these helpers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot.actions import MAX_ID, Action, button_int  # noqa: F401 (re-exported for handlers)
from bot.channels.telegram import markup as telegram_markup
from bot.channels.telegram import port as telegram_port
from bot.channels.whatsapp import ids
from bot.context import BotContext
from bot.i18n import translator
from bot.messaging.message import Address, Attachment, OutMessage, Receipt, keyboard
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER

log = logging.getLogger(__name__)

#: Longest free text we accept in one go (a note, a description); Telegram allows 4,096.
MAX_TEXT = 1000
END = ConversationHandler.END

Handler = Callable[[Update, BotContext], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


def kb(rows: Sequence[Sequence[tuple[str, str | Action]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, action); an action is encoded here, once."""
    return telegram_markup(keyboard(rows)) or InlineKeyboardMarkup([])


def one_per_row(buttons: Sequence[tuple[str, str | Action]]) -> InlineKeyboardMarkup:
    return kb([[button] for button in buttons])


def yes_no(t: Any, yes_label: str, yes: Action, no: Action) -> InlineKeyboardMarkup:
    """The "are you sure?" row: the translated yes (which says what it does) next to "No",
    which goes back without changing anything."""
    return kb([[(yes_label, yes), (t._("No"), no)]])


async def load_person(update: Update, context: BotContext) -> None:
    """Group -10: attach the person and their translator to the context."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    person = await context.services.users.get(user.id)  # by their Telegram address
    if person is not None and len(person.addresses) > 1 and _is_private(update):
        # On two apps (linked): messages the bot starts go to the app used last.
        person = await context.services.linking.seen(person, address_of_chat(user.id))
    context.person = person
    context.t = translator(person.language if person else user.language_code)
    if person is not None and _is_private(update):
        # They blocked us once and are back: the address they wrote from (their Telegram
        # chat, or their WhatsApp number: a linked person has both) is reachable again.
        here = address_of_chat(user.id)
        if not any(a.key == here and a.reachable for a in person.addresses) \
                and await context.services.users.mark_reachable(here):
            context.person = await context.services.users.by_id(person.id)


def address_of_chat(chat_id: int) -> Address:
    """The address behind an application chat id (WhatsApp ids are 2**53 and up)."""
    if ids.is_whatsapp(chat_id):
        return Address("whatsapp", ids.wa_id(chat_id))
    return Address.telegram(chat_id)


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def guard_groups(update: Update, context: BotContext) -> None:
    """Group -9: the bot talks to people privately only; never shows personal data in a group."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    t = context.t
    me = context.bot.username
    if update.callback_query is not None:
        await safe_answer(update.callback_query, t._("Please use this in a private chat with me."))
    elif update.message is not None and chat.type != ChatType.CHANNEL:
        text = update.message.text or ""
        addressed = text.startswith("/") or (me and f"@{me}" in text)
        if addressed:
            await _port(context).reply_to(
                update.message,
                t._("I only talk in private chats, to keep your data private. Open a chat with me:")
                + f" https://t.me/{me}")
    raise ApplicationHandlerStop


async def safe_answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press; an old query Telegram no longer knows must not crash anything."""
    await telegram_port.popup(query, text, alert)


async def reply(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Answer the person: edit the message a button sits on, or send a new one (at once,
    ahead of a broadcast in progress, counted against Telegram's limits)."""
    return await _port(context).answer_text(update, context.t.bidi(text), markup, edit=edit)


def _port(context: Any) -> telegram_port.TelegramPort:
    """The application's Telegram port (one pacer with the outbox sender)."""
    app = getattr(context, "application", context)
    port = getattr(app, "port", None)
    return port if port is not None else telegram_port.TelegramPort(app.bot)


async def reply_message(update: Update, context: BotContext, message: OutMessage
                        ) -> Receipt | None:
    """Answer with a neutral message (``replace``: edit the message the button sits on)."""
    return await context.application.port.answer(update, message)  # type: ignore[attr-defined]


async def reply_file(update: Update, context: BotContext, attachment: Attachment,
                     caption: str = "") -> Receipt | None:
    """Answer with a file or photo (``caption`` in the person's language)."""
    return await reply_message(update, context, OutMessage(caption, attachment=attachment,
                                                           lang=context.t.language))


def role_name(t: Any, role: str) -> str:
    return {
        RESIDENT: t._("resident"),
        VOLUNTEER: t._("volunteer"),
        COORDINATOR: t._("coordinator"),
    }[role]


def requires(role: str) -> Callable[[H], H]:
    """Check the role on the server side before the handler runs.

    ``requires(RESIDENT)`` means: has finished onboarding. A wrong role gets a friendly answer
    and changes nothing.
    """

    def decorate(func: H) -> H:
        @functools.wraps(func)
        async def wrapper(update: Update, context: BotContext) -> Any:
            person = context.person
            t = context.t
            if person is None:
                await _deny(update, context, t._("Welcome! Tap /start first, then I can help you."))
                return None
            if not person.has_role(role):
                if role == COORDINATOR:
                    text = t._("Only a coordinator can do this.")
                else:
                    text = t._("Only volunteers can do this.")
                await _deny(update, context, text)
                return None  # in a conversation: stay on the current step
            return await func(update, context)

        return wrapper  # type: ignore[return-value]

    return decorate


async def _deny(update: Update, context: BotContext, text: str) -> None:
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    elif update.effective_chat is not None:
        await _port(context).say(update.effective_chat.id, context.t.bidi(text))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message or with forged data: say so, change nothing.

    Returns None, which a ConversationHandler reads as "stay in the current state": an old
    button pressed mid-conversation must not end the step the person is on.
    """
    if update.callback_query is not None:
        chat = update.effective_chat
        if chat is not None and ids.is_whatsapp(chat.id):  # no /menu link on WhatsApp
            text = context.t._("This button no longer works. Type menu to start again.")
        else:
            text = context.t._("This button no longer works. Tap /menu to start again.")
        await safe_answer(update.callback_query, text, alert=True)


def too_long(text: str, limit: int = MAX_TEXT) -> bool:
    return len(text) > limit
