"""Fixtures: a running sandbox, a raw PTB Bot against it, and a polling echo app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Limits, Sandbox

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sb = Sandbox(
        token=TOKEN, bot_username="buurtbot_test_bot", bot_name="Buurtbot", limits=Limits.off()
    )
    await sb.start(host="127.0.0.1", port=0)
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, base_url=sandbox.api_url, base_file_url=sandbox.file_url)
    async with b:
        yield b


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Ja", callback_data="answer:yes"),
                InlineKeyboardButton("Nee", callback_data="answer:no"),
            ]
        ]
    )
    payload = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"<b>Welkom</b> {payload}".strip(), parse_mode="HTML", reply_markup=keyboard
    )


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"got {query.data}")
    await query.edit_message_text(f"Gekozen: {query.data}")


@pytest.fixture
async def app(sandbox: Sandbox) -> AsyncIterator[Application]:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sandbox.api_url)
        .base_file_url(sandbox.file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_button))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    # A clean run produces no 409 Conflict or other server-side surprise.
    assert not [e for e in sandbox.errors if e[1] in (404, 409, 500)], list(sandbox.errors)
    assert sandbox.spec_violations == []
