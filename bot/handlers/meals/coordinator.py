"""Eettafel for coordinators: open any room's list, cancel a meal (caps are typed: prompts).
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.actions import Action
from bot.actions.meals import (
    MealCancelMeal,
    MealCancelMealAsk,
    MealRooms,
    MealRoomTable,
    MealTable,
)
from bot.actions.menu import MenuMain
from bot.context import BotContext
from bot.handlers.common import (
    kb,
    reply,
)
from bot.handlers.meals.render import refuse, when
from bot.handlers.meals.volunteer import managed_room, show_table, volunteer_done
from bot.services.meals import (
    Outcome,
)

log = logging.getLogger(__name__)


async def pick_room(update: Update, context: BotContext, act: MealRooms) -> None:
    """Coordinators look after every room: choose whose list to open."""
    t = context.t
    rooms = context.services.config.rooms.values()
    rows: list[list[tuple[str, Action]]] = [[(room.name, MealRoomTable(room.id))]
                                            for room in rooms]
    rows.append([(t._("⬅️ Menu"), MenuMain())])
    await reply(update, context, t._("Which BuurtWerkKamer?"), kb(rows))


async def room_table(update: Update, context: BotContext, act: MealRoomTable) -> None:
    """The next meal's list of a chosen room."""
    outcome = managed_room(context, act.room)
    if outcome is not Outcome.OK:
        await refuse(update, context, outcome)
        return
    await show_table(update, context, None, act.room)


async def ask_cancel_meal(update: Update, context: BotContext, act: MealCancelMealAsk) -> None:
    t, meal_id = context.t, act.meal_id
    view = await context.services.meals.view(meal_id)
    if view is None:
        await refuse(update, context, Outcome.NOT_FOUND)
        return
    await reply(update, context, t._("Cancel the shared dinner on {when}? Everyone who signed "
                                     "up gets a message.").format(when=when(t, view)),
                kb([[(t._("Yes, cancel the meal"), MealCancelMeal(meal_id))],
                    [(t._("No, keep the meal"), MealTable(meal_id))]]))


async def cancel_meal(update: Update, context: BotContext, act: MealCancelMeal) -> None:
    result = await context.services.meals.cancel_meal(context.person, act.meal_id)
    await volunteer_done(update, context, result, act.meal_id)
