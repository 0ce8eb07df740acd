"""Eettafel for residents (/eten): the coming meals, sign up, guests, food wishes, cancel,
answer a seat offer.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardMarkup, Update

from bot.actions import Action
from bot.actions.meals import (
    MealCancel,
    MealCancelAsk,
    MealDiet,
    MealGuests,
    MealList,
    MealMySignup,
    MealOfferAccept,
    MealOfferReject,
    MealSignUp,
    MealTable,
)
from bot.actions.menu import MenuMain, MenuMeals
from bot.context import BotContext
from bot.handlers import flows
from bot.handlers.common import (
    kb,
    notify,
    reply,
    requires,
    safe_answer,
)
from bot.handlers.meals.render import (
    diet_text,
    leave_card,
    outcome_text,
    person_label,
    refresh_cards,
    refuse,
    seats_line,
    send_notices,
    show_card,
    when,
)
from bot.i18n import Translator
from bot.services.meals import (
    Outcome,
    Result,
)
from bot.services.users import RESIDENT
from bot.store.meals import SEATED

log = logging.getLogger(__name__)


# --- residents -----------------------------------------------------------------------------


@requires(RESIDENT)
async def meals_list(update: Update, context: BotContext) -> None:
    person, t = context.person, context.t
    assert person is not None
    services = context.services
    room = services.config.room(person.room)
    if room is None or not room.meals:
        await reply(update, context, t._("Your BuurtWerkKamer has no shared dinner at the "
                                         "moment."), kb([[(t._("⬅️ Menu"), MenuMain())]]),
                    edit=update.callback_query is not None)
        return
    views = await services.meals.upcoming(room.id)
    mine = await services.meals.my_signups(person)
    now = services.clock.now()
    lines = ["🍲 <b>" + t._("Shared dinner in {room}").format(room=escape(room.name)) + "</b>"]
    rows: list[list[tuple[str, Action]]] = []
    for view in views:
        short = t.date(view.meal.starts_at, "EEE d MMM")
        status = ""
        row = mine.get(view.meal.id)
        if row is not None and row.status in ("pending", "confirmed", "offered", "waiting"):
            status = " — " + {
                "pending": t._("you are signed up"),
                "confirmed": t._("your seat is confirmed"),
                "offered": t._("a seat is offered to you"),
                "waiting": t._("you are on the waiting list"),
            }[row.status]
            rows.append([(t._("📋 {date}: my sign-up").format(date=short),
                          MealMySignup(view.meal.id))])
        elif not view.meal.cancelled and view.meal.deadline_at > now:
            label = t._("✍️ Sign up {date}") if view.free else t._("⏳ Waiting list {date}")
            rows.append([(label.format(date=short), MealSignUp(view.meal.id))])
        elif not view.meal.cancelled:
            status = " — " + t._("sign-up closed")
        lines.append(f"• {when(t, view)}: {seats_line(t, view)}{status}")
    if not views:
        lines.append(t._("No meals planned in the coming two weeks."))
    lines.append("")
    lines.append(t._("Sign up before {time} on the day of the meal.").format(
        time=t.time(room.meal_signup_deadline)))
    rows.append([(t._("⬅️ Menu"), MenuMain())])
    await leave_card(update, context)
    await reply(update, context, "\n".join(lines), kb(rows),
                edit=update.callback_query is not None)


async def list_button(update: Update, context: BotContext, act: MealList | MenuMeals) -> None:
    """``meal:list`` and the menu's 🍲 Shared dinner."""
    await meals_list(update, context)


async def after(update: Update, context: BotContext, result: Result,
                already: str | None = None) -> None:
    """Show the resident's card (or refuse) and tell others what changed.

    A repeat (``ALREADY``: a double tap, the old button after a restart) changes nothing: a
    short pop-up says so (``already``, if given) and the card shows how things stand.
    """
    if result.outcome in (Outcome.OK, Outcome.WAITLISTED, Outcome.ALREADY, Outcome.NO_SEATS,
                          Outcome.CANCELLED) and result.view is not None:
        if result.outcome is Outcome.NO_SEATS and update.callback_query is not None:
            await safe_answer(update.callback_query, outcome_text(context.t, result.outcome),
                              alert=True)
        if (result.outcome is Outcome.ALREADY and already is not None
                and update.callback_query is not None):
            await safe_answer(update.callback_query, already)
        await show_card(update, context, result)
    else:
        await refuse(update, context, result.outcome)
    if result.notices:
        await send_notices(context.application, context.services, result.notices)


async def sign_up(update: Update, context: BotContext, act: MealSignUp) -> None:
    await after(update, context,
                await context.services.meals.sign_up(context.person, act.meal_id))


async def my_signup(update: Update, context: BotContext, act: MealMySignup) -> None:
    result = await context.services.meals.my_signup(context.person, act.meal_id)
    if result.outcome is Outcome.NOT_FOUND:
        await refuse(update, context, result.outcome)
        return
    await show_card(update, context, result)


async def set_guests(update: Update, context: BotContext, act: MealGuests) -> None:
    await after(update, context,
                await context.services.meals.set_guests(context.person, act.meal_id,
                                                        act.guests),
                already=context.t._("That was already done."))


async def toggle_diet(update: Update, context: BotContext, act: MealDiet) -> None:
    if not flows.first_handling(context, update):  # handled again after a restart: the card
        await after(update, context,                # as it is; a second toggle would undo it
                    await context.services.meals.my_signup(context.person, act.meal_id))
        return
    result = await context.services.meals.toggle_diet(context.person, act.meal_id, act.diet)
    await after(update, context, result)
    await tell_cook_late_diet(context, result)


async def tell_cook_late_diet(context: BotContext, result: Result) -> None:
    """Food wishes changed after the cook's final list went out: the kookgroep must know.

    An allergy typed at 15:00 is useless if the cook only reads the 12:00 list.
    """
    view, row = result.view, result.signup
    if (result.outcome is not Outcome.OK or view is None or row is None
            or not view.meal.list_sent or row.status not in SEATED):
        return
    services = context.services
    people = await services.recipients.helper_people(view.meal.room)

    def render(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
        diet = diet_text(t, row) or t._("no food wishes")
        return t._("Change after the final list for the shared dinner on {when}: {name} now "
                   "has these food wishes: {diet}.").format(
                       when=when(t, view), name=person_label(t, row), diet=diet), kb(
                           [[(t._("📋 Open the list"), MealTable(view.meal.id))]])

    for person in people:
        try:
            await notify(context.application, person, render)
        except Exception:  # one failing message never stops the others
            log.exception("could not tell the kookgroep about a late food wish")


async def ask_cancel(update: Update, context: BotContext, act: MealCancelAsk) -> None:
    t, meal_id = context.t, act.meal_id
    result = await context.services.meals.my_signup(context.person, meal_id)
    if result.view is None or result.signup is None:
        await refuse(update, context, result.outcome)
        return
    await leave_card(update, context)
    await reply(update, context, t._("Do you want to cancel your sign-up for {when}?").format(
        when=when(t, result.view)), kb([[(t._("Yes, cancel"), MealCancel(meal_id))],
                                        [(t._("No, keep my sign-up"), MealMySignup(meal_id))]]))


async def cancel(update: Update, context: BotContext, act: MealCancel) -> None:
    t, meal_id = context.t, act.meal_id
    result = await context.services.meals.cancel(context.person, meal_id)
    if result.outcome in (Outcome.OK, Outcome.ALREADY) and result.view is not None:
        if result.outcome is Outcome.ALREADY and update.callback_query is not None:
            # "Yes, cancel" twice: one change, one notice; the repeat only hears it is done.
            await safe_answer(update.callback_query, t._("Your sign-up is cancelled."))
        await leave_card(update, context)
        await reply(update, context, t._("Your sign-up for {when} is cancelled. Thank you for "
                                         "letting us know!").format(when=when(t, result.view)),
                    kb([[(t._("⬅️ All meals"), MealList())]]))
        await send_notices(context.application, context.services, result.notices)
        await refresh_cards(context.application, context.services,
                            [(context.person.id, meal_id)])  # older cards of this sign-up
    else:
        await refuse(update, context, result.outcome)


async def answer_offer(update: Update, context: BotContext,
                       act: MealOfferAccept | MealOfferReject) -> None:
    t, meal_id, accept = context.t, act.meal_id, isinstance(act, MealOfferAccept)
    result = await context.services.meals.answer_offer(context.person, meal_id, accept)
    refused = result.signup is not None and result.signup.status == "cancelled"
    if result.view is not None and (result.outcome is Outcome.CANCELLED or (
            result.outcome is Outcome.ALREADY and refused)):
        await leave_card(update, context)
        await reply(update, context, t._("Thank you. The seat goes to the next person."),
                    kb([[(t._("⬅️ All meals"), MealList())]]))
        await send_notices(context.application, context.services, result.notices)
        await refresh_cards(context.application, context.services,
                            [(context.person.id, meal_id)])  # older cards of this sign-up
        return
    await after(update, context, result,
                already=t._("You already said yes: the seat is yours."))
