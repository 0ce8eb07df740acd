"""Eettafel questions answered by typing: an allergy note, a decline reason, a walk-in's name,
a cap. Asked in a small persistent conversation, so a restart in between does not lose the
question.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from html import escape

from telegram import Update

from bot.actions import Action
from bot.actions.meals import (
    MealAddOffline,
    MealDecline,
    MealDeclineAsk,
    MealNote,
    MealSetCap,
    MealSetRoomCap,
    MealStop,
)
from bot.actions.menu import MenuMain
from bot.context import BotContext
from bot.digits import whole_number
from bot.handlers.common import (
    END,
    kb,
    reply,
    stale_button,
)
from bot.handlers.meals.render import DECLINE_REASONS, PROMPT_MINUTES, TEXT, refuse
from bot.handlers.meals.resident import after, tell_cook_late_diet
from bot.handlers.meals.volunteer import show_table, volunteer_done
from bot.i18n import N_, Translator
from bot.services.meals import (
    MAX_NOTE,
    Outcome,
)

log = logging.getLogger(__name__)


# --- free text: allergy note, decline reason, walk-in name, caps ----------------------------


PROMPTS = {
    "note": "",  # counted: see allergy_question
    "no": N_("Why can this person not come? Choose a reason or type your own. "
             "The person will read it."),
    "add": N_("Type the name or initials of the person without Telegram."),
    "cap": N_("How many seats for this meal? Type a number from 1 to 40."),
    "rcap": N_("How many seats for all coming meals of your room? Type a number from 1 to 40."),
}


#: The buttons that ask a typed answer → the prompt's kind (kept in the person's data, so
#: a question asked before a restart is still understood after it).
KINDS: dict[type[Action], str] = {
    MealNote: "note",
    MealDeclineAsk: "no",
    MealAddOffline: "add",
    MealSetCap: "cap",
    MealSetRoomCap: "rcap",
}
Ask = MealNote | MealDeclineAsk | MealAddOffline | MealSetCap | MealSetRoomCap


async def ask_text(update: Update, context: BotContext, act: Ask) -> int | None:
    """Entry: a button that needs a typed answer (the router has checked the role)."""
    person, t = context.person, context.t
    assert person is not None
    kind = KINDS[type(act)]
    target = act.signup_id if isinstance(act, MealDeclineAsk) else 0 if isinstance(
        act, MealSetRoomCap) else act.meal_id
    room = ""
    if isinstance(act, MealSetRoomCap):
        if act.room and context.services.config.room(act.room) is None:
            return await stale_button(update, context)
        room = act.room or person.room or ""  # no room: a button from before rooms were in it
    if isinstance(act, MealNote):
        result = await context.services.meals.my_signup(person, target)
        if result.signup is None or result.signup.status not in (
                "pending", "confirmed", "waiting", "offered"):
            await refuse(update, context, result.outcome if result.signup is None
                          else Outcome.NOT_SIGNED_UP)
            return END
    context.user_data["meal_prompt"] = {  # type: ignore[index]
        "kind": kind, "id": target, "room": room,
        "at": context.services.clock.now().isoformat()}
    rows: list[list[tuple[str, Action]]] = []
    if kind == "no":
        rows = [[(t._(label), MealDecline(target, i))] for i, (label, _) in
                enumerate(DECLINE_REASONS)]
    rows.append([(t._("Stop"), MealStop())])
    question = allergy_question(t) if kind == "note" else t._(PROMPTS[kind])
    config_room = context.services.config.room(room)
    if kind == "no":  # the buttons are short: say here what each one sends
        question += "\n\n" + "\n".join(
            f"{t._(label)}: {t.quote(t._(sentence))}" for label, sentence in DECLINE_REASONS)
    if kind == "rcap" and config_room is not None and room != person.room:
        question = t._("How many seats for all coming meals of {room}? Type a number from 1 "
                       "to 40.").format(room=escape(config_room.name))
    await reply(update, context, question, kb(rows))
    return TEXT


def allergy_question(t: Translator) -> str:
    return t.ngettext(
        "What are you allergic to? Write it in a few words (at most {n} character).",
        "What are you allergic to? Write it in a few words (at most {n} characters).",
        MAX_NOTE).format(n=MAX_NOTE)


def too_long_text(t: Translator, limit: int) -> str:
    return t.ngettext("That is too long. Please write it in at most {n} character.",
                      "That is too long. Please write it in at most {n} characters.",
                      limit).format(n=limit)


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
            await update.message.reply_text(t.bidi(too_long_text(t, MAX_NOTE)))
            return TEXT
        result = await services.meals.set_note(person, target, text)
        await after(update, context, result)
        await tell_cook_late_diet(context, result)
        return END
    if kind == "no":
        if len(text) > MAX_NOTE * 2:
            context.user_data["meal_prompt"] = prompt  # type: ignore[index]
            await update.message.reply_text(t.bidi(too_long_text(t, MAX_NOTE * 2)))
            return TEXT
        result = await services.meals.decline(person, target, text)
        await volunteer_done(update, context, result, None)
        return END
    if kind == "add":
        if len(text) > 64:
            context.user_data["meal_prompt"] = prompt  # type: ignore[index]
            await update.message.reply_text(t.bidi(too_long_text(t, 64)))
            return TEXT
        result = await services.meals.add_offline(person, target, text)
        if result.outcome is Outcome.WAITLISTED:
            await update.message.reply_text(t.bidi(t._(
                "The meal is full: {name} is on the waiting list, place {place}.").format(
                    name=escape(" ".join(text.split())), place=result.place)))
            await show_table(update, context, target)
            return END
        await volunteer_done(update, context, result, target)
        return END
    # caps
    typed = whole_number(text)
    number = str(typed) if typed is not None else ""
    if typed is None or not 1 <= typed <= 40:
        context.user_data["meal_prompt"] = prompt  # type: ignore[index]
        await update.message.reply_text(t.bidi(t._("Please type a number from 1 to 40.")))
        return TEXT
    if kind == "cap":
        result = await services.meals.set_meal_cap(person, target, int(number))
        await volunteer_done(update, context, result, target)
    else:
        room = prompt.get("room") or person.room or ""
        result = await services.meals.set_room_cap(person, room, int(number))
        config_room = services.config.room(room)
        if result.outcome is Outcome.OK and config_room is not None:
            seats = int(number)
            text = t.ngettext("Done: the coming meals of your room have {n} seat.",
                              "Done: the coming meals of your room have {n} seats.",
                              seats).format(n=seats) if room == person.room else t.ngettext(
                "Done: the coming meals of {room} have {n} seat.",
                "Done: the coming meals of {room} have {n} seats.", seats).format(
                    room=escape(config_room.name), n=seats)
            await update.message.reply_text(t.bidi(text))
        await volunteer_done(update, context, result, None, room)
    return END


async def stop_text(update: Update, context: BotContext, act: MealStop) -> int:
    context.user_data.pop("meal_prompt", None)  # type: ignore[union-attr]
    await reply(update, context, context.t._("Stopped. Nothing was changed."),
                kb([[(context.t._("⬅️ Menu"), MenuMain())]]))
    return END


async def text_expected(update: Update, context: BotContext) -> int:
    """A photo or sticker where we asked for words."""
    assert update.message is not None
    await update.message.reply_text(context.t.bidi(context.t._(
        "Please type your answer, or tap Stop.")))
    return TEXT
