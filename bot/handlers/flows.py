"""Only one conversation at a time per person.

Every feature has its own ConversationHandler (onboarding, help intake, meals' questions, the
programme editor...). When someone leaves one half-way — a question is open — and starts
something else with a command or another button, the old one must end: otherwise it would
swallow the next text they type ("De kraan lekt" filed as an allergy note). This guard runs
before the features (group -7) and ends every open conversation that would not itself handle
the new command or button.

It uses ConversationHandler internals (``_get_key``, ``_conversations``, ``_update_state``),
which is why pyproject pins python-telegram-bot below 23; ``tests/test_flows.py`` guards it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ConversationHandler, TypeHandler

from bot.context import BotContext

log = logging.getLogger(__name__)


def _starts_something(update: Update) -> bool:
    message = update.message
    if message is not None and message.text and message.text.startswith("/"):
        return True
    return update.callback_query is not None


async def end_other_conversations(update: Update, context: BotContext) -> None:
    if not _starts_something(update):
        return
    for handler in context.application.handlers.get(0, []):
        if not isinstance(handler, ConversationHandler):
            continue
        try:
            key = handler._get_key(update)
        except RuntimeError:
            continue
        if key not in handler._conversations:
            continue
        if handler.check_update(update):
            continue  # the open conversation handles this itself
        log.debug("ending open conversation %s", handler.name)
        handler._update_state(ConversationHandler.END, key)


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, end_other_conversations), group=-7)
