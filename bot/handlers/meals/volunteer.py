"""Eettafel for the kookgroep (/tafel): the list, confirm, decline, who came.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import (
    END,
    kb,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.handlers.meals.render import (
    DECLINE_REASONS,
    outcome_text,
    refuse,
    send_notices,
    table_markup,
    table_text,
    when,
)
from bot.services.meals import (
    Outcome,
    Result,
)
from bot.services.users import VOLUNTEER

log = logging.getLogger(__name__)


# --- volunteers ----------------------------------------------------------------------------


async def show_table(update: Update, context: BotContext, meal_id: int | None,
                      room: str | None = None) -> None:
    person, t = context.person, context.t
    assert person is not None
    services = context.services
    if meal_id is None:
        view = await services.meals.next_meal(room or person.room or "")
        if view is None:
            await reply(update, context, t._("There is no meal planned for your room."),
                        kb([[(t._("⬅️ Menu"), "menu:main")]]),
                        edit=update.callback_query is not None)
            return
        meal_id = view.meal.id
    outcome, table = await services.meals.table(person, meal_id)
    if table is None:
        await refuse(update, context, outcome)
        return
    markup = table_markup(t, table, person, services.clock.now())
    await reply(update, context, table_text(t, table), markup,
                edit=update.callback_query is not None)


@requires(VOLUNTEER)
async def table_command(update: Update, context: BotContext) -> None:
    await show_table(update, context, None)


async def table_of(update: Update, context: BotContext, meal_id: int) -> None:
    await show_table(update, context, meal_id)


@requires(VOLUNTEER)
async def other_meals(update: Update, context: BotContext) -> None:
    assert context.person is not None
    await other_meals_of(update, context, context.person.room or "")


def managed_room(context: BotContext, room: str) -> Outcome:
    """A room id from a button: it must exist and be one this person may manage."""
    assert context.person is not None
    if context.services.config.room(room) is None:
        return Outcome.NOT_FOUND
    if not context.services.meals.may_manage(context.person, room):
        return Outcome.FORBIDDEN
    return Outcome.OK


async def other_meals_of(update: Update, context: BotContext, room: str) -> None:
    """The last week's and coming meals of a room (a volunteer's own; any for coordinators)."""
    person, t = context.person, context.t
    assert person is not None
    outcome = managed_room(context, room)
    if outcome is not Outcome.OK:
        await refuse(update, context, outcome)
        return
    views = await context.services.meals.recent_meals(room)
    rows = [[(f"{t.date(v.meal.starts_at, 'EEE d MMM')} {t.time(v.meal.starts_at)} · "
              f"{v.taken}/{v.cap}" + (" ✖️" if v.meal.cancelled else ""), f"meal:t:{v.meal.id}")]
            for v in views]
    rows.append([(t._("⬅️ Menu"), "menu:main")])
    config_room = context.services.config.room(room)
    title = t._("Which meal?")
    if config_room is not None and room != person.room:
        title = t._("Which meal in {room}?").format(room=escape(config_room.name))
    await reply(update, context, title, kb(rows))




async def volunteer_done(update: Update, context: BotContext, result: Result,
                          meal_id: int | None, room: str | None = None) -> None:
    if result.outcome not in (Outcome.OK, Outcome.ALREADY):
        await refuse(update, context, result.outcome)
        return
    if result.outcome is Outcome.ALREADY and update.callback_query is not None:
        await safe_answer(update.callback_query, outcome_text(context.t, result.outcome))
    await send_notices(context.application, context.services, result.notices)
    target = meal_id if meal_id is not None else (
        result.view.meal.id if result.view is not None else None)
    await show_table(update, context, target, room)


async def confirm(update: Update, context: BotContext, signup_id: int) -> None:
    result = await context.services.meals.confirm(context.person, signup_id)
    await volunteer_done(update, context, result, None)


async def confirm_all(update: Update, context: BotContext, meal_id: int) -> None:
    result = await context.services.meals.confirm_all(context.person, meal_id)
    await volunteer_done(update, context, result, meal_id)


async def decline_preset(update: Update, context: BotContext, signup_id: int, index: int
                         ) -> int:
    if not 0 <= index < len(DECLINE_REASONS):
        return await stale_button(update, context)
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    reason = DECLINE_REASONS[index][1]  # the msgid: shown in the resident's own language
    result = await context.services.meals.decline(context.person, signup_id, reason)
    await volunteer_done(update, context, result, None)
    return END


async def attendance(update: Update, context: BotContext, meal_id: int) -> None:
    person, t = context.person, context.t
    outcome, table = await context.services.meals.table(person, meal_id)
    if table is None:
        await refuse(update, context, outcome)
        return
    if table.view.meal.starts_at > context.services.clock.now():
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("You can mark who came once the meal has started."), alert=True)
        return
    rows = []
    for row in table.seated:
        if row.status not in ("pending", "confirmed"):
            continue
        label = row.name or t._("anonymous {number}").format(number=row.user_id)
        came = "✅ " if row.attended is True else ""
        away = "❌ " if row.attended is False else ""
        rows.append([(came + t._("{name} came").format(name=label), f"meal:came:{row.id}:1"),
                     (away + t._("not there"), f"meal:came:{row.id}:0")])
    rows.append([(t._("⬅️ Back to the list"), f"meal:t:{meal_id}")])
    await reply(update, context, t._("Who came to the shared dinner on {when}? Tap each "
                                     "person.").format(when=when(t, table.view)), kb(rows))


async def mark(update: Update, context: BotContext, signup_id: int, came: int) -> None:
    if came not in (0, 1):
        await stale_button(update, context)
        return
    result = await context.services.meals.mark_attendance(context.person, signup_id, bool(came))
    if result.outcome is not Outcome.OK or result.view is None:
        await refuse(update, context, result.outcome)
        return
    await attendance(update, context, result.view.meal.id)
