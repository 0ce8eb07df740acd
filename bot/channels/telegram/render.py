"""A neutral message as Telegram shows it: HTML (the bot's default parse mode), bidi marks
for right-to-left readers, inline keyboards with RTL-marked labels."""

from __future__ import annotations

import io
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import mark_rtl, translator
from bot.messaging.message import Button, Keyboard, OutMessage


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(mark_rtl(b.label), url=b.url) if b.url is not None
         else InlineKeyboardButton(mark_rtl(b.label), callback_data=b.data) for b in row]
        for row in buttons])


def reply_markup_of(message: OutMessage) -> Any:
    """The message's inline buttons, else its typed-answer keys (a reply keyboard that
    hides itself once used), else a request to take earlier keys away, else None."""
    if message.buttons:
        return markup(message.buttons)
    if message.keys:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(mark_rtl(k.label), request_contact=k.asks_phone or None)
              for k in row] for row in message.keys],
            resize_keyboard=True, one_time_keyboard=True)
    if message.clear_keys:
        return ReplyKeyboardRemove()
    return None


def from_markup(reply_markup: Any) -> Keyboard:
    """Neutral buttons from an InlineKeyboardMarkup (what ``kb()`` builds today)."""
    if not isinstance(reply_markup, InlineKeyboardMarkup):
        return ()
    return tuple(
        tuple(Button(b.text, url=b.url) if b.url else Button(b.text, b.callback_data)
              for b in row)
        for row in reply_markup.inline_keyboard)


def text_of(message: OutMessage) -> str:
    return translator(message.lang).bidi(message.text) if message.lang else message.text


def media(message: OutMessage) -> Any:
    """The attachment as PTB takes it: a file_id string or an in-memory file."""
    attachment = message.attachment
    assert attachment is not None
    if attachment.media_id is not None:
        return attachment.media_id
    buffer = io.BytesIO(attachment.data or b"")
    if attachment.filename:
        buffer.name = attachment.filename
    return buffer
