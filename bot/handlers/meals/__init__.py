"""Eettafel handlers: residents sign up (/eten), volunteers keep the list (/tafel).

All rules live in :mod:`bot.services.meals`; this module routes buttons and registers. Every
button is a typed action (:mod:`bot.actions.meals`); :data:`ROUTES` gives each its function
and the role it needs (checked on the server by :func:`bot.handlers.routing.on`). Free text
(an allergy note, a decline reason, a walk-in's name, a cap) is asked in a small persistent
conversation, so a restart in between does not lose the question.

Modules: ``render`` (texts), ``resident``, ``volunteer``, ``coordinator``, ``prompts`` (typed
answers), ``notices`` (the outbox kinds' renderers), ``jobs`` (the tick); this one routes
every eettafel button and registers.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.actions import Action, meals
from bot.actions.menu import MenuMeals, MenuTable
from bot.context import BotContext
from bot.handlers.common import END, stale_button
from bot.handlers.flows import nothing_visible_yet
from bot.handlers.meals import notices
from bot.handlers.meals.coordinator import ask_cancel_meal, cancel_meal, pick_room, room_table
from bot.handlers.meals.jobs import tick
from bot.handlers.meals.prompts import ask_text, got_text, stop_text, text_expected
from bot.handlers.meals.render import TEXT
from bot.handlers.meals.resident import (
    answer_offer,
    ask_cancel,
    cancel,
    list_button,
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
    table_button,
    table_command,
    table_of,
    table_page,
)
from bot.handlers.routing import on
from bot.jobs import add_tick
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER

log = logging.getLogger(__name__)


# --- routing -------------------------------------------------------------------------------

#: Every eettafel button outside the typed-answer question: its function and the role it
#: needs. Forged or stale data decodes to nothing and gets the one ``stale_button`` answer.
ROUTES: list[CallbackQueryHandler] = [
    on(meals.MealList, list_button, role=RESIDENT),
    on(meals.MealSignUp, sign_up, role=RESIDENT),
    on(meals.MealMySignup, my_signup, role=RESIDENT),
    on(meals.MealGuests, set_guests, role=RESIDENT),
    on(meals.MealDiet, toggle_diet, role=RESIDENT),
    on(meals.MealCancelAsk, ask_cancel, role=RESIDENT),
    on(meals.MealCancel, cancel, role=RESIDENT),
    on((meals.MealOfferAccept, meals.MealOfferReject), answer_offer, role=RESIDENT),
    on(meals.MealTable, table_of, role=VOLUNTEER),
    on(meals.MealTablePage, table_page, role=VOLUNTEER),
    on(meals.MealTakeOffPick, pick_signup, role=VOLUNTEER),
    on(meals.MealTakeOffReason, pick_reason, role=VOLUNTEER),
    on(meals.MealTakeOff, cancel_signup, role=VOLUNTEER),
    on(meals.MealOtherMeals, other_meals, role=VOLUNTEER),
    on(meals.MealOtherMealsOf, other_meals_of, role=VOLUNTEER),
    on(meals.MealRooms, pick_room, role=COORDINATOR),
    on(meals.MealRoomTable, room_table, role=VOLUNTEER),
    on(meals.MealConfirm, confirm, role=VOLUNTEER),
    on(meals.MealConfirmAll, confirm_all, role=VOLUNTEER),
    on(meals.MealDecline, decline_preset, role=VOLUNTEER),
    on(meals.MealAttendance, attendance, role=VOLUNTEER),
    on(meals.MealCame, mark, role=VOLUNTEER),
    on(meals.MealCancelMealAsk, ask_cancel_meal, role=COORDINATOR),
    on(meals.MealCancelMeal, cancel_meal, role=COORDINATOR),
]


def questions() -> list[CallbackQueryHandler]:
    """The buttons that ask a typed answer (the conversation's entry points)."""
    return [
        on(meals.MealNote, ask_text, role=RESIDENT),
        on(meals.MealDeclineAsk, ask_text, role=VOLUNTEER),
        on(meals.MealAddOffline, ask_text, role=VOLUNTEER),
        on(meals.MealSetCap, ask_text, role=COORDINATOR),
        on(meals.MealSetRoomCap, ask_text, role=COORDINATOR),
    ]


async def route(update: Update, context: BotContext) -> None:
    """Run the route of this update's button (one of :data:`ROUTES`), as if it came alone."""
    for handler in ROUTES:
        if handler.check_update(update):
            await handler.callback(update, context)
            return
    await stale_button(update, context)  # an eettafel action without a route here


async def route_and_forget(update: Update, context: BotContext, act: Action) -> int | None:
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
        entry_points=questions(),
        states={
            TEXT: [
                MessageHandler(typed, got_text),
                on(meals.MealStop, stop_text),
                MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, text_expected),
            ],
        },
        fallbacks=[
            CommandHandler(["eten", "tafel"], command_and_forget),
            on(meals.MEAL_ACTIONS, route_and_forget),
        ],
        name="meals",
        persistent=True,
        allow_reentry=True,
    )


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("eten", meals_list))
    app.add_handler(on(MenuMeals, list_button, role=RESIDENT))
    app.add_handler(CommandHandler("tafel", table_command))
    app.add_handler(on(MenuTable, table_button, role=VOLUNTEER))
    app.add_handler(on(meals.MealStop, stop_text))
    for handler in ROUTES:
        app.add_handler(handler)
    notices.register(app)
    add_tick(app, "meals", tick, upcoming=upcoming)  # type: ignore[arg-type]
