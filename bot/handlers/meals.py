"""Eettafel handlers: residents sign up (/eten), volunteers keep the list (/tafel).

All rules live in :mod:`bot.services.meals`; this module parses buttons, checks roles and
renders. Every callback starts with ``meal:``; one router sends each action to its function.
Free text (an allergy note, a decline reason, a walk-in's name, a cap) is asked in a small
persistent conversation, so a restart in between does not lose the question.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import jobs
from bot.context import BotContext
from bot.handlers.common import (
    END,
    kb,
    notify,
    reply,
    requires,
    safe_answer,
    stale_button,
)
from bot.i18n import N_, Translator
from bot.services.meals import (
    DIETS,
    MAX_GUESTS,
    MAX_NOTE,
    MealView,
    NewSignups,
    Notice,
    Outcome,
    Result,
    Table,
)
from bot.services.users import COORDINATOR, RESIDENT, VOLUNTEER, Person
from bot.store.meals import SEATED, SignupRow

log = logging.getLogger(__name__)

TEXT = "text"
PROMPT_MINUTES = 30

DIET_LABELS = {
    "halal": N_("halal"),
    "vega": N_("vegetarian"),
    "nopork": N_("no pork"),
    "allergy": N_("allergy"),
}
DECLINE_REASONS = (
    N_("The meal is for residents of this neighbourhood."),
    N_("You already signed up under another name."),
    N_("Please call the room first, so we can get to know you."),
)


# --- rendering -----------------------------------------------------------------------------


def when(t: Translator, view: MealView) -> str:
    return t._("{date} at {time}").format(
        date=t.date(view.meal.starts_at), time=t.time(view.meal.starts_at)
    )


def seats_line(t: Translator, view: MealView) -> str:
    if view.meal.cancelled:
        return t._("does not take place")
    if view.free == 0:
        return t.ngettext("full, {n} waiting", "full, {n} waiting", view.waiting).format(
            n=view.waiting) if view.waiting else t._("full")
    return t.ngettext("{n} seat left", "{n} seats left", view.free).format(n=view.free)


def diet_text(t: Translator, row: SignupRow) -> str:
    parts = [t._(DIET_LABELS[code]) for code in row.diet if code in DIET_LABELS]
    if row.diet_note:
        parts.append(f"“{escape(row.diet_note)}”")
    return ", ".join(parts)


def person_label(t: Translator, row: SignupRow) -> str:
    if row.name:
        return escape(row.name)
    return t._("anonymous {number}").format(number=row.user_id)


def status_text(t: Translator, result: Result) -> str:
    row = result.signup
    if row is None:
        return t._("You are not signed up for this meal.")
    if row.status == "pending":
        return t._("Your sign-up is received. A volunteer will confirm it.")
    if row.status == "confirmed":
        return t._("Your seat is confirmed. See you then!")
    if row.status == "waiting":
        return t._("The meal is full. You are on the waiting list, place {place}. "
                   "If a seat frees up, I will send you a message.").format(place=result.place)
    if row.status == "offered":
        expires = row.offer_expires_at
        return t._("A seat is free for you! Do you want it? Please answer before {time}.").format(
            time=t.time(expires) if expires else "-")
    if row.status == "declined":
        return t._("A volunteer could not give you a seat. Reason: {reason}").format(
            reason=escape(row.reason or "-"))
    return t._("You are not signed up for this meal.")


def card(t: Translator, result: Result) -> tuple[str, InlineKeyboardMarkup]:
    """A resident's own sign-up: what is arranged and what they can change."""
    view, row = result.view, result.signup
    assert view is not None
    mid = view.meal.id
    lines = [
        "🍲 <b>" + t._("Shared dinner, {when}").format(when=when(t, view)) + "</b>",
        status_text(t, result),
    ]
    rows: list[list[tuple[str, str]]] = []
    if row is not None and row.status in ("pending", "confirmed", "waiting", "offered"):
        lines.append(t.ngettext("With {n} guest from your household.",
                                "With {n} guests from your household.", row.guests)
                     .format(n=row.guests) if row.guests else t._("No guests."))
        diet = diet_text(t, row)
        lines.append(t._("Food wishes: {diet}").format(diet=diet) if diet
                     else t._("No food wishes."))
        if row.status == "offered":
            rows.append([(t._("✅ Yes, I will come"), f"meal:acc:{mid}"),
                         (t._("No, give it on"), f"meal:rej:{mid}")])
        if not view.meal.cancelled:
            guest_row = []
            if row.guests < MAX_GUESTS:
                guest_row.append((t._("➕ Guest"), f"meal:g:{mid}:{row.guests + 1}"))
            if row.guests > 0:
                guest_row.append((t._("➖ Guest"), f"meal:g:{mid}:{row.guests - 1}"))
            if guest_row:
                rows.append(guest_row)
            toggles = [((("✅ " if code in row.diet else "") + t._(DIET_LABELS[code])),
                        f"meal:d:{mid}:{code}") for code in DIETS]
            rows += [toggles[:2], toggles[2:]]
            if "allergy" in row.diet:
                rows.append([(t._("✏️ Write what you are allergic to"), f"meal:note:{mid}")])
            rows.append([(t._("❌ Cancel my sign-up"), f"meal:x:{mid}")])
    elif not view.meal.cancelled and (row is None or row.status != "declined"):
        rows.append([(t._("✍️ Sign up"), f"meal:su:{mid}")])
    rows.append([(t._("⬅️ All meals"), "meal:list")])
    return "\n".join(lines), kb(rows)


def table_text(t: Translator, table: Table, *, final: bool = False) -> str:
    view = table.view
    head = t._("Final list for the shared dinner, {when}") if final else t._(
        "Shared dinner, {when}")
    lines = ["🍽 <b>" + head.format(when=when(t, view)) + "</b>"]
    if view.meal.cancelled:
        lines.append(t._("This meal is cancelled."))
    lines.append(t._("{taken} of {cap} seats taken, {free} left.").format(
        taken=view.taken, cap=view.cap, free=view.free))
    if table.diets:
        lines.append(t._("Food: {counts}").format(counts=", ".join(
            f"{n} {t._(DIET_LABELS[code])}" for code, n in table.diets.items())))
    lines.append("")
    if not table.seated:
        lines.append(t._("Nobody has signed up yet."))
    for number, row in enumerate(table.seated, 1):
        mark = {"pending": "⏳", "confirmed": "✅", "offered": "📨"}.get(row.status, "")
        extra = []
        if row.guests:
            extra.append(t.ngettext("+{n} guest", "+{n} guests", row.guests).format(n=row.guests))
        diet = diet_text(t, row)
        if diet:
            extra.append(diet)
        if row.attended is not None:
            extra.append(t._("came") if row.attended else t._("did not come"))
        lines.append(f"{number}. {mark} {person_label(t, row)}"
                     + (f" ({'; '.join(extra)})" if extra else ""))
    if table.waiting:
        lines.append("")
        lines.append(t._("Waiting list:"))
        for number, row in enumerate(table.waiting, 1):
            guests = f" +{row.guests}" if row.guests else ""
            lines.append(f"{number}. {person_label(t, row)}{guests}")
    lines.append("")
    lines.append(t._("⏳ received, ✅ confirmed, 📨 seat offered"))
    return "\n".join(lines)


def table_markup(t: Translator, table: Table, person: Person, now: datetime
                 ) -> InlineKeyboardMarkup:
    mid = table.view.meal.id
    rows: list[list[tuple[str, str]]] = []
    pending = [r for r in table.seated if r.status == "pending"]
    started = table.view.meal.starts_at <= now
    for row in pending[:10]:
        label = row.name or t._("anonymous {number}").format(number=row.user_id)
        rows.append([(t._("✅ {name}").format(name=label), f"meal:ok:{row.id}"),
                     (t._("✖️ {name}").format(name=label), f"meal:no:{row.id}")])
    if len(pending) > 1:
        rows.append([(t._("✅ Confirm everyone"), f"meal:oka:{mid}")])
    if not table.view.meal.cancelled:
        rows.append([(t._("➕ Add someone without Telegram"), f"meal:add:{mid}")])
    room = table.view.meal.room
    rows.append([(t._("🙋 Who came?"), f"meal:att:{mid}"),
                 (t._("📅 Other meals"), f"meal:tlr:{room}")])
    if person.role == COORDINATOR and not table.view.meal.cancelled and not started:
        rows.append([(t._("🔢 Seats for this meal"), f"meal:cap:{mid}"),
                     (t._("🚫 Cancel this meal"), f"meal:cx:{mid}")])
    if person.role == COORDINATOR:
        rows.append([(t._("🔢 Seats for all meals"), f"meal:rcap:{room}"),
                     (t._("🏠 Other room"), "meal:rooms")])
    rows.append([(t._("🔄 Refresh"), f"meal:t:{mid}"), (t._("⬅️ Menu"), "menu:main")])
    return kb(rows)


OUTCOME_TEXT = {
    Outcome.NOT_FOUND: N_("This meal does not exist (any more)."),
    Outcome.OTHER_ROOM: N_("This meal is in another BuurtWerkKamer. Tap /eten for the meals "
                           "in your room."),
    Outcome.PAST: N_("This meal has already started or is over."),
    Outcome.CLOSED: N_("The sign-up time for this meal is over. Please call the room to "
                       "change something."),
    Outcome.CANCELLED: N_("This meal is cancelled."),
    Outcome.NO_SEATS: N_("There are not enough seats left for another guest."),
    Outcome.INVALID: N_("That is not possible."),
    Outcome.NOT_SIGNED_UP: N_("You are not signed up for this meal."),
    Outcome.NO_OFFER: N_("This offer is no longer valid."),
    Outcome.FORBIDDEN: N_("You cannot do this for this meal."),
    Outcome.ALREADY: N_("That was already done."),
}


def outcome_text(t: Translator, outcome: Outcome, room_phone: str = "") -> str:
    text = t._(OUTCOME_TEXT.get(outcome, N_("That is not possible.")))
    if outcome is Outcome.CLOSED and room_phone:
        text += " " + t._("Phone: {phone}").format(phone=escape(room_phone))
    return text


def notice_text(t: Translator, notice: Notice, view: MealView) -> tuple[str, InlineKeyboardMarkup]:
    mid = view.meal.id
    meal = when(t, view)
    open_card = kb([[(t._("📋 My sign-up"), f"meal:me:{mid}")]])
    if notice.kind == "confirmed":
        return t._("Your seat at the shared dinner on {when} is confirmed. "
                   "See you then!").format(when=meal), open_card
    if notice.kind == "declined":
        return t._("A volunteer could not give you a seat at the shared dinner on {when}. "
                   "Reason: {reason}").format(when=meal, reason=escape(notice.data["reason"])), \
            kb([[(t._("⬅️ All meals"), "meal:list")]])
    if notice.kind == "offer":
        return t._("Good news: a seat is free for you at the shared dinner on {when}. "
                   "Do you want it? Please answer before {time}.").format(
                       when=meal, time=t.time(notice.data["expires"])), kb([
                           [(t._("✅ Yes, I will come"), f"meal:acc:{mid}")],
                           [(t._("No, give it on"), f"meal:rej:{mid}")]])
    if notice.kind == "offer_expired":
        return t._("You did not answer in time, so the seat at the shared dinner on {when} "
                   "went to the next person.").format(when=meal), \
            kb([[(t._("⬅️ All meals"), "meal:list")]])
    if notice.kind == "waitlisted":
        return t._("Fewer seats are available at the shared dinner on {when}. You are now on "
                   "the waiting list, place {place}. I will tell you when a seat frees up.").format(
                       when=meal, place=notice.data.get("place") or 1), open_card
    if notice.kind == "cancelled":
        return t._("Sorry: the shared dinner on {when} is cancelled.").format(when=meal), \
            kb([[(t._("⬅️ All meals"), "meal:list")]])
    return t._("Reminder: today is the shared dinner, {when}. See you!").format(
        when=meal), open_card


async def send_notices(app: Any, services: Any, notices: list[Notice]) -> None:
    """Tell each person what changed for them, in their own language."""
    views: dict[int, MealView | None] = {}
    for notice in notices:
        if notice.meal_id not in views:
            views[notice.meal_id] = await services.meals.view(notice.meal_id)
        view = views[notice.meal_id]
        person = await services.users.by_id(notice.user_id)
        if view is None or person is None:
            continue
        try:
            await notify(app, person, lambda t, n=notice, v=view: notice_text(t, n, v))
        except Exception:  # one failing message never stops the others
            log.exception("could not send a meal notice")


# --- residents -----------------------------------------------------------------------------


@requires(RESIDENT)
async def meals_list(update: Update, context: BotContext) -> None:
    person, t = context.person, context.t
    assert person is not None
    services = context.services
    room = services.config.room(person.room)
    if room is None or not room.meals:
        await reply(update, context, t._("Your BuurtWerkKamer has no shared dinner at the "
                                         "moment."), kb([[(t._("⬅️ Menu"),
                                                           "menu:main")]]),
                    edit=update.callback_query is not None)
        return
    views = await services.meals.upcoming(room.id)
    mine = await services.meals.my_signups(person)
    now = services.clock.now()
    lines = ["🍲 <b>" + t._("Shared dinner in {room}").format(room=escape(room.name)) + "</b>"]
    rows: list[list[tuple[str, str]]] = []
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
                          f"meal:me:{view.meal.id}")])
        elif not view.meal.cancelled and view.meal.deadline_at > now:
            label = t._("✍️ Sign up {date}") if view.free else t._("⏳ Waiting list {date}")
            rows.append([(label.format(date=short), f"meal:su:{view.meal.id}")])
        elif not view.meal.cancelled:
            status = " — " + t._("sign-up closed")
        lines.append(f"• {when(t, view)}: {seats_line(t, view)}{status}")
    if not views:
        lines.append(t._("No meals planned in the coming two weeks."))
    lines.append("")
    lines.append(t._("Sign up before {time} on the day of the meal.").format(
        time=t.time(room.meal_signup_deadline)))
    rows.append([(t._("⬅️ Menu"), "menu:main")])
    await reply(update, context, "\n".join(lines), kb(rows),
                edit=update.callback_query is not None)


async def _show_card(update: Update, context: BotContext, result: Result) -> None:
    if result.view is None:
        await _refuse(update, context, result.outcome)
        return
    text, markup = card(context.t, result)
    await reply(update, context, text, markup)


async def _refuse(update: Update, context: BotContext, outcome: Outcome) -> None:
    room = context.services.config.room(context.person.room if context.person else None)
    text = outcome_text(context.t, outcome, room.phone if room else "")
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, context.t.bidi(text))


async def _after(update: Update, context: BotContext, result: Result) -> None:
    """Show the resident's card (or refuse) and tell others what changed."""
    if result.outcome in (Outcome.OK, Outcome.WAITLISTED, Outcome.ALREADY, Outcome.NO_SEATS,
                          Outcome.CANCELLED) and result.view is not None:
        if result.outcome is Outcome.NO_SEATS and update.callback_query is not None:
            await safe_answer(update.callback_query, outcome_text(context.t, result.outcome),
                              alert=True)
        await _show_card(update, context, result)
    else:
        await _refuse(update, context, result.outcome)
    if result.notices:
        await send_notices(context.application, context.services, result.notices)


async def sign_up(update: Update, context: BotContext, meal_id: int) -> None:
    await _after(update, context, await context.services.meals.sign_up(context.person, meal_id))


async def my_signup(update: Update, context: BotContext, meal_id: int) -> None:
    result = await context.services.meals.my_signup(context.person, meal_id)
    if result.outcome is Outcome.NOT_FOUND:
        await _refuse(update, context, result.outcome)
        return
    await _show_card(update, context, result)


async def set_guests(update: Update, context: BotContext, meal_id: int, guests: int) -> None:
    await _after(update, context,
                 await context.services.meals.set_guests(context.person, meal_id, guests))


async def toggle_diet(update: Update, context: BotContext, meal_id: int, code: str) -> None:
    result = await context.services.meals.toggle_diet(context.person, meal_id, code)
    await _after(update, context, result)
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
    people = await services.users.volunteers(view.meal.room)
    if not people:
        people = await services.users.coordinators(view.meal.room)

    def render(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
        diet = diet_text(t, row) or t._("no food wishes")
        return t._("Change after the final list for the shared dinner on {when}: {name} now "
                   "has these food wishes: {diet}.").format(
                       when=when(t, view), name=person_label(t, row), diet=diet), kb(
                           [[(t._("📋 Open the list"), f"meal:t:{view.meal.id}")]])

    for person in people:
        try:
            await notify(context.application, person, render)
        except Exception:  # one failing message never stops the others
            log.exception("could not tell the kookgroep about a late food wish")


async def ask_cancel(update: Update, context: BotContext, meal_id: int) -> None:
    t = context.t
    result = await context.services.meals.my_signup(context.person, meal_id)
    if result.view is None or result.signup is None:
        await _refuse(update, context, result.outcome)
        return
    await reply(update, context, t._("Do you want to cancel your sign-up for {when}?").format(
        when=when(t, result.view)), kb([[(t._("Yes, cancel"), f"meal:xy:{meal_id}")],
                                        [(t._("No, keep my sign-up"), f"meal:me:{meal_id}")]]))


async def cancel(update: Update, context: BotContext, meal_id: int) -> None:
    t = context.t
    result = await context.services.meals.cancel(context.person, meal_id)
    if result.outcome is Outcome.OK and result.view is not None:
        await reply(update, context, t._("Your sign-up for {when} is cancelled. Thank you for "
                                         "letting us know!").format(when=when(t, result.view)),
                    kb([[(t._("⬅️ All meals"), "meal:list")]]))
        await send_notices(context.application, context.services, result.notices)
    else:
        await _refuse(update, context, result.outcome)


async def answer_offer(update: Update, context: BotContext, meal_id: int, accept: bool) -> None:
    t = context.t
    result = await context.services.meals.answer_offer(context.person, meal_id, accept)
    if result.outcome is Outcome.CANCELLED and result.view is not None:
        await reply(update, context, t._("Thank you. The seat goes to the next person."),
                    kb([[(t._("⬅️ All meals"), "meal:list")]]))
        await send_notices(context.application, context.services, result.notices)
        return
    await _after(update, context, result)


# --- volunteers ----------------------------------------------------------------------------


async def _show_table(update: Update, context: BotContext, meal_id: int | None,
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
        await _refuse(update, context, outcome)
        return
    markup = table_markup(t, table, person, services.clock.now())
    await reply(update, context, table_text(t, table), markup,
                edit=update.callback_query is not None)


@requires(VOLUNTEER)
async def table_command(update: Update, context: BotContext) -> None:
    await _show_table(update, context, None)


async def table_of(update: Update, context: BotContext, meal_id: int) -> None:
    await _show_table(update, context, meal_id)


@requires(VOLUNTEER)
async def other_meals(update: Update, context: BotContext) -> None:
    assert context.person is not None
    await other_meals_of(update, context, context.person.room or "")


def _managed_room(context: BotContext, room: str) -> Outcome:
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
    outcome = _managed_room(context, room)
    if outcome is not Outcome.OK:
        await _refuse(update, context, outcome)
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


async def pick_room(update: Update, context: BotContext) -> None:
    """Coordinators look after every room: choose whose list to open."""
    t = context.t
    rooms = context.services.config.rooms.values()
    rows = [[(room.name, f"meal:tr:{room.id}")] for room in rooms]
    rows.append([(t._("⬅️ Menu"), "menu:main")])
    await reply(update, context, t._("Which BuurtWerkKamer?"), kb(rows))


async def room_table(update: Update, context: BotContext, room: str) -> None:
    """The next meal's list of a chosen room."""
    outcome = _managed_room(context, room)
    if outcome is not Outcome.OK:
        await _refuse(update, context, outcome)
        return
    await _show_table(update, context, None, room)


async def _volunteer_done(update: Update, context: BotContext, result: Result,
                          meal_id: int | None, room: str | None = None) -> None:
    if result.outcome not in (Outcome.OK, Outcome.ALREADY):
        await _refuse(update, context, result.outcome)
        return
    if result.outcome is Outcome.ALREADY and update.callback_query is not None:
        await safe_answer(update.callback_query, outcome_text(context.t, result.outcome))
    await send_notices(context.application, context.services, result.notices)
    target = meal_id if meal_id is not None else (
        result.view.meal.id if result.view is not None else None)
    await _show_table(update, context, target, room)


async def confirm(update: Update, context: BotContext, signup_id: int) -> None:
    result = await context.services.meals.confirm(context.person, signup_id)
    await _volunteer_done(update, context, result, None)


async def confirm_all(update: Update, context: BotContext, meal_id: int) -> None:
    result = await context.services.meals.confirm_all(context.person, meal_id)
    await _volunteer_done(update, context, result, meal_id)


async def decline_preset(update: Update, context: BotContext, signup_id: int, index: int
                         ) -> int:
    if not 0 <= index < len(DECLINE_REASONS):
        return await stale_button(update, context)
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    reason = context.t._(DECLINE_REASONS[index])
    result = await context.services.meals.decline(context.person, signup_id, reason)
    await _volunteer_done(update, context, result, None)
    return END


async def attendance(update: Update, context: BotContext, meal_id: int) -> None:
    person, t = context.person, context.t
    outcome, table = await context.services.meals.table(person, meal_id)
    if table is None:
        await _refuse(update, context, outcome)
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
        await _refuse(update, context, result.outcome)
        return
    await attendance(update, context, result.view.meal.id)


async def ask_cancel_meal(update: Update, context: BotContext, meal_id: int) -> None:
    t = context.t
    view = await context.services.meals.view(meal_id)
    if view is None:
        await _refuse(update, context, Outcome.NOT_FOUND)
        return
    await reply(update, context, t._("Cancel the shared dinner on {when}? Everyone who signed "
                                     "up gets a message.").format(when=when(t, view)),
                kb([[(t._("Yes, cancel the meal"), f"meal:cxy:{meal_id}")],
                    [(t._("No, keep the meal"), f"meal:t:{meal_id}")]]))


async def cancel_meal(update: Update, context: BotContext, meal_id: int) -> None:
    result = await context.services.meals.cancel_meal(context.person, meal_id)
    await _volunteer_done(update, context, result, meal_id)


# --- free text: allergy note, decline reason, walk-in name, caps ----------------------------


PROMPTS = {
    "note": N_("What are you allergic to? Write it in a few words (at most {n} characters)."),
    "no": N_("Why can this person not come? Choose a reason or type your own. "
             "The person will read it."),
    "add": N_("Type the name or initials of the person without Telegram."),
    "cap": N_("How many seats for this meal? Type a number from 1 to 40."),
    "rcap": N_("How many seats for all coming meals of your room? Type a number from 1 to 40."),
}


async def ask_text(update: Update, context: BotContext) -> int:
    """Entry: ``meal:<kind>:<id>`` buttons that need a typed answer."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    kind = parts[1] if len(parts) > 1 else ""
    target = parts[2] if len(parts) > 2 else ""
    person, t = context.person, context.t
    needed = {"note": RESIDENT, "no": VOLUNTEER, "add": VOLUNTEER, "cap": COORDINATOR,
              "rcap": COORDINATOR}.get(kind)
    if needed is None or (kind != "rcap" and not target.isdigit()) or (
            kind == "rcap" and target and context.services.config.room(target) is None):
        return await stale_button(update, context)
    if person is None or not person.has_role(needed):
        return await requires(needed)(_noop)(update, context)
    room = target if kind == "rcap" else ""
    if kind == "rcap" and not room:  # a button from before rooms were in the data
        room = person.room or ""
    if kind == "note":
        result = await context.services.meals.my_signup(person, int(target))
        if result.signup is None or result.signup.status not in (
                "pending", "confirmed", "waiting", "offered"):
            await _refuse(update, context, result.outcome if result.signup is None
                          else Outcome.NOT_SIGNED_UP)
            return END
    context.user_data["meal_prompt"] = {  # type: ignore[index]
        "kind": kind, "id": int(target) if target.isdigit() else 0, "room": room,
        "at": context.services.clock.now().isoformat()}
    rows: list[list[tuple[str, str]]] = []
    if kind == "no":
        rows = [[(t._(reason), f"meal:nr:{target}:{i}")] for i, reason in
                enumerate(DECLINE_REASONS)]
    rows.append([(t._("Stop"), "meal:stop")])
    question = t._(PROMPTS[kind]).format(n=MAX_NOTE)
    config_room = context.services.config.room(room)
    if kind == "rcap" and config_room is not None and room != person.room:
        question = t._("How many seats for all coming meals of {room}? Type a number from 1 "
                       "to 40.").format(room=escape(config_room.name))
    await reply(update, context, question, kb(rows))
    return TEXT


async def _noop(update: Update, context: BotContext) -> int:
    return END


async def got_text(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    prompt = context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    person, t = context.person, context.t
    services = context.services
    text = update.message.text
    if prompt is None or person is None or services.clock.now() - datetime.fromisoformat(
            prompt["at"]) > timedelta(minutes=PROMPT_MINUTES):
        await update.message.reply_text(t.bidi(t._(
            "I was not waiting for a message. Please use the buttons, or tap /menu.")))
        return END
    kind, target = prompt["kind"], prompt["id"]
    if kind == "note":
        if len(text) > MAX_NOTE:
            context.user_data["meal_prompt"] = prompt  # type: ignore[index]
            await update.message.reply_text(t.bidi(t._(
                "That is too long. Please write it in at most {n} characters.").format(
                    n=MAX_NOTE)))
            return TEXT
        result = await services.meals.set_note(person, target, text)
        await _after(update, context, result)
        await tell_cook_late_diet(context, result)
        return END
    if kind == "no":
        if len(text) > MAX_NOTE * 2:
            context.user_data["meal_prompt"] = prompt  # type: ignore[index]
            await update.message.reply_text(t.bidi(t._(
                "That is too long. Please write it in at most {n} characters.").format(
                    n=MAX_NOTE * 2)))
            return TEXT
        result = await services.meals.decline(person, target, text)
        await _volunteer_done(update, context, result, None)
        return END
    if kind == "add":
        if len(text) > 64:
            context.user_data["meal_prompt"] = prompt  # type: ignore[index]
            await update.message.reply_text(t.bidi(t._(
                "That is too long. Please write it in at most {n} characters.").format(n=64)))
            return TEXT
        result = await services.meals.add_offline(person, target, text)
        if result.outcome is Outcome.WAITLISTED:
            await update.message.reply_text(t.bidi(t._(
                "The meal is full: {name} is on the waiting list, place {place}.").format(
                    name=escape(" ".join(text.split())), place=result.place)))
            await _show_table(update, context, target)
            return END
        await _volunteer_done(update, context, result, target)
        return END
    # caps
    number = text.strip()
    if not number.isdigit() or not 1 <= int(number) <= 40:
        context.user_data["meal_prompt"] = prompt  # type: ignore[index]
        await update.message.reply_text(t.bidi(t._("Please type a number from 1 to 40.")))
        return TEXT
    if kind == "cap":
        result = await services.meals.set_meal_cap(person, target, int(number))
        await _volunteer_done(update, context, result, target)
    else:
        room = prompt.get("room") or person.room or ""
        result = await services.meals.set_room_cap(person, room, int(number))
        config_room = services.config.room(room)
        if result.outcome is Outcome.OK and config_room is not None:
            text = t._("Done: the coming meals of your room have {n} seats.").format(
                n=int(number)) if room == person.room else t._(
                "Done: the coming meals of {room} have {n} seats.").format(
                    room=escape(config_room.name), n=int(number))
            await update.message.reply_text(t.bidi(text))
        await _volunteer_done(update, context, result, None, room)
    return END


async def stop_text(update: Update, context: BotContext) -> int:
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("Stopped. Nothing was changed."),
                kb([[(context.t._("⬅️ Menu"), "menu:main")]]))
    return END


async def text_expected(update: Update, context: BotContext) -> int:
    """A photo or sticker where we asked for words."""
    assert update.message is not None
    await update.message.reply_text(context.t.bidi(context.t._(
        "Please type your answer, or tap Stop.")))
    return TEXT


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
            args.append(kind(raw))
        except ValueError:
            return await stale_button(update, context)

    async def run(u: Update, c: BotContext) -> None:
        await action(u, c, *args)

    await requires(role)(run)(update, context)  # the role is checked on the server, always
    return END


async def route_and_forget(update: Update, context: BotContext) -> int:
    """Another meal button while a question was open: the question is dropped."""
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    return await route(update, context)


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


# --- scheduled work ------------------------------------------------------------------------


MAX_DIGEST_NAMES = 8


def digest_text(t: Translator, digest: NewSignups) -> tuple[str, InlineKeyboardMarkup]:
    """New sign-ups waiting for a volunteer: one calm message for a batch of taps."""
    count = sum(len(rows) for _view, rows in digest.meals)
    lines = ["🔔 " + t.ngettext("{n} new sign-up for the shared dinner is waiting for your "
                               "confirmation.",
                               "{n} new sign-ups for the shared dinner are waiting for your "
                               "confirmation.", count).format(n=count)]
    buttons = []
    for view, rows in digest.meals:
        names = [person_label(t, row) for row in rows[:MAX_DIGEST_NAMES]]
        if len(rows) > MAX_DIGEST_NAMES:
            more = len(rows) - MAX_DIGEST_NAMES
            names.append(t.ngettext("{n} more", "{n} more", more).format(n=more))
        lines.append("")
        lines.append("<b>" + when(t, view) + "</b>: " + ", ".join(names))
        lines.append(t._("{taken} of {cap} seats taken, {free} left.").format(
            taken=view.taken, cap=view.cap, free=view.free))
        buttons.append([(t._("📋 Open the list of {date}").format(
            date=t.date(view.meal.starts_at, "EEE d MMM")), f"meal:t:{view.meal.id}")])
    return "\n".join(lines), kb(buttons)


async def tick(app: Any, now: datetime) -> None:
    """Expired offers move on, the morning reminder, the cook's final list at the deadline,
    and a batched heads-up to the kookgroep about sign-ups waiting for confirmation."""
    services = app.services
    notices, lists, digests = await services.meals.tick(now)
    await send_notices(app, services, notices)
    for digest in digests:
        people = await services.users.volunteers(digest.room)
        if not people:
            people = await services.users.coordinators(digest.room)
        for person in people:
            try:
                await notify(app, person, lambda t, d=digest: digest_text(t, d))
            except Exception:  # one failing message never stops the others
                log.exception("could not send the new sign-ups digest")
    for meal_id in lists:
        table = await services.meals.table_for(meal_id)
        if table is None:
            continue
        people = await services.users.volunteers(table.view.meal.room)
        if not people:
            people = await services.users.coordinators(table.view.meal.room)
        for person in people:
            await notify(app, person, lambda t, tb=table: (
                table_text(t, tb, final=True),
                kb([[(t._("📋 Open the list"), f"meal:t:{tb.view.meal.id}")]])))


def register(app: Application) -> None:
    """Add this feature's handlers and ticks to the application."""
    app.add_handler(build_conversation())
    app.add_handler(CommandHandler("eten", meals_list))
    app.add_handler(CallbackQueryHandler(meals_list, pattern=r"^menu:meals$"))
    app.add_handler(CommandHandler("tafel", table_command))
    app.add_handler(CallbackQueryHandler(table_command, pattern=r"^menu:table$"))
    app.add_handler(CallbackQueryHandler(stop_text, pattern=r"^meal:stop$"))
    app.add_handler(CallbackQueryHandler(route, pattern=r"^meal:"))
    jobs.add_tick(app, "meals", tick)  # type: ignore[arg-type]
