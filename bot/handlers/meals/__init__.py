"""Eettafel handlers: residents sign up (/eten), volunteers keep the list (/tafel).

All rules live in :mod:`bot.services.meals`; this module parses buttons, checks roles and
renders. Every callback starts with ``meal:``; one router sends each action to its function.
Free text (an allergy note, a decline reason, a walk-in's name, a cap) is asked in a small
persistent conversation, so a restart in between does not lose the question.

Modules: ``render`` (texts), ``resident``, ``volunteer``, ``coordinator``, ``prompts`` (typed
answers), ``jobs`` (the tick); this one routes every ``meal:`` button and registers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers.common import END, convert, requires, stale_button
from bot.handlers.flows import nothing_visible_yet
from bot.handlers.meals.coordinator import ask_cancel_meal, cancel_meal, pick_room, room_table
from bot.handlers.meals.jobs import tick
from bot.handlers.meals.prompts import ask_text, got_text, stop_text, text_expected
from bot.handlers.meals.render import TEXT
from bot.handlers.meals.resident import (
    answer_offer,
    ask_cancel,
    cancel,
    meals_list,
    my_signup,
    set_guests,
    sign_up,
    toggle_diet,
)
from bot.handlers.meals.upcoming import upcoming
from bot.handlers.meals.volunteer import (
    attendance,
    cancel_signup,
    confirm,
    confirm_all,
    decline_preset,
    mark,
    other_meals,
    other_meals_of,
    pick_reason,
    pick_signup,
    table_command,
    table_of,
    table_page,
)
from bot.jobs import add_tick
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER

log = logging.getLogger(__name__)


# --- routing -------------------------------------------------------------------------------

Action = Callable[..., Awaitable[Any]]
#: action → (handler, argument types)
ROUTES: dict[str, tuple[Action, str, tuple[type, ...]]] = {
    "list": (meals_list, RESIDENT, ()),
    "su": (sign_up, RESIDENT, (int,)),
    "me": (my_signup, RESIDENT, (int,)),
    "g": (set_guests, RESIDENT, (int, int)),
    "d": (toggle_diet, RESIDENT, (int, str)),
    "x": (ask_cancel, RESIDENT, (int,)),
    "xy": (cancel, RESIDENT, (int,)),
    "acc": (lambda u, c, m: answer_offer(u, c, m, True), RESIDENT, (int,)),
    "rej": (lambda u, c, m: answer_offer(u, c, m, False), RESIDENT, (int,)),
    "t": (table_of, VOLUNTEER, (int,)),
    "tp": (table_page, VOLUNTEER, (int, int)),
    "vxl": (pick_signup, VOLUNTEER, (int, int)),
    "vx": (pick_reason, VOLUNTEER, (int,)),
    "vxr": (cancel_signup, VOLUNTEER, (int, int)),
    "tl": (other_meals, VOLUNTEER, ()),
    "tlr": (other_meals_of, VOLUNTEER, (str,)),
    "rooms": (pick_room, COORDINATOR, ()),
    "tr": (room_table, VOLUNTEER, (str,)),
    "ok": (confirm, VOLUNTEER, (int,)),
    "oka": (confirm_all, VOLUNTEER, (int,)),
    "nr": (decline_preset, VOLUNTEER, (int, int)),
    "att": (attendance, VOLUNTEER, (int,)),
    "came": (mark, VOLUNTEER, (int, int)),
    "cx": (ask_cancel_meal, COORDINATOR, (int,)),
    "cxy": (cancel_meal, COORDINATOR, (int,)),
}


async def route(update: Update, context: BotContext) -> int:
    """Every ``meal:`` button: parse strictly, then run the action (which checks the role)."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    entry = ROUTES.get(parts[1]) if len(parts) > 1 else None
    if entry is None or len(parts) - 2 != len(entry[2]):
        return await stale_button(update, context)
    action, role, kinds = entry
    args = []
    for raw, kind in zip(parts[2:], kinds, strict=True):
        try:
            args.append(convert(raw, kind))
        except ValueError:
            return await stale_button(update, context)

    async def run(u: Update, c: BotContext) -> None:
        await action(u, c, *args)

    await requires(role)(run)(update, context)  # the role is checked on the server, always
    return END


async def route_and_forget(update: Update, context: BotContext) -> int | None:
    """Another meal button while a question was open: the question is dropped, unless the
    button was refused (an old card's ➕ guest): then the question stays as it was."""
    prompt = context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    await route(update, context)
    if prompt is not None and nothing_visible_yet():
        context.user_data["meal_prompt"] = prompt  # type: ignore[index]
        return None  # keep the state
    return END


async def command_and_forget(update: Update, context: BotContext) -> int:
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    assert update.message is not None and update.message.text is not None
    if update.message.text.split()[0].split("@")[0] == "/tafel":
        await table_command(update, context)
    else:
        await meals_list(update, context)
    return END


def build_conversation() -> ConversationHandler:
    typed = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(ask_text, pattern=r"^meal:(note|no|add|cap|rcap)\b")],
        states={
            TEXT: [
                MessageHandler(typed, got_text),
                CallbackQueryHandler(stop_text, pattern=r"^meal:stop$"),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, text_expected),
            ],
        },
        fallbacks=[
            CommandHandler(["eten", "tafel"], command_and_forget),
            CallbackQueryHandler(route_and_forget, pattern=r"^meal:"),
        ],
        name="meals",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("eten", meals_list))
    app.add_handler(CallbackQueryHandler(meals_list, pattern=r"^menu:meals$"))
    app.add_handler(CommandHandler("tafel", table_command))
    app.add_handler(CallbackQueryHandler(table_command, pattern=r"^menu:table$"))
    app.add_handler(CallbackQueryHandler(stop_text, pattern=r"^meal:stop$"))
    app.add_handler(CallbackQueryHandler(route, pattern=r"^meal:"))
    add_tick(app, "meals", tick, upcoming=upcoming)  # type: ignore[arg-type]
