"""One error handler: log with context (no personal data), tell the person kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application

from bot.channels.telegram import Delivery, classify
from bot.context import BotContext
from bot.handlers.common import reply, safe_answer, stale_button
from bot.log_safe import without_data

log = logging.getLogger("bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    where = "job" if context.job else "update"
    update_id = update.update_id if isinstance(update, Update) else None
    kind = _describe(update) if isinstance(update, Update) else "-"
    verdict = classify(error) if error is not None else Delivery.FAILED
    if verdict is Delivery.GONE and isinstance(update, Update) and update.effective_user:
        await context.services.users.mark_unreachable(update.effective_user.id)
        log.info("user blocked the bot (update %s)", update_id)
        return
    if isinstance(error, OverflowError) and isinstance(update, Update) and update.callback_query:
        # A forged number beyond SQLite's 64 bits that a handler did not check itself
        # (common.button_int is the rule): the ordinary answer to a stale button.
        log.info("forged number in button %s (update %s)", kind, update_id)
        await stale_button(update, context)
        return
    if verdict in (Delivery.RETRY, Delivery.UNCERTAIN):  # the network, not a bug
        log.warning("network problem in %s %s (%s): %s", where, update_id, kind, error)
    else:
        log.error("error in %s %s (%s): %s", where, update_id, kind, without_data(error))
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(update, Update) and chat is not None and chat.type == "private":
        t = context.t
        try:
            if update.callback_query:
                await safe_answer(update.callback_query,
                                  t._("Sorry, something went wrong. Please try again."),
                                  alert=True)
            else:
                await reply(update, context,
                            t._("Sorry, something went wrong. Please try again, or tap /menu."),
                            edit=False)
        except Exception:  # the error handler itself must never fail
            log.info("could not tell the user about the error")


def _describe(update: Update) -> str:
    """What kind of update failed, without its content."""
    if update.callback_query:
        data = update.callback_query.data or ""
        parts = [*data.split(":"), ""]
        return f"button {parts[0]}:{parts[1]}"
    if update.effective_message and update.effective_message.text:
        text = update.effective_message.text
        return "command " + text.split()[0][:32] if text.startswith("/") else "text"
    return "other"


def register(app: Application) -> None:
    app.add_error_handler(on_error)
