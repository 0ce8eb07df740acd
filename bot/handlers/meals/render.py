"""Eettafel texts and keyboards: a resident's card, the volunteers' list, notices, refusals.

Pure rendering plus the two helpers every action uses to answer (``refuse``, ``show_card``)
and ``send_notices``, which tells other people what changed, in their own language.
"""

from __future__ import annotations

import logging
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.common import (
    kb,
    notify,
    reply,
    safe_answer,
)
from bot.handlers.delivery import Retry
from bot.i18n import N_, Translator
from bot.services.meals import (
    DIETS,
    MAX_GUESTS,
    MealView,
    Notice,
    Outcome,
    Result,
    Table,
)
from bot.services.users import COORDINATOR, Person
from bot.store.meals import SignupRow

log = logging.getLogger(__name__)


TEXT = "text"
PROMPT_MINUTES = 30

DIET_LABELS = {
    "halal": N_("halal"),
    "vega": N_("vegetarian"),
    "nopork": N_("no pork"),
    "allergy": N_("allergy"),
}
#: Preset reasons to decline a sign-up: (short button label for the volunteer, the full
#: sentence the resident reads). The sentence is stored as its English msgid and translated
#: when shown, so the resident reads it in their own language, not the volunteer's; a reason
#: a volunteer typed is shown as typed.
DECLINE_REASONS: tuple[tuple[str, str], ...] = (
    (N_("🏘 Not from this area"), N_("The meal is for residents of this neighbourhood.")),
    (N_("👥 Signed up twice"), N_("You already signed up under another name.")),
    (N_("📞 Please call first"),
     N_("Please call the room first, so we can get to know you.")),
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
    return t.join(parts)


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
            reason=escape(t._(row.reason) if row.reason else "-"))
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
        lines.append(t._("Food: {counts}").format(counts=t.join(
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
                   "Reason: {reason}").format(
                       when=meal, reason=escape(t._(notice.data["reason"]))), \
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
        # Sent on the bot's own: a short Telegram error keeps it for a later tick.
        retry = Retry(f"meal:{notice.kind}", notice.meal_id, expires_at=view.meal.starts_at)
        try:
            await notify(app, person, lambda t, n=notice, v=view: notice_text(t, n, v),
                         retry=retry)
        except Exception:  # one failing message never stops the others
            log.exception("could not send a meal notice")




async def show_card(update: Update, context: BotContext, result: Result) -> None:
    if result.view is None:
        await refuse(update, context, result.outcome)
        return
    text, markup = card(context.t, result)
    await reply(update, context, text, markup)


async def refuse(update: Update, context: BotContext, outcome: Outcome) -> None:
    room = context.services.config.room(context.person.room if context.person else None)
    text = outcome_text(context.t, outcome, room.phone if room else "")
    if update.callback_query is not None:
        await safe_answer(update.callback_query, text, alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, context.t.bidi(text))
