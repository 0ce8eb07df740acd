"""Eettafel for the kookgroep (/tafel): the list, confirm, decline, who came.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update

from bot.actions import Action
from bot.actions.meals import (
    MealAttendance,
    MealCame,
    MealConfirm,
    MealConfirmAll,
    MealDecline,
    MealOtherMeals,
    MealOtherMealsOf,
    MealTable,
    MealTablePage,
    MealTakeOff,
    MealTakeOffPick,
    MealTakeOffReason,
)
from bot.actions.menu import MenuMain, MenuTable
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
    CANCEL_REASONS,
    DECLINE_REASONS,
    outcome_text,
    pick_text,
    plain_name,
    reason_text,
    refuse,
    send_notices,
    table_markup,
    table_pages,
    when,
)
from bot.services.meals import (
    Outcome,
    Result,
)
from bot.services.users import VOLUNTEER
from bot.store.meals import ACTIVE

log = logging.getLogger(__name__)


# --- volunteers ----------------------------------------------------------------------------


async def show_table(update: Update, context: BotContext, meal_id: int | None,
                     room: str | None = None, page: int = 0) -> None:
    person, t = context.person, context.t
    assert person is not None
    services = context.services
    if meal_id is None:
        view = await services.meals.next_meal(room or person.room or "")
        if view is None:
            await reply(update, context, t._("There is no meal planned for your room."),
                        kb([[(t._("⬅️ Menu"), MenuMain())]]),
                        edit=update.callback_query is not None)
            return
        meal_id = view.meal.id
    outcome, table = await services.meals.table(person, meal_id)
    if table is None:
        await refuse(update, context, outcome)
        return
    pages = table_pages(t, table)
    page = max(0, min(page, len(pages) - 1))  # the list may have shrunk since
    markup = table_markup(t, table, person, services.clock.now(), page, len(pages))
    await reply(update, context, pages[page], markup, edit=update.callback_query is not None)


@requires(VOLUNTEER)
async def table_command(update: Update, context: BotContext) -> None:
    await show_table(update, context, None)


async def table_button(update: Update, context: BotContext, act: MenuTable) -> None:
    """The menu's 🍽 Dinner list: the next meal's list."""
    await table_command(update, context)


async def table_of(update: Update, context: BotContext, act: MealTable) -> None:
    await show_table(update, context, act.meal_id)


async def table_page(update: Update, context: BotContext, act: MealTablePage) -> None:
    """Another page of a long list (a page beyond the end shows the last one)."""
    if act.page < 0:
        await stale_button(update, context)
        return
    await show_table(update, context, act.meal_id, page=act.page)


# --- taking someone off the list ----------------------------------------------------------


async def pick_signup(update: Update, context: BotContext, act: MealTakeOffPick) -> None:
    """Whom to take off the list: every sign-up, confirmed, without Telegram or waiting."""
    person, t = context.person, context.t
    meal_id, page = act.meal_id, act.page
    assert person is not None
    if page < 0:
        await stale_button(update, context)
        return
    outcome, table = await context.services.meals.table(person, meal_id)
    if table is None:
        await refuse(update, context, outcome)
        return
    if table.view.meal.starts_at <= context.services.clock.now():
        await refuse(update, context, Outcome.PAST)
        return
    text, markup, _page = pick_text(t, table, page)
    await reply(update, context, text, markup)


async def pick_reason(update: Update, context: BotContext, act: MealTakeOffReason) -> None:
    person, t = context.person, context.t
    assert person is not None
    found = await context.services.meals.managed_signup(person, act.signup_id)
    if found.outcome is not Outcome.OK or found.view is None or found.signup is None:
        await refuse(update, context, found.outcome)
        return
    if found.signup.status not in ACTIVE:
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("{name} is no longer on the list.").format(
                              name=plain_name(t, found.signup)))
        await show_table(update, context, found.view.meal.id)
        return
    text, markup = reason_text(t, found.view, found.signup)
    await reply(update, context, text, markup)


async def cancel_signup(update: Update, context: BotContext, act: MealTakeOff) -> None:
    """The final tap: the sign-up is cancelled with this reason (a repeat changes nothing)."""
    if not 0 <= act.reason < len(CANCEL_REASONS):
        await stale_button(update, context)
        return
    t = context.t
    reason = CANCEL_REASONS[act.reason][1]  # the msgid: the resident reads it in their language
    result = await context.services.meals.cancel_signup(context.person, act.signup_id, reason)
    if result.outcome is Outcome.OK and result.signup is not None and (
            update.callback_query is not None):
        await safe_answer(update.callback_query, t._("{name} is off the list.").format(
            name=plain_name(t, result.signup)))
    if result.outcome is Outcome.ALREADY and result.signup is not None and (
            update.callback_query is not None):
        await safe_answer(update.callback_query, t._("{name} is no longer on the list.").format(
            name=plain_name(t, result.signup)))
        await show_table(update, context, result.signup.meal_id)
        return
    await volunteer_done(update, context, result, None)


async def other_meals(update: Update, context: BotContext, act: MealOtherMeals) -> None:
    """An older button without the room: the volunteer's own room."""
    assert context.person is not None
    await show_other_meals(update, context, context.person.room or "")


def managed_room(context: BotContext, room: str) -> Outcome:
    """A room id from a button: it must exist and be one this person may manage."""
    assert context.person is not None
    if context.services.config.room(room) is None:
        return Outcome.NOT_FOUND
    if not context.services.meals.may_manage(context.person, room):
        return Outcome.FORBIDDEN
    return Outcome.OK


async def other_meals_of(update: Update, context: BotContext, act: MealOtherMealsOf) -> None:
    await show_other_meals(update, context, act.room)


async def show_other_meals(update: Update, context: BotContext, room: str) -> None:
    """The last week's and coming meals of a room (a volunteer's own; any for coordinators)."""
    person, t = context.person, context.t
    assert person is not None
    outcome = managed_room(context, room)
    if outcome is not Outcome.OK:
        await refuse(update, context, outcome)
        return
    views = await context.services.meals.recent_meals(room)
    rows = [[(f"{t.date(v.meal.starts_at, 'EEE d MMM')} {t.time(v.meal.starts_at)} · "
              f"{v.taken}/{v.cap}" + (" ✖️" if v.meal.cancelled else ""), MealTable(v.meal.id))]
            for v in views]
    rows.append([(t._("⬅️ Menu"), MenuMain())])
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


async def confirm(update: Update, context: BotContext, act: MealConfirm) -> None:
    result = await context.services.meals.confirm(context.person, act.signup_id)
    await volunteer_done(update, context, result, None)


async def confirm_all(update: Update, context: BotContext, act: MealConfirmAll) -> None:
    result = await context.services.meals.confirm_all(context.person, act.meal_id)
    await volunteer_done(update, context, result, act.meal_id)


async def decline_preset(update: Update, context: BotContext, act: MealDecline) -> int | None:
    if not 0 <= act.reason < len(DECLINE_REASONS):
        return await stale_button(update, context)
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    reason = DECLINE_REASONS[act.reason][1]  # the msgid: shown in the resident's own language
    result = await context.services.meals.decline(context.person, act.signup_id, reason)
    await volunteer_done(update, context, result, None)
    return END


async def attendance(update: Update, context: BotContext, act: MealAttendance) -> None:
    await show_attendance(update, context, act.meal_id)


async def show_attendance(update: Update, context: BotContext, meal_id: int) -> None:
    """Who came: each seated person with "came" / "not there" (once the meal has started)."""
    person, t = context.person, context.t
    outcome, table = await context.services.meals.table(person, meal_id)
    if table is None:
        await refuse(update, context, outcome)
        return
    if table.view.meal.starts_at > context.services.clock.now():
        await safe_answer(update.callback_query,  # type: ignore[arg-type]
                          t._("You can mark who came once the meal has started."), alert=True)
        return
    rows: list[list[tuple[str, Action]]] = []
    for row in table.seated:
        if row.status not in ("pending", "confirmed"):
            continue
        label = row.name or t._("anonymous {number}").format(number=row.user_id)
        came = "✅ " if row.attended is True else ""
        away = "❌ " if row.attended is False else ""
        rows.append([(came + t._("{name} came").format(name=label), MealCame(row.id, True)),
                     (away + t._("not there"), MealCame(row.id, False))])
    rows.append([(t._("⬅️ Back to the list"), MealTable(meal_id))])
    await reply(update, context, t._("Who came to the shared dinner on {when}? Tap each "
                                     "person.").format(when=when(t, table.view)), kb(rows))


async def mark(update: Update, context: BotContext, act: MealCame) -> None:
    result = await context.services.meals.mark_attendance(context.person, act.signup_id,
                                                          act.came)
    if result.outcome is not Outcome.OK or result.view is None:
        await refuse(update, context, result.outcome)
        return
    await show_attendance(update, context, result.view.meal.id)
